"""The companies' rule table: companies.rules.is_last_admin (DESIGN.md: a company keeps an admin
who can act). The use cases and blockers that ask it: tests/companies/test_last_admin.py."""

import pytest
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.companies.rules import is_last_admin, memberships_as_last_admin
from tests.companies.factories import CompanyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _account(user, state: str) -> None:
    if state == "locked":
        User.objects.filter(pk=user.pk).update(locked_at=timezone.now())
    elif state == "erased":
        User.objects.filter(pk=user.pk).update(deleted_at=timezone.now(), is_active=False)
    elif state == "inactive":
        User.objects.filter(pk=user.pk).update(is_active=False)


@pytest.mark.parametrize(
    ("mine", "other", "expected"),
    [
        # (my membership and account, the other membership and account, am I the last admin?)
        (("admin", "acts"), None, True),
        (("admin", "acts"), ("member", "acts"), True),
        (("admin", "acts"), ("admin", "acts"), False),
        (("admin", "acts"), ("admin", "locked"), True),
        (("admin", "acts"), ("admin", "erased"), True),
        (("admin", "acts"), ("admin", "inactive"), True),
        (("admin", "locked"), ("admin", "acts"), False),
        (("admin", "locked"), None, False),  # a locked admin counts for nobody, itself included
        (("member", "acts"), None, False),
        (("member", "acts"), ("admin", "locked"), False),
    ],
)
def test_is_last_admin(mine, other, expected):
    company = CompanyFactory()
    membership = MembershipFactory(company=company, is_admin=mine[0] == "admin")
    _account(membership.user, mine[1])
    if other is not None:
        other_membership = MembershipFactory(company=company, is_admin=other[0] == "admin")
        _account(other_membership.user, other[1])
    membership.refresh_from_db()
    assert is_last_admin(membership) is expected
    assert (membership in memberships_as_last_admin(membership.user)) is expected


def test_another_company_s_admin_does_not_count():
    membership = MembershipFactory(is_admin=True)
    MembershipFactory(is_admin=True)
    assert is_last_admin(membership)
