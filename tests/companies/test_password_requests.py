import pytest
from django.urls import reverse

from meinekammer.companies.models import (
    ActivationLetter,
    CompanyState,
    Membership,
    NewPasswordRequest,
)
from meinekammer.companies.services.password_requests import request_new_company_password
from meinekammer.core.actor import Actor
from meinekammer.core.errors import NotAllowed
from tests.companies.factories import CompanyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_and_company(chamber):
    company = CompanyFactory(chamber=chamber)
    admin = MembershipFactory(company=company, is_admin=True).user
    return admin, company


def test_an_admin_requests_a_new_company_password_and_staff_approve(
    client, admin_and_company, staff, outbox
):
    admin, company = admin_and_company
    client.force_login(admin)
    page = client.get(reverse("companies:administration", args=[company.pk])).content.decode()
    assert "Neues Unternehmenspasswort anfordern" in page
    client.post(
        reverse("companies:request_password", args=[company.pk]), {"reason": "Admin ausgeschieden"}
    )
    client.post(
        reverse("companies:request_password", args=[company.pk]), {"reason": ""}
    )  # double click
    assert NewPasswordRequest.objects.filter(company=company).count() == 1
    assert any(m.to == [staff.email] for m in outbox())
    client.force_login(staff)
    password_request = NewPasswordRequest.objects.get()
    response = client.post(
        reverse("chambers:password_requests"), {"request": password_request.pk, "approve": ""}
    )
    assert response.status_code == 302
    password_request.refresh_from_db()
    assert password_request.state == "approved"
    letter = ActivationLetter.objects.get(company=company)
    assert (letter.reason, letter.state) == ("new_password", "queued")


def test_staff_refuse_with_a_reason(client, admin_and_company, staff, outbox):
    admin, company = admin_and_company
    client.force_login(admin)
    client.post(reverse("companies:request_password", args=[company.pk]), {"reason": ""})
    client.force_login(staff)
    password_request = NewPasswordRequest.objects.get()
    response = client.post(
        reverse("chambers:password_requests"),
        {"request": password_request.pk, "reject": "", "reject-reason": ""},
    )
    assert response.status_code == 200
    password_request.refresh_from_db()
    assert password_request.state == "open"
    client.post(
        reverse("chambers:password_requests"),
        {"request": password_request.pk, "reject": "", "reject-reason": "Bitte rufen Sie uns an."},
    )
    password_request.refresh_from_db()
    assert password_request.state == "rejected"
    assert any("Bitte rufen Sie uns an." in m.body for m in outbox() if m.to == [admin.email])


def test_only_an_active_company_can_ask(client, chamber):
    company = CompanyFactory(chamber=chamber, state=CompanyState.AWAITING_ACTIVATION)
    admin = MembershipFactory(company=company, is_admin=True).user
    client.force_login(admin)
    response = client.post(reverse("companies:request_password", args=[company.pk]), {"reason": ""})
    assert response.status_code == 200
    assert not NewPasswordRequest.objects.exists()


def test_an_overlong_reason_is_refused(client, admin_and_company):
    admin, company = admin_and_company
    client.force_login(admin)
    response = client.post(
        reverse("companies:request_password", args=[company.pk]), {"reason": "x" * 5000}
    )
    assert "reason" in response.context["form"].errors
    assert not NewPasswordRequest.objects.exists()


def test_the_only_admin_cannot_delete_their_account(client, admin_and_company):
    from tests.conftest import PASSWORD

    admin, company = admin_and_company
    client.force_login(admin)
    page = client.get(reverse("accounts:delete")).content.decode()
    assert "einzige Unternehmensadministrator" in page and company.name in page
    client.post(reverse("accounts:delete"), {"password": PASSWORD})
    admin.refresh_from_db()
    assert not admin.is_deleted
    # With a second admin, deletion goes ahead.
    MembershipFactory(company=company, is_admin=True)
    client.post(reverse("accounts:delete"), {"password": PASSWORD})
    admin.refresh_from_db()
    assert admin.is_deleted


def test_an_admin_who_lost_the_right_is_refused_and_nothing_is_requested(admin_and_company):
    admin, company = admin_and_company
    Membership.objects.filter(user=admin, company=company).update(is_admin=False)
    with pytest.raises(NotAllowed, match="nicht mehr Unternehmensadministrator"):
        request_new_company_password(Actor.of(admin), company_id=company.pk)
    assert not NewPasswordRequest.objects.exists()
