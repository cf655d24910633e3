"""Periodic jobs of the operations app (declared in meinekammer.schedules)."""

from django_tasks import task

from .retention import apply_retention as apply_retention_periods


@task()
def apply_retention() -> dict[str, int]:
    """Idempotent: deletes only rows past their retention period that nothing needs."""
    return apply_retention_periods()
