"""Company deletion (manual ch. 7, 8) with a controllable clock."""

import uuid
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from meinekammer.applications import token_store
from meinekammer.applications.models import OAuthClient, RoleAssignment, TokenFamily
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.companies.models import (
    Company,
    CompanyDeletion,
    CompanyState,
    DeletionState,
    Invitation,
    InvitationState,
    MemberRequest,
    Membership,
    RequestKind,
    RequestState,
)
from meinekammer.companies.services import deletion as service
from meinekammer.companies.services.invitations import digest, invite_member
from meinekammer.core.actor import Actor, Interface
from meinekammer.core.errors import Conflict, NotAllowed
from meinekammer.notifications.models import OutboundEmail
from tests.accounts.factories import UserFactory
from tests.companies.factories import (
    ApplicationFactory,
    AppRoleFactory,
    CompanyFactory,
    MembershipFactory,
)
from tests.conftest import PASSWORD
from tests.recheck import mark_checked

JOB = Actor.system(Interface.JOB)

pytestmark = pytest.mark.django_db

START = "2026-03-02 10:00:00+01:00"


@pytest.fixture
def admin(company):
    return MembershipFactory(company=company, is_admin=True).user


@pytest.fixture
def members(company):
    role = AppRoleFactory()
    people = [MembershipFactory(company=company) for _ in range(2)]
    for membership in people:
        RoleAssignment.objects.create(membership=membership, role=role)
    return [membership.user for membership in people]


def mails(template: str) -> list[str]:
    return sorted(
        OutboundEmail.objects.filter(template=f"companies/email/{template}").values_list(
            "recipient", flat=True
        )
    )


def request_through_pages(client, company, reason="Betrieb eingestellt"):
    url = reverse("companies:delete", args=[company.pk])
    mark_checked(client)  # just confirmed, as the sensitive action asks (test_recheck.py)
    confirm = client.post(url, {"reason": reason})
    assert "Bestätigen" in confirm.text and "Abbruch" in confirm.text
    assert reason in confirm.text
    return client.post(url, {"reason": reason, "confirm": "1"})


def test_request_then_abort_returns_to_the_filled_form_and_changes_nothing(client, company, admin):
    client.force_login(admin)
    url = reverse("companies:delete", args=[company.pk])
    page = client.get(url)
    assert "Grund für die Löschung" in page.text and "Unternehmen löschen" in page.text
    back = client.post(url, {"reason": "Umzug ins Ausland", "cancel": "1"})
    assert "Umzug ins Ausland" in back.text and "Grund für die Löschung" in back.text
    company.refresh_from_db()
    assert company.state == CompanyState.ACTIVE
    assert not CompanyDeletion.objects.exists() and not OutboundEmail.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001, "Grund\x00mit Steuerzeichen"])
def test_bad_reasons_are_refused_with_a_message(client, company, admin, reason):
    client.force_login(admin)
    response = client.post(
        reverse("companies:delete", args=[company.pk]), {"reason": reason, "confirm": "1"}
    )
    assert response.status_code == 200
    assert 'class="kern-error"' in response.text
    company.refresh_from_db()
    assert company.state == CompanyState.ACTIVE and not CompanyDeletion.objects.exists()


