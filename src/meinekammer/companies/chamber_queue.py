"""Reads of the chamber area ("Kammerbereich"): what a chamber's staff see of its work.

Every read is scoped to one chamber; the pages get the chamber from
`chambers.guards.get_staff_chamber`, so staff never see another chamber's rows. Search terms
arrive cleaned (core.text.clean_search).
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from meinekammer.chambers.directory import Candidate, find_candidates, search_directory
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.chambers.models import Chamber, DirectoryEntry
from meinekammer.core.errors import NotFound

from .chamber_companies import with_letter_state
from .models import (
    ActivationLetter,
    Company,
    CompanyDeletion,
    CompanyRegistration,
    CompanyState,
    DeletionState,
    LetterState,
    NewPasswordRequest,
    PasswordRequestState,
    RegistrationState,
)
from .services.registration import live_company_for

SEARCH_RESULTS = 20


@dataclass(frozen=True)
class Overview:
    open_registrations: int
    queued_letters: int
    printed_letters: int
    open_password_requests: int
    open_deletions: int


def overview(chamber: Chamber) -> Overview:
    letters = ActivationLetter.objects.filter(company__chamber=chamber)
    return Overview(
        open_registrations=CompanyRegistration.objects.filter(
            company__chamber=chamber, state=RegistrationState.IN_REVIEW
        ).count(),
        queued_letters=letters.filter(state=LetterState.QUEUED).count(),
        printed_letters=letters.filter(state=LetterState.PRINTED).count(),
        open_password_requests=NewPasswordRequest.objects.filter(
            company__chamber=chamber, state=PasswordRequestState.OPEN
        ).count(),
        open_deletions=deletions(chamber).count(),
    )


# "Bearbeitung" filter of the review queue: everybody's, the user's own, nobody's yet.
ASSIGNED_FILTERS = ("", "me", "none")


def registrations(
    chamber: Chamber,
    *,
    state: str = "",
    query: str = "",
    assigned: str = "",
    user: Any = None,
) -> QuerySet[CompanyRegistration]:
    rows = CompanyRegistration.objects.filter(company__chamber=chamber).select_related(
        "company", "applicant", "decided_by", "assignee"
    )
    if state:
        rows = rows.filter(state=state)
    if assigned == "me" and user is not None:
        rows = rows.filter(assignee_id=user.pk)
    elif assigned == "none":
        rows = rows.filter(assignee__isnull=True)
    if query:
        rows = rows.filter(
            Q(company__name__icontains=query)
            | Q(company__member_number__icontains=query)
            | Q(company__city__icontains=query)
            | Q(company__register_number__icontains=query)
            | Q(applicant__email__icontains=query)
            | Q(applicant__last_name__icontains=query)
        )
    return rows.order_by("-submitted_at")


def registration_for_staff(user: Any, registration_id: int) -> CompanyRegistration:
    """A registration of the staff member's chamber; NotFound for every other."""
    return registration_of(get_staff_chamber(user), registration_id)


def registration_of(chamber: Chamber, registration_id: int) -> CompanyRegistration:
    """A registration of this chamber; NotFound for every other."""
    registration = (
        CompanyRegistration.objects.select_related(
            "company", "company__chamber", "applicant", "decided_by", "assignee"
        )
        .filter(pk=registration_id, company__chamber=chamber)
        .first()
    )
    if registration is None:
        raise NotFound
    return registration


@dataclass(frozen=True)
class Review:
    """The review page of a registration: directory candidates, each with the company already
    registered for it (if any), and what the staff member searched for."""

    rows: list[tuple[Candidate, Company | None]]
    search_results: list[DirectoryEntry]


def registration_review(registration: CompanyRegistration, *, query: str = "") -> Review:
    company = registration.company
    candidates = find_candidates(
        company.chamber,
        name=company.name,
        postal_code=company.postal_code,
        member_number=company.member_number,
        street=company.street,
        city=company.city,
        register_court=company.register_court,
        register_number=company.register_number,
    )
    return Review(
        rows=[
            (candidate, live_company_for(candidate.entry, exclude=company))
            for candidate in candidates
        ],
        search_results=(
            list(search_directory(company.chamber, query)[:SEARCH_RESULTS]) if query else []
        ),
    )


def print_queue(chamber: Chamber) -> QuerySet[ActivationLetter]:
    return (
        ActivationLetter.objects.filter(
            company__chamber=chamber, state__in=[LetterState.QUEUED, LetterState.PRINTED]
        )
        .select_related("company", "printed_by")
        .order_by("state", "created_at")
    )


def password_requests(
    chamber: Chamber, *, state: str = PasswordRequestState.OPEN
) -> QuerySet[NewPasswordRequest]:
    rows = NewPasswordRequest.objects.filter(company__chamber=chamber).select_related(
        "company", "requested_by", "decided_by"
    )
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-requested_at")


def deletions(
    chamber: Chamber, *, state: str = DeletionState.REQUESTED
) -> QuerySet[CompanyDeletion]:
    rows = CompanyDeletion.objects.filter(company__chamber=chamber).select_related(
        "company", "requested_by", "decided_by", "revoked_by"
    )
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("requested_at", "pk")


def companies(chamber: Chamber, *, query: str = "") -> QuerySet[Company]:
    """The chamber's companies, each with its newest letter's state ("freigegeben" or
    "aktiviert": companies.chamber_companies.with_letter_state)."""
    rows = with_letter_state(Company.objects.filter(chamber=chamber)).exclude(
        state=CompanyState.DELETED
    )
    if query:
        rows = rows.filter(
            Q(name__icontains=query) | Q(member_number=query) | Q(city__icontains=query)
        )
    return rows.order_by("name")
