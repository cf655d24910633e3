""" "Verzeichnis hochladen" at the same moment on PostgreSQL with real concurrent connections: two
uploads of one chamber start one import, two runs of the job import once, and the page sees the
progress of a running job while it runs."""

import threading
import time

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.chambers import imports
from meinekammer.chambers.models import DirectoryEntry, DirectoryImport, DirectoryImportState
from meinekammer.core.actor import Actor
from tests.chambers.factories import ChamberFactory, ChamberStaffFactory
from tests.chambers.test_directory_upload import GOOD, csv_bytes
from tests.concurrency import at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chamber():
    return ChamberFactory(number="101")


def start(user, chamber, content):
    """As the page: the request's transaction commits, then the job is enqueued."""
    return imports.start_directory_import(
        Actor.of(user), chamber=chamber, file_name="verzeichnis.csv", content=content
    )


def test_two_uploads_at_once_start_one_import(chamber):
    first, second = (ChamberStaffFactory(chamber=chamber).user for _ in range(2))
    results, refusals, errors = at_once(
        lambda: start(first, chamber, csv_bytes(*GOOD)),
        lambda: start(second, chamber, csv_bytes(*GOOD)),
    )
    assert not errors
    assert len(results) == 1 and len(refusals) == 1
    assert "bereits importiert" in refusals[0]
    assert DirectoryImport.objects.get().state == DirectoryImportState.QUEUED
    assert AuditEvent.objects.filter(action=AuditAction.DIRECTORY_IMPORT_STARTED).count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="import_directory_upload").count() == 1


def test_two_runs_of_the_job_at_once_import_once(chamber):
    job = start(ChamberStaffFactory(chamber=chamber).user, chamber, csv_bytes(*GOOD))
    _results, refusals, errors = at_once(
        lambda: imports.run_directory_import(job.pk), lambda: imports.run_directory_import(job.pk)
    )
    assert not errors and not refusals
    job.refresh_from_db()
    assert (job.state, job.attempts, job.created) == ("done", 1, 3)
    assert DirectoryEntry.objects.count() == 3
    assert AuditEvent.objects.filter(action=AuditAction.DIRECTORY_IMPORTED).count() == 1


def test_the_progress_of_a_running_job_is_seen_while_it_runs(chamber, settings):
    settings.DIRECTORY_UPLOAD_PROGRESS_ROWS = 500
    rows = [
        f"{n:07d};Firma {n} GmbH;GmbH;Weg {n};12345;Musterstadt;;;active" for n in range(20_000)
    ]
    job = start(ChamberStaffFactory(chamber=chamber).user, chamber, csv_bytes(*rows))
    seen: set[int] = set()

    def run():
        try:
            imports.run_directory_import(job.pk)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    while worker.is_alive():
        state, rows_read = DirectoryImport.objects.values_list("state", "rows_read").get(pk=job.pk)
        if state == DirectoryImportState.RUNNING:
            seen.add(rows_read)
        time.sleep(0.01)
    worker.join()
    job.refresh_from_db()
    assert (job.state, job.rows_read, job.created) == ("done", 20_000, 20_000)
    assert any(0 < rows_read < 20_000 for rows_read in seen)
