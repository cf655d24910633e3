"""The only admin, and the admin who sent the invitation, decide a request at once; the
assignment happens with the decision, audited as "Mir zuweisen" is. Mails about a request link
to that request (companies/services/member_requests.py)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import Invitation, Membership, RequestState
from meinekammer.companies.services import invitations, member_requests, role_requests
from meinekammer.core.errors import Conflict, NotFound
from tests.accounts.factories import UserFactory
from tests.companies.factories import CompanyFactory, MembershipFactory, actor_for
from tests.companies.helpers import approve_data, events, flashed, text

pytestmark = pytest.mark.django_db

TOKEN = "t" * 43
AT_ONCE_ALONE = "Sie sind der einzige Unternehmensadministrator"
AT_ONCE_INVITER = "Sie haben die Einladung zu dieser Anfrage versendet"


def invited_request(company, inviter, roles, email="tina.trainer@example.com"):
    """The join request the invitation's link makes, the way the invitee makes it."""
    invitee = UserFactory(email=email, first_name="Tina", last_name="Trainer")
    invitation = invitations.invite_member(
        actor_for(inviter), company_id=company.pk, email=email, roles=[roles["trainer"]]
    )
    # The token is only in the mail; make a known one for the test.
    Invitation.objects.filter(pk=invitation.pk).update(token_digest=invitations.digest(TOKEN))
    return invitations.accept_invitation(actor_for(invitee), token=TOKEN)


def detail(member_request) -> str:
    return reverse("companies:request_detail", args=[member_request.pk])


def assigned_events(member_request):
    return AuditEvent.objects.filter(
        action=AuditAction.REQUEST_ASSIGNED, data__request_id=member_request.pk
    )


# --- The only admin -----------------------------------------------------------------------------


def test_the_only_admin_sees_the_decision_at_once(client, admin, join_request):
    client.force_login(admin)
    body = text(client.get(detail(join_request)))
    assert AT_ONCE_ALONE in body
    assert 'name="approve"' in body and 'name="reject"' in body
    assert reverse("companies:request_assign", args=[join_request.pk]) not in body
    assert reverse("companies:request_release", args=[join_request.pk]) not in body


def test_the_only_admin_approves_an_open_request_at_once(
    client, admin, join_request, requester, roles
):
    client.force_login(admin)
    response = client.post(detail(join_request), approve_data(roles, trainee="yes"))
    assert response.status_code == 302
    assert flashed(response) == ["Genehmigt: Rita Anfrage wurde benachrichtigt."]
    join_request.refresh_from_db()
    assert join_request.state == RequestState.APPROVED
    assert (join_request.assignee, join_request.decided_by) == (admin, admin)
    assert join_request.assigned_at is not None
    assert Membership.objects.filter(company=join_request.company, user=requester).exists()
    # Audited as "Mir zuweisen" would have been, then the decision.
    assigned = assigned_events(join_request).get()
    assert assigned.actor_id == admin.pk and assigned.subject_user_id == requester.pk
    approved = AuditEvent.objects.get(action=AuditAction.REQUEST_APPROVED)
    assert assigned.pk < approved.pk


def test_the_only_admin_rejects_at_once(client, admin, join_request, requester):
    client.force_login(admin)
    client.post(detail(join_request), {"reject": "1", "reject-reason": "Unbekannt"})
    join_request.refresh_from_db()
    assert join_request.state == RequestState.REJECTED and join_request.reason == "Unbekannt"
    assert assigned_events(join_request).count() == 1
    assert events(AuditAction.REQUEST_REJECTED) == 1


def test_a_locked_second_admin_does_not_count(admin, second_admin, join_request, roles):
    second_admin.locked_at = timezone.now()
    second_admin.save(update_fields=["locked_at"])
    member_requests.approve_member_request(
        actor_for(admin), member_request_id=join_request.pk, roles=[roles["trainer"]]
    )
    join_request.refresh_from_db()
    assert join_request.state == RequestState.APPROVED


def test_a_role_request_too(admin, company, roles):
    member = MembershipFactory(company=company).user
    role_request = role_requests.send_role_request(
        actor_for(member), company_id=company.pk, role=roles["trainer"]
    )
    member_requests.reject_member_request(actor_for(admin), member_request_id=role_request.pk)
    role_request.refresh_from_db()
    assert role_request.state == RequestState.REJECTED


# --- Two admins: the inviting one decides at once, the other assigns first ----------------------


