"""Members (manual ch. 5, 6, companies/services/members.py): the last admin, roles, their
audit events and mails, and a member list whose query count stays flat."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.applications.models import RoleAssignment
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import (
    Membership,
    member_text,
)
from meinekammer.companies.services import (
    invitations,
    join_requests,
    member_requests,
    role_requests,
)
from meinekammer.companies.services.members import remove_member, save_member
from meinekammer.core.errors import Refused
from meinekammer.notifications.models import OutboundEmail
from tests.accounts.factories import UserFactory
from tests.companies.factories import CompanyFactory, MembershipFactory, actor_for
from tests.companies.helpers import approve_data, events, flashed, mails, text
from tests.recheck import mark_checked

pytestmark = pytest.mark.django_db

LAST_ADMIN = "muss mindestens einen Unternehmensadministrator behalten"


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
    mark_checked(client)  # just confirmed, as handing out admin rights asks (test_recheck.py)
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


def _text(user) -> dict:
    sort_name, search_text = member_text(user)
    return {"sort_name": sort_name, "search_text": search_text}


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
        # bulk_create skips Membership.save: the list's order and search text given here
        [Membership(company=company, user=user, **_text(user)) for user in users]
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
