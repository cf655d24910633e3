"""Periodic jobs of the companies app (declared in meinekammer.schedules)."""

from django_tasks import task

from meinekammer.core.actor import Actor, Interface

from .factors import announce_admin_factor_requirements
from .services.bulk_invitations import send_invitations, tidy_invitation_batches
from .services.deletion import execute_due_deletions
from .services.invitations import expire_invitations
from .services.reminders import remind_unused_letters


@task()
def expire_due_invitations() -> int:
    """Idempotent: an invitation already expired is not touched again."""
    return expire_invitations()


@task()
def delete_due_companies() -> int:
    """Idempotent and safe in parallel: each company row is locked and its state checked again."""
    return execute_due_deletions(Actor.system(Interface.JOB))


@task()
def announce_admin_factors() -> int:
    """Idempotent: each admin is told each date once (the outbox's event key)."""
    return announce_admin_factor_requirements()


@task()
def remind_unused_activation_letters() -> int:
    """Idempotent: a letter already reminded is not reminded again by the job (its count), and
    each reminder is one mail (the outbox's event key), under the company row lock."""
    return remind_unused_letters(Actor.system(Interface.JOB))


@task()
def send_invitation_batch(batch_id: int) -> int:
    """ "Einladungen versenden" (a CSV file): enqueued by confirm_invitation_batch. Idempotent:
    each row is sent in the transaction that marks it sent, so a second run sends nothing twice."""
    return send_invitations(batch_id)


@task()
def tidy_batches() -> dict[str, int]:
    """Idempotent: resuming a batch sends only rows still ready; deleting is by age."""
    return tidy_invitation_batches()
