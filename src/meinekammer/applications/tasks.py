"""Periodic jobs of the applications app (declared in meinekammer.schedules)."""

from django_tasks import task

from .grants import purge_ended_grants


@task()
def purge_grants() -> dict[str, int]:
    """Idempotent: deletes only rows that nothing can use any more."""
    return purge_ended_grants()
