import io
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from meinekammer.chambers.demo_directory import generate_directory_rows, seed_demo_directory
from meinekammer.chambers.directory import DirectoryImportError, import_directory
from meinekammer.chambers.models import DirectoryEntry
from tests.chambers.factories import ChamberFactory, DirectoryEntryFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "member_number;name;legal_form;street;postal_code;city;register_court;register_number;status"
)
ROWS = [
    "1010001;Beispiel GmbH;GmbH;Musterstraße 1;12345;Musterstadt;Amtsgericht Musterstadt;HRB 1001;active",
    "1010002;Müller Metallbau GmbH & Co. KG;GmbH & Co. KG;Hauptstraße 5;12347;Musterstadt;Amtsgericht Musterstadt;HRA 502;aktiv",
    "1010003;Bäckerei Schmidt;Einzelunternehmen;Bahnhofstraße 3;12349;Musterstadt;;;Inaktiv",
]


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


@pytest.fixture(autouse=True)
def _in_english():
    """The reasons of rejected rows follow the active language; the command prints them in
    English (test_the_command_…), and so they are read here."""
    with translation.override("en"):
        yield


@pytest.fixture
def chamber():
    return ChamberFactory(number="101", name="IHK Musterstadt")


@pytest.fixture
def write(tmp_path):
    def write(text: str, *, name: str = "verzeichnis.csv", encoding: str = "utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


def snapshot(chamber):
    return {
        entry.member_number: (entry.name, entry.city, entry.status, entry.updated_at)
        for entry in DirectoryEntry.objects.filter(chamber=chamber)
    }


def test_an_import_creates_the_entries_with_their_normalized_columns(chamber, write):
    result = import_directory(chamber, write(csv_text(*ROWS)))

    assert (result.created, result.updated, result.unchanged, result.rejected) == (3, 0, 0, 0)
    assert result.summary() == "created: 3, updated: 0, unchanged: 0, rejected: 0"
    entry = DirectoryEntry.objects.get(chamber=chamber, member_number="1010002")
    assert entry.name == "Müller Metallbau GmbH & Co. KG"
    assert (entry.street, entry.postal_code, entry.city) == (
        "Hauptstraße 5",
        "12347",
        "Musterstadt",
    )
    assert entry.name_normalized == "mueller metallbau"
    assert entry.register_court_normalized == "amtsgericht musterstadt"
    assert entry.register_number_normalized == "HRA502"
    assert entry.status == "active"  # German "aktiv"
    sole_trader = DirectoryEntry.objects.get(chamber=chamber, member_number="1010003")
    assert sole_trader.status == "inactive"  # "Inaktiv", any case
    assert (sole_trader.register_court, sole_trader.register_number_normalized) == ("", "")


def test_the_importer_normalizes_exactly_as_the_model_does(chamber, write):
    import_directory(chamber, write(csv_text(*ROWS)))
    for entry in DirectoryEntry.objects.filter(chamber=chamber):
        stored = (
            entry.name_normalized,
            entry.register_court_normalized,
            entry.register_number_normalized,
        )
        entry.save()
        entry.refresh_from_db()
        assert stored == (
            entry.name_normalized,
            entry.register_court_normalized,
            entry.register_number_normalized,
        )


def test_importing_the_same_file_again_changes_nothing(chamber, write):
    path = write(csv_text(*ROWS))
    import_directory(chamber, path)
    before = snapshot(chamber)

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        result = import_directory(chamber, path)

    assert (result.created, result.updated, result.unchanged, result.rejected) == (0, 0, 3, 0)
    assert snapshot(chamber) == before  # updated_at included


def test_a_changed_row_updates_that_entry_only(chamber, write):
    import_directory(chamber, write(csv_text(*ROWS)))
    before = snapshot(chamber)
    changed = ROWS[1].replace("Hauptstraße 5;12347;Musterstadt", "Hauptstraße 7;12347;Neustadt")

    later = timezone.now() + timedelta(hours=1)
    with time_machine.travel(later):
        result = import_directory(chamber, write(csv_text(ROWS[0], changed, ROWS[2])))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    after = snapshot(chamber)
    assert after["1010002"][1] == "Neustadt"
    assert after["1010002"][3] >= later
    assert {k: v for k, v in after.items() if k != "1010002"} == {
        k: v for k, v in before.items() if k != "1010002"
    }


def test_entries_missing_from_the_file_and_other_chambers_entries_stay(chamber, write):
    other = ChamberFactory(number="202")
    kept = DirectoryEntryFactory(chamber=chamber, member_number="1019999")
    foreign = DirectoryEntryFactory(chamber=other, member_number="1010001", name="Andere GmbH")

    result = import_directory(chamber, write(csv_text(*ROWS)))

    assert result.created == 3
    assert DirectoryEntry.objects.filter(pk=kept.pk).exists()
    foreign.refresh_from_db()
    assert foreign.name == "Andere GmbH"
    assert DirectoryEntry.objects.filter(member_number="1010001").count() == 2


def test_bad_rows_are_reported_with_their_line_numbers_and_the_others_imported(chamber, write):
    rows = [
        ROWS[0],  # line 2
        ";Ohne Nummer GmbH;GmbH;Weg 1;12345;Musterstadt;;;active",  # 3
        "1010010;;GmbH;Weg 1;12345;Musterstadt;;;active",  # 4
        "1010011;Kurze PLZ GmbH;GmbH;Weg 1;1234;Musterstadt;;;active",  # 5
        "1010012;Geschlossen GmbH;GmbH;Weg 1;12345;Musterstadt;;;geschlossen",  # 6
        f"1010013;{'X' * 301};GmbH;Weg 1;12345;Musterstadt;;;active",  # 7
        "1010001;Doppelt GmbH;GmbH;Weg 1;12345;Musterstadt;;;active",  # 8
        "1010014;Zu wenig Felder GmbH;GmbH",  # 9
        "",  # 10: blank lines are skipped silently
        ";;;;;;;;",  # 11: so are the empty rows spreadsheets leave behind
        ROWS[1],  # 12
        f"1010015;Lange Straße GmbH;GmbH;{'S' * 201};12345;Musterstadt;;;active",  # 13
        "1010016;Ohne PLZ GmbH;GmbH;Weg 1;;Musterstadt;;;",  # 14: empty postal code and status
    ]

    result = import_directory(chamber, write(csv_text(*rows)))

    assert result.rejections == [
        (3, "the member number is missing"),
        (4, "the name is missing"),
        (5, "the postal code “1234” does not have five digits"),
        (6, "the status “geschlossen” is neither active nor inactive (aktiv/inaktiv)"),
        (7, "the name is longer than 300 characters"),
        (8, "the member number 1010001 already appears on line 2"),
        (9, "expected 9 fields, found 3"),
        (13, "the street is longer than 200 characters"),
    ]
    assert (result.created, result.rejected) == (3, 8)
    assert set(DirectoryEntry.objects.values_list("member_number", flat=True)) == {
        "1010001",
        "1010002",
        "1010016",
    }
    assert DirectoryEntry.objects.get(member_number="1010001").name == "Beispiel GmbH"
    assert DirectoryEntry.objects.get(member_number="1010016").status == "active"


def test_line_numbers_count_the_lines_of_a_quoted_field_with_a_line_break(chamber, write):
    text = csv_text(
        '1010001;Beispiel GmbH;GmbH;"Musterstraße 1\nHinterhaus";12345;Musterstadt;;;active',
        "1010002;Beispiel AG;AG;Weg 1;123;Musterstadt;;;active",
    )

    result = import_directory(chamber, write(text))

    assert result.rejections == [(4, "the postal code “123” does not have five digits")]
    assert DirectoryEntry.objects.get().street == "Musterstraße 1\nHinterhaus"


def test_a_comma_separated_file_with_a_bom_and_crlf_is_read(chamber, write):
    text = (
        HEADER.replace(";", ",")
        + "\r\n"
        + '1010001,"Müller, Schmidt & Co. KG",KG,Weg 1,12345,Musterstadt,'
        + "Amtsgericht Musterstadt,HRA 1,aktiv\r\n"
    )

    result = import_directory(chamber, write("\ufeff" + text))

    assert (result.created, result.rejected) == (1, 0)
    entry = DirectoryEntry.objects.get()
    assert (entry.member_number, entry.name) == ("1010001", "Müller, Schmidt & Co. KG")


def test_open_files_are_read_in_text_and_in_binary_and_stay_open(chamber):
    binary = io.BytesIO(("\ufeff" + csv_text(ROWS[0])).encode())
    text = io.StringIO("\ufeff" + csv_text(ROWS[0], ROWS[1]))

    assert import_directory(chamber, binary).created == 1
    assert not binary.closed
    assert (import_directory(chamber, text).created, text.closed) == (1, False)


def test_columns_in_another_order_and_extra_columns_are_accepted(chamber, write):
    header = "name;member_number;remark;legal_form;street;postal_code;city;register_court;register_number;status"
    row = "Beispiel GmbH;1010001;egal;GmbH;Weg 1;12345;Musterstadt;;;active"

    assert import_directory(chamber, write(csv_text(row, header=header))).created == 1
    assert DirectoryEntry.objects.get().name == "Beispiel GmbH"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty"),
        ("mitgliedsnummer;firma\n1;x\n", "Line 1 must name the columns"),
        ("member_number;name;city\n1;x;y\n", "Line 1 lacks the column(s): legal_form, street"),
    ],
)
def test_a_file_without_the_documented_header_is_refused(chamber, write, text, message):
    with pytest.raises(DirectoryImportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_directory(chamber, write(text))


def test_a_file_that_is_not_utf8_is_refused_and_nothing_is_imported(chamber, write):
    text = csv_text(*ROWS, "1010004;Größe GmbH;GmbH;Weg 1;12345;Musterstadt;;;active")

    with pytest.raises(DirectoryImportError, match="not UTF-8"):
        import_directory(chamber, write(text, encoding="cp1252"))
    assert not DirectoryEntry.objects.exists()


def test_progress_is_reported_for_every_row_read(chamber):
    rows = list(generate_directory_rows("101", 25_001, seed=7))
    buffer = io.StringIO()
    from meinekammer.chambers.demo_directory import write_directory_csv

    write_directory_csv(rows, buffer)
    buffer.seek(0)
    steps: list[int] = []

    result = import_directory(chamber, buffer, progress=steps.append)

    assert sum(steps) == 25_001 and steps[0] == 10_000
    assert result.created == 25_001


# --- The management command ---------------------------------------------------------------------


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import-directory", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_a_summary_and_every_rejected_row(chamber, write):
    path = write(csv_text(ROWS[0], "1010009;;GmbH;Weg 1;12345;Musterstadt;;;active", ROWS[1]))

    out, err = run("--chamber", "101", str(path))

    assert out.splitlines() == [
        "IHK Musterstadt (101): created: 2, updated: 0, unchanged: 0, rejected: 1",
        "line 3: the name is missing",
    ]
    assert err == ""  # no progress bar when stderr is not a terminal
    assert DirectoryEntry.objects.filter(chamber=chamber).count() == 2

    out, _err = run("--chamber", "101", "--quiet", str(path))
    assert out.splitlines()[0].endswith("created: 0, updated: 0, unchanged: 2, rejected: 1")


def test_the_command_speaks_english_whatever_language_is_active(chamber, write):
    path = write(csv_text("1010009;;GmbH;Weg 1;12345;Musterstadt;;;active"))
    with translation.override("de"):
        out, _err = run("--chamber", "101", str(path))
    assert out.splitlines()[1] == "line 2: the name is missing"


def test_the_command_refuses_an_unknown_chamber(chamber, write):
    with pytest.raises(CommandError, match="no chamber with the number '999'"):
        run("--chamber", "999", str(write(csv_text(*ROWS))))


def test_the_command_refuses_a_missing_or_unusable_file(chamber, tmp_path, write):
    with pytest.raises(CommandError, match="no such file"):
        run("--chamber", "101", str(tmp_path / "fehlt.csv"))
    with pytest.raises(CommandError, match="not UTF-8"):
        run("--chamber", "101", str(write(csv_text("1;Größe GmbH;;;;;;;"), encoding="latin-1")))
    with pytest.raises(CommandError, match="lacks the column"):
        run("--chamber", "101", str(write("member_number;name\n1;x\n")))


# --- The demo directory ---------------------------------------------------------------------------


def test_the_demo_directory_is_fictitious_deterministic_and_idempotent(chamber):
    other = ChamberFactory(number="202")

    first = seed_demo_directory(chamber)
    again = seed_demo_directory(chamber)
    seed_demo_directory(other)

    assert (first.created, first.rejected) == (300, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 300)
    beispiel = DirectoryEntry.objects.get(chamber=chamber, member_number="1010001")
    assert (beispiel.name, beispiel.street, beispiel.postal_code, beispiel.city) == (
        "Beispiel GmbH",
        "Musterstraße 1",
        "12345",
        "Musterstadt",
    )
    assert (beispiel.register_court, beispiel.register_number) == (
        "Amtsgericht Musterstadt",
        "HRB 1001",
    )
    muster = DirectoryEntry.objects.get(chamber=other, member_number="2020001")
    assert (muster.name, muster.postal_code, muster.city) == (
        "Muster Handwerk GmbH",
        "54321",
        "Beispielstadt",
    )


def test_generated_rows_are_plausible():
    rows = list(generate_directory_rows("101", 5_000, seed=1))

    assert rows == list(generate_directory_rows("101", 5_000, seed=1))
    assert rows != list(generate_directory_rows("101", 5_000, seed=2))
    assert len({row["member_number"] for row in rows}) == 5_000
    registers = [(r["register_court"], r["register_number"]) for r in rows if r["register_number"]]
    assert len(set(registers)) == len(registers)
    assert all(court.startswith("Amtsgericht ") for court, _number in registers)
    assert all(number.split()[0] in {"HRA", "HRB"} for _court, number in registers)
    assert all(len(row["postal_code"]) == 5 and row["postal_code"].isdigit() for row in rows)
    inactive = Counter(row["status"] for row in rows)["inactive"]
    assert 150 <= inactive <= 350  # about 5 %
    gmbh = [row for row in rows if row["name"].endswith(" GmbH")]
    assert gmbh and all(row["register_number"].startswith("HRB ") for row in gmbh)
