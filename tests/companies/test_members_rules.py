"""The rules of manual ch. 4-6: the request state machine, join links, invariants, audit, mail."""

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.accounts.services import delete_account
from meinekammer.applications.models import RoleAssignment
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import (
    Invitation,
    InvitationState,
    MemberRequest,
    Membership,
    RequestKind,
    RequestState,
)
from meinekammer.companies.services import (
    invitations,
    join_requests,
    member_requests,
    role_requests,
)
from meinekammer.companies.services.members import leave_company, remove_member, save_member
from meinekammer.companies.tasks import expire_due_invitations
from meinekammer.core.errors import Refused
from meinekammer.notifications.models import OutboundEmail
from tests.accounts.factories import UserFactory
from tests.companies.factories import AppRoleFactory, CompanyFactory, MembershipFactory, actor_for
from tests.conftest import links_in

pytestmark = pytest.mark.django_db

LAST_ADMIN = "muss mindestens einen Unternehmensadministrator behalten"


@pytest.fixture
def roles(db):
    trainer = AppRoleFactory(
        application__name="Serviceportal Bildung", key="ausbilder", name_de="Ausbilder"
    )
    trainee = AppRoleFactory(application=trainer.application, key="azubi", name_de="Auszubildender")
    return {"trainer": trainer, "trainee": trainee}


@pytest.fixture
def company(chamber):
    return CompanyFactory(chamber=chamber, name="Beispiel GmbH", member_number="1010001")


@pytest.fixture
def admin(company):
    return MembershipFactory(
        company=company, is_admin=True, user__first_name="Anna", user__last_name="Admin"
    ).user


@pytest.fixture
def second_admin(company):
    return MembershipFactory(
        company=company, is_admin=True, user__first_name="Bernd", user__last_name="Zweit"
    ).user


@pytest.fixture
def requester(db):
    return UserFactory(first_name="Rita", last_name="Anfrage", email="rita@example.com")


@pytest.fixture
def join_request(company, requester, roles):
    """An open join request, made the way a user makes it."""
    return join_requests.send_join_request(
        actor_for(requester),
        chamber_number="101",
        member_number="1010001",
        company_name="Beispiel GmbH",
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def events(action) -> int:
    return AuditEvent.objects.filter(action=action).count()


def mails(template: str, to: str | None = None) -> int:
    rows = OutboundEmail.objects.filter(template=f"companies/email/{template}")
    if to is not None:
        rows = rows.filter(recipient=to)
    return rows.count()


def approve_data(roles, *, trainer="no", trainee="no", is_admin="no"):
    return {
        "approve": "1",
        f"approve-role_{roles['trainer'].pk}": trainer,
        f"approve-role_{roles['trainee'].pk}": trainee,
        "approve-is_admin": is_admin,
    }


# --- The request state machine ------------------------------------------------------------------


def test_open_assigned_approved(client, admin, second_admin, join_request, requester, roles):
    assert join_request.state == RequestState.OPEN
    assert events(AuditAction.JOIN_REQUESTED) == 1
    assert mails("request_new_admin", admin.email) == 1
    assert mails("request_new_admin", second_admin.email) == 1
    assert mails("request_new_admin", requester.email) == 0

    client.force_login(admin)
    response = client.post(reverse("companies:request_assign", args=[join_request.pk]))
    assert response["Location"] == reverse("companies:request_detail", args=[join_request.pk])
    join_request.refresh_from_db()
    assert (join_request.state, join_request.assignee) == (RequestState.ASSIGNED, admin)
    assert events(AuditAction.REQUEST_ASSIGNED) == 1
    client.post(reverse("companies:request_assign", args=[join_request.pk]))  # again: no change
    assert events(AuditAction.REQUEST_ASSIGNED) == 1

    response = client.post(
        reverse("companies:request_detail", args=[join_request.pk]),
        approve_data(roles, trainee="yes"),
    )
    assert response.status_code == 302
    join_request.refresh_from_db()
    assert join_request.state == RequestState.APPROVED
    assert join_request.decided_by == admin and join_request.decided_at is not None
    membership = Membership.objects.get(user=requester)
    assert not membership.is_admin
    assert [a.role for a in membership.role_assignments.all()] == [roles["trainee"]]
    assert events(AuditAction.MEMBER_ADDED) == 1
    assert events(AuditAction.ROLE_ASSIGNED) == 1
    assert events(AuditAction.REQUEST_APPROVED) == 1
    assert events(AuditAction.ADMIN_APPOINTED) == 0
    assert mails("request_approved", requester.email) == 1
    assert mails("request_approved") == 1


def test_assigned_rejected_with_reason(client, admin, join_request, requester, outbox):
    client.force_login(admin)
    client.post(reverse("companies:request_assign", args=[join_request.pk]))
    client.post(
        reverse("companies:request_detail", args=[join_request.pk]),
        {"reject": "1", "reject-reason": "  Unbekannte Person  "},
    )
    join_request.refresh_from_db()
    assert join_request.state == RequestState.REJECTED
    assert join_request.reason == "Unbekannte Person"
    assert not Membership.objects.filter(user=requester).exists()
    assert events(AuditAction.REQUEST_REJECTED) == 1
    delivered = [m for m in outbox() if m.to == [requester.email]]
    assert len(delivered) == 1
    assert "Unbekannte Person" in delivered[0].body


def test_approving_an_open_request_without_assigning_is_refused(
    client, admin, join_request, roles, requester
):
    client.force_login(admin)
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("companies:request_detail", args=[join_request.pk]),
        approve_data(roles, trainer="yes"),
    )
    assert response.status_code == 302
    assert flashed(response) == ["Bitte weisen Sie sich die Anfrage zuerst zu („Mir zuweisen“)."]
    join_request.refresh_from_db()
    assert join_request.state == RequestState.OPEN
    assert not Membership.objects.filter(user=requester).exists()
    assert AuditEvent.objects.count() == before
    with pytest.raises(Refused):
        member_requests.reject_member_request(actor_for(admin), member_request_id=join_request.pk)


