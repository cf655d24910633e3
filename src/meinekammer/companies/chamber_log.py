""" "Protokoll" of the chamber (issue 16): what the chamber's staff and the companies did in its
work — reviews, letters, reminders, activations, deletions — for its own staff only.

Rows come from the audit events of the chamber's companies; another chamber's events never
appear, whatever the filter. The filters (period, person) are the ones of the company's log
(companies.log); addresses and browsers of an event are never shown.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.chambers.models import Chamber
from meinekammer.core.text import clean_search

from .log import PERSON_FIELDS, in_period, matching_person, person_name
from .models import ActivationLetter, Company, CompanyState, LetterReason

A = AuditAction

# The kinds staff can filter by, each with its actions (in the order of the filter).
KINDS: dict[str, tuple[Any, tuple[AuditAction, ...]]] = {
    "reviews": (
        gettext_lazy("Registration reviews"),
        (A.COMPANY_REGISTERED, A.REGISTRATION_APPROVED, A.REGISTRATION_REJECTED),
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
LETTER_ACTIONS = (*KINDS["letters"][1],)
VOID_REASONS = {
    "superseded": gettext_lazy("replaced by a new letter"),
    "too many wrong tries": gettext_lazy("too many wrong tries"),
}


def kind_choices() -> list[tuple[str, Any]]:
    return [(key, label) for key, (label, _actions) in KINDS.items()]


def chamber_events(chamber: Chamber) -> QuerySet[AuditEvent]:
    """Every shown event of the chamber's companies, newest first."""
    return (
        AuditEvent.objects.filter(company__chamber=chamber, action__in=SHOWN_ACTIONS)
        .select_related("actor", "subject_user", "company")
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

    Only the chamber's staff who may act get them; anyone else gets NotFound.
    """
    chamber = get_staff_chamber(actor.user)
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
    result = []
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        company = event.company
        deleted = company is None or company.state == CompanyState.DELETED or not company.name
        details = []
        if event.action in LETTER_ACTIONS and data.get("letter") in reasons:
            details.append(reasons[data["letter"]])
        if event.action == A.LETTER_VOIDED and data.get("why") in VOID_REASONS:
            details.append(str(VOID_REASONS[data["why"]]))
        if event.action == A.ACTIVATION_REMINDER_SENT and event.actor is None:
            details.append(_("sent automatically"))
        result.append(
            ChamberLogRow(
                occurred_at=event.occurred_at,
                who=person_name(event.actor) if event.actor is not None else _("System"),
                what=str(AuditAction(event.action).label),
                company=_("Deleted company") if deleted else company.name,
                company_id=None if deleted else event.company_id,
                whom=person_name(event.subject_user),
                details="; ".join(details),
            )
        )
    return result
