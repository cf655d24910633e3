"""Change events to connected applications: which changes, to whom, with what.

`emit` (audit/events.py) hands every audit event to `on_change`, in the transaction of the
change. Where the change concerns connected applications, one delivery row per application
endpoint is written there and then (the outbox: it commits or rolls back with the change) and
its delivery is enqueued (`integration.delivery`).

Who hears of what (data minimisation):

- a role granted or taken away: the role's application;
- an account locked, erased, its e-mail address or name changed, a membership ended or begun:
  the applications that know the account — where it holds a role or has logged in (a token
  family, live or ended, of one of the application's clients);
- a company renamed, its data changed, or deleted: every application with an endpoint
  (company data are no personal data).

The event (Standard Webhooks' body): `{"type", "timestamp", "data"}`; `data` names the account
by its OpenID Connect `sub` and the company as the `companies` claim does.
"""

import uuid
from datetime import UTC
from typing import Any

from meinekammer.applications.models import RoleAssignment, TokenFamily
from meinekammer.audit.models import AuditAction, AuditEvent

from .models import EventDelivery, EventEndpoint

A = AuditAction

ROLE_EVENTS: dict[str, str] = {A.ROLE_ASSIGNED: "role.granted", A.ROLE_REMOVED: "role.removed"}
ACCOUNT_EVENTS: dict[str, str] = {
    A.LOCKED: "account.locked",
    A.UNLOCKED: "account.unlocked",
    A.DELETED: "account.erased",
    A.EMAIL_CHANGED: "account.email_changed",
    A.PROFILE_CHANGED: "account.changed",
    A.MEMBER_ADDED: "membership.created",
    A.MEMBER_REMOVED: "membership.ended",
    A.MEMBER_LEFT: "membership.ended",
    A.ADMIN_APPOINTED: "membership.changed",
    A.ADMIN_REVOKED: "membership.changed",
}
COMPANY_EVENTS: dict[str, str] = {
    A.COMPANY_DATA_CHANGED: "company.changed",
    A.COMPANY_DELETED: "company.deleted",
}
EVENT_TYPES = sorted({*ROLE_EVENTS.values(), *ACCOUNT_EVENTS.values(), *COMPANY_EVENTS.values()})


def _company(company: Any) -> dict | None:
    if company is None:
        return None
    return {  # as the `companies` claim names it (sso/claims.py): the id as a string
        "id": str(company.pk),
        "name": company.name,
        "chamber_number": company.chamber.number,
        "member_number": company.member_number,
    }


def _endpoints_knowing(user: Any) -> list[EventEndpoint]:
    """The active endpoints of applications that know the account."""
    with_role = RoleAssignment.objects.filter(membership__user=user).values("role__application")
    logged_in = TokenFamily.objects.filter(user=user).values("client__connected_application")
    return list(
        EventEndpoint.objects.filter(is_active=True, application__is_active=True)
        .filter(application__in=with_role.union(logged_in))
        .select_related("application")
    )


def _body(event_type: str, event: AuditEvent, data: dict) -> dict:
    return {
        "type": event_type,
        "timestamp": event.occurred_at.astimezone(UTC).isoformat(),
        "data": data,
    }


def _person(event: AuditEvent) -> dict:
    user: Any = event.subject_user
    person: dict[str, Any] = {"sub": str(user.subject)}
    if event.action == A.EMAIL_CHANGED:
        person["email"] = user.email
    if event.action == A.PROFILE_CHANGED:
        person.update(given_name=user.first_name, family_name=user.last_name)
    return person


def deliveries_for(event: AuditEvent) -> list[EventDelivery]:
    """The deliveries an audit event means (unsaved)."""
    action = event.action
    if action in ROLE_EVENTS and event.subject_user is not None:
        # Audit events name the application as its unique name.
        endpoint = EventEndpoint.objects.filter(
            application__name=event.data.get("application"),
            is_active=True,
            application__is_active=True,
        ).first()
        endpoints = [endpoint] if endpoint is not None else []
        event_type = ROLE_EVENTS[action]
        data = {
            "user": _person(event),
            "company": _company(event.company),
            "role": event.data.get("role"),
        }
        subject = f"user:{event.subject_user.subject}"
    elif action in ACCOUNT_EVENTS and event.subject_user is not None:
        endpoints = _endpoints_knowing(event.subject_user)
        event_type = ACCOUNT_EVENTS[action]
        data = {"user": _person(event)}
        if event.company is not None:
            data["company"] = _company(event.company)
        subject = f"user:{event.subject_user.subject}"
    elif action in COMPANY_EVENTS and event.company is not None:
        endpoints = list(EventEndpoint.objects.filter(is_active=True, application__is_active=True))
        event_type = COMPANY_EVENTS[action]
        data = {"company": _company(event.company)}
        subject = f"company:{event.company.pk}"
    else:
        return []
    body = _body(event_type, event, data)
    return [
        EventDelivery(
            endpoint=endpoint,
            event_id=uuid.uuid4(),
            event_type=event_type,
            subject=subject,
            payload=body,
        )
        for endpoint in endpoints
    ]


def on_change(event: AuditEvent) -> None:
    """The audit subscriber: write the outbox rows and enqueue their delivery."""
    if not (
        event.action in ROLE_EVENTS
        or event.action in ACCOUNT_EVENTS
        or event.action in COMPANY_EVENTS
    ):
        return
    deliveries = deliveries_for(event)
    if not deliveries:
        return
    EventDelivery.objects.bulk_create(deliveries)
    from .tasks import deliver_events

    # In the same transaction, like the mail outbox: with the database queue the task row
    # commits with the change; the Celery backend sends on commit (ops/celery_queue.py).
    for endpoint_id, subject in sorted({(d.endpoint_id, d.subject) for d in deliveries}):
        deliver_events.enqueue(endpoint_id, subject)
