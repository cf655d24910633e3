"""Periodic jobs of the applications app (declared in meinekammer.schedules)."""

from django_tasks import task

from .grants import purge_ended_grants


@task()
def purge_grants() -> dict[str, int]:
    """Idempotent: deletes only rows that nothing can use any more."""
    return purge_ended_grants()


@task()
def send_backchannel_logouts() -> int:
    """Idempotent and safe in parallel: a sent logout token is not sent again."""
    from .backchannel import send_due_logouts

    return send_due_logouts()