def test_release_gives_the_request_back(client, admin, second_admin, join_request):
    member_requests.assign_request_to_me(actor_for(admin), member_request_id=join_request.pk)
    client.force_login(second_admin)
    response = client.post(reverse("companies:request_assign", args=[join_request.pk]))
    assert "Anna Admin hat diese Anfrage bereits übernommen." in flashed(response)[0]
    # Any admin may release it (the assignee may be on holiday).
    client.post(reverse("companies:request_release", args=[join_request.pk]))
    join_request.refresh_from_db()
    assert (join_request.state, join_request.assignee) == (RequestState.OPEN, None)
    assert events(AuditAction.REQUEST_RELEASED) == 1
    client.post(reverse("companies:request_release", args=[join_request.pk]))  # no change
    assert events(AuditAction.REQUEST_RELEASED) == 1
    client.post(reverse("companies:request_assign", args=[join_request.pk]))
    join_request.refresh_from_db()
    assert join_request.assignee == second_admin


def test_only_the_assignee_decides(admin, second_admin, join_request, roles):
    member_requests.assign_request_to_me(actor_for(admin), member_request_id=join_request.pk)
    with pytest.raises(Refused, match="Anna Admin hat diese Anfrage bereits übernommen"):
        member_requests.approve_member_request(
            actor_for(second_admin), member_request_id=join_request.pk, roles=[roles["trainer"]]
        )
    join_request.refresh_from_db()
    assert join_request.state == RequestState.ASSIGNED


