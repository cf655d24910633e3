"""One call for every change: `emit` writes the audit event in the caller's transaction and
hands it to the subscribers registered for what happened.

Every use case calls `emit` once per change, inside its transaction. The audit row is written
here and nowhere else. Subscribers are the single place where reactions to a change hook in
(change events to connected applications, provisioning, back-channel logout): they are called
in the same transaction with the stored event, so what they write (an outbox row) commits or
rolls back with the change. A subscriber holds no business rule of the change itself; the use
case does everything the change means before it emits.
"""

from collections.abc import Callable
from typing import Any

from meinekammer.core.actor import Actor

from .models import AuditAction, AuditEvent

# Keys whose values must never reach the audit log, whatever a caller passes in.
_SECRET_KEYS = ("password", "token", "key", "code", "secret")

Subscriber = Callable[[AuditEvent], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Register a reaction to every emitted event (in AppConfig.ready of the subscribing app)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


def emit(
    action: AuditAction,
    *,
    actor: Actor,
    subject_user: Any = None,
    company: Any = None,
    **data: Any,
) -> AuditEvent:
    """Record that `actor` did `action`; call inside the transaction of the change."""
    clean = {k: v for k, v in data.items() if not any(s in k.lower() for s in _SECRET_KEYS)}
    event = AuditEvent.objects.create(
        action=action,
        actor=actor.user,
        service_account=actor.service_account,
        subject_user=subject_user,
        company=company,
        ip_address=actor.ip or None,
        user_agent=actor.user_agent,
        via=str(actor.via),
        data=clean,
    )
    for subscriber in list(_subscribers):
        subscriber(event)
    return event
