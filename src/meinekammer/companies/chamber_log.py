""" "Protokoll" of the chamber (issue 16): what the chamber's staff and the companies did in its
work — reviews, letters, reminders, activations, deletions — for its own staff only.

Rows come from the audit events of the chamber's companies; another chamber's events never
appear, whatever the filter. The filters (period, person) are the ones of the company's log
(companies.log); addresses and browsers of an event are never shown.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meinekammer.accounts.models import User
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.chambers.guards import chamber_of
from meinekammer.chambers.models import Chamber
from meinekammer.core.text import clean_search

from .log import (
    PERSON_FIELDS,
    PERSON_RELATIONS,
    actor_name,
    in_period,
    matching_person,
    person_name,
)
from .models import ActivationLetter, Company, CompanyState, LetterReason

A = AuditAction

# The kinds staff can filter by, each with its actions (in the order of the filter).
KINDS: dict[str, tuple[Any, tuple[AuditAction, ...]]] = {
    "reviews": (
        gettext_lazy("Registration reviews"),
        (
            A.COMPANY_REGISTERED,
            A.REGISTRATION_ASSIGNED,
            A.REGISTRATION_TAKEN_OVER,
            A.REGISTRATION_RELEASED,
            A.REGISTRATION_APPROVED,
            A.REGISTRATION_REJECTED,
        ),
    ),
    "letters": (
        gettext_lazy("Letters and activation"),
        (
            A.LETTER_QUEUED,
            A.LETTER_PRINTED,
            A.LETTER_SENT,
            A.LETTER_VOIDED,
            A.ACTIVATION_REMINDER_SENT,
            A.COMPANY_ACTIVATED,
        ),
    ),
    "passwords": (
        gettext_lazy("New company passwords"),
        (A.PASSWORD_REQUESTED, A.PASSWORD_REQUEST_APPROVED, A.PASSWORD_REQUEST_REJECTED),
    ),
    "blocks": (
        gettext_lazy("Activation blocks"),
        (A.ACTIVATION_THROTTLED, A.ACTIVATION_BLOCK_LIFTED),
    ),
    "deletions": (
        gettext_lazy("Company deletion"),
        (
            A.DELETION_REQUESTED,
            A.DELETION_APPROVED,
            A.DELETION_REFUSED_BY_CHAMBER,
            A.DELETION_REVOKED,
            A.COMPANY_DELETED,
        ),
    ),
}
SHOWN_ACTIONS = tuple(action for _label, actions in KINDS.values() for action in actions)
BLOCK_ACTIONS = KINDS["blocks"][1]
BLOCK_KINDS = {
    "user": gettext_lazy("account"),
    "address": gettext_lazy("network address"),
    "letter": gettext_lazy("activation letter (wrong passwords)"),
}
LETTER_ACTIONS = (*KINDS["letters"][1],)
VOID_REASONS = {
    "superseded": gettext_lazy("replaced by a new letter"),
    "too many wrong tries": gettext_lazy("too many wrong tries"),
}


def kind_choices() -> list[tuple[str, Any]]:
    return [(key, label) for key, (label, _actions) in KINDS.items()]


def chamber_events(chamber: Chamber) -> QuerySet[AuditEvent]:
    """Every shown event of the chamber's companies, newest first; and the activation blocks
    of accounts and addresses that tried its companies (they name the chamber, no company:
    services.activation_blocks)."""
    return (
        AuditEvent.objects.filter(
            Q(company__chamber=chamber)
            | Q(company__isnull=True, action__in=BLOCK_ACTIONS, data__chamber=chamber.pk),
            action__in=SHOWN_ACTIONS,
        )
        .select_related(*PERSON_RELATIONS, "company")
        .only(
            "occurred_at",
            "action",
            "data",
            "company__name",
            "company__state",
            "company__chamber_id",
            *PERSON_FIELDS,
        )
        .order_by("-occurred_at", "-pk")
    )


def chamber_log(
    actor: Any,
    *,
    since: date | None = None,
    until: date | None = None,
    person: str = "",
    kind: str = "",
    company_id: int | None = None,
) -> tuple[Chamber, QuerySet[AuditEvent]]:
    """The chamber's events; `since` and `until` are days, both included; `company_id` narrows
    to one of the chamber's companies (another chamber's id finds nothing).

    Only the chamber's staff who may act (or its service account) get them; anyone else gets
    NotFound.
    """
    chamber = chamber_of(actor)
    events = chamber_events(chamber)
    if kind in KINDS:
        events = events.filter(action__in=KINDS[kind][1])
    if company_id is not None:
        events = events.filter(company_id=company_id)
    events = in_period(events, since=since, until=until)
    term = clean_search(person or "")
    if term:
        events = matching_person(events, term)
    return chamber, events


def company_name_for(chamber: Chamber, company_id: int | None) -> str:
    """The name of one of the chamber's companies, for the filter's note; "" for any other."""
    if company_id is None:
        return ""
    company = Company.objects.filter(pk=company_id, chamber=chamber).only("name", "state").first()
    if company is None:
        return ""
    return company.name or _("Deleted company")


# --- Rows as the page and the export show them --------------------------------------------------


@dataclass(frozen=True)
class ChamberLogRow:
    occurred_at: datetime
    who: str
    what: str
    company: str
    company_id: int | None
    whom: str
    details: str


def rows(events: Any) -> list[ChamberLogRow]:
    """The page's events as rows; a constant number of queries whatever their number."""
    events = list(events)
    letter_ids = {
        event.data.get("letter")
        for event in events
        if event.action in LETTER_ACTIONS and isinstance(event.data, dict)
    } - {None}
    reasons = (
        {
            pk: str(LetterReason(reason).label)
            for pk, reason in ActivationLetter.objects.filter(pk__in=letter_ids).values_list(
                "pk", "reason"
            )
        }
        if letter_ids
        else {}
    )
    taken_from_ids = {
        event.data.get("taken_from")
        for event in events
        if event.action == A.REGISTRATION_TAKEN_OVER and isinstance(event.data, dict)
    } - {None}
    taken_from = (
        {user.pk: person_name(user) for user in User.objects.filter(pk__in=taken_from_ids)}
        if taken_from_ids
        else {}
    )
    result = []
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        company = event.company
        deleted = company is None or company.state == CompanyState.DELETED or not company.name
        details: list[str] = []
        if event.action in BLOCK_ACTIONS:
            kinds = data.get("kinds") or [data.get("kind")]
            details.extend(str(BLOCK_KINDS[kind]) for kind in kinds if kind in BLOCK_KINDS)
        if event.action in LETTER_ACTIONS and data.get("letter") in reasons:
            details.append(reasons[data["letter"]])
        if event.action == A.LETTER_VOIDED and data.get("why") in VOID_REASONS:
            details.append(str(VOID_REASONS[data["why"]]))
        if event.action == A.ACTIVATION_REMINDER_SENT and event.actor is None:
            details.append(_("sent automatically"))
        if event.action == A.REGISTRATION_TAKEN_OVER and data.get("taken_from") in taken_from:
            details.append(_("from %(name)s") % {"name": taken_from[data["taken_from"]]})
        result.append(
            ChamberLogRow(
                occurred_at=event.occurred_at,
                who=actor_name(event),
                what=str(AuditAction(event.action).label),
                company=(
                    ""
                    if company is None and event.action in BLOCK_ACTIONS
                    else _("Deleted company")
                    if deleted
                    else company.name
                ),
                company_id=None if deleted else event.company_id,
                whom=person_name(event.subject_user),
                details="; ".join(details),
            )
        )
    return result
