"""Periodic jobs of the companies app (declared in meinekammer.schedules)."""

from django_tasks import task

from .services.invitations import expire_invitations


@task()
def expire_due_invitations() -> int:
    """Idempotent: an invitation already expired is not touched again."""
    return expire_invitations()
