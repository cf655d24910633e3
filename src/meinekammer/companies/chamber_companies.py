"""Reads of the chamber area about single companies (issue 16): the company page for the
chamber's staff, the letters sent and not used, and the deletions carried out.

Every read is scoped to the staff member's chamber (`chambers.guards.get_staff_chamber`); a
company of another chamber, or a guessed id, is NotFound.

"freigegeben" and "aktiviert" (DESIGN.md, company states): a company the chamber approved is
`awaiting_activation` while its letter is queued, printed and sent; it is `active` once the
letter's password was entered. The lists show which, with the letter's state and date.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.chambers.models import Chamber, DirectoryEntry
from meinekammer.core.errors import NotFound

from .models import (
    ActivationLetter,
    Company,
    CompanyDeletion,
    CompanyRegistration,
    CompanyState,
    DeletionState,
    LetterReason,
    LetterState,
    Membership,
)
from .services.reminders import next_reminder_at, unused_since


def with_letter_state(companies: QuerySet[Company]) -> QuerySet[Company]:
    """Annotate each company with its newest letter that is not void: `letter_state`,
    `letter_sent_at` (for "freigegeben – Brief versendet am …")."""
    newest = ActivationLetter.objects.filter(company=OuterRef("pk")).exclude(state=LetterState.VOID)
    newest = newest.order_by("-created_at", "-pk")
    return companies.annotate(
        letter_state=Subquery(newest.values("state")[:1]),
        letter_sent_at=Subquery(newest.values("sent_at")[:1]),
    )


def company_for_staff(user: Any, company_id: int) -> Company:
    """A company of the staff member's chamber (not deleted); NotFound for every other."""
    chamber = get_staff_chamber(user)
    company = (
        with_letter_state(Company.objects.filter(pk=company_id, chamber=chamber))
        .exclude(state=CompanyState.DELETED)
        .select_related("chamber", "directory_entry")
        .first()
    )
    if company is None:
        raise NotFound
    return company


@dataclass(frozen=True)
class CompanyDetail:
    company: Company
    registration: CompanyRegistration | None
    admins: list[Membership]
    member_count: int
    letters: list[ActivationLetter]
    pending_deletion: CompanyDeletion | None
    # The reminder ("Erinnerung senden"): the letter it is about, and from when it is possible.
    remindable_letter: ActivationLetter | None
    next_reminder_at: datetime | None


def company_detail(user: Any, company_id: int) -> CompanyDetail:
    company = company_for_staff(user, company_id)
    registration = (
        CompanyRegistration.objects.filter(company=company)
        .select_related("applicant", "decided_by")
        .first()
    )
    memberships = Membership.objects.filter(company=company)
    letters = list(
        ActivationLetter.objects.filter(company=company)
        .select_related("printed_by", "sent_by", "used_by")
        .order_by("-created_at", "-pk")
    )
    remindable = next(
        (
            letter
            for letter in letters
            if letter.reason == LetterReason.REGISTRATION and letter.state == LetterState.SENT
        ),
        None,
    )
    if company.state != CompanyState.AWAITING_ACTIVATION:
        remindable = None
    return CompanyDetail(
        company=company,
        registration=registration,
        admins=list(
            memberships.filter(is_admin=True).select_related("user").order_by("user__last_name")
        ),
        member_count=memberships.count(),
        letters=letters,
        pending_deletion=(
            CompanyDeletion.objects.filter(
                company=company, state__in=[DeletionState.REQUESTED, DeletionState.SCHEDULED]
            )
            .select_related("requested_by", "decided_by")
            .first()
        ),
        remindable_letter=remindable,
        next_reminder_at=next_reminder_at(company) if remindable else None,
    )


def unused_letters(chamber: Chamber) -> QuerySet[ActivationLetter]:
    """ "Nicht verwendete Aktivierungsbriefe": sent more than ACTIVATION_LETTER_UNUSED_DAYS ago,
    the company still not activated; the longest waiting first."""
    return (
        ActivationLetter.objects.filter(
            company__chamber=chamber,
            company__state=CompanyState.AWAITING_ACTIVATION,
            reason=LetterReason.REGISTRATION,
            state=LetterState.SENT,
            sent_at__lt=unused_since(),
        )
        .select_related("company", "company__registration__applicant", "sent_by")
        .order_by("sent_at", "pk")
    )


# --- "Durchgeführte Löschungen" ------------------------------------------------------------------


@dataclass(frozen=True)
class ExecutedDeletion:
    deletion: CompanyDeletion
    # From the chamber's own directory: the deleted company keeps no name (DESIGN.md).
    entry: DirectoryEntry | None


def executed_deletions(chamber: Chamber) -> QuerySet[CompanyDeletion]:
    return (
        CompanyDeletion.objects.filter(company__chamber=chamber, state=DeletionState.EXECUTED)
        .select_related("requested_by", "decided_by")
        .order_by("-executed_at", "-pk")
    )


def with_directory_entries(
    chamber: Chamber, deletions: list[CompanyDeletion]
) -> list[ExecutedDeletion]:
    """Each deletion with the directory entry of its company: the one recorded when the
    deletion was carried out, else the one the registration was approved with. Three queries
    whatever the number."""
    company_ids = [deletion.company_id for deletion in deletions]
    entry_of: dict[int, int] = {}
    events = (
        AuditEvent.objects.filter(
            company_id__in=company_ids,
            action__in=[AuditAction.COMPANY_DELETED, AuditAction.REGISTRATION_APPROVED],
        )
        .filter(~Q(data__directory_entry=None))
        .order_by("occurred_at", "pk")
        .values_list("company_id", "action", "data")
    )
    for company_id, action, data in events:
        entry_id = (data or {}).get("directory_entry")
        if not isinstance(entry_id, int):
            continue
        if action == AuditAction.COMPANY_DELETED or company_id not in entry_of:
            entry_of[company_id] = entry_id
    entries = DirectoryEntry.objects.filter(
        chamber=chamber, pk__in=set(entry_of.values())
    ).in_bulk()
    return [
        ExecutedDeletion(deletion=deletion, entry=entries.get(entry_of.get(deletion.company_id, 0)))
        for deletion in deletions
    ]
