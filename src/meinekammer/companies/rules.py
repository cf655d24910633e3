"""The companies' rules that several use cases, pages and the single sign-on ask.

Each rule has its home here and a test table in tests/companies/test_rules.py.
"""

from typing import Any

from django.db.models import Q, QuerySet

from meinekammer.accounts.rules import may_act, may_act_filter
from meinekammer.core.errors import NotFound

from .models import Company, CompanyState, Membership

# A company works in these states: members use applications, admins administer, requests are
# handled. A company being deleted works until its date (manual ch. 7).
WORKING_STATES = (
    CompanyState.ACTIVE,
    CompanyState.DELETION_REQUESTED,
    CompanyState.DELETION_SCHEDULED,
)
IN_DELETION = (CompanyState.DELETION_REQUESTED, CompanyState.DELETION_SCHEDULED)


def is_working(company: Company) -> bool:
    return company.state in WORKING_STATES


def lock_company(company_id: int, *, working: bool = True) -> Company:
    """The company row, locked for the rest of the transaction.

    Every use case that depends on a count over the company (its admins, its members, its
    pending records) takes this lock first, so two admins acting at once are serialized. With
    `working` (the default) a company that no longer works is NotFound.
    """
    companies = Company.objects.select_for_update()
    if working:
        companies = companies.filter(state__in=WORKING_STATES)
    company = companies.filter(pk=company_id).first()
    if company is None:
        raise NotFound
    return company


def admins_who_can_act(company: Company | int) -> QuerySet[Membership]:
    """The company's admins whose accounts may act (not locked, not erased)."""
    return Membership.objects.filter(company=company, is_admin=True).filter(
        may_act_filter("user__")
    )


def is_last_admin(membership: Membership) -> bool:
    """DESIGN.md: a company keeps at least one admin who can act.

    True if this membership is an admin whose account may act and no other such admin exists:
    then demoting or removing it, leaving, locking or erasing its account is refused. A locked
    admin counts for nobody, so with the only other admin locked the last one who can act may
    not go; removing a locked admin is never blocked by this rule.
    """
    if not membership.is_admin:
        return False
    others = admins_who_can_act(membership.company_id).exclude(pk=membership.pk)
    return may_act(membership.user) and not others.exists()


def memberships_as_last_admin(user: Any, *, states=(CompanyState.ACTIVE,)) -> list[Membership]:
    """The user's memberships in companies of `states` of which they are the last admin who can
    act (for locking and erasing the account)."""
    candidates = Membership.objects.filter(
        user=user, is_admin=True, company__state__in=states
    ).select_related("company", "user")
    return [membership for membership in candidates if is_last_admin(membership)]


def working_memberships(user: Any) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, company__state__in=WORKING_STATES)


def administered_by(user: Any) -> Q:
    """Filter over companies: those the user administers."""
    return Q(memberships__user=user, memberships__is_admin=True)