def test_the_inviting_admin_decides_at_once(client, admin, second_admin, company, roles):
    member_request = invited_request(company, admin, roles)
    client.force_login(admin)
    body = text(client.get(detail(member_request)))
    assert AT_ONCE_INVITER in body and 'name="approve"' in body
    response = client.post(detail(member_request), approve_data(roles, trainer="yes"))
    assert response.status_code == 302
    member_request.refresh_from_db()
    assert member_request.state == RequestState.APPROVED
    assert member_request.assignee == admin and member_request.decided_by == admin
    assert assigned_events(member_request).count() == 1


def test_the_other_admin_still_assigns_first(client, admin, second_admin, company, roles):
    member_request = invited_request(company, admin, roles)
    client.force_login(second_admin)
    body = text(client.get(detail(member_request)))
    assert reverse("companies:request_assign", args=[member_request.pk]) in body
    assert 'name="approve"' not in body
    response = client.post(detail(member_request), approve_data(roles, trainer="yes"))
    assert flashed(response) == ["Bitte weisen Sie sich die Anfrage zuerst zu („Mir zuweisen“)."]
    member_request.refresh_from_db()
    assert member_request.state == RequestState.OPEN
    assert assigned_events(member_request).count() == 0


def test_a_join_request_without_invitation_is_assigned_first_with_two_admins(
    admin, second_admin, join_request, roles
):
    with pytest.raises(Conflict):
        member_requests.approve_member_request(
            actor_for(admin), member_request_id=join_request.pk, roles=[]
        )
    join_request.refresh_from_db()
    assert join_request.state == RequestState.OPEN


def test_the_inviter_cannot_decide_what_a_colleague_took(admin, second_admin, company, roles):
    member_request = invited_request(company, admin, roles)
    member_requests.assign_request_to_me(
        actor_for(second_admin), member_request_id=member_request.pk
    )
    with pytest.raises(Conflict, match=r"bereits übernommen|already taken"):
        member_requests.approve_member_request(
            actor_for(admin), member_request_id=member_request.pk, roles=[]
        )
    member_request.refresh_from_db()
    assert member_request.state == RequestState.ASSIGNED
    assert member_request.assignee == second_admin


def test_an_inviter_who_is_no_longer_admin_decides_nothing(
    client, admin, second_admin, company, roles
):
    member_request = invited_request(company, admin, roles)
    Membership.objects.filter(company=company, user=admin).update(is_admin=False)
    with pytest.raises(NotFound):
        member_requests.approve_member_request(
            actor_for(admin), member_request_id=member_request.pk, roles=[]
        )
    client.force_login(admin)
    assert client.get(detail(member_request)).status_code == 404


def test_an_admin_of_another_company_gets_404_and_changes_nothing(client, join_request, roles):
    stranger = MembershipFactory(company=CompanyFactory(), is_admin=True).user  # alone there
    client.force_login(stranger)
    assert client.get(detail(join_request)).status_code == 404
    response = client.post(detail(join_request), approve_data(roles, trainer="yes"))
    assert response.status_code == 404
    join_request.refresh_from_db()
    assert join_request.state == RequestState.OPEN


def test_a_locked_admin_and_a_logged_out_visitor_decide_nothing(client, admin, join_request, roles):
    response = client.post(detail(join_request), approve_data(roles, trainer="yes"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(admin)
    admin.locked_at = timezone.now()
    admin.save(update_fields=["locked_at"])
    assert client.post(detail(join_request), approve_data(roles)).status_code == 404
    join_request.refresh_from_db()
    assert join_request.state == RequestState.OPEN


# --- Mails link to the request -----------------------------------------------------------------


def test_the_mail_links_to_the_request_not_the_list(admin, second_admin, join_request, outbox):
    delivered = [m for m in outbox() if m.to in ([admin.email], [second_admin.email])]
    assert len(delivered) == 2
    for message in delivered:
        assert detail(join_request) in message.body
        assert reverse("companies:requests_open") not in message.body
        assert "weisen Sie sie sich zu („Mir zuweisen“)" in message.body


def test_the_only_admin_and_the_inviter_are_told_they_decide_at_once(
    admin, second_admin, company, roles, outbox
):
    member_request = invited_request(company, admin, roles)
    by_address = {m.to[0]: m.body for m in outbox() if "Tina Trainer" in m.body}
    assert "sofort entscheiden" in by_address[admin.email]
    assert "weisen Sie sie sich zu" in by_address[second_admin.email]
    assert all(detail(member_request) in body for body in by_address.values())


def test_the_only_admins_mail_says_at_once(admin, join_request, outbox):
    body = next(m.body for m in outbox() if m.to == [admin.email])
    assert "sofort entscheiden" in body and detail(join_request) in body