@time_machine.travel(START, tick=False)
def test_request_approve_and_the_job_on_the_date(client, company, admin, members, staff):
    invitation_holder = UserFactory()
    MemberRequest.objects.create(
        company=company, requester=invitation_holder, kind=RequestKind.JOIN
    )
    client.force_login(admin)
    done = request_through_pages(client, company)
    assert "Nach der Freigabe durch Ihre Kammer werden Sie per E-Mail informiert" in done.text
    company.refresh_from_db()
    assert company.state == CompanyState.DELETION_REQUESTED
    everyone = sorted([admin.email] + [m.email for m in members])
    assert mails("deletion_requested") == everyone
    assert mails("deletion_requested_staff") == [staff.email]
    # The company keeps working; admins and members see a banner.
    home = client.get(reverse("web:home"))
    assert "wartet auf die Freigabe durch die Kammer" in home.text
    assert reverse("companies:role_request", args=[company.pk]) not in home.text

    client.force_login(staff)
    deletion = CompanyDeletion.objects.get()
    client.post(reverse("chambers:deletions"), {"deletion": deletion.pk, "approve": "1"})
    deletion.refresh_from_db()
    assert deletion.state == DeletionState.SCHEDULED
    assert deletion.delete_on == date(2026, 4, 1)  # request date + 30 days
    assert mails("deletion_scheduled") == everyone
    message = OutboundEmail.objects.filter(template="companies/email/deletion_scheduled").first()
    assert "1. April 2026" in message.body_text

    with time_machine.travel("2026-03-31 23:00:00+02:00", tick=False):
        assert service.execute_due_deletions(JOB) == 0
    with time_machine.travel("2026-04-01 02:00:00+02:00", tick=False):
        assert service.execute_due_deletions(JOB) == 1
        assert service.execute_due_deletions(JOB) == 0  # twice: nothing more happens
    company.refresh_from_db()
    assert company.state == CompanyState.DELETED
    assert company.name == "" and company.street == "" and company.member_number == ""
    assert not Membership.objects.filter(company=company).exists()
    assert not RoleAssignment.objects.exists()
    assert MemberRequest.objects.get().state == RequestState.CANCELLED
    assert mails("company_deleted") == everyone
    assert (
        AuditEvent.objects.filter(action=AuditAction.COMPANY_DELETED, company=company).count() == 1
    )
    # The audit trail stays, pseudonymous: events point at the erased company row.
    assert AuditEvent.objects.filter(company=company).count() > 5


@time_machine.travel(START, tick=False)
def test_revocation_while_requested_and_while_scheduled(client, company, admin, members, staff):
    client.force_login(admin)
    request_through_pages(client, company)
    revoke_url = reverse("companies:revoke_deletion", args=[company.pk])
    admin_page = client.get(reverse("companies:administration", args=[company.pk]))
    assert "Unternehmenslöschung widerrufen" in admin_page.text
    page = client.get(revoke_url)
    assert "Löschung widerrufen" in page.text
    done = client.post(revoke_url)
    assert "Sie haben die Löschung von Beispiel GmbH widerrufen" in done.text
    company.refresh_from_db()
    assert company.state == CompanyState.ACTIVE
    assert mails("deletion_revoked") == sorted([admin.email] + [m.email for m in members])
    assert mails("deletion_revoked_staff") == [staff.email]
    confirmation = OutboundEmail.objects.get(
        template="companies/email/deletion_revoked", recipient=admin.email
    )
    assert "Hiermit bestätigen wir" in confirmation.body_text

    # Again, approved this time, then revoked: the job leaves the company alone.
    request_through_pages(client, company, "Zweiter Versuch")
    deletion = CompanyDeletion.objects.get(state=DeletionState.REQUESTED)
    service.approve_company_deletion(Actor.of(staff), deletion_id=deletion.pk)
    client.post(revoke_url)
    with time_machine.travel("2026-05-01 12:00:00+02:00"):
        assert service.execute_due_deletions(JOB) == 0
    company.refresh_from_db()
    assert company.state == CompanyState.ACTIVE and company.name == "Beispiel GmbH"


def test_chamber_refusal_keeps_the_company_and_tells_the_reason(client, company, admin, staff):
    client.force_login(admin)
    request_through_pages(client, company)
    deletion = CompanyDeletion.objects.get()
    client.force_login(staff)
    response = client.post(
        reverse("chambers:deletions"), {"deletion": deletion.pk, "reject": "1", "reject-reason": ""}
    )
    assert "Bitte geben Sie einen Grund" in response.text
    client.post(
        reverse("chambers:deletions"),
        {"deletion": deletion.pk, "reject": "1", "reject-reason": "Offene Beiträge"},
    )
    company.refresh_from_db()
    assert company.state == CompanyState.ACTIVE
    refusal = OutboundEmail.objects.get(template="companies/email/deletion_refused")
    assert "Offene Beiträge" in refusal.body_text
    # Deciding again is refused and says who decided.
    with pytest.raises(Conflict, match="Sachbearbeitung"):
        service.approve_company_deletion(Actor.of(staff), deletion_id=deletion.pk)


