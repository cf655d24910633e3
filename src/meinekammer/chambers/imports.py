""" "Verzeichnis hochladen": the chamber's directory CSV as a job with progress and a report.

`start_directory_import` takes the file from the chamber's staff (the pages, later the API),
refuses at once what is cheap to tell (too large, empty, binary, not UTF-8, a wrong header),
stores the bytes in the database (DirectoryImportFile) so that a worker on any machine can
read them, and enqueues the job after the commit. One import per chamber is queued or running
at a time: the chamber row is locked and a partial unique constraint backs it.

`run_directory_import` (the job) imports through chambers.directory in transactions of
DIRECTORY_UPLOAD_PROGRESS_ROWS rows and saves the rows read after each, so the page shows the
progress. It is idempotent: a finished import is left alone, a running one is left to its
worker while that worker's heartbeat is fresh, and an import whose worker died (no heartbeat
for STALLED_AFTER) is run again from the start; the upsert by member number makes that harmless
(rows the dead run wrote count as unchanged then). `resume_stalled_directory_imports` (the job
resume-directory-imports) finds those and imports whose job went missing.
"""

import codecs
import io
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.core.actor import Actor, Interface
from meinekammer.core.errors import Conflict, Invalid, NotFound

from .directory import COLUMNS, DirectoryImportError, ImportResult, import_directory, read_header
from .guards import require_chamber_staff
from .models import (
    ACTIVE_IMPORT_STATES,
    IMPORT_ERROR_MESSAGES,
    Chamber,
    DirectoryImport,
    DirectoryImportFile,
    DirectoryImportState,
)

# The rejected lines kept for the report; `rejected` counts them all.
REJECTIONS_KEPT = 1_000
# A running import without a heartbeat for this long has lost its worker.
STALLED_AFTER = timedelta(minutes=10)
_DECODE_CHUNK = 1 << 20