def test_deciding_a_decided_request_tells_who_decided(
    client, admin, second_admin, join_request, roles
):
    member_requests.assign_request_to_me(actor_for(admin), member_request_id=join_request.pk)
    member_requests.reject_member_request(
        actor_for(admin), member_request_id=join_request.pk, reason="Nein"
    )
    client.force_login(second_admin)
    for url, data in [
        (reverse("companies:request_detail", args=[join_request.pk]), approve_data(roles)),
        (reverse("companies:request_assign", args=[join_request.pk]), {}),
        (reverse("companies:request_release", args=[join_request.pk]), {}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 302
        assert flashed(response)[-1] == (
            "Über diese Anfrage hat bereits Anna Admin entschieden. Es wurde nichts geändert."
        )
    join_request.refresh_from_db()
    assert join_request.state == RequestState.REJECTED
    assert events(AuditAction.REQUEST_REJECTED) == 1
    assert mails("request_rejected") == 1
    page = client.get(reverse("companies:request_detail", args=[join_request.pk]))
    assert "entschieden von Anna Admin am" in text(page)


def test_withdrawn_by_the_requester(client, admin, join_request, requester, roles):
    member_requests.assign_request_to_me(actor_for(admin), member_request_id=join_request.pk)
    client.force_login(requester)
    response = client.post(reverse("companies:request_withdraw", args=[join_request.pk]))
    assert flashed(response) == ["Ihre Anfrage wurde zurückgezogen."]
    join_request.refresh_from_db()
    assert join_request.state == RequestState.WITHDRAWN
    assert events(AuditAction.REQUEST_WITHDRAWN) == 1
    client.post(reverse("companies:request_withdraw", args=[join_request.pk]))  # double click
    assert events(AuditAction.REQUEST_WITHDRAWN) == 1

    client.force_login(admin)
    response = client.post(
        reverse("companies:request_detail", args=[join_request.pk]),
        approve_data(roles, trainer="yes"),
    )
    assert flashed(response)[-1] == (
        "Die Anfrage wurde von der anfragenden Person zurückgezogen. Es wurde nichts geändert."
    )
    assert not Membership.objects.filter(user=requester).exists()


def test_a_decided_request_cannot_be_withdrawn(client, admin, join_request, requester):
    member_requests.assign_request_to_me(actor_for(admin), member_request_id=join_request.pk)
    member_requests.reject_member_request(actor_for(admin), member_request_id=join_request.pk)
    client.force_login(requester)
    response = client.post(reverse("companies:request_withdraw", args=[join_request.pk]))
    assert flashed(response) == [
        "Über diese Anfrage wurde bereits entschieden. Es wurde nichts geändert."
    ]
    join_request.refresh_from_db()
    assert join_request.state == RequestState.REJECTED


@pytest.fixture
def member_with_pending(company, roles):
    """A member with an open role request."""
    membership = MembershipFactory(company=company)
    role_request = role_requests.send_role_request(
        actor_for(membership.user), company_id=company.pk, role=roles["trainer"]
    )
    return membership, role_request


def test_leaving_cancels_pending_requests(admin, member_with_pending):
    membership, role_request = member_with_pending
    member_requests.assign_request_to_me(actor_for(admin), member_request_id=role_request.pk)
    leave_company(actor_for(membership.user), company_id=membership.company_id)
    role_request.refresh_from_db()
    assert role_request.state == RequestState.CANCELLED
    assert events(AuditAction.REQUEST_CANCELLED) == 1
    assert events(AuditAction.MEMBER_LEFT) == 1
    assert not Membership.objects.filter(pk=membership.pk).exists()
    with pytest.raises(Refused):
        member_requests.approve_member_request(
            actor_for(admin), member_request_id=role_request.pk, roles=[]
        )


def test_removal_cancels_pending_requests(admin, member_with_pending):
    membership, role_request = member_with_pending
    remove_member(actor_for(admin), company_id=membership.company.pk, membership_id=membership.pk)
    role_request.refresh_from_db()
    assert role_request.state == RequestState.CANCELLED
    assert events(AuditAction.REQUEST_CANCELLED) == 1
    assert events(AuditAction.MEMBER_REMOVED) == 1


def test_account_deletion_ends_membership_and_cancels_requests(
    company, admin, member_with_pending, roles
):
    membership, role_request = member_with_pending
    RoleAssignment.objects.create(membership=membership, role=roles["trainee"])
    other = CompanyFactory(chamber=company.chamber)
    MembershipFactory(company=other, is_admin=True)
    join = MemberRequest.objects.create(
        company=other, requester=membership.user, kind=RequestKind.JOIN
    )
    user = membership.user
    delete_account(actor_for(user))
    user.refresh_from_db()
    assert user.is_deleted
    assert not Membership.objects.filter(user=user).exists()
    assert not RoleAssignment.objects.filter(membership_id=membership.pk).exists()
    role_request.refresh_from_db()
    assert role_request.state == RequestState.CANCELLED
    join.refresh_from_db()
    # A join request to a company the user did not belong to waits no more either.
    assert join.state == RequestState.CANCELLED
    assert events(AuditAction.REQUEST_CANCELLED) == 2
    assert events(AuditAction.MEMBER_LEFT) == 1
    assert Membership.objects.filter(user=admin, is_admin=True).exists()


def test_account_deletion_cancels_a_pending_join_request(client, company, admin, join_request):
    user = join_request.requester
    delete_account(actor_for(user))
    join_request.refresh_from_db()
    assert join_request.state == RequestState.CANCELLED
    assert events(AuditAction.REQUEST_CANCELLED) == 1
    client.force_login(admin)
    assert "Offene Anfragen (0)" in text(client.get(reverse("companies:requests_open")))


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

    response = client.post(
        signup_url,
        {
            "salutation": "mr",
            "first_name": "Neu",
            "last_name": "Person",
            "email": "neu.person@example.com",
            "password1": "Sonnenblumen über dem Deich",
            "password2": "Sonnenblumen über dem Deich",
            "accept_privacy": "on",
        },
    )
    assert response.status_code == 302
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
    client.post(
        reverse("account_signup"),
        {
            "salutation": "mr",
            "first_name": "Neu",
            "last_name": "Person",
            "email": "neu.person@example.com",
            "password1": "Sonnenblumen über dem Deich",
            "password2": "Sonnenblumen über dem Deich",
            "accept_privacy": "on",
        },
    )
    [confirmation] = [m for m in outbox() if m.to == ["neu.person@example.com"]][-1:]
    link = next(link for link in links_in(confirmation) if "confirm-email" in link)
    client.post(urlsplit(link).path)
    assert not MemberRequest.objects.exists()
    assert Invitation.objects.get().state == InvitationState.PENDING


# --- Invariants ---------------------------------------------------------------------------------


def test_the_last_admin_cannot_be_demoted(client, company, admin, roles):
    membership = Membership.objects.get(user=admin)
    client.force_login(admin)
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("companies:member_save", args=[company.pk, membership.pk]),
        {
            f"m{membership.pk}-role_{roles['trainer'].pk}": "yes",
            f"m{membership.pk}-role_{roles['trainee'].pk}": "no",
            f"m{membership.pk}-is_admin": "no",
        },
    )
    assert response.status_code == 302
    [message] = flashed(response)
    assert LAST_ADMIN in message and "Beispiel GmbH" in message
    membership.refresh_from_db()
    assert membership.is_admin
    # The role change of the same "Speichern" is not kept either: all or nothing.
    assert not RoleAssignment.objects.exists()
    assert AuditEvent.objects.count() == before
    assert not OutboundEmail.objects.exists()


def test_the_last_admin_cannot_be_removed(client, company, admin):
    membership = Membership.objects.get(user=admin)
    client.force_login(admin)
    response = client.post(reverse("companies:member_remove", args=[company.pk, membership.pk]))
    assert response.status_code == 200
    assert LAST_ADMIN in text(response)
    assert Membership.objects.filter(pk=membership.pk, is_admin=True).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBER_REMOVED).exists()