def test_no_new_members_while_the_deletion_runs(client, company, admin):
    client.force_login(admin)
    request_through_pages(client, company)
    invite = client.get(reverse("companies:invite", args=[company.pk]))
    assert "nimmt derzeit keine neuen Mitglieder auf" in invite.text
    client.force_login(UserFactory())
    response = client.post(
        reverse("companies:join"),
        {"chamber_number": "101", "member_number": "1010001", "company_name": "Beispiel GmbH"},
    )
    assert "wird gelöscht und nimmt keine neuen Mitglieder" in response.text
    assert not MemberRequest.objects.exists()


def test_a_pending_invitation_link_stops_working(client, company, admin):
    invitee = UserFactory(email="neu@example.com")
    invitation = invite_member(
        Actor.of(admin), company_id=company.pk, email=invitee.email, roles=[]
    )
    Invitation.objects.filter(pk=invitation.pk).update(token_digest=digest("x" * 43))
    service.request_company_deletion(Actor.of(admin), company_id=company.pk, reason="Schluss")
    client.force_login(invitee)
    page = client.get(reverse("companies:invitation", args=["x" * 43]))
    assert "nimmt derzeit keine neuen Mitglieder auf" in page.text
    assert Invitation.objects.get().state == InvitationState.PENDING


def test_only_admin_may_delete_account_once_the_company_is_being_deleted(client, company, admin):
    admin.set_password(PASSWORD)
    admin.save()
    client.force_login(admin)
    page = client.get(reverse("accounts:delete"))
    assert "einzige Unternehmensadministrator" in page.text
    service.request_company_deletion(Actor.of(admin), company_id=company.pk, reason="Schluss")
    page = client.get(reverse("accounts:delete"))
    assert "einzige Unternehmensadministrator" not in page.text


PAGES = [
    ("companies:delete", "get"),
    ("companies:delete", "post"),
    ("companies:revoke_deletion", "get"),
    ("companies:revoke_deletion", "post"),
]


@pytest.mark.parametrize(("name", "method"), PAGES)
@pytest.mark.parametrize("actor", ["member", "other company's admin", "staff", "plain user"])
def test_only_the_companys_admins_may_request_or_revoke(
    client, company, admin, members, staff, other_chamber, name, method, actor
):
    service.request_company_deletion(
        Actor.of(admin), company_id=company.pk, reason="Schluss"
    ) if "revoke" in name else None
    user = {
        "member": members[0],
        "other company's admin": MembershipFactory(
            company=CompanyFactory(chamber=other_chamber), is_admin=True
        ).user,
        "staff": staff,
        "plain user": UserFactory(),
    }[actor]
    client.force_login(user)
    url = reverse(name, args=[company.pk])
    response = (
        client.get(url)
        if method == "get"
        else client.post(url, {"reason": "Weg damit", "confirm": "1"})
    )
    assert response.status_code == 404
    assert CompanyDeletion.objects.filter(state=DeletionState.REVOKED).count() == 0
    expected = CompanyState.DELETION_REQUESTED if "revoke" in name else CompanyState.ACTIVE
    assert Company.objects.get(pk=company.pk).state == expected


@pytest.mark.parametrize("actor", ["other chamber's staff", "admin", "member", "anonymous"])
def test_only_the_chambers_own_staff_decide(client, company, admin, members, other_staff, actor):
    deletion = service.request_company_deletion(
        Actor.of(admin), company_id=company.pk, reason="Schluss"
    )
    user = {"other chamber's staff": other_staff, "admin": admin, "member": members[0]}.get(actor)
    if user:
        client.force_login(user)
    response = client.post(reverse("chambers:deletions"), {"deletion": deletion.pk, "approve": "1"})
    if actor == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 404  # a guessed id from elsewhere: 404, no data
    if actor == "other chamber's staff":
        assert "Beispiel GmbH" not in client.get(reverse("chambers:deletions")).text
    deletion.refresh_from_db()
    assert deletion.state == DeletionState.REQUESTED