class _Unusable(Exception):
    """The bytes as a whole cannot be imported; `code` is a key of IMPORT_ERROR_MESSAGES."""

    def __init__(self, code: str, columns: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.columns = columns


class _TakenOver(Exception):
    """Another run took the import over (this one had no heartbeat for STALLED_AFTER)."""


def _check_content(content: bytes) -> None:
    """What the bytes alone tell: empty, binary (a NUL byte), not UTF-8, a wrong header.

    Decodes in chunks, so a large file is never held twice in memory.
    """
    if not content.strip():
        raise _Unusable("empty")
    if b"\x00" in content:
        raise _Unusable("binary")
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(content)
    try:
        for start in range(0, len(view), _DECODE_CHUNK):
            decoder.decode(view[start : start + _DECODE_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise _Unusable("encoding") from error
    first_line = content[: content.find(b"\n") + 1 or len(content)]
    try:
        read_header(io.StringIO(first_line.decode("utf-8-sig"), newline=""))
    except DirectoryImportError as error:
        raise _Unusable(error.code, _columns_of(error)) from error


def _columns_of(error: DirectoryImportError) -> str:
    return ";".join(COLUMNS) if error.code == "no_header" else ", ".join(error.columns)


def _refusal(unusable: _Unusable) -> Invalid:
    return Invalid(str(IMPORT_ERROR_MESSAGES[unusable.code]) % {"columns": unusable.columns})


# --- Starting ----------------------------------------------------------------------------------


def start_directory_import(
    actor: Actor, *, chamber: Chamber, file_name: str, content: bytes
) -> DirectoryImport:
    """Queue the import of the chamber's directory from an uploaded CSV file.

    NotFound unless the actor works for this chamber (or is a job or a command); Invalid for a
    file too large or unusable as a whole; Conflict while another import of the chamber is
    queued or running.
    """
    require_chamber_staff(actor, chamber)
    limit = settings.DIRECTORY_UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise Invalid(
            _("The file is larger than %(size)s. Nothing was imported.")
            % {"size": filesizeformat(limit)}
        )
    try:
        _check_content(content)
    except _Unusable as unusable:
        raise _refusal(unusable) from unusable
    from .tasks import import_directory_upload

    with transaction.atomic():
        # Serializes the starts of one chamber; the constraint below is the backstop.
        Chamber.objects.select_for_update().filter(pk=chamber.pk).first()
        if DirectoryImport.objects.filter(chamber=chamber, state__in=ACTIVE_IMPORT_STATES).exists():
            raise _busy()
        try:
            with transaction.atomic():
                job = DirectoryImport.objects.create(
                    chamber=chamber,
                    started_by=actor.user,
                    via=str(actor.via),
                    file_name=(file_name.strip() or "verzeichnis.csv")[:200],
                    size=len(content),
                    rows_expected=max(content.count(b"\n") + (not content.endswith(b"\n")) - 1, 0),
                )
        except IntegrityError as error:
            raise _busy() from error
        DirectoryImportFile.objects.create(directory_import=job, content=content)
        emit(
            AuditAction.DIRECTORY_IMPORT_STARTED,
            actor=actor,
            chamber=chamber.number,
            directory_import=job.pk,
            file_name=job.file_name,
            size=job.size,
        )
        # After the commit: a worker must find the file. If the queue is unreachable then,
        # the job resume-directory-imports runs the import later.
        transaction.on_commit(lambda: import_directory_upload.enqueue(job.pk), robust=True)
    return job


def _busy() -> Conflict:
    return Conflict(
        _("An upload of the directory is already being imported. Please wait until it is finished.")
    )


# --- Reading --------------------------------------------------------------------------------------


def directory_import_for(chamber: Chamber, import_id: int) -> DirectoryImport:
    """An import of this chamber (the caller fetched the chamber through its guard); NotFound
    for any other id."""
    job = DirectoryImport.objects.filter(pk=import_id, chamber=chamber).first()
    if job is None:
        raise NotFound
    job.chamber = chamber
    return job


def list_directory_imports(chamber: Chamber, *, limit: int = 10) -> QuerySet[DirectoryImport]:
    """The chamber's latest imports, newest first."""
    return DirectoryImport.objects.filter(chamber=chamber).select_related("started_by")[:limit]


# --- The job ----------------------------------------------------------------------------------------


def _claim(import_id: int) -> DirectoryImport | None:
    """Mark the import running for this run; None if it is finished or another live run has it."""
    now = timezone.now()
    with transaction.atomic():
        job = (
            DirectoryImport.objects.select_for_update(of=("self",))
            .select_related("chamber", "started_by")
            .filter(pk=import_id)
            .first()
        )
        if job is None or job.state not in ACTIVE_IMPORT_STATES:
            return None
        if (
            job.state == DirectoryImportState.RUNNING
            and job.heartbeat_at is not None
            and job.heartbeat_at > now - STALLED_AFTER
        ):
            return None  # a live worker is on it
        job.state = DirectoryImportState.RUNNING
        job.started_at = job.heartbeat_at = now
        job.attempts += 1
        job.rows_read = 0
        job.save(update_fields=["state", "started_at", "heartbeat_at", "attempts", "rows_read"])
        return job


def _mine(job: DirectoryImport) -> QuerySet[DirectoryImport]:
    """The import, as long as this run is the one that has it."""
    return DirectoryImport.objects.filter(
        pk=job.pk, state=DirectoryImportState.RUNNING, attempts=job.attempts
    )


def _finish(job: DirectoryImport, *, result: ImportResult | None, error: _Unusable | None) -> bool:
    """Write the outcome, delete the file, emit; False if another run took the import over."""
    with transaction.atomic():
        locked = _mine(job).select_for_update().first()
        if locked is None:
            return False
        locked.finished_at = timezone.now()
        actor = Actor(user=job.started_by, via=Interface.JOB)
        if result is not None:
            locked.state = DirectoryImportState.DONE
            locked.created, locked.updated = result.created, result.updated
            locked.unchanged, locked.rejected = result.unchanged, result.rejected
            locked.rejections = [
                [line, reason] for line, reason in result.rejections[:REJECTIONS_KEPT]
            ]
            locked.save()
            emit(
                AuditAction.DIRECTORY_IMPORTED,
                actor=actor,
                chamber=job.chamber.number,
                directory_import=job.pk,
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
                rejected=result.rejected,
            )
        else:
            assert error is not None
            locked.state = DirectoryImportState.FAILED
            locked.error_code, locked.error_columns = error.code, error.columns[:300]
            locked.save()
            emit(
                AuditAction.DIRECTORY_IMPORT_FAILED,
                actor=actor,
                chamber=job.chamber.number,
                directory_import=job.pk,
                reason=error.code,
            )
        DirectoryImportFile.objects.filter(directory_import_id=job.pk).delete()
    job.refresh_from_db()
    return True


def run_directory_import(import_id: int) -> DirectoryImport | None:
    """The job: import the uploaded file; returns the import as this run left it (None if
    there is none). Idempotent, see the module's docstring."""
    job = _claim(import_id)
    if job is None:
        return DirectoryImport.objects.filter(pk=import_id).first()
    content = (
        DirectoryImportFile.objects.filter(directory_import_id=job.pk)
        .values_list("content", flat=True)
        .first()
    )
    if content is None:
        _finish(job, result=None, error=_Unusable("unreadable"))
        return job
    content = bytes(content)
    try:
        _check_content(content)
    except _Unusable as unusable:
        _finish(job, result=None, error=unusable)
        return job

    def progress(rows: int) -> None:
        # Between the import's transactions (chunk_rows): committed at once, seen by the page.
        with transaction.atomic():
            if not _mine(job).update(rows_read=F("rows_read") + rows, heartbeat_at=timezone.now()):
                raise _TakenOver  # this run was thought dead and another one has the import

    every = settings.DIRECTORY_UPLOAD_PROGRESS_ROWS
    # The reasons of rejected rows are stored in the language of whoever uploaded the file.
    language = getattr(job.started_by, "language", "") or settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            result = import_directory(
                job.chamber,
                io.BytesIO(content),
                progress=progress,
                progress_every=every,
                chunk_rows=every,
            )
    except DirectoryImportError as error:
        _finish(job, result=None, error=_Unusable(error.code, _columns_of(error)))
        return job
    except _TakenOver:
        job.refresh_from_db()
        return job
    _finish(job, result=result, error=None)
    return job


def resume_stalled_directory_imports() -> int:
    """Scheduled: imports whose worker died (no heartbeat for STALLED_AFTER) or whose job never
    reached a worker (queued for as long) are run again; returns how many were run."""
    cutoff = timezone.now() - STALLED_AFTER
    stalled = DirectoryImport.objects.filter(
        state=DirectoryImportState.RUNNING, heartbeat_at__lt=cutoff
    ) | DirectoryImport.objects.filter(state=DirectoryImportState.QUEUED, created_at__lt=cutoff)
    resumed = 0
    for import_id in stalled.values_list("pk", flat=True):
        job = run_directory_import(import_id)
        resumed += job is not None and not job.is_active
    return resumed
