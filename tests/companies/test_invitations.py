"""Join links (manual ch. 4, companies/services/invitations.py): tampered, expired, used,
revoked, resent, and the unregistered invitee."""

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.audit.models import AuditAction
from meinekammer.companies.models import (
    Invitation,
    InvitationState,
    MemberRequest,
    Membership,
    RequestKind,
)
from meinekammer.companies.services import (
    invitations,
    member_requests,
)
from meinekammer.companies.tasks import expire_due_invitations
from tests.accounts.factories import UserFactory
from tests.companies.factories import actor_for
from tests.companies.helpers import events, flashed, mails, text
from tests.conftest import links_in

pytestmark = pytest.mark.django_db


# --- Join links ---------------------------------------------------------------------------------


@pytest.fixture
def invitee(db):
    return UserFactory(email="tina@example.com", first_name="Tina", last_name="Trainer")


@pytest.fixture
def invite_link(client, company, admin, roles, outbox):
    """Invite tina@example.com through the page; returns the link's path from the mail."""

    def send(email="tina@example.com"):
        client.force_login(admin)
        client.post(
            reverse("companies:invite", args=[company.pk]),
            {"roles": [roles["trainer"].pk], "email": email},
        )
        client.logout()
        [link] = [
            link
            for m in outbox()
            if m.to == [email]
            for link in links_in(m)
            if "/einladung/" in link
        ][-1:]
        return urlsplit(link).path

    return send


def test_a_tampered_link_is_404(client, invitee, invite_link):
    path = invite_link()
    token = path.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    client.force_login(invitee)
    url = reverse("companies:invitation", args=[tampered])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not MemberRequest.objects.exists()


def test_an_expired_link_is_refused_and_the_job_marks_it(client, invitee, invite_link):
    path = invite_link()
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        client.force_login(invitee)
        page = client.get(path)
        assert "Dieser Beitrittslink ist abgelaufen." in text(page)
        client.post(path)
        assert not MemberRequest.objects.exists()
        assert expire_due_invitations.call() == 1
        assert expire_due_invitations.call() == 0  # idempotent
    invitation = Invitation.objects.get()
    assert invitation.state == InvitationState.EXPIRED
    decided = invitation.decided_at
    invitations.expire_invitations()
    invitation.refresh_from_db()
    assert invitation.decided_at == decided


def test_a_link_still_valid_on_day_13(client, invitee, invite_link):
    path = invite_link()
    with time_machine.travel(timezone.now() + timedelta(days=13)):
        client.force_login(invitee)
        assert expire_due_invitations.call() == 0
        assert client.post(path).status_code == 302
    assert MemberRequest.objects.get().requester == invitee


def test_a_used_link_works_once(client, company, admin, invitee, invite_link, roles):
    path = invite_link()
    client.force_login(invitee)
    client.post(path)
    client.post(path)
    assert MemberRequest.objects.count() == 1
    assert events(AuditAction.INVITATION_ACCEPTED) == 1
    assert mails("request_new_admin", admin.email) == 1
    page = client.get(path)
    assert "Sie haben diesen Beitrittslink bereits verwendet" in text(page)
    # The request is rejected: the link does not make a second one.
    member_request = MemberRequest.objects.get()
    member_requests.assign_request_to_me(actor_for(admin), member_request_id=member_request.pk)
    member_requests.reject_member_request(actor_for(admin), member_request_id=member_request.pk)
    client.post(path)
    assert MemberRequest.objects.count() == 1
    # Somebody else with the link is told it was used.
    client.force_login(UserFactory())
    assert "Dieser Beitrittslink wurde bereits verwendet." in text(client.get(path))
    client.post(path)
    assert MemberRequest.objects.count() == 1


def test_a_link_opened_with_another_account(client, invite_link, user):
    path = invite_link()
    client.force_login(user)
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 200
        assert "Dieser Beitrittslink wurde an eine andere E-Mail-Adresse gesendet." in text(
            response
        )
    assert not MemberRequest.objects.exists()
    assert Invitation.objects.get().state == InvitationState.PENDING


def test_an_unconfirmed_address_does_not_count(client, invite_link):
    path = invite_link()
    unconfirmed = UserFactory(email="tina@example.com", verified=False)
    client.force_login(unconfirmed)
    client.post(path)
    assert not MemberRequest.objects.exists()


