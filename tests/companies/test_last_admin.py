"""DESIGN.md: removing, demoting, locking or deleting the last admin is refused, saying what to do."""

import pytest
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.accounts.services import delete_account, lock_account
from meinekammer.companies.models import Membership
from meinekammer.companies.services.members import leave_company, remove_member, save_member
from meinekammer.core.errors import Conflict, NotAllowed
from tests.companies.factories import CompanyFactory, MembershipFactory, actor_for
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(chamber):
    return CompanyFactory(chamber=chamber, name="Beispiel GmbH")


def test_the_only_admin_cannot_lock_the_account(client, company, user):
    MembershipFactory(company=company, user=user, is_admin=True)
    client.force_login(user)
    response = client.post(reverse("accounts:lock"), {"confirm": "on"})
    assert response.status_code == 200
    assert "einzige handlungsfähige Unternehmensadministrator von Beispiel GmbH" in response.text
    assert "Ernennen Sie zuerst ein anderes Mitglied" in response.text
    user.refresh_from_db()
    assert not user.is_locked


def test_with_a_second_admin_who_can_act_the_lock_goes_ahead(client, company, user):
    MembershipFactory(company=company, user=user, is_admin=True)
    MembershipFactory(company=company, is_admin=True)
    client.force_login(user)
    response = client.post(reverse("accounts:lock"), {"confirm": "on"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_locked


def test_a_locked_second_admin_does_not_count(client, company, user):
    MembershipFactory(company=company, user=user, is_admin=True)
    other = MembershipFactory(company=company, is_admin=True).user
    User.objects.filter(pk=other.pk).update(locked_at=other.date_joined)
    client.force_login(user)
    response = client.post(reverse("accounts:lock"), {"confirm": "on"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert not user.is_locked


def test_the_only_admin_cannot_delete_the_account_a_member_can(client, company, user):
    MembershipFactory(company=company, user=user, is_admin=True)
    member = MembershipFactory(company=company)
    client.force_login(user)
    page = client.get(reverse("accounts:delete"))
    assert "einzige Unternehmensadministrator" in page.text
    member.user.set_password(PASSWORD)
    member.user.save()
    client.force_login(member.user)
    client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert Membership.objects.filter(company=company, user=user, is_admin=True).exists()


def test_the_account_page_offers_admins_tile_five(client, company, user):
    MembershipFactory(company=company, user=user, is_admin=True)
    client.force_login(user)
    page = client.get(reverse("accounts:overview")).text
    assert "Neues Unternehmenspasswort anfordern" in page
    assert reverse("companies:request_password", args=[company.pk]) in page


# --- One rule for every way an admin goes (companies.rules.is_last_admin) -------------------------
#
# Only admins who can act count. Before, demoting, removing, leaving and erasing the account
# counted every admin, locking only those who can act: with the only other admin locked, the
# last admin who could act could demote themselves, leave or delete the account, not lock it.

LAST_ADMIN = "muss mindestens einen Unternehmensadministrator behalten"
ONLY_ADMIN = "einzige Unternehmensadministrator von Beispiel GmbH"


@pytest.fixture
def two_admins(company, user):
    """The user and a second admin of the company."""
    mine = MembershipFactory(company=company, user=user, is_admin=True)
    other = MembershipFactory(company=company, is_admin=True)
    return mine, other


def _lock(user) -> None:
    User.objects.filter(pk=user.pk).update(locked_at=timezone.now())


def _demote_self(membership) -> None:
    save_member(
        actor_for(membership.user),
        company_id=membership.company_id,
        membership_id=membership.pk,
        roles=[],
        is_admin=False,
    )


def _leave(membership) -> None:
    leave_company(actor_for(membership.user), company_id=membership.company_id)


def _delete_account(membership) -> None:
    delete_account(actor_for(membership.user))


def _lock_account(membership) -> None:
    lock_account(actor_for(membership.user))


GOING = {
    "demote self": (_demote_self, LAST_ADMIN),
    "leave": (_leave, ONLY_ADMIN),
    "delete account": (_delete_account, ONLY_ADMIN),
    "lock account": (_lock_account, "einzige handlungsfähige Unternehmensadministrator"),
}


def _still_admin(membership) -> bool:
    user = User.objects.get(pk=membership.user_id)
    return (
        Membership.objects.filter(pk=membership.pk, is_admin=True).exists()
        and user.locked_at is None
        and user.deleted_at is None
    )


@pytest.mark.parametrize("way", GOING)
def test_with_the_only_other_admin_locked_the_admin_who_can_act_may_not_go(two_admins, way):
    mine, other = two_admins
    _lock(other.user)
    go, message = GOING[way]
    with pytest.raises(Conflict) as refusal:
        go(mine)
    assert message in refusal.value.message
    assert _still_admin(mine)


@pytest.mark.parametrize("way", GOING)
def test_with_another_admin_who_can_act_the_admin_may_go(two_admins, way):
    mine, _other = two_admins
    go, _message = GOING[way]
    go(mine)
    assert not _still_admin(mine)


def test_with_the_only_other_admin_locked_the_page_refuses_the_demotion(client, two_admins):
    mine, other = two_admins
    _lock(other.user)
    client.force_login(mine.user)
    client.post(
        reverse("companies:member_save", args=[mine.company_id, mine.pk]),
        {f"m{mine.pk}-is_admin": "no"},
    )
    assert Membership.objects.get(pk=mine.pk).is_admin


def test_a_locked_admin_may_be_removed(two_admins):
    mine, other = two_admins
    _lock(other.user)
    remove_member(actor_for(mine.user), company_id=mine.company_id, membership_id=other.pk)
    assert not Membership.objects.filter(pk=other.pk).exists()
    assert _still_admin(mine)


def test_a_locked_admin_may_be_demoted(two_admins):
    mine, other = two_admins
    _lock(other.user)
    save_member(
        actor_for(mine.user),
        company_id=mine.company_id,
        membership_id=other.pk,
        roles=[],
        is_admin=False,
    )
    assert not Membership.objects.get(pk=other.pk).is_admin


def test_the_last_admin_who_can_act_may_not_be_removed_by_a_locked_one(two_admins):
    """A locked admin acts on nothing: the attempt is refused before the rule is asked."""
    mine, other = two_admins
    _lock(other.user)
    with pytest.raises(NotAllowed):
        remove_member(actor_for(other.user), company_id=mine.company_id, membership_id=mine.pk)
    assert _still_admin(mine)
