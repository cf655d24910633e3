"""What the companies app tells other apps."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from meinekammer.accounts.deletion import register_deletion_blocker

from .models import CompanyState, Membership


@register_deletion_blocker
def only_admin_of_a_company(user) -> list[str]:
    """DESIGN.md: an active company keeps at least one admin; its last admin may not leave."""
    companies = (
        Membership.objects.filter(user=user, is_admin=True, company__state=CompanyState.ACTIVE)
        .annotate(
            admins=Count("company__memberships", filter=Q(company__memberships__is_admin=True))
        )
        .filter(admins=1)
        .select_related("company")
    )
    return [
        _(
            "You are the only company admin of %(company)s. Appoint another member as company "
            "admin first, or request the deletion of the company."
        )
        % {"company": membership.company.name}
        for membership in companies
    ]