def test_a_revoked_link(client, company, admin, invitee, invite_link):
    path = invite_link()
    invitation = Invitation.objects.get()
    client.force_login(admin)
    response = client.post(reverse("companies:invitation_revoke", args=[company.pk, invitation.pk]))
    assert flashed(response) == ["Die Einladung an tina@example.com wurde zurückgezogen."]
    assert events(AuditAction.INVITATION_REVOKED) == 1
    client.post(reverse("companies:invitation_revoke", args=[company.pk, invitation.pk]))
    assert events(AuditAction.INVITATION_REVOKED) == 1
    response = client.post(reverse("companies:invitation_resend", args=[company.pk, invitation.pk]))
    assert flashed(response)[-1] == (
        "Diese Einladung ist nicht mehr offen. Es wurde nichts geändert."
    )
    client.force_login(invitee)
    assert "Diese Einladung wurde vom Unternehmen zurückgezogen." in text(client.get(path))
    client.post(path)
    assert not MemberRequest.objects.exists()


def test_a_resent_link_replaces_the_old_one(client, company, admin, invitee, invite_link, outbox):
    old = invite_link()
    invitation = Invitation.objects.get()
    client.force_login(admin)
    client.post(reverse("companies:invitation_resend", args=[company.pk, invitation.pk]))
    new_links = [
        urlsplit(link).path
        for m in outbox()
        if m.to == ["tina@example.com"]
        for link in links_in(m)
        if "/einladung/" in link
    ]
    assert len(new_links) == 2 and new_links[-1] != old
    invitation.refresh_from_db()
    assert invitation.send_count == 2
    client.force_login(invitee)
    assert client.get(old).status_code == 404
    assert client.post(old).status_code == 404
    assert not MemberRequest.objects.exists()
    assert client.post(new_links[-1]).status_code == 302
    assert MemberRequest.objects.get().invitation == invitation


def test_inviting_again_renews_the_pending_invitation(company, admin, invite_link):
    first = invite_link()
    second = invite_link()
    assert Invitation.objects.count() == 1
    assert first != second
    assert events(AuditAction.INVITATION_SENT) == 2
    assert mails("invitation") == 2


NEWCOMER = {
    "salutation": "mr",
    "first_name": "Neu",
    "last_name": "Person",
    "email": "neu.person@example.com",
    "password1": "Sonnenblumen über dem Deich",
    "password2": "Sonnenblumen über dem Deich",
}


def test_the_unregistered_invitee_registers_confirms_and_the_request_waits(
    client, company, admin, second_admin, invite_link, outbox
):
    path = invite_link("neu.person@example.com")
    page = client.get(path)
    assert page.status_code == 200
    assert "Jetzt registrieren" in text(page)
    signup_url = html.unescape(
        re.search(r'href="([^"]*/accounts/signup/\?[^"]*email=[^"]*)"', page.text)[1]
    )
    query = parse_qs(urlsplit(signup_url).query)
    assert query["email"] == ["neu.person@example.com"]
    signup_page = client.get(signup_url)
    assert 'value="neu.person@example.com"' in signup_page.text

    # "Jetzt registrieren" in two steps: "weiter", then "Registrierung abschicken".
    step_one = client.post(signup_url, NEWCOMER)
    assert parse_qs(urlsplit(step_one["Location"]).query)["next"] == query["next"]
    response = client.post(step_one["Location"], {"accept_privacy": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not MemberRequest.objects.exists()  # not before the address is confirmed
    [confirmation] = [m for m in outbox() if m.to == ["neu.person@example.com"]][-1:]
    link = next(link for link in links_in(confirmation) if "confirm-email" in link)
    assert client.post(urlsplit(link).path).status_code == 302

    new_user = User.objects.get(email="neu.person@example.com")
    member_request = MemberRequest.objects.get()
    assert (member_request.requester, member_request.kind) == (new_user, RequestKind.JOIN)
    assert member_request.invitation == Invitation.objects.get()
    assert Invitation.objects.get().state == InvitationState.ACCEPTED
    assert mails("request_new_admin", admin.email) == 1
    assert mails("request_new_admin", second_admin.email) == 1
    assert not Membership.objects.filter(user=new_user).exists()  # an admin confirms first


def test_registering_without_opening_the_link_makes_no_request(client, invite_link, outbox):
    invite_link("neu.person@example.com")
    client.post(reverse("account_signup"), NEWCOMER)
    client.post(reverse("account_signup_consent"), {"accept_privacy": "on"})
    [confirmation] = [m for m in outbox() if m.to == ["neu.person@example.com"]][-1:]
    link = next(link for link in links_in(confirmation) if "confirm-email" in link)
    client.post(urlsplit(link).path)
    assert not MemberRequest.objects.exists()
    assert Invitation.objects.get().state == InvitationState.PENDING
