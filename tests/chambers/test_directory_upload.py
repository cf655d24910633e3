""" "Verzeichnis hochladen": the chamber's directory CSV as a job (chambers/imports.py) — the
upload page, the job and its progress, the report of rejected lines, files unusable as a whole,
one import per chamber at a time, a run again after a dead worker, and everybody who must not
see any of it."""

import html
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.chambers import imports
from meinekammer.chambers.models import (
    DirectoryEntry,
    DirectoryImport,
    DirectoryImportFile,
    DirectoryImportState,
)
from meinekammer.core.actor import Actor, Interface
from meinekammer.core.errors import Conflict, Invalid, NotFound
from tests.accounts.factories import UserFactory
from tests.chambers.factories import ChamberFactory, ChamberStaffFactory, DirectoryEntryFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "member_number;name;legal_form;street;postal_code;city;register_court;register_number;status"
)
GOOD = [
    "1010001;Beispiel GmbH;GmbH;Musterstraße 1;12345;Musterstadt;Amtsgericht Musterstadt;HRB 1001;active",
    "1010002;Müller Metallbau GmbH & Co. KG;GmbH & Co. KG;Hauptstraße 5;12347;Musterstadt;;;aktiv",
    "1010003;Bäckerei Schmidt;Einzelunternehmen;Bahnhofstraße 3;12349;Musterstadt;;;Inaktiv",
]
BAD = [
    "1010004;Ohne Postleitzahl GmbH;GmbH;Weg 1;123;Musterstadt;;;active",
    ";Ohne Nummer GmbH;GmbH;Weg 2;12345;Musterstadt;;;active",
]


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def chamber():
    return ChamberFactory(number="101", name="IHK Musterstadt")


@pytest.fixture
def staff(chamber):
    return ChamberStaffFactory(
        chamber=chamber, user__first_name="Sabine", user__last_name="Sachbearbeitung"
    ).user


@pytest.fixture
def other_staff():
    return ChamberStaffFactory(chamber=ChamberFactory(number="202", name="HWK Fremdkammer")).user


