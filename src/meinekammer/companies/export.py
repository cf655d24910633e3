"""The companies' part of "Meine Daten herunterladen" (accounts/export.py), registered in
CompaniesConfig.ready: memberships, role assignments, join and role requests, invitations to
the account's addresses, company registrations and requests for a new company password it sent.

Only the account's own rows, and no other person in them: who decided, invited or assigned is
left out (the pages do not name them to the requester either).
"""

from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from meinekammer.accounts.export import register_export_section
from meinekammer.applications.models import RoleAssignment

from .models import CompanyRegistration, Invitation, MemberRequest, Membership, NewPasswordRequest


def _memberships(user: Any) -> list[dict[str, Any]]:
    rows = Membership.objects.filter(user=user).select_related("company__chamber")
    return [
        {
            "company": m.company.name,
            "chamber": m.company.chamber.name,
            "company_admin": m.is_admin,
            "since": m.created_at,
        }
        for m in rows.order_by("company__name")
    ]


def _role_assignments(user: Any) -> list[dict[str, Any]]:
    rows = RoleAssignment.objects.filter(membership__user=user).select_related(
        "membership__company", "role__application"
    )
    return [
        {
            "company": a.membership.company.name,
            "application": a.role.application.name,
            "role": a.role.name,
            "assigned_at": a.assigned_at,
        }
        for a in rows.order_by("membership__company__name", "role__application__name")
    ]


def _requests(user: Any) -> list[dict[str, Any]]:
    rows = (
        MemberRequest.objects.filter(requester=user)
        .select_related("company", "role__application")
        .prefetch_related("roles__application")
    )
    result = []
    for r in rows.order_by("created_at", "pk"):
        roles = [r.role] if r.role is not None else list(r.roles.all())
        result.append(
            {
                "kind": r.get_kind_display(),
                "company": r.company.name,
                "roles": [f"{role.application.name}: {role.name}" for role in roles],
                "company_admin": r.make_admin,
                "comment": r.comment,
                "state": r.get_state_display(),
                "created_at": r.created_at,
                "decided_at": r.decided_at,
                "reason": r.reason,
            }
        )
    return result


def _invitations(user: Any) -> list[dict[str, Any]]:
    # Only to confirmed addresses: an address added but not confirmed may be someone else's.
    confirmed = EmailAddress.objects.filter(user=user, verified=True).values_list(
        "email", flat=True
    )
    addresses = {e.strip().lower() for e in confirmed}
    rows = (
        Invitation.objects.filter(Q(email_normalized__in=addresses) | Q(accepted_by=user))
        .select_related("company")
        .prefetch_related("roles__application")
    )
    return [
        {
            "company": i.company.name,
            "email": i.email,
            "roles": [f"{role.application.name}: {role.name}" for role in i.roles.all()],
            "company_admin": i.make_admin,
            "state": i.get_state_display(),
            "sent_at": i.sent_at,
            "expires_at": i.expires_at,
        }
        for i in rows.order_by("created_at", "pk")
    ]


def _registrations(user: Any) -> list[dict[str, Any]]:
    rows = CompanyRegistration.objects.filter(applicant=user).select_related("company")
    return [
        {
            "company": r.company.name,
            "state": r.get_state_display(),
            "submitted_at": r.submitted_at,
            "decided_at": r.decided_at,
            "reason": r.rejection_reason,
        }
        for r in rows.order_by("submitted_at")
    ]


def _password_requests(user: Any) -> list[dict[str, Any]]:
    rows = NewPasswordRequest.objects.filter(requested_by=user).select_related("company")
    return [
        {
            "company": r.company.name,
            "comment": r.reason,
            "state": r.get_state_display(),
            "requested_at": r.requested_at,
            "decided_at": r.decided_at,
        }
        for r in rows.order_by("requested_at")
    ]


def register_company_sections() -> None:
    company = _("Company")
    state = _("State")
    register_export_section(
        "memberships",
        _memberships,
        title=_("Companies"),
        labels={
            "company": company,
            "chamber": _("Chamber"),
            "company_admin": _("Company admin"),
            "since": _("Member since"),
        },
    )
    register_export_section(
        "role_assignments",
        _role_assignments,
        title=_("Roles"),
        labels={
            "company": company,
            "application": _("Application"),
            "role": _("Role"),
            "assigned_at": _("Assigned on"),
        },
    )
    register_export_section(
        "requests",
        _requests,
        title=_("Join and role requests"),
        labels={
            "kind": _("Kind"),
            "company": company,
            "roles": _("Roles"),
            "company_admin": _("Company admin"),
            "comment": _("Comment"),
            "state": state,
            "created_at": _("Sent on"),
            "decided_at": _("Decided on"),
            "reason": _("Reason"),
        },
    )
    register_export_section(
        "invitations",
        _invitations,
        title=_("Invitations received"),
        labels={
            "company": company,
            "email": _("E-mail address"),
            "roles": _("Roles"),
            "company_admin": _("Company admin"),
            "state": state,
            "sent_at": _("Sent on"),
            "expires_at": _("Valid until"),
        },
    )
    register_export_section(
        "company_registrations",
        _registrations,
        title=_("Company registrations"),
        labels={
            "company": company,
            "state": state,
            "submitted_at": _("Sent on"),
            "decided_at": _("Decided on"),
            "reason": _("Reason"),
        },
    )
    register_export_section(
        "company_password_requests",
        _password_requests,
        title=_("Requests for a new company password"),
        labels={
            "company": company,
            "comment": _("Reason"),
            "state": state,
            "requested_at": _("Sent on"),
            "decided_at": _("Decided on"),
        },
    )
