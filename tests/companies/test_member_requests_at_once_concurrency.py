"""Deciding at once (the only admin, the inviting admin) on PostgreSQL with real concurrent
connections: whatever comes first, a request is decided once, assigned once, and mailed once."""

import pytest

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import Invitation, MemberRequest, Membership, RequestState
from meinekammer.companies.services import invitations, member_requests
from meinekammer.notifications.models import OutboundEmail
from tests.accounts.factories import UserFactory
from tests.companies.factories import AppRoleFactory, MembershipFactory, actor_for
from tests.concurrency import at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

TOKEN = "t" * 43


@pytest.fixture
def role(db):
    return AppRoleFactory(key="ausbilder", name_de="Ausbilder")


def invited_request(company, inviter, role) -> MemberRequest:
    invitee = UserFactory(email="tina.trainer@example.com")
    invitation = invitations.invite_member(
        actor_for(inviter), company_id=company.pk, email=invitee.email, roles=[role]
    )
    Invitation.objects.filter(pk=invitation.pk).update(token_digest=invitations.digest(TOKEN))
    return invitations.accept_invitation(actor_for(invitee), token=TOKEN)


def decided_once(member_request: MemberRequest) -> None:
    member_request.refresh_from_db()
    assert member_request.state in (RequestState.APPROVED, RequestState.REJECTED)
    assert AuditEvent.objects.filter(action=AuditAction.REQUEST_ASSIGNED).count() == 1
    decisions = AuditEvent.objects.filter(
        action__in=[AuditAction.REQUEST_APPROVED, AuditAction.REQUEST_REJECTED]
    )
    assert decisions.count() == 1
    mails = OutboundEmail.objects.filter(
        template__in=["companies/email/request_approved", "companies/email/request_rejected"]
    )
    assert mails.count() == 1
    member = Membership.objects.filter(
        company=member_request.company, user=member_request.requester
    ).exists()
    assert member == (member_request.state == RequestState.APPROVED)


def test_two_admins_one_invites_both_decide_at_once_one_decision(company, role):
    inviter = MembershipFactory(company=company, is_admin=True).user
    colleague = MembershipFactory(company=company, is_admin=True).user
    member_request = invited_request(company, inviter, role)

    def colleague_takes_and_rejects():
        member_requests.assign_request_to_me(
            actor_for(colleague), member_request_id=member_request.pk
        )
        return member_requests.reject_member_request(
            actor_for(colleague), member_request_id=member_request.pk, reason="Nein"
        )

    results, refusals, errors = at_once(
        lambda: member_requests.approve_member_request(
            actor_for(inviter), member_request_id=member_request.pk, roles=[role]
        ),
        colleague_takes_and_rejects,
    )
    assert errors == []
    assert len(results) == 1 and len(refusals) == 1
    decided_once(member_request)
    member_request.refresh_from_db()
    winner = inviter if member_request.state == RequestState.APPROVED else colleague
    assert member_request.assignee == winner and member_request.decided_by == winner


def test_two_admins_one_invites_both_approve_directly_only_the_inviter_decides(company, role):
    inviter = MembershipFactory(company=company, is_admin=True).user
    colleague = MembershipFactory(company=company, is_admin=True).user
    member_request = invited_request(company, inviter, role)
    results, refusals, errors = at_once(
        lambda: member_requests.approve_member_request(
            actor_for(inviter), member_request_id=member_request.pk, roles=[role]
        ),
        lambda: member_requests.approve_member_request(
            actor_for(colleague), member_request_id=member_request.pk, roles=[role]
        ),
    )
    assert errors == [] and len(results) == 1 and len(refusals) == 1
    decided_once(member_request)
    member_request.refresh_from_db()
    assert member_request.decided_by == inviter


def test_the_only_admin_double_clicking_approve_and_reject_decides_once(company, role):
    admin = MembershipFactory(company=company, is_admin=True).user
    member_request = MemberRequest.objects.create(
        company=company, requester=UserFactory(), kind="join"
    )
    approve = lambda: member_requests.approve_member_request(  # noqa: E731
        actor_for(admin), member_request_id=member_request.pk, roles=[role]
    )
    reject = lambda: member_requests.reject_member_request(  # noqa: E731
        actor_for(admin), member_request_id=member_request.pk
    )
    results, refusals, errors = at_once(approve, approve, reject)
    assert errors == [] and len(results) == 1 and len(refusals) == 2
    decided_once(member_request)
