"""The activation letters as PDF: A4, one page each, DIN 5008 form B window, embedded fonts."""

import datetime
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from meinekammer.chambers import letters
from meinekammer.chambers.letters import LetterContent, render_letters_pdf
from meinekammer.chambers.models import Chamber

PT_PER_MM = 72 / 25.4
A4_PT = (595.28, 841.89)
CREATED = datetime.datetime(2026, 11, 28, 9, 30, tzinfo=datetime.UTC)


def chamber(**overrides) -> Chamber:
    values = {
        "number": "101",
        "name": "IHK Musterstadt",
        "street": "Kammerplatz 1",
        "postal_code": "12345",
        "city": "Musterstadt",
        "phone": "0123 456789-0",
        "email": "registrierung@ihk-musterstadt.example",
        "website": "https://www.ihk-musterstadt.example/",
        "signatory_name": "Dr. Erika Beispiel",
        "signatory_title": "Leiterin Mitgliederservice",
    } | overrides
    return Chamber(**values)  # unsaved: no database needed


def letter(**overrides) -> LetterContent:
    values = {
        "chamber": chamber(),
        "company_name": "Müller & Söhne Gießerei GmbH",
        "recipient_name": "Frau Anna Admin",
        "street": "Hüttenweg 12",
        "postal_code": "54321",
        "city": "Neustadt an der Weinstraße",
        "member_number": "10100042",
        "password": "ABCD-EFGH-JKMN",
        "expires_on": datetime.date(2026, 12, 28),
        "new_password": False,
        "letter_date": datetime.date(2026, 11, 28),
    } | overrides
    return LetterContent(**values)


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def positioned_text(page) -> list[tuple[str, float, float]]:
    """(text, mm from the left edge, mm from the top edge) of each piece of text's baseline.

    pypdf hands the visitor the text matrix and the current transformation matrix; the
    device position is the text matrix's origin transformed by the CTM (pypdf's y grows
    from the bottom of the page).
    """
    height = float(page.mediabox.height)
    found = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x / PT_PER_MM, (height - y) / PT_PER_MM))

    page.extract_text(visitor_text=visit)
    return found


def position_of(page, text: str) -> tuple[float, float]:
    """Where ``text`` first stands on the page, from the top (the body may repeat it)."""
    matches = [(x, y) for piece, x, y in positioned_text(page) if piece == text]
    assert matches, f"{text!r} not found"
    return min(matches, key=lambda position: position[1])


def test_three_letters_give_three_a4_pages():
    pdf = render_letters_pdf(
        [
            letter(),
            letter(company_name="Beispiel AG", member_number="10100043"),
            letter(new_password=True, recipient_name=""),
        ]
    )
    assert pdf.startswith(b"%PDF-")
    reader = read(pdf)
    assert len(reader.pages) == 3
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width == pytest.approx(A4_PT[0], abs=1)
        assert height == pytest.approx(A4_PT[1], abs=1)


def test_the_letter_carries_the_values_to_type_in_and_umlauts_survive():
    page = read(render_letters_pdf([letter()])).pages[0]
    text = page.extract_text()
    assert "ABCD-EFGH-JKMN" in text
    assert "10100042" in text
    assert "Kammernummer 101" in text
    assert "Müller & Söhne Gießerei GmbH" in text
    assert "54321 Neustadt an der Weinstraße" in text
    assert "z. Hd. Frau Anna Admin" in text
    assert "Ihr Aktivierungskennwort für meinekammer" in text
    assert "Musterstadt, 28.11.2026" in text
    assert "28.12.2026" in text  # valid until
    assert "Mit freundlichen Grüßen" in text
    assert "Dr. Erika Beispiel" in text
    assert "This letter contains the activation password" in text
    assert "Seite 1 von 1" in text


def test_a_new_password_letter_says_so():
    text = read(render_letters_pdf([letter(new_password=True)])).pages[0]
    assert "Ihr neues Unternehmenspasswort für meinekammer" in text.extract_text()


def test_the_recipient_lies_in_the_window_of_din_5008_form_b():
    page = read(render_letters_pdf([letter()])).pages[0]
    for line in ("Müller & Söhne Gießerei GmbH", "54321 Neustadt an der Weinstraße"):
        x, y = position_of(page, line)
        assert 20 <= x <= 20 + 85, (line, x)
        assert 45 <= y <= 90, (line, y)
        # ... and in the address zone below the return address, from 62.7 mm.
        assert y >= 62.7, (line, y)
    _x, return_y = position_of(page, "IHK Musterstadt · Kammerplatz 1 · 12345 Musterstadt")
    assert 45 <= return_y <= 62.7


def test_long_names_stay_inside_the_window():
    long_letter = letter(
        company_name="Allgemeine Verwaltungsgesellschaft für Maschinenbau, Anlagenbau und "
        "sonstige Dienstleistungen mbH & Co. KG",
        recipient_name="Herr Maximilian Alexander von und zu Langenamenhausen-Schwertfeger",
    )
    page = read(render_letters_pdf([long_letter])).pages[0]
    address = [(text, x, y) for text, x, y in positioned_text(page) if 62.7 <= y <= 90 and x < 105]
    assert len(address) <= 6  # the six lines of the address zone
    assert [text for text, _x, _y in address][-2:] == [
        "Hüttenweg 12",
        "54321 Neustadt an der Weinstraße",
    ]
    for text, x, _y in address:
        assert x == pytest.approx(25, abs=0.5), text  # DIN 5008: at the 25 mm line


def test_the_fonts_are_embedded():
    page = read(render_letters_pdf([letter()])).pages[0]
    fonts = page["/Resources"]["/Font"]
    assert len(fonts) == 3  # DejaVu Sans, its bold, DejaVu Sans Mono
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile2" in descriptor, font["/BaseFont"]


def test_metadata_and_reproducible_output():
    batch = [letter(), letter(member_number="10100043")]
    pdf = render_letters_pdf(batch, created_at=CREATED)
    assert render_letters_pdf(batch, created_at=CREATED) == pdf
    metadata = read(pdf).metadata
    assert metadata.title == "Registrierungsbriefe meinekammer (2 Briefe)"
    assert metadata.author == "IHK Musterstadt"
    assert metadata.creation_date == CREATED


def test_an_empty_batch_is_refused():
    with pytest.raises(ValueError, match="at least one letter"):
        render_letters_pdf([])


def test_the_fonts_come_from_the_package():
    assert Path(letters.__file__).resolve().parent / "fonts" == letters.FONT_DIR
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf", "LICENSE"):
        assert (letters.FONT_DIR / name).is_file(), name