@pytest.fixture
def as_staff(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """start_directory_import as the page calls it, its after-commit enqueue included."""

    def start(user, content: bytes, *, chamber, file_name="verzeichnis.csv"):
        with django_capture_on_commit_callbacks(execute=True):
            return imports.start_directory_import(
                Actor.of(user), chamber=chamber, file_name=file_name, content=content
            )

    return start


def upload(client, content: bytes, name: str = "verzeichnis.csv"):
    return client.post(
        reverse("chambers:directory_upload"),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def import_url(job) -> str:
    return reverse("chambers:directory_import", args=[job.pk])


def events(action) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- The happy path -----------------------------------------------------------------------------


def test_a_file_uploaded_on_the_directory_page_is_imported_by_the_job(
    as_staff, chamber, staff, run_tasks, django_capture_on_commit_callbacks
):
    page = text(as_staff.get(reverse("chambers:directory")))
    assert "Verzeichnis hochladen" in page and "höchstens 200,0\xa0MB" in page
    assert f'action="{reverse("chambers:directory_upload")}"' in page
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page
    assert '<label class="kern-label" for="id_file">CSV-Datei' in page

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(as_staff, csv_bytes(*GOOD, *BAD), name="export-2026.csv")
    job = DirectoryImport.objects.get()
    assert response.status_code == 302 and response["Location"] == import_url(job)
    assert len(callbacks) == 1  # the job is enqueued after the commit
    assert (job.chamber, job.started_by, job.via) == (chamber, staff, "web")
    assert (job.file_name, job.state, job.rows_expected) == ("export-2026.csv", "queued", 5)
    assert DirectoryImportFile.objects.filter(directory_import=job).exists()
    waiting = text(as_staff.get(import_url(job)))
    assert "wartend" in waiting
    assert '<progress id="import-progress" max="5" value="0"' in waiting
    assert "0 von etwa 5 Zeilen gelesen" in waiting and "bulk-progress.js" in waiting
    assert not DirectoryEntry.objects.exists()

    run_tasks()

    job.refresh_from_db()
    assert job.state == DirectoryImportState.DONE
    assert (job.rows_read, job.created, job.updated, job.unchanged, job.rejected) == (5, 3, 0, 0, 2)
    assert job.rejections == [  # in the uploader's language
        [5, "die Postleitzahl „123“ hat nicht fünf Ziffern"],
        [6, "die Mitgliedsnummer fehlt"],
    ]
    assert job.finished_at is not None and job.attempts == 1
    assert not DirectoryImportFile.objects.exists()  # the bytes go when the job ends
    assert set(DirectoryEntry.objects.values_list("member_number", flat=True)) == {
        "1010001",
        "1010002",
        "1010003",
    }
    done = text(as_staff.get(import_url(job)))
    assert "abgeschlossen" in done and "bulk-progress.js" not in done
    assert "Neu: 3, geändert: 0, unverändert: 0, abgelehnt: 2." in done
    assert "Abgelehnte Zeilen" in done
    assert '<td class="kern-table__cell">5</td>' in done and "1010004" not in done
    listed = text(as_staff.get(reverse("chambers:directory")))
    assert "export-2026.csv" in listed and import_url(job) in listed and "Beispiel GmbH" in listed
    assert events(AuditAction.DIRECTORY_IMPORT_STARTED) == 1
    assert events(AuditAction.DIRECTORY_IMPORTED) == 1
    started = AuditEvent.objects.get(action=AuditAction.DIRECTORY_IMPORT_STARTED)
    assert (started.actor, started.via) == (staff, "web")
    assert started.data == {
        "chamber": "101",
        "directory_import": job.pk,
        "file_name": "export-2026.csv",
        "size": job.size,
    }
    finished = AuditEvent.objects.get(action=AuditAction.DIRECTORY_IMPORTED)
    assert (finished.actor, finished.via) == (staff, "job")
    assert finished.data["created"] == 3 and finished.data["rejected"] == 2


def test_a_second_upload_updates_changed_entries_and_counts_the_rest_unchanged(
    chamber, staff, start, run_tasks
):
    start(staff, csv_bytes(*GOOD), chamber=chamber)
    run_tasks()
    changed = GOOD[0].replace("Musterstraße 1", "Neuer Weg 9")
    job = start(staff, csv_bytes(changed, *GOOD[1:]), chamber=chamber)
    run_tasks()
    job.refresh_from_db()
    assert (job.state, job.created, job.updated, job.unchanged) == ("done", 0, 1, 2)
    assert DirectoryEntry.objects.get(member_number="1010001").street == "Neuer Weg 9"


def test_the_english_page(as_staff, chamber, staff, start, run_tasks):
    User.objects.filter(pk=staff.pk).update(language="en")
    job = start(staff, csv_bytes(*GOOD, BAD[0]), chamber=chamber)
    run_tasks()
    as_staff.cookies.load({"django_language": "en"})
    page = text(as_staff.get(import_url(job), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Created: 3, updated: 0, unchanged: 0, rejected: 1." in page
    # The rejected lines are stored in the language of whoever uploaded the file.
    assert "the postal code “123” does not have five digits" in page


# --- Progress ---------------------------------------------------------------------------------------


def test_progress_is_saved_between_the_chunks_the_job_writes(chamber, staff, settings, start):
    settings.DIRECTORY_UPLOAD_PROGRESS_ROWS = 2
    job = start(staff, csv_bytes(*GOOD, *BAD), chamber=chamber)
    table = connection.ops.quote_name(DirectoryImport._meta.db_table)
    entries = connection.ops.quote_name(DirectoryEntry._meta.db_table)
    with CaptureQueriesContext(connection) as queries:
        imports.run_directory_import(job.pk)
    statements = [query["sql"] for query in queries.captured_queries]
    progress = [
        index
        for index, sql in enumerate(statements)
        if sql.startswith(f"UPDATE {table}") and '."rows_read" + ' in sql
    ]
    writes = [index for index, sql in enumerate(statements) if f"INSERT INTO {entries}" in sql]
    assert len(progress) == 3  # after 2, 4 and the last 1 of the 5 rows
    # The entries of the first chunk are written between two progress steps.
    assert progress[0] < writes[0] < progress[-1]
    job.refresh_from_db()
    assert (job.state, job.rows_read, job.created, job.rejected) == ("done", 5, 3, 2)


def test_the_status_answers_the_progress_for_the_pages_script(as_staff, chamber, staff, start):
    job = start(staff, csv_bytes(*GOOD), chamber=chamber)
    url = reverse("chambers:directory_import_status", args=[job.pk])
    assert as_staff.get(url).json() == {"done": 0, "total": 3, "finished": False}
    DirectoryImport.objects.filter(pk=job.pk).update(state="running", rows_read=2)
    assert as_staff.get(url).json() == {"done": 2, "total": 3, "finished": False}
    imports.run_directory_import(job.pk)  # a fresh heartbeat is missing: it may run now
    assert as_staff.get(url).json() == {"done": 3, "total": 3, "finished": True}


# --- The report of rejected lines -----------------------------------------------------------------


def test_the_report_keeps_the_first_thousand_rejected_lines_and_counts_all(
    as_staff, chamber, staff, start
):
    rows = [f"{n};Firma {n};;;1234;X;;;active" for n in range(1, 1006)]
    job = start(staff, csv_bytes(*rows, GOOD[0]), chamber=chamber)
    imports.run_directory_import(job.pk)
    job.refresh_from_db()
    assert (job.created, job.rejected, len(job.rejections)) == (1, 1005, imports.REJECTIONS_KEPT)
    assert job.rejections[0] == [2, "die Postleitzahl „1234“ hat nicht fünf Ziffern"]
    assert job.rejections[-1][0] == 1001
    page = text(as_staff.get(import_url(job)))
    assert "Die ersten 1000 sind aufgeführt; 5 weitere Zeilen wurden abgelehnt." in page


# --- Files unusable as a whole ------------------------------------------------------------------------

UNUSABLE = {
    "empty": (b"", "Die Datei ist leer."),
    "blank": (b"  \r\n\n", "Die Datei ist leer."),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "keine CSV-Textdatei"),
    "nul bytes": (csv_bytes(GOOD[0]).replace(b"Beispiel", b"Bei\x00spiel"), "keine CSV-Textdatei"),
    "a spreadsheet": (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "keine CSV-Textdatei"),
    "windows-1252": (csv_bytes(*GOOD, encoding="cp1252"), "nicht UTF-8-codiert"),
    "wrong header": (b"mitgliedsnummer;firma\n1;x\n", "Zeile 1 muss die Spalten"),
    "missing columns": (
        b"member_number;name;city\n1;x;y\n",
        "In Zeile 1 fehlen die Spalten: legal_form, street",
    ),
    "a column twice": (
        (HEADER + ";name\n" + GOOD[0] + ";x\n").encode(),
        "Zeile 1 nennt eine Spalte doppelt: name",
    ),
}


@pytest.mark.parametrize("case", UNUSABLE)
def test_a_file_unusable_as_a_whole_is_refused_at_once_with_the_reason(
    as_staff, chamber, staff, case
):
    content, reason = UNUSABLE[case]
    response = upload(as_staff, content)
    assert response.status_code == 200
    page = text(response)
    assert "Bitte korrigieren Sie die folgenden Angaben." in page
    assert reason in page
    assert 'aria-invalid="true"' in page
    assert not DirectoryImport.objects.exists() and not DirectoryImportFile.objects.exists()
    assert events(AuditAction.DIRECTORY_IMPORT_STARTED) == 0
    with pytest.raises(Invalid):
        imports.start_directory_import(
            Actor.of(staff), chamber=chamber, file_name="x.csv", content=content
        )


def test_a_file_over_the_limit_is_refused(as_staff, chamber, staff, settings):
    settings.DIRECTORY_UPLOAD_MAX_BYTES = 100
    content = csv_bytes(*GOOD)
    assert len(content) > 100
    response = upload(as_staff, content)
    assert "Die Datei ist größer als 100\xa0Bytes. Es wurde nichts importiert." in text(response)
    assert not DirectoryImport.objects.exists()
    settings.DIRECTORY_UPLOAD_MAX_BYTES = len(content)
    assert upload(as_staff, content).status_code == 302


def test_a_file_found_unusable_by_the_job_ends_failed_with_the_reason(as_staff, chamber, staff):
    """A file stored before a check existed, or whose bytes went missing: the job fails it."""
    stored = DirectoryImport.objects.create(
        chamber=chamber, started_by=staff, via="web", file_name="alt.csv", size=10
    )
    DirectoryImportFile.objects.create(
        directory_import=stored, content=b"member_number;name\n1;x\n"
    )
    gone = DirectoryImport.objects.create(
        chamber=ChamberFactory(), started_by=staff, via="web", file_name="weg.csv", size=10
    )
    for job in (stored, gone):
        imports.run_directory_import(job.pk)
        job.refresh_from_db()
        assert job.state == DirectoryImportState.FAILED and job.finished_at is not None
    assert stored.error_code == "missing_columns"
    assert stored.error_message.startswith("In Zeile 1 fehlen die Spalten: legal_form, street")
    assert gone.error_message == "Die Datei konnte nicht gelesen werden."
    assert not DirectoryImportFile.objects.exists() and not DirectoryEntry.objects.exists()
    assert events(AuditAction.DIRECTORY_IMPORT_FAILED) == 2
    page = text(as_staff.get(import_url(stored)))
    assert "fehlgeschlagen" in page
    assert "In Zeile 1 fehlen die Spalten" in page and "Es wurde nichts importiert." in page


# --- One at a time, and running again -------------------------------------------------------------------


def test_a_second_upload_while_one_waits_is_refused(as_staff, chamber, staff, start, run_tasks):
    first = start(staff, csv_bytes(*GOOD), chamber=chamber)
    with pytest.raises(Conflict, match="bereits importiert"):
        start(staff, csv_bytes(*GOOD), chamber=chamber)
    response = upload(as_staff, csv_bytes(*GOOD))
    assert response.status_code == 200 and "bereits importiert" in text(response)
    assert DirectoryImport.objects.get() == first
    # Another chamber's import is not in the way.
    other = ChamberFactory()
    start(ChamberStaffFactory(chamber=other).user, csv_bytes(*GOOD), chamber=other)
    run_tasks()
    assert start(staff, csv_bytes(*GOOD), chamber=chamber).state == "queued"


def test_running_the_job_again_changes_nothing(chamber, staff, start, run_tasks):
    job = start(staff, csv_bytes(*GOOD, BAD[0]), chamber=chamber)
    run_tasks()
    job.refresh_from_db()
    before = (job.state, job.created, job.rejected, job.finished_at, job.attempts)
    again = imports.run_directory_import(job.pk)
    assert again is not None
    assert (again.state, again.created, again.rejected, again.finished_at, again.attempts) == before
    assert events(AuditAction.DIRECTORY_IMPORTED) == 1
    assert imports.run_directory_import(999_999) is None


def test_a_running_import_is_left_to_its_live_worker_and_taken_over_when_it_died(
    chamber, staff, start
):
    job = start(staff, csv_bytes(*GOOD), chamber=chamber)
    DirectoryImport.objects.filter(pk=job.pk).update(
        state="running", heartbeat_at=timezone.now(), attempts=1, rows_read=2
    )
    left = imports.run_directory_import(job.pk)
    assert left is not None and (left.state, left.attempts) == ("running", 1)
    assert not DirectoryEntry.objects.exists()
    assert imports.resume_stalled_directory_imports() == 0

    with time_machine.travel(timezone.now() + imports.STALLED_AFTER + timedelta(seconds=1)):
        assert imports.resume_stalled_directory_imports() == 1
    job.refresh_from_db()
    assert (job.state, job.attempts, job.rows_read, job.created) == ("done", 2, 3, 3)


def test_a_run_thought_dead_stops_when_another_has_taken_the_import_over(
    chamber, staff, settings, start
):
    """While the slow run imports, another takes the import over (attempt 2): at its next
    progress step the slow one notices, stops, and leaves the result to the other."""
    settings.DIRECTORY_UPLOAD_PROGRESS_ROWS = 1
    job = start(staff, csv_bytes(*GOOD), chamber=chamber)
    table = connection.ops.quote_name(DirectoryImport._meta.db_table)
    entries = connection.ops.quote_name(DirectoryEntry._meta.db_table)

    def taken_over_while_the_first_row_is_written(execute, sql, params, many, context):
        if f"INSERT INTO {entries}" in sql and not taken:
            taken.append(sql)
            context["cursor"].execute(f"UPDATE {table} SET attempts = attempts + 1")
        return execute(sql, params, many, context)

    taken: list[str] = []
    with connection.execute_wrapper(taken_over_while_the_first_row_is_written):
        left = imports.run_directory_import(job.pk)
    assert taken and left is not None
    assert (left.state, left.attempts, left.rows_read, left.finished_at) == ("running", 2, 1, None)
    assert DirectoryEntry.objects.count() == 1  # the slow run stopped after its first chunk
    assert events(AuditAction.DIRECTORY_IMPORTED) == 0
    assert DirectoryImportFile.objects.filter(directory_import=job).exists()


def test_an_import_whose_job_went_missing_is_run_by_the_schedule(chamber, staff):
    job = imports.start_directory_import(  # no on-commit callback: the enqueue never happened
        Actor.of(staff), chamber=chamber, file_name="v.csv", content=csv_bytes(*GOOD)
    )
    assert imports.resume_stalled_directory_imports() == 0  # it may still be on its way
    with time_machine.travel(timezone.now() + imports.STALLED_AFTER + timedelta(seconds=1)):
        assert imports.resume_stalled_directory_imports() == 1
    job.refresh_from_db()
    assert job.state == "done" and DirectoryEntry.objects.count() == 3


def test_entries_missing_from_the_file_are_kept(chamber, staff, start):
    kept = DirectoryEntryFactory(chamber=chamber)
    job = start(staff, csv_bytes(*GOOD), chamber=chamber)
    imports.run_directory_import(job.pk)
    assert DirectoryEntry.objects.filter(pk=kept.pk).exists()


# --- Who may -----------------------------------------------------------------------------------------


@pytest.fixture
def actors(chamber, staff, other_staff):
    locked = ChamberStaffFactory(chamber=chamber).user
    User.objects.filter(pk=locked.pk).update(locked_at=timezone.now())
    return {
        "staff of this chamber": staff,
        "another chamber's staff": other_staff,
        "plain user": UserFactory(),
        "locked staff": User.objects.get(pk=locked.pk),
        "anonymous": None,
    }


WHO = [
    "staff of this chamber",
    "another chamber's staff",
    "plain user",
    "locked staff",
    "anonymous",
]
PAGES = ["directory", "upload", "import", "status"]
ANSWERS = {
    "staff of this chamber": {"directory": 200, "upload": 302, "import": 200, "status": 200},
    "another chamber's staff": {"directory": 200, "upload": 302, "import": 404, "status": 404},
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", PAGES)
def test_who_sees_the_upload_and_the_imports(client, actors, chamber, staff, start, who, page):
    job = start(staff, csv_bytes(*GOOD), chamber=chamber)
    imports.run_directory_import(job.pk)
    user = actors[who]
    if user is not None:
        client.force_login(user)
    if page == "upload":
        response = upload(client, csv_bytes(*GOOD))
    else:
        name, args = {
            "directory": ("chambers:directory", []),
            "import": ("chambers:directory_import", [job.pk]),
            "status": ("chambers:directory_import_status", [job.pk]),
        }[page]
        response = client.get(reverse(name, args=args))
    if user is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == ANSWERS.get(who, {}).get(page, 404)
    if response.status_code != 404 and who != "anonymous":
        assert "verzeichnis.csv" not in text(response) or who == "staff of this chamber"
    # Only the two chambers' own staff started anything, each in their own chamber.
    started = DirectoryImport.objects.exclude(pk=job.pk)
    if page == "upload" and ANSWERS.get(who, {}).get("upload") == 302:
        assert started.get().chamber == user.chamber_staff.chamber
    else:
        assert not started.exists()


def test_the_use_cases_refuse_another_chambers_staff_and_ids(chamber, staff, other_staff, start):
    with pytest.raises(NotFound):
        imports.start_directory_import(
            Actor.of(other_staff), chamber=chamber, file_name="v.csv", content=csv_bytes(*GOOD)
        )
    with pytest.raises(NotFound):
        imports.start_directory_import(
            Actor(user=None, via=Interface.WEB),
            chamber=chamber,
            file_name="v.csv",
            content=csv_bytes(*GOOD),
        )
    job = start(staff, csv_bytes(*GOOD), chamber=chamber)
    assert imports.directory_import_for(chamber, job.pk) == job
    with pytest.raises(NotFound):
        imports.directory_import_for(other_staff.chamber_staff.chamber, job.pk)
    with pytest.raises(NotFound):
        imports.directory_import_for(chamber, job.pk + 1000)


def test_a_system_actor_may_start(chamber):
    job = imports.start_directory_import(
        Actor.system(Interface.CLI), chamber=chamber, file_name="v.csv", content=csv_bytes(*GOOD)
    )
    assert (job.started_by, job.via) == (None, "cli")


def test_the_database_allows_one_active_import_per_chamber(chamber, staff):
    from django.db import IntegrityError, transaction

    DirectoryImport.objects.create(chamber=chamber, via="web", file_name="a.csv", size=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        DirectoryImport.objects.create(
            chamber=chamber, via="web", file_name="b.csv", size=1, state="running"
        )
    DirectoryImport.objects.create(
        chamber=chamber, via="web", file_name="c.csv", size=1, state="done"
    )


def test_operators_see_the_imports_in_the_admin_and_cannot_change_them(
    client, admin_user, chamber, staff, start
):
    job = start(staff, csv_bytes(*GOOD), chamber=chamber)
    client.force_login(admin_user)
    listed = client.get(reverse("admin:chambers_directoryimport_changelist"))
    assert listed.status_code == 200 and "verzeichnis.csv" in text(listed)
    page = client.get(reverse("admin:chambers_directoryimport_change", args=[job.pk]))
    assert page.status_code == 200 and 'name="_save"' not in text(page)
    assert client.get(reverse("admin:chambers_directoryimport_add")).status_code == 403
