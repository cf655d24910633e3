"""How long delivered mail is kept (settings.RETENTION_DELIVERED_EMAIL_DAYS).

An outbox row holds the recipient's address and the whole message. Once it was delivered
(`sent`) or given up after its last attempt (`failed`) it is kept for the retention period,
counted from the delivery or, for a failed one, from its last attempt, then deleted. A
`pending` mail is never deleted here, however old: it stays until it is delivered or given up.
The development mailbox's captured copies (demo only) follow the same period.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from meinekammer.core.batches import delete_in_batches

from .models import DevMailboxMessage, EmailStatus, OutboundEmail


def email_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.RETENTION_DELIVERED_EMAIL_DAYS)


def purge_delivered_emails(
    *, now: datetime | None = None, batch_size: int | None = None
) -> dict[str, int]:
    """Delete delivered and given-up mail older than the retention period; returns counts."""
    cutoff = email_cutoff(now)
    size = batch_size or settings.RETENTION_BATCH_SIZE
    done = OutboundEmail.objects.filter(
        Q(status=EmailStatus.SENT, sent_at__lt=cutoff)
        # A sent mail without its time (rows from before sent_at was recorded) and a failed
        # one count from their last attempt, which is never earlier than the row itself.
        | Q(status=EmailStatus.SENT, sent_at__isnull=True, next_attempt_at__lt=cutoff)
        | Q(status=EmailStatus.FAILED, next_attempt_at__lt=cutoff)
    )
    return {
        "emails": delete_in_batches(done, batch_size=size),
        "mailbox_messages": delete_in_batches(
            DevMailboxMessage.objects.filter(received_at__lt=cutoff), batch_size=size
        ),
    }