def test_the_last_admin_cannot_leave(client, company, admin):
    MembershipFactory(company=company)
    client.force_login(admin)
    response = client.post(reverse("companies:leave", args=[company.pk]))
    assert response.status_code == 200
    assert "Sie sind der einzige Unternehmensadministrator von Beispiel GmbH." in text(response)
    assert Membership.objects.filter(user=admin, is_admin=True).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBER_LEFT).exists()


def test_with_two_admins_one_may_go(client, company, admin, second_admin):
    client.force_login(admin)
    assert client.post(reverse("companies:leave", args=[company.pk])).status_code == 302
    assert not Membership.objects.filter(user=admin).exists()
    assert events(AuditAction.MEMBER_LEFT) == 1
    # Now the second admin is the last one.
    client.force_login(second_admin)
    assert client.post(reverse("companies:leave", args=[company.pk])).status_code == 200
    assert Membership.objects.filter(user=second_admin, is_admin=True).exists()


def test_removing_a_member_removes_their_roles_and_tells_them(client, company, admin, roles):
    membership = MembershipFactory(company=company)
    for role in roles.values():
        RoleAssignment.objects.create(membership=membership, role=role)
    client.force_login(admin)
    response = client.post(reverse("companies:member_remove", args=[company.pk, membership.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not RoleAssignment.objects.filter(membership_id=membership.pk).exists()
    assert events(AuditAction.MEMBER_REMOVED) == 1
    assert mails("member_removed", membership.user.email) == 1
    assert mails("member_removed") == 1


def test_a_member_removed_from_two_companies_is_told_twice(company, admin, chamber):
    """The removal mail's event key names the membership: it used to be read after the row was
    deleted ("member:None:removed"), so a second removal of the same person sent no mail."""
    user = UserFactory()
    other = CompanyFactory(chamber=chamber)
    other_admin = MembershipFactory(company=other, is_admin=True).user
    for by, where in ((admin, company), (other_admin, other)):
        membership = MembershipFactory(company=where, user=user)
        remove_member(actor_for(by), company_id=where.pk, membership_id=membership.pk)
    assert mails("member_removed", user.email) == 2
    assert not OutboundEmail.objects.filter(event_key__contains="None").exists()


def test_being_admin_grants_no_role(company, admin, roles):
    membership = MembershipFactory(company=company)
    save_member(
        actor_for(admin),
        company_id=company.pk,
        membership_id=membership.pk,
        roles=[],
        is_admin=True,
    )
    membership.refresh_from_db()
    assert membership.is_admin
    assert not RoleAssignment.objects.filter(membership=membership).exists()
    assert events(AuditAction.ADMIN_APPOINTED) == 1
    assert events(AuditAction.ROLE_ASSIGNED) == 0


def test_an_admin_invited_as_admin_gets_no_role_unasked(client, admin, join_request, roles):
    member_requests.assign_request_to_me(actor_for(admin), member_request_id=join_request.pk)
    client.force_login(admin)
    client.post(
        reverse("companies:request_detail", args=[join_request.pk]),
        approve_data(roles, is_admin="yes"),
    )
    membership = Membership.objects.get(user=join_request.requester)
    assert membership.is_admin
    assert not membership.role_assignments.exists()
    assert events(AuditAction.ADMIN_APPOINTED) == 1


def test_each_role_change_writes_one_event_and_one_mail(company, admin, roles):
    membership = MembershipFactory(company=company)
    to = membership.user.email
    save_member(
        actor_for(admin),
        company_id=company.pk,
        membership_id=membership.pk,
        roles=[roles["trainer"]],
        is_admin=False,
    )
    assert events(AuditAction.ROLE_ASSIGNED) == 1
    assert mails("member_changed", to) == 1
    # "Speichern" without a change: no event, no mail.
    save_member(
        actor_for(admin),
        company_id=company.pk,
        membership_id=membership.pk,
        roles=[roles["trainer"]],
        is_admin=False,
    )
    assert events(AuditAction.ROLE_ASSIGNED) == 1
    assert mails("member_changed", to) == 1
    save_member(
        actor_for(admin),
        company_id=company.pk,
        membership_id=membership.pk,
        roles=[roles["trainee"]],
        is_admin=True,
    )
    assert events(AuditAction.ROLE_ASSIGNED) == 2
    assert events(AuditAction.ROLE_REMOVED) == 1
    assert events(AuditAction.ADMIN_APPOINTED) == 1
    assert mails("member_changed", to) == 2
    save_member(
        actor_for(admin),
        company_id=company.pk,
        membership_id=membership.pk,
        roles=[],
        is_admin=False,
    )
    assert events(AuditAction.ROLE_REMOVED) == 2
    assert events(AuditAction.ADMIN_REVOKED) == 1
    assert mails("member_changed", to) == 3
    assert mails("member_changed") == 3


def test_role_request_flow_events_and_mails(company, admin, second_admin, roles):
    membership = MembershipFactory(company=company)
    RoleAssignment.objects.create(membership=membership, role=roles["trainer"])
    user = membership.user
    role_request = role_requests.send_role_request(
        actor_for(user), company_id=company.pk, role=roles["trainee"]
    )
    again = role_requests.send_role_request(
        actor_for(user), company_id=company.pk, role=roles["trainee"]
    )
    assert again.pk == role_request.pk
    assert events(AuditAction.ROLE_REQUESTED) == 1
    assert mails("request_new_admin", admin.email) == 1
    assert mails("request_new_admin", second_admin.email) == 1
    with pytest.raises(Refused, match="Sie haben die Rolle Ausbilder bereits"):
        role_requests.send_role_request(
            actor_for(user), company_id=company.pk, role=roles["trainer"]
        )
    member_requests.assign_request_to_me(actor_for(admin), member_request_id=role_request.pk)
    # Approving a role request adds; it takes nothing away that was not asked about.
    member_requests.approve_member_request(
        actor_for(admin), member_request_id=role_request.pk, roles=[roles["trainee"]]
    )
    held = set(RoleAssignment.objects.filter(membership=membership).values_list("role", flat=True))
    assert held == {roles["trainer"].pk, roles["trainee"].pk}
    assert events(AuditAction.ROLE_ASSIGNED) == 1
    assert events(AuditAction.REQUEST_APPROVED) == 1
    assert mails("request_approved", user.email) == 1
    with pytest.raises(Refused):
        member_requests.approve_member_request(
            actor_for(admin), member_request_id=role_request.pk, roles=[roles["trainee"]]
        )
    assert mails("request_approved", user.email) == 1


def test_a_locked_admin_is_not_mailed_about_new_requests(company, admin, second_admin):
    User.objects.filter(pk=second_admin.pk).update(locked_at=timezone.now())
    user = UserFactory()
    join_requests.send_join_request(
        actor_for(user), chamber_number="101", member_number="1010001", company_name="Beispiel GmbH"
    )
    assert mails("request_new_admin", admin.email) == 1
    assert mails("request_new_admin", second_admin.email) == 0


def test_mails_are_delivered_once(admin, join_request, roles, outbox):
    member_requests.assign_request_to_me(actor_for(admin), member_request_id=join_request.pk)
    member_requests.approve_member_request(
        actor_for(admin), member_request_id=join_request.pk, roles=[roles["trainer"]]
    )
    first = list(outbox())
    second = list(outbox())  # running the worker again sends nothing new
    assert len(first) == len(second)
    pairs = [(tuple(m.to), m.subject) for m in first]
    assert len(pairs) == len(set(pairs))
    assert sum(1 for m in first if m.to == [join_request.requester.email]) == 1


# --- The member list stays flat ---------------------------------------------------------------


def _members(company, roles, count):
    users = User.objects.bulk_create(
        [
            User(
                email=f"m{company.pk}-{n}@example.com",
                first_name=f"Vor{n}",
                last_name=f"Nach{n:05d}",
                password="!",
            )
            for n in range(count)
        ]
    )
    memberships = Membership.objects.bulk_create(
        [Membership(company=company, user=user) for user in users]
    )
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(membership=membership, role=role)
            for membership in memberships
            for role in roles.values()
        ]
    )


def _queries(client, company, **params) -> int:
    url = reverse("companies:administration", args=[company.pk])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def test_the_member_list_query_count_is_flat(client, chamber, roles):
    small = CompanyFactory(chamber=chamber)
    big = CompanyFactory(chamber=chamber)
    small_admin = MembershipFactory(company=small, is_admin=True).user
    big_admin = MembershipFactory(company=big, is_admin=True).user
    _members(small, roles, 10)
    _members(big, roles, 1000)
    for company in (small, big):
        invitations.invite_member(
            actor_for(MembershipFactory(company=company, is_admin=True).user),
            company_id=company.pk,
            email=f"einladung{company.pk}@example.com",
            roles=list(roles.values()),
        )
    client.force_login(small_admin)
    _queries(client, small)  # warm up (session, language)
    small_count = _queries(client, small)
    client.force_login(big_admin)
    _queries(client, big)
    big_count = _queries(client, big)
    assert small_count == big_count
    assert _queries(client, big, page="40") == big_count
    assert _queries(client, big, q="Nach00999") == big_count
