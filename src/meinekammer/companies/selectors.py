"""Reads for pages: what a user sees of companies on the start page."""

from .models import (
    ActivationLetter,
    CompanyRegistration,
    LetterState,
    Membership,
    RegistrationState,
)


def list_memberships(user):
    return (
        Membership.objects.filter(
            user=user, company__state__in=["active", "deletion_requested", "deletion_scheduled"]
        )
        .select_related("company", "company__chamber")
        .order_by("company__name")
    )


def list_pending_registrations(user):
    """The user's registrations still on their way: in review, or approved and awaiting the letter."""
    return (
        CompanyRegistration.objects.filter(applicant=user)
        .exclude(company__state="active")
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
