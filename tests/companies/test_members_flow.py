"""The stories of manual ch. 4-6 through the pages, as a company admin and a user live them."""

import re

import pytest
from django.urls import reverse

from meinekammer.applications.models import RoleAssignment
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import (
    Invitation,
    InvitationState,
    MemberRequest,
    Membership,
    RequestState,
)
from tests.accounts.factories import UserFactory
from tests.companies.factories import MembershipFactory
from tests.conftest import links_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(company):
    return MembershipFactory(company=company, is_admin=True).user


def test_chapter_4_invite_a_registered_user_then_confirm(client, company, admin, roles, outbox):
    invitee = UserFactory(email="tina.trainer@example.com")
    client.force_login(admin)
    page = client.get(reverse("companies:invite", args=[company.pk]))
    assert "Benutzer hinzufügen" in page.text
    response = client.post(
        reverse("companies:invite", args=[company.pk]),
        {"roles": [roles["trainer"].pk], "email": "Tina.Trainer@example.com"},
    )
    assert response.status_code == 302
    [message] = [m for m in outbox() if m.to == ["Tina.Trainer@example.com"]]
    [link] = [link for link in links_in(message) if "/einladung/" in link]

    client.force_login(invitee)
    page = client.get(link)
    assert "Beitrittsanfrage senden" in page.text
    assert client.post(link).status_code == 302
    client.post(link)  # a double click changes nothing
    member_request = MemberRequest.objects.get()
    assert member_request.state == RequestState.OPEN
    assert Invitation.objects.get().state == InvitationState.ACCEPTED

    client.force_login(admin)
    home = client.get(reverse("web:home"))
    assert "Beitrittsanfragen" in home.text and "Offene Anfragen (1)" in home.text
    open_page = client.get(reverse("companies:requests_open"))
    assert "Mir zuweisen" in open_page.text
    client.post(reverse("companies:request_assign", args=[member_request.pk]))
    detail = client.get(reverse("companies:request_detail", args=[member_request.pk]))
    assert "Anfrageinformationen" in detail.text
    field = f"approve-role_{roles['trainer'].pk}"
    assert re.search(rf'name="{field}" value="yes"[^>]*checked', detail.text)
    response = client.post(
        reverse("companies:request_detail", args=[member_request.pk]),
        {
            "approve": "1",
            field: "yes",
            f"approve-role_{roles['trainee'].pk}": "no",
            "approve-is_admin": "no",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(company=company, user=invitee)
    assert [a.role for a in RoleAssignment.objects.filter(membership=membership)] == [
        roles["trainer"]
    ]
    assert AuditEvent.objects.filter(action=AuditAction.MEMBER_ADDED).count() == 1
    mails = outbox()
    assert any("genehmigt" in m.subject.lower() or "freigegeben" in m.subject for m in mails)

    client.force_login(invitee)
    home = client.get(reverse("web:home"))
    assert "Meine Unternehmen" in home.text and "Ausbilder" in home.text


def test_chapter_5_and_6_join_request_then_role_request(client, company, admin, roles):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("companies:join"),
        {"chamber_number": "101", "member_number": "1010001", "company_name": " beispiel  gmbh "},
    )
    assert response.status_code == 302, response.text
    member_request = MemberRequest.objects.get()

    client.force_login(admin)
    client.post(reverse("companies:request_assign", args=[member_request.pk]))
    client.post(
        reverse("companies:request_detail", args=[member_request.pk]),
        {
            "approve": "1",
            f"approve-role_{roles['trainer'].pk}": "no",
            f"approve-role_{roles['trainee'].pk}": "no",
            "approve-is_admin": "no",
        },
    )
    assert Membership.objects.filter(company=company, user=user).exists()

    client.force_login(user)
    home = client.get(reverse("web:home"))
    assert "Rolle beantragen" in home.text and "Unternehmen verlassen" in home.text
    response = client.post(
        reverse("companies:role_request", args=[company.pk]),
        {"role": roles["trainee"].pk, "comment": "Ausbildung ab 1.8."},
    )
    assert response.status_code == 302
    role_request = MemberRequest.objects.get(kind="role")

    client.force_login(admin)
    client.post(reverse("companies:request_assign", args=[role_request.pk]))
    client.post(
        reverse("companies:request_detail", args=[role_request.pk]),
        {
            "approve": "1",
            f"approve-role_{roles['trainer'].pk}": "no",
            f"approve-role_{roles['trainee'].pk}": "yes",
        },
    )
    role_request.refresh_from_db()
    assert role_request.state == RequestState.APPROVED

    admin_page = client.get(reverse("companies:administration", args=[company.pk]))
    assert "Unternehmensmitglieder" in admin_page.text and "Auszubildender" in admin_page.text


def test_a_mismatch_says_nothing_about_which_field(client, company, admin):
    client.force_login(UserFactory())
    messages = set()
    for data in (
        {"chamber_number": "999", "member_number": "1010001", "company_name": "Beispiel GmbH"},
        {"chamber_number": "101", "member_number": "1010002", "company_name": "Beispiel GmbH"},
        {"chamber_number": "101", "member_number": "1010001", "company_name": "Andere GmbH"},
    ):
        response = client.post(reverse("companies:join"), data)
        assert response.status_code == 200
        messages.add(re.search(r"No company|Kein Unternehmen[^<]*", response.text).group(0))
    assert len(messages) == 1
    assert not MemberRequest.objects.exists()
