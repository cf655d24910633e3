"""Two admins, double clicks and retries on PostgreSQL with real concurrent connections.

Every case ends with DESIGN.md's invariants intact: an active company keeps an admin, a request
is decided once, an invitation makes one join request and one membership.
"""

import pytest

from meinekammer.applications.models import RoleAssignment
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import (
    Invitation,
    MemberRequest,
    Membership,
    RequestKind,
    RequestState,
)
from meinekammer.companies.services import (
    invitations,
    join_requests,
    member_requests,
    members,
)
from meinekammer.notifications.models import OutboundEmail
from tests.accounts.factories import UserFactory
from tests.companies.factories import AppRoleFactory, MembershipFactory, actor_for
from tests.concurrency import at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_admins(company):
    return (
        MembershipFactory(company=company, is_admin=True).user,
        MembershipFactory(company=company, is_admin=True).user,
    )


@pytest.fixture
def role(db):
    return AppRoleFactory(key="ausbilder", name_de="Ausbilder")


def join_request(company, role):
    member_request = MemberRequest.objects.create(
        company=company, requester=UserFactory(), kind=RequestKind.JOIN
    )
    member_request.roles.add(role)
    return member_request


def test_two_admins_claim_the_same_request_one_gets_it_the_other_is_told(company, two_admins, role):
    first, second = two_admins
    member_request = join_request(company, role)
    results, refusals, errors = at_once(
        lambda: member_requests.assign_request_to_me(
            actor_for(first), member_request_id=member_request.pk
        ),
        lambda: member_requests.assign_request_to_me(
            actor_for(second), member_request_id=member_request.pk
        ),
    )
    assert errors == []
    assert len(results) == 1 and len(refusals) == 1
    assert "bereits übernommen" in refusals[0] or "already taken" in refusals[0]
    member_request.refresh_from_db()
    assert member_request.state == RequestState.ASSIGNED
    assert member_request.assignee in (first, second)
    assert AuditEvent.objects.filter(action=AuditAction.REQUEST_ASSIGNED).count() == 1


def test_a_double_clicked_approval_makes_one_membership_one_mail(company, two_admins, role):
    first, _second = two_admins
    member_request = join_request(company, role)
    member_requests.assign_request_to_me(actor_for(first), member_request_id=member_request.pk)

    def approve():
        return member_requests.approve_member_request(
            actor_for(first), member_request_id=member_request.pk, roles=[role], make_admin=False
        )

    results, refusals, errors = at_once(approve, approve, approve)
    assert errors == []
    assert len(results) == 1 and len(refusals) == 2
    requester = member_request.requester
    assert Membership.objects.filter(company=company, user=requester).count() == 1
    assert RoleAssignment.objects.filter(membership__user=requester).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.REQUEST_APPROVED).count() == 1
    assert (
        OutboundEmail.objects.filter(
            template="companies/email/request_approved", recipient=requester.email
        ).count()
        == 1
    )


def test_approve_and_reject_racing_decide_once(company, two_admins, role):
    first, _second = two_admins
    member_request = join_request(company, role)
    member_requests.assign_request_to_me(actor_for(first), member_request_id=member_request.pk)
    results, refusals, errors = at_once(
        lambda: member_requests.approve_member_request(
            actor_for(first), member_request_id=member_request.pk, roles=[role]
        ),
        lambda: member_requests.reject_member_request(
            actor_for(first), member_request_id=member_request.pk, reason="Nein"
        ),
    )
    assert errors == [] and len(results) == 1 and len(refusals) == 1
    member_request.refresh_from_db()
    member = Membership.objects.filter(company=company, user=member_request.requester).exists()
    assert (member_request.state == RequestState.APPROVED) == member


