"""The retention periods, applied: one daily job (apply-retention in meinekammer.schedules)
runs each app's purge in turn and logs how many rows of each kind went.

| what | period (setting, default) | home |
| --- | --- | --- |
| audit events, except those something still needs | RETENTION_AUDIT_EVENT_DAYS, 730 | `audit.retention` (keepers from accounts and companies) |
| delivered and given-up mail (outbox rows with their bodies) | RETENTION_DELIVERED_EMAIL_DAYS, 30 | `notifications.retention` |
| ended invitations, refused/withdrawn/cancelled requests, refused password requests | RETENTION_ENDED_RECORD_DAYS, 90 | `companies.retention` |
| expired sessions, records of devices whose session ended | SESSION_COOKIE_AGE | `accounts.retention` |
| finished background tasks (ids, outcomes, errors of the queue) | RETENTION_DELIVERED_EMAIL_DAYS | here |

Codes, tokens and sign-in records of OpenID Connect have their own hourly job
(`applications.grants.purge_ended_grants`). Every step deletes in batches of
RETENTION_BATCH_SIZE rows, one transaction each, and only rows that match its filter at that
moment, so the job is idempotent and two runs at once do no harm. The log line holds counts
only, never what was deleted.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meinekammer.accounts.retention import purge_ended_sessions
from meinekammer.audit.retention import purge_audit_events
from meinekammer.companies.retention import purge_ended_company_records
from meinekammer.core.batches import delete_in_batches
from meinekammer.notifications.retention import email_cutoff, purge_delivered_emails

logger = logging.getLogger(__name__)


def apply_retention(
    *, now: datetime | None = None, batch_size: int | None = None
) -> dict[str, int]:
    """Delete everything past its retention period; returns the count per kind of row."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    # Records first, then the audit log: nothing below reads events of what was deleted.
    counts.update(purge_ended_company_records(now=now, batch_size=batch_size))
    counts.update(purge_ended_sessions(now=now, batch_size=batch_size))
    counts.update(purge_delivered_emails(now=now, batch_size=batch_size))
    # A delivery task's error may name the recipient: finished tasks go with the mail.
    counts["task_results"] = delete_in_batches(
        DBTaskResult.objects.finished().filter(finished_at__lt=email_cutoff(now)),
        batch_size=batch_size or settings.RETENTION_BATCH_SIZE,
    )
    counts["audit_events"] = purge_audit_events(now=now, batch_size=batch_size)
    logger.info(
        "Retention applied: %s", ", ".join(f"{name}={count}" for name, count in counts.items())
    )
    return counts
