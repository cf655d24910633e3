"""What the companies app tells other apps."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from meinekammer.accounts.lifecycle import register_deletion_blocker, register_lock_blocker
from meinekammer.chambers.guards import is_chamber_staff
from meinekammer.web.dashboard import Tile, register_function_tiles

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


@register_lock_blocker
def only_admin_who_can_act(user) -> list[str]:
    """A locked admin cannot act: the last admin who can may not lock the account."""
    usable = Q(
        company__memberships__is_admin=True,
        company__memberships__user__is_active=True,
        company__memberships__user__locked_at__isnull=True,
    )
    companies = (
        Membership.objects.filter(user=user, is_admin=True, company__state=CompanyState.ACTIVE)
        .annotate(admins=Count("company__memberships", filter=usable))
        .filter(admins__lte=1)
        .select_related("company")
    )
    return [
        _(
            "You are the only company admin of %(company)s who can act. Appoint another member "
            "as company admin first, or request the deletion of the company."
        )
        % {"company": membership.company.name}
        for membership in companies
    ]


@register_function_tiles
def company_tiles(request) -> list[Tile]:
    """The manual's tiles under "Funktionen" (ch. 3), and the chamber area for staff."""
    tiles = [
        Tile(
            title=_("Register a new company"),
            description=_("Your chamber checks it and sends the activation password by post."),
            url=reverse("companies:register"),
            icon="add",
        ),
        Tile(
            title=_("Join a company"),
            description=_("Send a join request to the administrators of your company."),
            url=reverse("companies:join"),
            icon="account-circle",
        ),
        Tile(
            title=_("Activate company"),
            description=_("With the activation password from your chamber's letter."),
            url=reverse("companies:activate"),
            icon="check",
        ),
    ]
    if is_chamber_staff(request.user):
        tiles.append(
            Tile(
                title=_("Chamber area"),
                description=_("Registration requests, letters and your chamber's companies."),
                url=reverse("chambers:overview"),
                icon="checklist",
            )
        )
    return tiles