def test_the_last_two_admins_demoting_each_other_leave_one_admin(company, two_admins):
    first, second = two_admins
    first_membership = Membership.objects.get(company=company, user=first)
    second_membership = Membership.objects.get(company=company, user=second)
    results, refusals, errors = at_once(
        lambda: members.save_member(
            actor_for(first),
            company_id=company.pk,
            membership_id=second_membership.pk,
            roles=[],
            is_admin=False,
        ),
        lambda: members.save_member(
            actor_for(second),
            company_id=company.pk,
            membership_id=first_membership.pk,
            roles=[],
            is_admin=False,
        ),
    )
    assert errors == []
    assert len(results) == 1 and len(refusals) == 1
    assert Membership.objects.filter(company=company, is_admin=True).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.ADMIN_REVOKED).count() == 1


def test_the_last_two_admins_removing_each_other_leave_one(company, two_admins):
    first, second = two_admins
    first_membership = Membership.objects.get(company=company, user=first)
    second_membership = Membership.objects.get(company=company, user=second)
    _results, refusals, errors = at_once(
        lambda: members.remove_member(
            actor_for(first), company_id=company.pk, membership_id=second_membership.pk
        ),
        lambda: members.remove_member(
            actor_for(second), company_id=company.pk, membership_id=first_membership.pk
        ),
    )
    assert errors == [] and len(refusals) == 1
    assert Membership.objects.filter(company=company, is_admin=True).count() == 1


def test_both_last_admins_leaving_at_once_leave_one(company, two_admins):
    first, second = two_admins
    _results, refusals, errors = at_once(
        lambda: members.leave_company(actor_for(first), company_id=company.pk),
        lambda: members.leave_company(actor_for(second), company_id=company.pk),
    )
    assert errors == [] and len(refusals) == 1
    assert Membership.objects.filter(company=company, is_admin=True).count() == 1


def test_a_double_clicked_join_link_makes_one_request_and_one_membership(company, two_admins, role):
    first, _second = two_admins
    invitee = UserFactory(email="tina.trainer@example.com")
    invitation = invitations.invite_member(
        actor_for(first), company_id=company.pk, email=invitee.email, roles=[role]
    )
    # The token is only in the mail; make a known one for the test.
    token = "t" * 43
    Invitation.objects.filter(pk=invitation.pk).update(token_digest=invitations.digest(token))

    def follow():
        return invitations.accept_invitation(actor_for(invitee), token=token)

    results, refusals, errors = at_once(follow, follow, follow, follow)
    assert errors == [] and refusals == []
    assert {result.pk for result in results} == {MemberRequest.objects.get().pk}
    assert AuditEvent.objects.filter(action=AuditAction.JOIN_REQUESTED).count() == 1
    admin_mails = OutboundEmail.objects.filter(template="companies/email/request_new_admin")
    assert admin_mails.count() == 2  # one per admin, once

    member_request = MemberRequest.objects.get()
    member_requests.assign_request_to_me(actor_for(first), member_request_id=member_request.pk)
    approve = lambda: member_requests.approve_member_request(  # noqa: E731
        actor_for(first), member_request_id=member_request.pk, roles=[role]
    )
    at_once(approve, approve)
    assert Membership.objects.filter(company=company, user=invitee).count() == 1


def test_two_join_requests_sent_at_once_make_one(company, two_admins):
    user = UserFactory()

    def send():
        return join_requests.send_join_request(
            actor_for(user),
            chamber_number="101",
            member_number="1010001",
            company_name="Beispiel GmbH",
        )

    _results, refusals, errors = at_once(send, send, send)
    assert errors == [] and refusals == []
    assert MemberRequest.objects.filter(requester=user).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.JOIN_REQUESTED).count() == 1


def test_two_admins_inviting_the_same_address_at_once_make_one_invitation(
    company, two_admins, role
):
    first, second = two_admins
    _results, refusals, errors = at_once(
        lambda: invitations.invite_member(
            actor_for(first), company_id=company.pk, email="neu@example.com", roles=[role]
        ),
        lambda: invitations.invite_member(
            actor_for(second), company_id=company.pk, email="NEU@example.com", roles=[role]
        ),
    )
    assert errors == [] and refusals == []
    assert Invitation.objects.filter(company=company, state="pending").count() == 1
