"""Jobs of the chambers app: the directory upload, and resuming it (meinekammer.schedules)."""

from django_tasks import task

from .imports import resume_stalled_directory_imports, run_directory_import


@task()
def import_directory_upload(import_id: int) -> str:
    """ "Verzeichnis hochladen": enqueued by start_directory_import after its commit.
    Idempotent: a finished import is left alone, a running one to its live worker."""
    job = run_directory_import(import_id)
    return job.state if job is not None else "missing"


@task()
def resume_directory_imports() -> int:
    """Idempotent: runs only imports no live worker has (run_directory_import claims them)."""
    return resume_stalled_directory_imports()
