"""What the accounts app deletes once it has ended, and which old audit events it still needs
(registered with `audit.retention.register_kept_events`).

- Sessions: Django's expired session rows (the database session engine; the cache engine
  expires its own) and allauth's record of a signed-in device ("Angemeldete Geräte": address
  and browser) once its session can no longer be alive — no activity for longer than a
  session lives (SESSION_COOKIE_AGE), with a day's margin. The page of signed-in devices drops
  such records too, but only when the account's owner opens it.
- Login codes, confirmation and unlock links are never stored (they live in the session, or
  are signed), so nothing of them accumulates.

Audit events kept beyond RETENTION_AUDIT_EVENT_DAYS: each account's first and last login.
A login from a new device is mailed except for the very first login of an account
(`sessions.notify_login_from_new_device` counts the account's login events); without these two
an account that has not logged in for the retention period would look new again.
"""

from datetime import datetime, timedelta
from importlib import import_module

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.db.models import Max, Min, Q
from django.utils import timezone

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.audit.retention import register_kept_events
from meinekammer.core.batches import delete_in_batches

SESSION_MARGIN = timedelta(days=1)


def purge_ended_sessions(
    *, now: datetime | None = None, batch_size: int | None = None
) -> dict[str, int]:
    """Delete expired sessions and the device records of ended ones; returns counts."""
    now = now or timezone.now()
    size = batch_size or settings.RETENTION_BATCH_SIZE
    counts = {"sessions": 0}
    store = import_module(settings.SESSION_ENGINE).SessionStore
    get_model_class = getattr(store, "get_model_class", None)
    if get_model_class is not None:  # a database-backed engine: delete in batches
        counts["sessions"] = delete_in_batches(
            get_model_class().objects.filter(expire_date__lt=now), batch_size=size
        )
    else:
        store.clear_expired()
    ended_before = now - timedelta(seconds=settings.SESSION_COOKIE_AGE) - SESSION_MARGIN
    counts["device_records"] = delete_in_batches(
        UserSession.objects.filter(last_seen_at__lt=ended_before), batch_size=size
    )
    return counts


def _first_and_last_logins() -> Q:
    logins = AuditEvent.objects.filter(action=AuditAction.LOGIN, subject_user__isnull=False)
    per_account = logins.order_by().values("subject_user")
    return Q(pk__in=per_account.annotate(first=Min("pk")).values("first")) | Q(
        pk__in=per_account.annotate(last=Max("pk")).values("last")
    )


def register_kept_account_events() -> None:
    """In AccountsConfig.ready."""
    register_kept_events("accounts.first_and_last_login", _first_and_last_logins)
