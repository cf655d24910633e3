"""DESIGN.md: removing, demoting, locking or deleting the last admin is refused, saying what to do."""

import pytest
from django.urls import reverse

from meinekammer.accounts.models import User
from meinekammer.companies.models import Membership
from tests.companies.factories import CompanyFactory, MembershipFactory
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
