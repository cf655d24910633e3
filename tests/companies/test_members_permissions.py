"""Every actor against every page and action of manual ch. 4-6 (GET and POST).

Company pages and actions are for the company's admins only; a guessed id from elsewhere gets
the same 404 as an id that does not exist, shows no data and changes nothing (DESIGN.md).
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.models import User
from meinekammer.applications.models import RoleAssignment
from meinekammer.audit.models import AuditEvent
from meinekammer.companies.models import (
    Company,
    Invitation,
    MemberRequest,
    Membership,
    RequestKind,
    RequestState,
)
from meinekammer.companies.services.invitations import digest
from meinekammer.notifications.models import OutboundEmail
from tests.accounts.factories import UserFactory
from tests.companies.factories import AppRoleFactory, CompanyFactory, MembershipFactory, actor_for
from tests.recheck import mark_checked

pytestmark = pytest.mark.django_db

ACTORS = [
    "anonymous",
    "plain user",
    "member",
    "admin",
    "other company's admin",
    "staff",
    "locked admin",
    "former admin",
]


def make_invitation(company, email, token, inviter):
    now = timezone.now()
    return Invitation.objects.create(
        company=company,
        email=email,
        token_digest=digest(token),
        invited_by=inviter,
        sent_at=now,
        expires_at=now + timedelta(days=14),
    )


@pytest.fixture
def world(chamber, other_chamber, staff):
    role = AppRoleFactory(application__name="Serviceportal Bildung", name_de="Ausbilder")
    company = CompanyFactory(
        chamber=chamber, name="Beispiel GmbH", member_number="1010001", phone="0123 111"
    )
    admin = MembershipFactory(company=company, is_admin=True).user
    member_ship = MembershipFactory(company=company, user__last_name="Mitglied")
    RoleAssignment.objects.create(membership=member_ship, role=role)
    locked = MembershipFactory(company=company, is_admin=True).user
    User.objects.filter(pk=locked.pk).update(locked_at=timezone.now())
    locked.refresh_from_db()
    former = MembershipFactory(company=company, is_admin=False).user
    requester = UserFactory(last_name="Anfragend")
    member_request = MemberRequest.objects.create(
        company=company, requester=requester, kind=RequestKind.JOIN, comment="Bitte aufnehmen"
    )
    invitation = make_invitation(company, "eingeladen@example.com", "token-eigen", admin)

    other = CompanyFactory(chamber=other_chamber, name="Geheim AG", phone="0999 999")
    other_admin = MembershipFactory(company=other, is_admin=True).user
    other_member = MembershipFactory(company=other, user__last_name="Fremdmitglied")
    other_request = MemberRequest.objects.create(
        company=other,
        requester=UserFactory(last_name="Fremdanfrage"),
        kind=RequestKind.JOIN,
        comment="Geheimer Kommentar",
    )
    other_invitation = make_invitation(other, "fremd@example.com", "token-fremd", other_admin)
    return {
        "role": role,
        "company": company,
        "membership": member_ship,
        "request": member_request,
        "invitation": invitation,
        "requester": requester,
        "other": other,
        "other_member": other_member,
        "other_request": other_request,
        "other_invitation": other_invitation,
        "actors": {
            "anonymous": None,
            "plain user": UserFactory(),
            "member": member_ship.user,
            "admin": admin,
            "other company's admin": other_admin,
            "staff": staff,
            "locked admin": locked,
            "former admin": former,
        },
    }


def snapshot():
    """Everything the pages of ch. 4-6 can change."""
    return {
        "memberships": sorted(Membership.objects.values_list("pk", "user_id", "is_admin")),
        "roles": sorted(RoleAssignment.objects.values_list("membership_id", "role_id")),
        "requests": sorted(MemberRequest.objects.values_list("pk", "state", "assignee_id")),
        "invitations": sorted(
            Invitation.objects.values_list("pk", "state", "token_digest", "send_count")
        ),
        "companies": sorted(Company.objects.values_list("pk", "street", "phone", "city")),
        "audit": AuditEvent.objects.count(),
        "mail": OutboundEmail.objects.count(),
    }


def login(client, world, actor):
    user = world["actors"][actor]
    if user is not None:
        client.force_login(user)
        mark_checked(client, user)  # just confirmed, as sensitive actions ask (test_recheck.py)
    return user


def _company_pages(world):
    company = world["company"].pk
    membership = world["membership"].pk
    invitation = world["invitation"].pk
    role = world["role"].pk
    return [
        ("GET", reverse("companies:administration", args=[company]), {}),
        ("GET", reverse("companies:invite", args=[company]), {}),
        (
            "POST",
            reverse("companies:invite", args=[company]),
            {"email": "neu@example.com", "roles": [role]},
        ),
        ("GET", reverse("companies:company_data", args=[company]), {}),
        (
            "POST",
            reverse("companies:company_data", args=[company]),
            {"street": "Neuer Weg 5", "postal_code": "12345", "city": "Musterstadt"},
        ),
        (
            "POST",
            reverse("companies:member_save", args=[company, membership]),
            {f"m{membership}-role_{role}": "no", f"m{membership}-is_admin": "yes"},
        ),
        ("GET", reverse("companies:member_remove", args=[company, membership]), {}),
        ("POST", reverse("companies:member_remove", args=[company, membership]), {}),
        ("POST", reverse("companies:invitation_resend", args=[company, invitation]), {}),
        ("POST", reverse("companies:invitation_revoke", args=[company, invitation]), {}),
    ]


COMPANY_PAGE_IDS = [
    "administration",
    "invite GET",
    "invite POST",
    "company_data GET",
    "company_data POST",
    "member_save",
    "member_remove GET",
    "member_remove POST",
    "invitation_resend",
    "invitation_revoke",
]


@pytest.mark.parametrize("page", range(len(COMPANY_PAGE_IDS)), ids=COMPANY_PAGE_IDS)
@pytest.mark.parametrize("actor", ACTORS)
def test_company_pages_and_actions_only_for_its_admins(client, world, actor, page):
    method, url, data = _company_pages(world)[page]
    login(client, world, actor)
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, data)
    if actor == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert snapshot() == before
    elif actor == "admin":
        assert response.status_code == (200 if method == "GET" else 302)
        if method == "POST":
            assert snapshot() != before
    else:
        # A locked admin whose session survived is no admin any more: like every other
        # stranger, they get 404 and change nothing.
        assert response.status_code == 404, response.status_code
        assert snapshot() == before
        assert "Mitglied" not in response.text and "Beispiel GmbH" not in response.text


MEMBER_PAGES = ["role_request GET", "role_request POST", "leave GET", "leave POST"]


def _member_page(world, page):
    company = world["company"].pk
    role = AppRoleFactory(application=world["role"].application, name_de="Azubi")
    return {
        "role_request GET": ("GET", reverse("companies:role_request", args=[company]), {}),
        "role_request POST": (
            "POST",
            reverse("companies:role_request", args=[company]),
            {"role": role.pk, "comment": "bitte"},
        ),
        "leave GET": ("GET", reverse("companies:leave", args=[company]), {}),
        "leave POST": ("POST", reverse("companies:leave", args=[company]), {}),
    }[page]


@pytest.mark.parametrize("page", MEMBER_PAGES)
@pytest.mark.parametrize("actor", ACTORS)
def test_member_pages_only_for_members(client, world, actor, page):
    method, url, data = _member_page(world, page)
    login(client, world, actor)
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, data)
    if actor == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert snapshot() == before
    elif actor in ("member", "admin", "former admin"):
        if method == "GET":
            assert response.status_code == 200
            assert "Beispiel GmbH" in response.text
        elif actor == "admin" and page == "leave POST":
            # The other admin is locked and counts for nobody: the last admin who can act
            # may not leave (companies.rules.is_last_admin).
            assert response.status_code == 200
            assert "einzige Unternehmensadministrator von Beispiel GmbH" in response.text
            assert snapshot() == before
        else:
            assert response.status_code == 302
            assert snapshot() != before
    else:
        assert response.status_code == 404
        assert snapshot() == before
        assert "Beispiel GmbH" not in response.text


@pytest.mark.parametrize("actor", ACTORS)
def test_the_join_page_is_for_every_logged_in_account(client, world, actor):
    user = login(client, world, actor)
    data = {"chamber_number": "101", "member_number": "1010001", "company_name": "Beispiel GmbH"}
    get = client.get(reverse("companies:join"))
    before = snapshot()
    response = client.post(reverse("companies:join"), data)
    if actor == "anonymous":
        assert get.status_code == 302 and response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert snapshot() == before
    elif actor == "locked admin":
        assert get.status_code == 404 and response.status_code == 404
        assert snapshot() == before
    elif actor in ("member", "admin", "former admin"):
        assert get.status_code == 200 and response.status_code == 200
        assert "Sie sind bereits Mitglied von Beispiel GmbH." in response.text
        assert snapshot() == before
    else:
        assert get.status_code == 200 and response.status_code == 302
        assert MemberRequest.objects.filter(
            requester=user, company=world["company"], kind=RequestKind.JOIN
        ).exists()


REQUEST_PAGES = [
    ("GET", "companies:requests_open", False),
    ("GET", "companies:requests_mine", False),
    ("GET", "companies:request_detail", True),
    ("POST", "companies:request_assign", True),
    ("POST", "companies:request_release", True),
    ("POST", "companies:request_detail", True),
]


@pytest.mark.parametrize(("method", "name", "with_id"), REQUEST_PAGES)
@pytest.mark.parametrize("actor", [*ACTORS, "requester"])
def test_requests_only_for_the_admins_of_the_requests_company(
    client, world, actor, method, name, with_id
):
    member_request = world["request"]
    if actor == "requester":
        client.force_login(world["requester"])
    else:
        login(client, world, actor)
    url = reverse(name, args=[member_request.pk] if with_id else [])
    if name == "companies:request_release":
        MemberRequest.objects.filter(pk=member_request.pk).update(
            state=RequestState.ASSIGNED, assignee=world["actors"]["admin"]
        )
    data = {"reject": "1", "reject-reason": "Nein"} if method == "POST" else {}
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, data)
    if actor == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert snapshot() == before
        return
    if actor == "admin":
        assert response.status_code == (200 if method == "GET" else 302)
        if method == "GET" and name != "companies:requests_mine":
            assert "Anfragend" in response.text
        if name in ("companies:request_assign", "companies:request_release"):
            assert snapshot() != before
        return
    if not with_id:
        # Everybody may look at their (empty) queue; nobody else's request is in it.
        if actor == "locked admin":
            assert response.status_code == 404
        else:
            assert response.status_code == 200
            assert "Anfragend" not in response.text
            assert "Fremdanfrage" not in response.text or actor == "other company's admin"
    else:
        assert response.status_code == 404
        assert "Anfragend" not in response.text and "Bitte aufnehmen" not in response.text
    assert snapshot() == before


@pytest.mark.parametrize("actor", [*ACTORS, "requester"])
def test_only_the_requester_withdraws_their_request(client, world, actor):
    if actor == "requester":
        client.force_login(world["requester"])
    else:
        login(client, world, actor)
    before = snapshot()
    response = client.post(reverse("companies:request_withdraw", args=[world["request"].pk]))
    state = MemberRequest.objects.get(pk=world["request"].pk).state
    if actor == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif actor == "requester":
        assert response.status_code == 302
        assert state == RequestState.WITHDRAWN
    else:
        # Nobody but the requester has a request of theirs with that id.
        assert response.status_code == 404
    if actor != "requester":
        assert state == RequestState.OPEN
        assert snapshot() == before


# --- Foreign objects under one's own company ------------------------------------------------


def test_another_companys_membership_under_my_company_is_404(client, world):
    client.force_login(world["actors"]["admin"])
    company = world["company"].pk
    foreign = world["other_member"]
    before = snapshot()
    for method, url, data in [
        (
            "POST",
            reverse("companies:member_save", args=[company, foreign.pk]),
            {f"m{foreign.pk}-is_admin": "yes", f"m{foreign.pk}-role_{world['role'].pk}": "yes"},
        ),
        ("GET", reverse("companies:member_remove", args=[company, foreign.pk]), {}),
        ("POST", reverse("companies:member_remove", args=[company, foreign.pk]), {}),
        ("POST", reverse("companies:member_save", args=[company, 999999]), {}),
        ("GET", reverse("companies:member_remove", args=[company, 999999]), {}),
    ]:
        response = client.get(url) if method == "GET" else client.post(url, data)
        assert response.status_code == 404
        assert "Fremdmitglied" not in response.text
    assert snapshot() == before


def test_another_companys_invitation_under_my_company_is_404(client, world):
    client.force_login(world["actors"]["admin"])
    company = world["company"].pk
    foreign = world["other_invitation"].pk
    before = snapshot()
    for name in ("companies:invitation_resend", "companies:invitation_revoke"):
        for invitation in (foreign, 999999):
            response = client.post(reverse(name, args=[company, invitation]))
            assert response.status_code == 404
            assert "fremd@example.com" not in response.text
    assert snapshot() == before


def test_another_companys_request_is_404_for_an_admin(client, world):
    client.force_login(world["actors"]["admin"])
    foreign = world["other_request"].pk
    before = snapshot()
    for method, name, data in [
        ("GET", "companies:request_detail", {}),
        ("POST", "companies:request_detail", {"approve": "1"}),
        ("POST", "companies:request_detail", {"reject": "1", "reject-reason": "x"}),
        ("POST", "companies:request_assign", {}),
        ("POST", "companies:request_release", {}),
        ("POST", "companies:request_withdraw", {}),
    ]:
        for pk in (foreign, 999999):
            url = reverse(name, args=[pk])
            response = client.get(url) if method == "GET" else client.post(url, data)
            assert response.status_code == 404
            assert "Fremdanfrage" not in response.text and "Geheimer" not in response.text
    for url in (reverse("companies:requests_open"), reverse("companies:requests_mine")):
        page = client.get(url)
        assert "Fremdanfrage" not in page.text and "Geheim AG" not in page.text
    assert snapshot() == before


def test_a_former_admin_cannot_decide_the_request_they_had_taken(client, world):
    """Demoted while a request was assigned to them: the request is no longer theirs."""
    member_request = world["request"]
    former = world["actors"]["former admin"]
    MemberRequest.objects.filter(pk=member_request.pk).update(
        state=RequestState.ASSIGNED, assignee=former
    )
    client.force_login(former)
    before = snapshot()
    url = reverse("companies:request_detail", args=[member_request.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"approve": "1", "approve-is_admin": "no"}).status_code == 404
    assert client.post(url, {"reject": "1", "reject-reason": "x"}).status_code == 404
    release = reverse("companies:request_release", args=[member_request.pk])
    assert client.post(release).status_code == 404
    assert snapshot() == before
    # Another admin can release it and take it over.
    client.force_login(world["actors"]["admin"])
    assert client.post(release).status_code == 302
    assert MemberRequest.objects.get(pk=member_request.pk).state == RequestState.OPEN


def test_a_properly_locked_account_loses_its_session(client, world):
    """ "Konto sperren" ends every session: the next page asks for the login again."""
    from meinekammer.accounts.services import lock_account

    admin = world["actors"]["admin"]
    MembershipFactory(company=world["company"], is_admin=True)  # so that the admin may lock
    client.force_login(admin)
    page = client.get(reverse("companies:administration", args=[world["company"].pk]))
    assert page.status_code == 200
    lock_account(actor_for(admin))
    before = snapshot()
    for method, url, data in _company_pages(world):
        response = client.get(url) if method == "GET" else client.post(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert snapshot() == before
