"""How long audit events are kept (settings.RETENTION_AUDIT_EVENT_DAYS), and which older ones
must stay because something still rests on them.

The audit app is the lowest domain app: it does not know why a company or an account still
needs an old event. Those apps register, in their AppConfig.ready, named keepers with
`register_kept_events`: a function returning a `Q` over `AuditEvent` of the events to keep
whatever their age (the history of a company whose deletion is pending, the appointment of
each current company admin, an account's first and last login). `purge_audit_events` deletes
the rest that is older than the retention period, in batches.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from meinekammer.core.batches import delete_in_batches

from .models import AuditEvent

Keeper = Callable[[], Q]
_keepers: dict[str, Keeper] = {}


def register_kept_events(name: str, keeper: Keeper) -> Keeper:
    """Keep the events `keeper()` matches beyond the retention period (replaces by name)."""
    _keepers[name] = keeper
    return keeper


def audit_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.RETENTION_AUDIT_EVENT_DAYS)


def purge_audit_events(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Delete the audit events older than the retention period that no keeper needs."""
    expired = AuditEvent.objects.filter(occurred_at__lt=audit_cutoff(now))
    for keeper in _keepers.values():
        expired = expired.exclude(keeper())
    return delete_in_batches(expired, batch_size=batch_size or settings.RETENTION_BATCH_SIZE)
