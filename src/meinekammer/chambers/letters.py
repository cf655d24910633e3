"""Activation letters ("Registrierungsbriefe") as one PDF for the chamber's print queue.

Every letter is laid out after DIN 5008 form B for window envelopes (DL/C6/5 with the window
on the left): letterhead, return address and recipient in the address field, information
block, subject, body, the boxed values to type in, closing, a short English note and a footer
with the chamber's contact data and the page number of the letter.

The function is pure: it needs no settings, no database and no system fonts; the DejaVu
fonts ship in ``fonts/`` next to this module and are embedded (as subsets) into the PDF.
All measures are in millimetres from the top left corner of the sheet.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos

from .models import Chamber

FONT_DIR = Path(__file__).resolve().parent / "fonts"
SANS = "DejaVuSans"
MONO = "DejaVuSansMono"

# --- Sheet: A4 portrait, 210 × 297 mm (DIN EN ISO 216).
PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0

# --- Margins (DIN 5008): text starts at the 25 mm alignment line ("Fluchtlinie") and keeps
# at least 20 mm from the right edge.
MARGIN_LEFT = 25.0
MARGIN_RIGHT = 20.0
TEXT_RIGHT = PAGE_WIDTH - MARGIN_RIGHT  # 190 mm
TEXT_WIDTH = TEXT_RIGHT - MARGIN_LEFT  # 165 mm

# --- Letterhead ("Briefkopf"), form B: the top 45 mm of the sheet.
LETTERHEAD_TOP = 12.0
LETTERHEAD_BOTTOM = 45.0
LETTERHEAD_NAME_WIDTH = 85.0  # the chamber's name, left
LETTERHEAD_CONTACT_WIDTH = 75.0  # its address and contact data, right-aligned at TEXT_RIGHT

# --- Address field ("Anschriftfeld"), form B: 20 mm from the left edge, 45 mm from the top,
# 85 mm wide and 45 mm high; it lies behind the envelope's window.
ADDRESS_FIELD_LEFT = 20.0
ADDRESS_FIELD_TOP = 45.0
ADDRESS_FIELD_WIDTH = 85.0
ADDRESS_FIELD_HEIGHT = 45.0
# Its upper part, the "Zusatz- und Vermerkzone": 5 lines in 17.7 mm (45 to 62.7 mm from the
# top) for the return address ("Rücksendeangabe") and notes such as "Vertraulich"; DIN 5008
# fills it from the bottom so that the last entry stands right above the address.
ADDITION_ZONE_LINES = 5
ADDITION_ZONE_LINE_HEIGHT = 17.7 / ADDITION_ZONE_LINES  # 3.54 mm
# Its lower part, the "Anschriftzone": 6 lines in 27.3 mm (62.7 to 90 mm), filled from the top.
ADDRESS_ZONE_TOP = ADDRESS_FIELD_TOP + 17.7  # 62.7 mm
ADDRESS_ZONE_LINES = 6
ADDRESS_ZONE_LINE_HEIGHT = 27.3 / ADDRESS_ZONE_LINES  # 4.55 mm
# The lines in the field begin at the 25 mm alignment line, 5 mm inside the field, and keep
# 5 mm from its right edge, so that they stay in the window even if the sheet slips a little.
ADDRESS_TEXT_LEFT = MARGIN_LEFT
ADDRESS_TEXT_WIDTH = ADDRESS_FIELD_LEFT + ADDRESS_FIELD_WIDTH - 5.0 - ADDRESS_TEXT_LEFT  # 75 mm

# --- Information block ("Informationsblock"), form B: 125 mm from the left edge, from 50 mm
# from the top, at most 75 mm wide (here up to the right text margin).
INFO_BLOCK_LEFT = 125.0
INFO_BLOCK_TOP = 50.0
INFO_BLOCK_WIDTH = TEXT_RIGHT - INFO_BLOCK_LEFT  # 65 mm
INFO_LABEL_WIDTH = 36.0

# --- Subject ("Betreff"), form B: two blank lines of 4.23 mm below the address field.
SUBJECT_TOP = 98.46

# --- Marks on the left edge, form B: fold marks ("Falzmarken") at 105 and 210 mm for the
# three-part fold into a DL envelope, hole mark ("Lochmarke") at 148.5 mm (half the height).
FOLD_MARKS = (105.0, 210.0)
HOLE_MARK = 148.5
MARK_LEFT = 4.0  # printers do not reach the very edge
FOLD_MARK_LENGTH = 5.0
HOLE_MARK_LENGTH = 8.0

# --- Footer with the chamber's contact data and the page number.
FOOTER_RULE = 278.5
FOOTER_TOP = 279.5
FOOTER_LINE_HEIGHT = 3.3  # three lines, ending 7.6 mm above the bottom edge
FOOTER_SIZE = 7.0
# Three columns (left edge, width): the address, the contact data, chamber number and page.
FOOTER_ADDRESS = (MARGIN_LEFT, 70.0)
FOOTER_CONTACT = (MARGIN_LEFT + 72.0, 63.0)
FOOTER_PAGE = (TEXT_RIGHT - 28.0, 28.0)
# The body text breaks to a second page before it reaches the footer.
BODY_BOTTOM = 275.0
# Continuation pages: a short heading, then the text from here.
CONTINUATION_HEADING_TOP = 15.0
CONTINUATION_BODY_TOP = 27.0

# --- Type: 10 pt body text on lines of 4.23 mm (1/6 inch, the DIN 5008 line).
BODY_SIZE = 10.0
LINE = 4.23
SMALL_SIZE = 8.0
SMALL_LINE = 3.5

# --- The box with the values to type in.
BOX_PADDING = 3.0
BOX_TITLE_HEIGHT = 5.5
BOX_ROW_HEIGHTS = (9.5, 6.0, 6.0)  # password, member number, chamber number
BOX_LABEL_WIDTH = 52.0
PASSWORD_SIZE = 20.0
PASSWORD_LETTER_SPACING = 1.2  # mm between characters, so that each one reads on its own
VALUE_SIZE = 13.0


@dataclass(frozen=True)
class LetterContent:
    """Everything one letter says; ``password`` is already grouped for printing."""

    chamber: Chamber
    company_name: str
    recipient_name: str  # the applicant, e.g. "Frau Anna Admin" (may be empty)
    street: str
    postal_code: str
    city: str
    member_number: str
    password: str  # e.g. "ABCD-EFGH-JKLM"
    expires_on: datetime.date
    new_password: bool  # a new company password on request, not the first after registration
    letter_date: datetime.date
    portal_url: str = ""  # where to log in; the letter names the portal without it
    # The opening line for the person named "z. Hd." (accounts' User.greeting, in German);
    # a letter that names nobody opens "Sehr geehrte Damen und Herren,".
    greeting: str = ""


def render_letters_pdf(
    letters: Sequence[LetterContent], *, created_at: datetime.datetime | None = None
) -> bytes:
    """All letters in one PDF, each starting on a new page (one page each, as a rule).

    ``created_at`` is the creation date in the PDF's metadata (now, if not given); with it
    fixed, the same letters give the same bytes.
    """
    if not letters:
        raise ValueError("render_letters_pdf() needs at least one letter; none were given.")
    pdf = _LetterPDF()
    chambers = list(dict.fromkeys(letter.chamber.name for letter in letters))
    pdf.set_title(
        "Registrierungsbrief meinekammer"
        if len(letters) == 1
        else f"Registrierungsbriefe meinekammer ({len(letters)} Briefe)"
    )
    pdf.set_author(", ".join(chambers))
    pdf.set_subject("Aktivierungskennwörter für meinekammer – vertraulich")
    pdf.set_creator("meinekammer")
    pdf.set_lang("de-DE")
    pdf.set_creation_date(created_at or datetime.datetime.now(datetime.UTC))
    for letter in letters:
        pdf.render_letter(letter)
    return bytes(pdf.output())


def _date(day: datetime.date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def _website(url: str) -> str:
    """The website as printed: without the scheme and the trailing slash."""
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            url = url[len(scheme) :]
    return url.rstrip("/")


def _contact(chamber: Chamber) -> str:
    """How to reach the chamber in running text: by telephone, else by e-mail."""
    if chamber.phone:
        return f"Telefon {chamber.phone}"
    if chamber.email:
        return f"E-Mail {chamber.email}"
    return ""


class _LetterPDF(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(SANS, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(SANS, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.add_font(MONO, "", FONT_DIR / "DejaVuSansMono.ttf")
        self.set_margins(MARGIN_LEFT, CONTINUATION_BODY_TOP, MARGIN_RIGHT)
        # No inner padding in cells: text starts exactly at the positions given here.
        self.c_margin = 0.0
        self.set_auto_page_break(True, margin=PAGE_HEIGHT - BODY_BOTTOM)
        self.set_text_color(0)
        self.set_draw_color(0)
        self.set_line_width(0.2)
        self.letter: LetterContent | None = None
        self.letter_first_page = 0

    # --- Page furniture --------------------------------------------------------------------

    def header(self) -> None:
        """Marks on every page; continuation pages also name the letter they belong to."""
        with self.local_context(line_width=0.2, draw_color=(0, 0, 0)):
            for y in FOLD_MARKS:
                self.line(MARK_LEFT, y, MARK_LEFT + FOLD_MARK_LENGTH, y)
            self.line(MARK_LEFT, HOLE_MARK, MARK_LEFT + HOLE_MARK_LENGTH, HOLE_MARK)
        if self.letter is not None and self.page > self.letter_first_page:
            letter = self.letter
            self._fitted_cell(
                MARGIN_LEFT,
                CONTINUATION_HEADING_TOP,
                TEXT_WIDTH,
                SMALL_LINE,
                f"{letter.chamber.name} – Schreiben an {letter.company_name} "
                f"vom {_date(letter.letter_date)}",
                size=SMALL_SIZE,
                min_size=SMALL_SIZE,
            )
            self.set_y(CONTINUATION_BODY_TOP)

    def footer(self) -> None:
        """Nothing here: the footer needs the letter's page count (see ``_draw_footers``)."""

    def _draw_footers(self, letter: LetterContent, first_page: int, last_page: int) -> None:
        chamber = letter.chamber
        self.set_auto_page_break(False)
        count = last_page - first_page + 1
        for page in range(first_page, last_page + 1):
            self.page = page
            # The page's content stream may end with another font: select it again.
            self.current_font_is_set_on_page = False
            with self.local_context(line_width=0.2, draw_color=(0, 0, 0)):
                self.line(MARGIN_LEFT, FOOTER_RULE, TEXT_RIGHT, FOOTER_RULE)
            address = [chamber.name, chamber.street, f"{chamber.postal_code} {chamber.city}"]
            contact = [
                f"Telefon {chamber.phone}" if chamber.phone else "",
                f"E-Mail {chamber.email}" if chamber.email else "",
                _website(chamber.website),
            ]
            numbers = [
                f"Kammernummer {chamber.number}",
                "",
                f"Seite {page - first_page + 1} von {count}",
            ]
            columns = [
                (FOOTER_ADDRESS, address, Align.L),
                (FOOTER_CONTACT, contact, Align.L),
                (FOOTER_PAGE, numbers, Align.R),
            ]
            for (x, width), lines, align in columns:
                for row, text in enumerate(lines):
                    if text:
                        self._fitted_cell(
                            x,
                            FOOTER_TOP + row * FOOTER_LINE_HEIGHT,
                            width,
                            FOOTER_LINE_HEIGHT,
                            text,
                            size=FOOTER_SIZE,
                            align=align,
                        )
        self.page = last_page
        self.current_font_is_set_on_page = False
        self.set_auto_page_break(True, margin=PAGE_HEIGHT - BODY_BOTTOM)

    # --- Helpers -------------------------------------------------------------------------

    def _fitted_cell(
        self,
        x: float,
        y: float,
        width: float,
        height: float,
        text: str,
        *,
        size: float,
        style: str = "",
        family: str = SANS,
        align: Align = Align.L,
        min_size: float = 6.0,
    ) -> None:
        """One line at (x, y): smaller type if it is too wide, cut short if still too wide."""
        self.set_font(family, style, size)
        while self.get_string_width(text) > width and size > min_size:
            size -= 0.5
            self.set_font(family, style, size)
        if self.get_string_width(text) > width:
            while text and self.get_string_width(text + "…") > width:
                text = text[:-1]
            text += "…"
        self.set_xy(x, y)
        self.cell(width, height, text, align=align)

    def _wrap(self, text: str, width: float) -> list[str]:
        """The lines ``text`` breaks into at ``width`` in the current font."""
        lines = self.multi_cell(
            width, LINE, text, dry_run=True, output=MethodReturnValue.LINES, align=Align.L
        )
        assert isinstance(lines, list)  # what output=LINES returns
        return [str(line) for line in lines] or [""]

    def _paragraph(self, *parts: str | tuple[str, str], after: float = 2.0) -> None:
        """Running text from the left margin; a part ("text", "B") is set in bold."""
        self.set_x(self.l_margin)
        for part in parts:
            text, style = (part, "") if isinstance(part, str) else part
            self.set_font(SANS, style, BODY_SIZE)
            self.write(LINE, text)
        self.ln(LINE + after)

    def _numbered(self, items: Sequence[Sequence[str | tuple[str, str]]]) -> None:
        indent = 6.0
        for number, parts in enumerate(items, 1):
            self.set_font(SANS, "", BODY_SIZE)
            self.set_x(MARGIN_LEFT)
            self.cell(indent, LINE, f"{number}.")
            self.set_left_margin(MARGIN_LEFT + indent)
            for part in parts:
                text, style = (part, "") if isinstance(part, str) else part
                self.set_font(SANS, style, BODY_SIZE)
                self.write(LINE, text)
            self.set_left_margin(MARGIN_LEFT)
            self.ln(LINE + 0.3)
        self.ln(1.7)

    # --- The letter -----------------------------------------------------------------------

    def render_letter(self, letter: LetterContent) -> None:
        self.letter = letter
        self.letter_first_page = self.page + 1
        self.add_page()
        self._letterhead(letter.chamber)
        self._address_field(letter)
        self._information_block(letter)
        self._subject_and_body(letter)
        self._draw_footers(letter, self.letter_first_page, self.page)

    def _letterhead(self, chamber: Chamber) -> None:
        # The chamber's name, large, on the left (two lines at most).
        self.set_font(SANS, "B", 15.0)
        size = 15.0
        while len(self._wrap(chamber.name, LETTERHEAD_NAME_WIDTH)) > 2 and size > 10.0:
            size -= 1.0
            self.set_font(SANS, "B", size)
        self.set_xy(MARGIN_LEFT, LETTERHEAD_TOP)
        self.multi_cell(LETTERHEAD_NAME_WIDTH, size * 0.45, chamber.name, align=Align.L)
        # Address and contact data, right-aligned.
        lines = [
            chamber.street,
            f"{chamber.postal_code} {chamber.city}",
            f"Telefon {chamber.phone}" if chamber.phone else "",
            f"E-Mail {chamber.email}" if chamber.email else "",
            _website(chamber.website),
        ]
        y = LETTERHEAD_TOP
        for text in lines:
            if text:
                self._fitted_cell(
                    TEXT_RIGHT - LETTERHEAD_CONTACT_WIDTH,
                    y,
                    LETTERHEAD_CONTACT_WIDTH,
                    3.6,
                    text,
                    size=8.0,
                    align=Align.R,
                )
                y += 3.6

    def _address_field(self, letter: LetterContent) -> None:
        chamber = letter.chamber
        # Zusatz- und Vermerkzone, filled from the bottom: line 4 the return address (small,
        # underlined by a rule), line 5 the note "Vertraulich".
        zone_top = ADDRESS_FIELD_TOP
        return_y = zone_top + 3 * ADDITION_ZONE_LINE_HEIGHT
        self._fitted_cell(
            ADDRESS_TEXT_LEFT,
            return_y - 0.4,
            ADDRESS_TEXT_WIDTH,
            ADDITION_ZONE_LINE_HEIGHT - 0.4,
            chamber.sender_line,
            size=6.5,
            min_size=5.0,
        )
        rule_y = return_y + ADDITION_ZONE_LINE_HEIGHT - 0.9
        with self.local_context(line_width=0.15, draw_color=(0, 0, 0)):
            self.line(ADDRESS_TEXT_LEFT, rule_y, ADDRESS_TEXT_LEFT + ADDRESS_TEXT_WIDTH, rule_y)
        self._fitted_cell(
            ADDRESS_TEXT_LEFT,
            zone_top + 4 * ADDITION_ZONE_LINE_HEIGHT,
            ADDRESS_TEXT_WIDTH,
            ADDITION_ZONE_LINE_HEIGHT,
            "Vertraulich",
            size=8.0,
            style="B",
        )
        # Anschriftzone: company, "z. Hd." the applicant, street, postal code and city.
        recipient = letter.recipient_name.strip()
        fields = {
            "company": letter.company_name.strip(),
            "recipient": f"z. Hd. {recipient}" if recipient else "",
            "street": letter.street.strip(),
            "city": f"{letter.postal_code} {letter.city}".strip(),
        }
        # Long names first get smaller type (down to 8 pt), then give way in this order,
        # each down to so many lines, cut short with "…": the postal address stays whole.
        give_way = [("recipient", 1), ("company", 2), ("street", 1), ("company", 1)]
        size = BODY_SIZE
        while True:
            self.set_font(SANS, "", size)
            wrapped = {
                key: self._wrap(text, ADDRESS_TEXT_WIDTH) if text else []
                for key, text in fields.items()
            }
            if sum(map(len, wrapped.values())) <= ADDRESS_ZONE_LINES or size <= 8.0:
                break
            size -= 0.5
        for key, keep in give_way:
            excess = sum(map(len, wrapped.values())) - ADDRESS_ZONE_LINES
            if excess <= 0:
                break
            if len(wrapped[key]) > keep:
                keep = max(keep, len(wrapped[key]) - excess)
                wrapped[key] = self._cut(wrapped[key], keep, ADDRESS_TEXT_WIDTH)
        lines = [line for field in wrapped.values() for line in field][:ADDRESS_ZONE_LINES]
        for row, text in enumerate(lines):
            self.set_xy(ADDRESS_TEXT_LEFT, ADDRESS_ZONE_TOP + row * ADDRESS_ZONE_LINE_HEIGHT)
            self.cell(ADDRESS_TEXT_WIDTH, ADDRESS_ZONE_LINE_HEIGHT, text)

    def _cut(self, lines: list[str], keep: int, width: float) -> list[str]:
        """The first ``keep`` lines, the last one ending in "…" (in the current font)."""
        lines = lines[:keep]
        last = lines[-1].rstrip()
        while last and self.get_string_width(last + "…") > width:
            last = last[:-1].rstrip()
        return [*lines[:-1], last + "…"]

    def _information_block(self, letter: LetterContent) -> None:
        rows = [
            ("Ihre Mitgliedsnummer", letter.member_number),
            ("Kammernummer", letter.chamber.number),
        ]
        y = INFO_BLOCK_TOP
        for label, value in rows:
            self._fitted_cell(INFO_BLOCK_LEFT, y, INFO_LABEL_WIDTH, LINE, label, size=8.0)
            self._fitted_cell(
                INFO_BLOCK_LEFT + INFO_LABEL_WIDTH,
                y,
                INFO_BLOCK_WIDTH - INFO_LABEL_WIDTH,
                LINE,
                value,
                size=9.0,
            )
            y += LINE
        y += LINE
        self._fitted_cell(
            INFO_BLOCK_LEFT,
            y,
            INFO_BLOCK_WIDTH,
            LINE,
            f"{letter.chamber.city}, {_date(letter.letter_date)}",
            size=9.0,
        )

    def _subject_and_body(self, letter: LetterContent) -> None:
        chamber = letter.chamber
        new_password = letter.new_password
        expires = _date(letter.expires_on)
        self.set_xy(MARGIN_LEFT, SUBJECT_TOP)
        self.set_font(SANS, "B", 11.0)
        self.multi_cell(
            TEXT_WIDTH,
            5.0,
            "Ihr neues Unternehmenspasswort für meinekammer"
            if new_password
            else "Ihr Aktivierungskennwort für meinekammer",
            align=Align.L,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.ln(2 * LINE - 1.0)
        self._paragraph(
            letter.greeting.strip() or "Sehr geehrte Damen und Herren,", after=LINE - 2.0
        )
        if new_password:
            self._paragraph(
                "auf Ihren Antrag erhalten Sie mit diesem Schreiben ein neues "
                "Unternehmenspasswort (Aktivierungskennwort) für Ihr Unternehmen „",
                (letter.company_name, "B"),
                "“ im Portal meinekammer. Es ersetzt alle früher versandten "
                "Aktivierungskennwörter Ihres Unternehmens; diese gelten nicht mehr.",
            )
        else:
            self._paragraph(
                "wir haben die Registrierung Ihres Unternehmens „",
                (letter.company_name, "B"),
                "“ im Portal meinekammer geprüft und bestätigt. Mit dem Aktivierungskennwort "
                "aus diesem Schreiben können Sie Ihr Unternehmen jetzt in meinekammer "
                "aktivieren.",
            )
        self._value_box(letter)
        self._paragraph(("So gehen Sie vor:", "B"), after=0.8)
        login = (
            f"Melden Sie sich im Portal meinekammer unter {letter.portal_url} an."
            if letter.portal_url
            else "Melden Sie sich im Portal meinekammer an."
        )
        self._numbered(
            [
                [login],
                ["Wählen Sie die Kachel ", ("„Unternehmen aktivieren“", "B"), "."],
                [
                    "Geben Sie Aktivierungskennwort, Mitgliedsnummer und Kammernummer aus dem "
                    "Kasten ein (Groß-/Kleinschreibung und Bindestriche sind egal).",
                ],
                ["Klicken Sie auf ", ("„Aktivieren“", "B"), "."],
            ]
        )
        self._paragraph(
            "Wer das Unternehmen damit aktiviert, wird dessen Administratorin oder Administrator "
            "in meinekammer – geben Sie den Brief nur an diese Person weiter."
        )
        self._paragraph(
            "Das Kennwort gilt bis zum ",
            (expires, "B"),
            ". Nach fünf Falscheingaben ist es gesperrt; dann benötigen Sie einen neuen Brief. "
            "Bitte bewahren Sie dieses Schreiben vertraulich auf.",
        )
        contact = _contact(chamber)
        self._paragraph(
            "Haben Sie "
            + ("kein neues Unternehmenspasswort" if new_password else "keine Registrierung")
            + " beantragt, geben Sie das Kennwort bitte nicht ein und wenden Sie sich an uns"
            + (f" ({contact})." if contact else "."),
            after=LINE - 1.0,
        )
        self._closing(chamber)
        self._english_note(letter)

    def _value_box(self, letter: LetterContent) -> None:
        rows = [
            ("Aktivierungskennwort", letter.password, PASSWORD_SIZE, PASSWORD_LETTER_SPACING),
            ("Mitgliedsnummer", letter.member_number, VALUE_SIZE, 0.4),
            ("Kammernummer", letter.chamber.number, VALUE_SIZE, 0.4),
        ]
        box_height = 2 * BOX_PADDING + BOX_TITLE_HEIGHT + sum(BOX_ROW_HEIGHTS)
        if self.will_page_break(box_height + 2.0):
            self.add_page()
        top = self.get_y() + 0.5
        with self.local_context(line_width=0.5, draw_color=(0, 0, 0), fill_color=(242, 242, 242)):
            self.rect(MARGIN_LEFT, top, TEXT_WIDTH, box_height, style="DF")
        inner_left = MARGIN_LEFT + BOX_PADDING
        inner_width = TEXT_WIDTH - 2 * BOX_PADDING
        y = top + BOX_PADDING
        self._fitted_cell(
            inner_left,
            y,
            inner_width,
            BOX_TITLE_HEIGHT - 1.0,
            "Ihre Angaben für „Unternehmen aktivieren“",
            size=9.5,
            style="B",
        )
        y += BOX_TITLE_HEIGHT
        value_left = inner_left + BOX_LABEL_WIDTH
        value_width = inner_width - BOX_LABEL_WIDTH
        for (label, value, size, spacing), height in zip(rows, BOX_ROW_HEIGHTS, strict=True):
            self._fitted_cell(inner_left, y, BOX_LABEL_WIDTH, height, label, size=10.0)
            self.set_char_spacing(spacing)
            self._fitted_cell(value_left, y, value_width, height, value, size=size, family=MONO)
            self.set_char_spacing(0)
            y += height
        self.set_xy(MARGIN_LEFT, top + box_height + 3.5)

    def _closing(self, chamber: Chamber) -> None:
        # (text, space before it): no handwritten signature, so no room left for one.
        lines = [("Mit freundlichen Grüßen", 0.0), (chamber.name, 2.0)]
        if chamber.signatory_name:
            lines.append((chamber.signatory_name, 2.0))
            if chamber.signatory_title:
                lines.append((chamber.signatory_title, 0.0))
        height = sum(LINE + space for _text, space in lines) + 1.0 + SMALL_LINE
        if self.will_page_break(height):
            self.add_page()
        self.set_font(SANS, "", BODY_SIZE)
        for text, space in lines:
            self.ln(space)
            self.set_x(MARGIN_LEFT)
            self.multi_cell(
                TEXT_WIDTH, LINE, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.ln(1.0)
        self.set_font(SANS, "", 7.0)
        self.multi_cell(
            TEXT_WIDTH,
            SMALL_LINE,
            "Dieses Schreiben wurde maschinell erstellt und ist ohne Unterschrift gültig.",
            align=Align.L,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.ln(2.5)

    def _english_note(self, letter: LetterContent) -> None:
        expires = letter.expires_on
        text = (
            "This letter contains the activation password for your company's account at "
            "meinekammer. To activate the company, log in, choose the tile “Unternehmen "
            "aktivieren” (activate company) and enter the password, member number and "
            f"chamber number from the box above by {expires.day} {_MONTHS[expires.month - 1]} "
            f"{expires.year}; please keep this letter confidential."
        )
        self.set_font(SANS, "", SMALL_SIZE)
        height = len(self._wrap(text, TEXT_WIDTH)) * SMALL_LINE
        if self.will_page_break(height):
            self.add_page()
        with self.local_context(text_color=(60, 60, 60)):
            self.set_font(SANS, "", SMALL_SIZE)
            self.set_x(MARGIN_LEFT)
            self.multi_cell(
                TEXT_WIDTH, SMALL_LINE, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
