"""Join and role requests in the admins' hands (manual ch. 6, companies/services/member_requests.py):
the state machine, who decides, and what ends them."""

import pytest
from django.urls import reverse

from meinekammer.accounts.services import delete_account
from meinekammer.applications.models import RoleAssignment
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import (
    MemberRequest,
    Membership,
    RequestKind,
    RequestState,
)
from meinekammer.companies.services import (
    member_requests,
    role_requests,
)
from meinekammer.companies.services.members import leave_company, remove_member
from meinekammer.core.errors import Refused
from tests.companies.factories import CompanyFactory, MembershipFactory, actor_for
from tests.companies.helpers import approve_data, events, flashed, mails, text

pytestmark = pytest.mark.django_db


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
    client, admin, second_admin, join_request, roles, requester
):
    """With a second admin, who might be working on it (alone, an admin decides at once:
    test_member_requests_at_once.py)."""
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