def test_a_double_clicked_request_makes_one_deletion_and_one_mail_each(company, admin, members):
    first = service.request_company_deletion(
        Actor.of(admin), company_id=company.pk, reason="Schluss"
    )
    second = service.request_company_deletion(
        Actor.of(admin), company_id=company.pk, reason="Schluss"
    )
    assert first.pk == second.pk
    assert len(mails("deletion_requested")) == 3


def test_the_deletion_date_is_thirty_days_after_the_request_even_if_approved_late(
    company, admin, staff
):
    with time_machine.travel("2026-01-10 09:00:00+01:00", tick=False):
        deletion = service.request_company_deletion(
            Actor.of(admin), company_id=company.pk, reason="Schluss"
        )
    with time_machine.travel("2026-01-25 09:00:00+01:00", tick=False):
        deletion = service.approve_company_deletion(Actor.of(staff), deletion_id=deletion.pk)
    assert deletion.delete_on == date(2026, 1, 10) + timedelta(days=30)


def tokens_of(user, client):
    """What a code exchange leaves: a token family (applications/token_store.py)."""
    token_store.start_family(
        family_id=uuid.uuid4(),
        client=client,
        user=user,
        scope="openid",
        refresh_digest=f"{user.pk:064d}",
        lifetime=timedelta(days=30),
    )


def test_the_deletion_revokes_what_the_members_applications_hold(company, admin, members, staff):
    """DESIGN.md: a membership that ends takes the tokens resting on it with it; the company
    deletion ends every membership as an explicit step of the job."""
    client = OAuthClient.objects.create(
        connected_application=ApplicationFactory(),
        name="Serviceportal",
        client_id="serviceportal",
        client_type=OAuthClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OAuthClient.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://serviceportal.example/callback",
    )
    outsider = UserFactory()
    for user in [admin, *members, outsider]:
        tokens_of(user, client)
    deletion = service.request_company_deletion(
        Actor.of(admin), company_id=company.pk, reason="Schluss"
    )
    service.approve_company_deletion(Actor.of(staff), deletion_id=deletion.pk)
    CompanyDeletion.objects.filter(pk=deletion.pk).update(delete_on=timezone.localdate())
    assert service.execute_due_deletions(JOB) == 1
    families = TokenFamily.objects
    for user in [admin, *members]:
        assert families.get(user=user).revoked is not None
    assert families.get(user=outsider).revoked is None
    event = AuditEvent.objects.get(action=AuditAction.COMPANY_DELETED, company=company)
    assert (event.actor, event.via) == (None, "job")
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.MEMBER_REMOVED, company=company, via="job"
        ).count()
        == 3
    )


def test_an_admin_who_lost_the_right_can_neither_request_nor_revoke(company, admin, members):
    other_admin = MembershipFactory(company=company, is_admin=True).user
    deletion = service.request_company_deletion(
        Actor.of(other_admin), company_id=company.pk, reason="Schluss"
    )
    Membership.objects.filter(user=admin, company=company).update(is_admin=False)
    with pytest.raises(NotAllowed, match="nicht mehr Unternehmensadministrator"):
        service.revoke_company_deletion(Actor.of(admin), company_id=company.pk)
    deletion.refresh_from_db()
    assert deletion.state == DeletionState.REQUESTED
    service.revoke_company_deletion(Actor.of(other_admin), company_id=company.pk)
    Membership.objects.filter(user=other_admin, company=company).update(is_admin=False)
    with pytest.raises(NotAllowed):
        service.request_company_deletion(
            Actor.of(other_admin), company_id=company.pk, reason="Schluss"
        )
    assert CompanyDeletion.objects.filter(state=DeletionState.REQUESTED).count() == 0
