"""Reads for pages: what a user sees of companies on the start page."""

from django.db.models import Count, Prefetch, Q

from meinekammer.applications.models import AppRole, RoleAssignment

from .models import (
    PENDING_REQUEST_STATES,
    ActivationLetter,
    CompanyDeletion,
    CompanyRegistration,
    CompanyState,
    DeletionState,
    LetterState,
    MemberRequest,
    Membership,
    RegistrationState,
    RequestState,
)
from .rules import WORKING_STATES, working_memberships


def list_memberships(user):
    """ "Meine Unternehmen": each company with the user's roles, grouped per application."""
    memberships = list(
        working_memberships(user)
        .select_related("company", "company__chamber")
        .prefetch_related(
            Prefetch(
                "role_assignments",
                # The catalogue's order (AppRole.Meta), as on the administration page.
                queryset=RoleAssignment.objects.filter(role__in=AppRole.objects.assignable())
                .select_related("role", "role__application")
                .order_by("role__application__name", "role__position", "role__name_de"),
            )
        )
        .order_by("company__name")
    )
    deletions = {
        deletion.company_id: deletion
        for deletion in CompanyDeletion.objects.filter(
            company__in=[m.company for m in memberships if m.company.state != CompanyState.ACTIVE],
            state__in=[DeletionState.REQUESTED, DeletionState.SCHEDULED],
        )
    }
    for membership in memberships:
        membership.deletion = deletions.get(membership.company_id)  # type: ignore[attr-defined]
        by_application: dict = {}
        for assignment in membership.role_assignments.all():
            role = assignment.role
            by_application.setdefault(role.application, []).append(role)
        membership.applications = [  # type: ignore[attr-defined]
            {"application": application, "roles": roles}
            for application, roles in sorted(by_application.items(), key=lambda i: i[0].name)
        ]
    return memberships


def admin_request_counts(user) -> dict[str, int] | None:
    """For company admins: how many requests are open and how many are theirs; else None."""
    if not Membership.objects.filter(
        user=user, is_admin=True, company__state__in=WORKING_STATES
    ).exists():
        return None
    pending = MemberRequest.objects.filter(
        state__in=PENDING_REQUEST_STATES,
        company__state__in=WORKING_STATES,
        company__memberships__user=user,
        company__memberships__is_admin=True,
    )
    # Both counts in one statement.
    return pending.aggregate(
        open=Count("pk", filter=Q(state=RequestState.OPEN)),
        mine=Count("pk", filter=Q(state=RequestState.ASSIGNED, assignee=user)),
    )


def list_member_requests(user):
    """The user's own join and role requests still waiting."""
    return (
        MemberRequest.objects.filter(requester=user, state__in=PENDING_REQUEST_STATES)
        .select_related("company", "role", "role__application")
        .order_by("-created_at")
    )


def list_pending_registrations(user):
    """The user's registrations still on their way: in review, or approved and awaiting the letter."""
    return (
        CompanyRegistration.objects.filter(applicant=user)
        .exclude(company__state=CompanyState.ACTIVE)
        .filter(
            state__in=[
                RegistrationState.IN_REVIEW,
                RegistrationState.APPROVED,
                RegistrationState.REJECTED,
            ]
        )
        .select_related("company", "company__chamber")
        .order_by("-submitted_at")[:10]
    )


def letter_state_for(company) -> str:
    letter = (
        ActivationLetter.objects.filter(company=company)
        .exclude(state=LetterState.VOID)
        .order_by("-created_at")
        .only("state")
        .first()
    )
    return letter.state if letter else ""
