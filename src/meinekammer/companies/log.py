""" "Protokoll": what happened in a company, for its admins (issue 16).

Rows come from the audit events. A company admin sees who did what to whom and when: never the
address or the user agent of an event. Only the actions listed in KINDS are shown; what the
chamber does internally (letters) or failed attempts of others stay out.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from meinekammer.applications.models import AppRole
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.text import clean_search

from .guards import get_company_for_actor
from .models import Company, Invitation

A = AuditAction

# The kinds an admin can filter by, each with its actions (in the order of the filter).
KINDS: dict[str, tuple[Any, tuple[AuditAction, ...]]] = {
    "members": (
        gettext_lazy("Members and admins"),
        (A.MEMBER_ADDED, A.MEMBER_REMOVED, A.MEMBER_LEFT, A.ADMIN_APPOINTED, A.ADMIN_REVOKED),
    ),
    "roles": (gettext_lazy("Roles"), (A.ROLE_ASSIGNED, A.ROLE_REMOVED)),
    "requests": (
        gettext_lazy("Join and role requests"),
        (
            A.JOIN_REQUESTED,
            A.ROLE_REQUESTED,
            A.REQUEST_ASSIGNED,
            A.REQUEST_RELEASED,
            A.REQUEST_APPROVED,
            A.REQUEST_REJECTED,
            A.REQUEST_WITHDRAWN,
            A.REQUEST_CANCELLED,
        ),
    ),
    "invitations": (
        gettext_lazy("Invitations"),
        (
            A.INVITATION_SENT,
            A.INVITATION_REVOKED,
            A.INVITATION_ACCEPTED,
            A.BULK_INVITATIONS_CONFIRMED,
        ),
    ),
    "deletion": (
        gettext_lazy("Company deletion"),
        (
            A.DELETION_REQUESTED,
            A.DELETION_APPROVED,
            A.DELETION_REFUSED_BY_CHAMBER,
            A.DELETION_REVOKED,
            A.COMPANY_DELETED,
        ),
    ),
    "company": (
        gettext_lazy("Company data and security"),
        (
            A.COMPANY_REGISTERED,
            A.REGISTRATION_APPROVED,
            A.REGISTRATION_REJECTED,
            A.COMPANY_ACTIVATED,
            A.COMPANY_DATA_CHANGED,
            A.PASSWORD_REQUESTED,
            A.PASSWORD_REQUEST_APPROVED,
            A.PASSWORD_REQUEST_REJECTED,
            A.ACTIVATION_BLOCK_LIFTED,
        ),
    ),
}
SHOWN_ACTIONS = tuple(action for _label, actions in KINDS.values() for action in actions)
# Decisions of the chamber: the company sees the chamber, not the clerk's name.
CHAMBER_ACTIONS = (
    A.REGISTRATION_APPROVED,
    A.REGISTRATION_REJECTED,
    A.PASSWORD_REQUEST_APPROVED,
    A.PASSWORD_REQUEST_REJECTED,
    A.DELETION_APPROVED,
    A.DELETION_REFUSED_BY_CHAMBER,
    A.ACTIVATION_BLOCK_LIFTED,
)
FACTOR_SETTING = "members_factor_required"
INVITATION_ACTIONS = KINDS["invitations"][1]
# What a log row shows of the people in it (`person_name`), for `.only()`.
PERSON_FIELDS = (
    "actor__first_name",
    "actor__last_name",
    "actor__email",
    "actor__deleted_at",
    "subject_user__first_name",
    "subject_user__last_name",
    "subject_user__email",
    "subject_user__deleted_at",
    "service_account__name",
)
PERSON_RELATIONS = ("actor", "subject_user", "service_account")


def kind_choices() -> list[tuple[str, Any]]:
    return [(key, label) for key, (label, _actions) in KINDS.items()]


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def company_log(
    actor: Any,
    *,
    company_id: int,
    since: date | None = None,
    until: date | None = None,
    person: str = "",
    kind: str = "",
) -> tuple[Company, QuerySet[AuditEvent]]:
    """The company's events, newest first; `since` and `until` are days, both included.

    Only an admin of the company who may act (or its service account) gets them; anyone else
    gets NotFound.
    """
    company = get_company_for_actor(actor, company_id)
    actions = KINDS[kind][1] if kind in KINDS else SHOWN_ACTIONS
    events: QuerySet[AuditEvent] = (
        AuditEvent.objects.filter(company=company, action__in=actions)
        .select_related(*PERSON_RELATIONS)
        .only(
            "occurred_at",
            "action",
            "data",
            "company_id",
            *PERSON_FIELDS,
        )
        .order_by("-occurred_at", "-pk")
    )
    events = in_period(events, since=since, until=until)
    term = clean_search(person or "")
    if term:
        events = matching_person(
            events,
            term,
            # An invitation names its address, not an account.
            Q(
                action__in=INVITATION_ACTIONS,
                data__invitation__in=list(
                    Invitation.objects.filter(company=company, email__icontains=term).values_list(
                        "pk", flat=True
                    )
                ),
            ),
        )
    return company, events


# --- Filters shared with the chamber's log (companies.chamber_log) ------------------------------


def in_period(
    events: QuerySet[AuditEvent], *, since: date | None = None, until: date | None = None
) -> QuerySet[AuditEvent]:
    """The events from the day `since` to the day `until`, both included."""
    if since is not None:
        events = events.filter(occurred_at__gte=_day_start(since))
    if until is not None and until < date.max:
        events = events.filter(occurred_at__lt=_day_start(until + timedelta(days=1)))
    return events


def matching_person(events: QuerySet[AuditEvent], term: str, *also: Q) -> QuerySet[AuditEvent]:
    """The events whose actor or subject has `term` (cleaned) in the name or e-mail address,
    or that match one of `also`."""
    found = (
        Q(actor_name__icontains=term)
        | Q(actor__email__icontains=term)
        | Q(subject_name__icontains=term)
        | Q(subject_user__email__icontains=term)
    )
    for other in also:
        found |= other
    return events.annotate(
        actor_name=Concat("actor__first_name", Value(" "), "actor__last_name"),
        subject_name=Concat("subject_user__first_name", Value(" "), "subject_user__last_name"),
    ).filter(found)


# --- Rows as the page and the export show them --------------------------------------------------


@dataclass(frozen=True)
class LogRow:
    occurred_at: datetime
    who: str
    what: str
    whom: str
    details: str

    @property
    def sentence(self) -> str:
        parts = [self.who, self.what]
        if self.whom:
            parts.append(self.whom)
        return " – ".join(parts)


def actor_name(event: AuditEvent) -> str:
    """Who did it: the account, the service account of the REST API, or the system."""
    if event.actor is not None:
        return person_name(event.actor)
    if event.service_account is not None:
        return _("Service account “%(name)s”") % {"name": event.service_account.name}
    return _("System")


def person_name(user: Any) -> str:
    """How the log names an account (an erased one as such)."""
    if user is None:
        return ""
    if user.deleted_at is not None:
        return _("Deleted account")
    return user.get_full_name() or user.email


def _field_label(name: str) -> str:
    try:
        field = Company._meta.get_field(name)
    except FieldDoesNotExist:  # a field that no longer exists: its name, as it was recorded
        return name
    return str(getattr(field, "verbose_name", name))


def rows(company: Company, events: Any) -> list[LogRow]:
    """The page's events as rows; a constant number of queries whatever their number."""
    events = list(events)
    role_keys = {
        event.data.get("role")
        for event in events
        if event.action in (A.ROLE_ASSIGNED, A.ROLE_REMOVED, A.ROLE_REQUESTED)
    } | {key for event in events for key in (event.data.get("roles") or [])}
    role_names: dict[tuple[str, str], str] = {}
    role_by_key: dict[str, str] = {}
    if role_keys - {None}:
        for role in AppRole.objects.filter(key__in=role_keys - {None}).select_related(
            "application"
        ):
            role_names[(role.application.name, role.key)] = str(role.name)
            role_by_key.setdefault(role.key, str(role.name))
    invitation_ids = {
        event.data.get("invitation")
        for event in events
        if event.action in (A.INVITATION_SENT, A.INVITATION_REVOKED, A.INVITATION_ACCEPTED)
    } - {None}
    invited: dict[Any, str] = (
        dict(
            Invitation.objects.filter(company=company, pk__in=invitation_ids).values_list(
                "pk", "email"
            )
        )
        if invitation_ids
        else {}
    )
    result = []
    for event in events:
        data = event.data or {}
        who = company.chamber.name if event.action in CHAMBER_ACTIONS else actor_name(event)
        whom = person_name(event.subject_user)
        details = ""
        if event.action in (A.ROLE_ASSIGNED, A.ROLE_REMOVED):
            application = data.get("application", "")
            key = data.get("role", "")
            details = f"{application}: {role_names.get((application, key), key)}"
        elif event.action == A.INVITATION_SENT:
            whom = whom or invited.get(data.get("invitation"), "")
            names = [role_by_key.get(key, key) for key in data.get("roles") or []]
            if names:
                details = _("Roles") + ": " + ", ".join(names)
            if data.get("admin"):
                details = "; ".join(filter(None, [details, _("Company administrator")]))
        elif event.action in (A.INVITATION_REVOKED, A.INVITATION_ACCEPTED):
            whom = whom or invited.get(data.get("invitation"), "")
        elif event.action == A.BULK_INVITATIONS_CONFIRMED:
            count = int(data.get("rows") or 0)
            details = ngettext(
                "%(count)s invitation from a file", "%(count)s invitations from a file", count
            ) % {"count": count}
        elif event.action == A.COMPANY_DATA_CHANGED:
            fields = data.get("fields") or []
            if FACTOR_SETTING in fields:
                details = (
                    _("Second factor required for all members")
                    if data.get("required")
                    else _("Second factor no longer required for all members")
                )
            elif fields:
                details = ", ".join(_field_label(name) for name in fields)
        result.append(
            LogRow(
                occurred_at=event.occurred_at,
                who=who,
                what=str(AuditAction(event.action).label),
                whom=whom,
                details=details,
            )
        )
    return result
