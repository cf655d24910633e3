"""Bad input on every form of manual ch. 4-6: a clear German message and nothing changed.

Nothing changed means: no request, no membership, no role, no invitation, no company data, no
audit event and no mail.
"""

import html

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

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
from meinekammer.notifications.models import OutboundEmail
from tests.accounts.factories import UserFactory
from tests.companies.factories import (
    AppRoleFactory,
    CompanyFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

LONG = "x" * 10_000
CONTROL = "Beispiel\x00GmbH\x1b[2J"
SCRIPT = "<script>alert(1)</script>"
SQL = "1'; DROP TABLE companies_membership; --"

CONTROL_MESSAGE = "Bitte verwenden Sie keine Steuerzeichen."
TOO_LONG = "Bitte sicherstellen, dass der Wert aus höchstens"
REQUIRED = "Dieses Feld ist zwingend erforderlich."
INVALID_CHOICE = "Bitte eine gültige Auswahl treffen."
YES_OR_NO = "Bitte wählen Sie für jede Rolle Ja oder Nein."
JOIN_REFUSED = "Kein Unternehmen mit diesen Daten nimmt Beitrittsanfragen an."


@pytest.fixture
def roles(db):
    trainer = AppRoleFactory(application__name="Serviceportal Bildung", name_de="Ausbilder")
    trainee = AppRoleFactory(application=trainer.application, name_de="Auszubildender")
    inactive = AppRoleFactory(application=trainer.application, name_de="Alt", is_active=False)
    of_inactive_app = AppRoleFactory(
        application__name="Abgeschaltet", application__is_active=False, name_de="Weg"
    )
    return {
        "trainer": trainer,
        "trainee": trainee,
        "inactive": inactive,
        "of_inactive_app": of_inactive_app,
    }


@pytest.fixture
def company(chamber):
    return CompanyFactory(
        chamber=chamber,
        name="Beispiel GmbH",
        member_number="1010001",
        street="Musterstraße 1",
        phone="0123 4567",
    )


@pytest.fixture
def admin(company):
    return MembershipFactory(company=company, is_admin=True).user


@pytest.fixture
def member(company, roles):
    membership = MembershipFactory(company=company)
    RoleAssignment.objects.create(membership=membership, role=roles["trainer"])
    return membership


def snapshot():
    return {
        "memberships": sorted(Membership.objects.values_list("pk", "user_id", "is_admin")),
        "roles": sorted(RoleAssignment.objects.values_list("membership_id", "role_id")),
        "requests": sorted(
            MemberRequest.objects.values_list("pk", "state", "assignee_id", "make_admin")
        ),
        "invitations": sorted(Invitation.objects.values_list("pk", "state", "token_digest")),
        "companies": sorted(
            Company.objects.values_list("pk", "street", "postal_code", "city", "email", "phone")
        ),
        "audit": AuditEvent.objects.count(),
        "mail": OutboundEmail.objects.count(),
    }


def text(response) -> str:
    return html.unescape(response.content.decode())


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- "Benutzer hinzufügen" ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, REQUIRED),
        ({"email": ""}, REQUIRED),
        ({"email": "keine-adresse"}, "Bitte gültige E-Mail-Adresse eingeben."),
        ({"email": LONG + "@example.com"}, "Bitte gültige E-Mail-Adresse eingeben."),
        ({"email": SCRIPT}, "Bitte gültige E-Mail-Adresse eingeben."),
        ({"email": "a@example.com\r\nBcc: x@example.com"}, "gültige E-Mail-Adresse"),
        ({"email": SQL}, "Bitte gültige E-Mail-Adresse eingeben."),
        ({"email": "neu@example.com", "roles": ["999999"]}, INVALID_CHOICE),
        ({"email": "neu@example.com", "roles": ["abc"]}, "ist kein gültiger Wert"),
        ({"email": "neu@example.com", "roles": ["inactive"]}, INVALID_CHOICE),
        ({"email": "neu@example.com", "roles": ["of_inactive_app"]}, INVALID_CHOICE),
    ],
)
def test_invite_refuses_bad_input(client, company, admin, roles, data, message):
    data = {
        key: [str(roles[v].pk) if v in roles else v for v in value]
        if isinstance(value, list)
        else value
        for key, value in data.items()
    }
    client.force_login(admin)
    before = snapshot()
    response = client.post(reverse("companies:invite", args=[company.pk]), data)
    assert response.status_code == 200
    assert message in text(response)
    assert snapshot() == before


def test_invite_of_a_member_is_refused_with_a_message(client, company, admin, member):
    client.force_login(admin)
    before = snapshot()
    response = client.post(
        reverse("companies:invite", args=[company.pk]), {"email": member.user.email.upper()}
    )
    assert response.status_code == 200
    assert "gehört bereits zu Beispiel GmbH" in text(response)
    assert snapshot() == before


# --- "Unternehmensdaten bearbeiten" -------------------------------------------------------------

VALID_DATA = {"street": "Neuer Weg 5", "postal_code": "12345", "city": "Musterstadt"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("street", "", REQUIRED),
        ("street", LONG, TOO_LONG),
        ("street", CONTROL, CONTROL_MESSAGE),
        ("city", "Muster\x07stadt", CONTROL_MESSAGE),
        ("city", LONG, TOO_LONG),
        ("postal_code", "1234a", "Eine deutsche Postleitzahl hat fünf Ziffern."),
        ("postal_code", "'; --", "Eine deutsche Postleitzahl hat fünf Ziffern."),
        ("postal_code", LONG, TOO_LONG),
        ("email", "keine-adresse", "Bitte gültige E-Mail-Adresse eingeben."),
        ("email", SCRIPT, "Bitte gültige E-Mail-Adresse eingeben."),
        ("phone", "abc", "Bitte geben Sie eine Telefonnummer ein"),
        ("phone", SQL, "Bitte geben Sie eine Telefonnummer ein"),
        ("phone", LONG, TOO_LONG),
    ],
)
def test_company_data_refuses_bad_input(client, company, admin, field, value, message):
    client.force_login(admin)
    before = snapshot()
    response = client.post(
        reverse("companies:company_data", args=[company.pk]), {**VALID_DATA, field: value}
    )
    assert response.status_code == 200
    assert message in text(response)
    assert snapshot() == before


def test_company_data_keeps_name_and_member_number(client, company, admin):
    """Identity fields smuggled into the form are ignored: the chamber keeps them."""
    client.force_login(admin)
    client.post(
        reverse("companies:company_data", args=[company.pk]),
        {**VALID_DATA, "name": "Übernommen AG", "member_number": "9999", "chamber": "1"},
    )
    company.refresh_from_db()
    assert (company.name, company.member_number, company.street) == (
        "Beispiel GmbH",
        "1010001",
        "Neuer Weg 5",
    )


def test_script_in_company_data_is_shown_as_text(client, company, admin):
    client.force_login(admin)
    client.post(
        reverse("companies:company_data", args=[company.pk]),
        {**VALID_DATA, "street": SCRIPT},
    )
    page = client.get(reverse("companies:administration", args=[company.pk]))
    assert SCRIPT not in page.content.decode()
    assert "&lt;script&gt;" in page.content.decode()


# --- "Speichern" on a member --------------------------------------------------------------------


def member_form(membership, roles, **overrides):
    data = {
        f"m{membership.pk}-role_{roles['trainer'].pk}": "yes",
        f"m{membership.pk}-role_{roles['trainee'].pk}": "no",
        f"m{membership.pk}-is_admin": "no",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(
    "change",
    [
        {"trainee": "ja"},
        {"trainee": "1"},
        {"trainee": ""},
        {"trainee": None},
        {"trainee": LONG},
        {"trainee": SCRIPT},
        {"is_admin": "maybe"},
        {"is_admin": None},
        {"is_admin": SQL},
    ],
)
def test_member_save_wants_yes_or_no(client, company, admin, member, roles, change):
    overrides = {}
    for key, value in change.items():
        name = "is_admin" if key == "is_admin" else f"role_{roles[key].pk}"
        overrides[f"m{member.pk}-{name}"] = value
    client.force_login(admin)
    before = snapshot()
    response = client.post(
        reverse("companies:member_save", args=[company.pk, member.pk]),
        member_form(member, roles, **overrides),
    )
    assert response.status_code == 302
    assert flashed(response) == [YES_OR_NO]
    assert snapshot() == before


@pytest.mark.parametrize("role", ["inactive", "of_inactive_app", "unknown"])
def test_member_save_ignores_roles_that_cannot_be_given(
    client, company, admin, member, roles, role
):
    pk = 999999 if role == "unknown" else roles[role].pk
    client.force_login(admin)
    before = snapshot()
    response = client.post(
        reverse("companies:member_save", args=[company.pk, member.pk]),
        member_form(member, roles, **{f"m{member.pk}-role_{pk}": "yes"}),
    )
    assert response.status_code == 302
    assert snapshot() == before
    assert not RoleAssignment.objects.filter(role_id=pk).exists()


def test_member_save_with_another_members_prefix_changes_nothing(
    client, company, admin, member, roles
):
    """The form of one member cannot carry the answers for another (e.g. is_admin)."""
    client.force_login(admin)
    before = snapshot()
    other = MembershipFactory(company=company)
    before = snapshot()
    data = member_form(member, roles)
    data[f"m{other.pk}-is_admin"] = "yes"
    client.post(reverse("companies:member_save", args=[company.pk, member.pk]), data)
    assert snapshot() == before
    assert not Membership.objects.get(pk=other.pk).is_admin


def test_member_save_redirects_only_to_this_site(client, company, admin, member, roles):
    client.force_login(admin)
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post(
            reverse("companies:member_save", args=[company.pk, member.pk]),
            {**member_form(member, roles), "next": target},
        )
        assert response["Location"] == reverse("companies:administration", args=[company.pk])


@pytest.mark.parametrize("query", [LONG, SCRIPT, SQL, CONTROL, "%", "_"])
def test_the_member_search_takes_any_text(client, company, admin, member, query):
    client.force_login(admin)
    response = client.get(reverse("companies:administration", args=[company.pk]), {"q": query})
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


@pytest.mark.parametrize("page", ["0", "-1", "abc", LONG, "99999"])
def test_the_member_list_takes_any_page_number(client, company, admin, member, page):
    client.force_login(admin)
    response = client.get(reverse("companies:administration", args=[company.pk]), {"page": page})
    assert response.status_code == 200


# --- "Unternehmen beitreten" --------------------------------------------------------------------

JOIN = {"chamber_number": "101", "member_number": "1010001", "company_name": "Beispiel GmbH"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("chamber_number", "", REQUIRED),
        ("chamber_number", "abc", "Die Kammernummer hat genau drei Ziffern."),
        ("chamber_number", "1O1", "Die Kammernummer hat genau drei Ziffern."),
        ("chamber_number", "1 1", "Die Kammernummer hat genau drei Ziffern."),
        ("chamber_number", LONG, TOO_LONG),
        ("chamber_number", "'--", "Die Kammernummer hat genau drei Ziffern."),
        ("member_number", "", REQUIRED),
        ("member_number", "10100O1", "Die Mitgliedsnummer besteht aus 4 bis 12 Ziffern."),
        ("member_number", "123", "Die Mitgliedsnummer besteht aus 4 bis 12 Ziffern."),
        ("member_number", SQL, TOO_LONG),
        ("member_number", "1' OR '1'='1", "Die Mitgliedsnummer besteht aus 4 bis 12 Ziffern."),
        ("member_number", LONG, TOO_LONG),
        ("company_name", "", REQUIRED),
        ("company_name", LONG, TOO_LONG),
        ("company_name", CONTROL, CONTROL_MESSAGE),
        ("company_name", SCRIPT, JOIN_REFUSED),
        ("company_name", "Beispiel GmbH' OR 1=1 --", JOIN_REFUSED),
        ("comment", LONG, TOO_LONG),
        ("comment", "Hallo\x00", CONTROL_MESSAGE),
    ],
)
def test_join_refuses_bad_input(client, company, admin, user, field, value, message):
    client.force_login(user)
    before = snapshot()
    response = client.post(reverse("companies:join"), {**JOIN, field: value})
    assert response.status_code == 200
    assert message in text(response)
    assert SCRIPT not in response.content.decode()
    assert snapshot() == before


def test_join_ignores_a_smuggled_admin_flag_and_roles(client, company, admin, user, roles):
    client.force_login(user)
    client.post(
        reverse("companies:join"),
        {**JOIN, "is_admin": "yes", "make_admin": "on", "roles": [roles["trainer"].pk]},
    )
    member_request = MemberRequest.objects.get()
    assert not member_request.make_admin
    assert not member_request.roles.exists()


@pytest.mark.parametrize(
    "wrong",
    [
        {"chamber_number": "202"},
        {"chamber_number": "999"},
        {"member_number": "1010002"},
        {"company_name": "Beispiele GmbH"},
        {"company_name": "Andere GmbH"},
    ],
)
def test_every_mismatch_gets_the_same_message(client, company, admin, user, other_chamber, wrong):
    client.force_login(user)
    before = snapshot()
    response = client.post(reverse("companies:join"), {**JOIN, **wrong})
    assert response.status_code == 200
    page = text(response)
    assert JOIN_REFUSED in page
    # Nothing else: no hint which field was wrong.
    assert "Kammernummer hat" not in page and "Mitgliedsnummer besteht" not in page
    assert snapshot() == before


def test_a_company_not_active_gets_the_same_message(client, chamber, user):
    CompanyFactory(
        chamber=chamber, name="Wartend GmbH", member_number="2020202", state="awaiting_activation"
    )
    client.force_login(user)
    response = client.post(
        reverse("companies:join"),
        {"chamber_number": "101", "member_number": "2020202", "company_name": "Wartend GmbH"},
    )
    assert JOIN_REFUSED in text(response)
    assert not MemberRequest.objects.exists()


def test_join_requests_are_rate_limited_per_user(client, company, admin, user):
    client.force_login(user)
    for _ in range(10):
        response = client.post(reverse("companies:join"), {**JOIN, "company_name": "Falsch"})
        assert JOIN_REFUSED in text(response)
    before = snapshot()
    response = client.post(reverse("companies:join"), JOIN)  # right data, but too many tries
    assert response.status_code == 200
    assert "Zu viele Beitrittsanfragen. Bitte versuchen Sie es später erneut." in text(response)
    assert snapshot() == before
    # Another account is not held back by this one.
    client.force_login(UserFactory())
    assert client.post(reverse("companies:join"), JOIN).status_code == 302


def test_join_requests_are_rate_limited_per_address(client, company, admin):
    for _ in range(3):
        client.force_login(UserFactory())
        for _ in range(10):
            client.post(reverse("companies:join"), {**JOIN, "company_name": "Falsch"})
    client.force_login(UserFactory())
    before = snapshot()
    response = client.post(reverse("companies:join"), JOIN)
    assert "Zu viele Beitrittsanfragen" in text(response)
    assert snapshot() == before


# --- "Rolle beantragen" -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "comment", "message"),
    [
        ("", "", REQUIRED),
        ("999999", "", INVALID_CHOICE),
        ("abc", "", INVALID_CHOICE),
        (SQL, "", INVALID_CHOICE),
        (LONG, "", INVALID_CHOICE),
        ("inactive", "", INVALID_CHOICE),
        ("of_inactive_app", "", INVALID_CHOICE),
        ("trainer", "", INVALID_CHOICE),  # held already
        ("trainee", LONG, TOO_LONG),
        ("trainee", "Bitte\x1b", CONTROL_MESSAGE),
    ],
)
def test_role_request_refuses_bad_input(client, company, member, roles, role, comment, message):
    client.force_login(member.user)
    before = snapshot()
    response = client.post(
        reverse("companies:role_request", args=[company.pk]),
        {"role": roles[role].pk if role in roles else role, "comment": comment},
    )
    assert response.status_code == 200
    assert message in text(response)
    assert snapshot() == before


def test_role_request_ignores_a_smuggled_admin_flag(client, company, member, roles):
    client.force_login(member.user)
    client.post(
        reverse("companies:role_request", args=[company.pk]),
        {"role": roles["trainee"].pk, "is_admin": "yes", "make_admin": "on"},
    )
    member_request = MemberRequest.objects.get()
    assert member_request.kind == RequestKind.ROLE and not member_request.make_admin
    assert list(member_request.roles.all()) == [roles["trainee"]]


def test_role_request_page_takes_a_bad_role_in_the_address(client, company, member):
    client.force_login(member.user)
    for value in ("abc", LONG, SQL, "999999"):
        response = client.get(reverse("companies:role_request", args=[company.pk]), {"role": value})
        assert response.status_code == 200


# --- "Anfrageinformationen": approve and reject ---------------------------------------------


@pytest.fixture
def assigned_join(company, admin, user):
    return MemberRequest.objects.create(
        company=company,
        requester=user,
        kind=RequestKind.JOIN,
        state=RequestState.ASSIGNED,
        assignee=admin,
    )


@pytest.mark.parametrize(
    "change",
    [
        {"trainer": "ja"},
        {"trainer": ""},
        {"trainer": None},
        {"trainer": SCRIPT},
        {"is_admin": "maybe"},
        {"is_admin": None},
    ],
)
def test_approve_wants_yes_or_no(client, admin, roles, assigned_join, change):
    data = {
        "approve": "1",
        f"approve-role_{roles['trainer'].pk}": "yes",
        f"approve-role_{roles['trainee'].pk}": "no",
        "approve-is_admin": "no",
    }
    for key, value in change.items():
        name = "approve-is_admin" if key == "is_admin" else f"approve-role_{roles[key].pk}"
        data[name] = value
    data = {k: v for k, v in data.items() if v is not None}
    client.force_login(admin)
    before = snapshot()
    response = client.post(reverse("companies:request_detail", args=[assigned_join.pk]), data)
    assert response.status_code == 200
    page = text(response)
    assert INVALID_CHOICE in page or REQUIRED in page
    assert snapshot() == before


@pytest.mark.parametrize("role", ["inactive", "of_inactive_app"])
def test_approve_ignores_roles_that_cannot_be_given(client, admin, roles, assigned_join, role):
    client.force_login(admin)
    client.post(
        reverse("companies:request_detail", args=[assigned_join.pk]),
        {
            "approve": "1",
            f"approve-role_{roles['trainer'].pk}": "no",
            f"approve-role_{roles['trainee'].pk}": "no",
            f"approve-role_{roles[role].pk}": "yes",
            "approve-is_admin": "no",
        },
    )
    assert not RoleAssignment.objects.filter(role=roles[role]).exists()


def test_approving_a_role_request_cannot_make_an_admin(client, company, admin, member, roles):
    role_request = MemberRequest.objects.create(
        company=company,
        requester=member.user,
        kind=RequestKind.ROLE,
        role=roles["trainee"],
        state=RequestState.ASSIGNED,
        assignee=admin,
    )
    role_request.roles.set([roles["trainee"]])
    client.force_login(admin)
    response = client.post(
        reverse("companies:request_detail", args=[role_request.pk]),
        {
            "approve": "1",
            f"approve-role_{roles['trainer'].pk}": "yes",
            f"approve-role_{roles['trainee'].pk}": "yes",
            "approve-is_admin": "yes",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_admin


@pytest.mark.parametrize(("reason", "message"), [(LONG, TOO_LONG), ("Nein\x00", CONTROL_MESSAGE)])
def test_reject_refuses_bad_reasons(client, admin, assigned_join, reason, message):
    client.force_login(admin)
    before = snapshot()
    response = client.post(
        reverse("companies:request_detail", args=[assigned_join.pk]),
        {"reject": "1", "reject-reason": reason},
    )
    assert response.status_code == 200
    assert message in text(response)
    assert snapshot() == before


def test_a_reason_with_markup_is_sent_and_shown_as_text(client, admin, assigned_join, outbox):
    client.force_login(admin)
    client.post(
        reverse("companies:request_detail", args=[assigned_join.pk]),
        {"reject": "1", "reject-reason": SCRIPT},
    )
    assigned_join.refresh_from_db()
    assert assigned_join.state == RequestState.REJECTED
    page = client.get(reverse("companies:request_detail", args=[assigned_join.pk]))
    assert SCRIPT not in page.content.decode()
    [message] = outbox()
    html_body = message.alternatives[0][0]
    assert SCRIPT not in html_body


def test_a_post_without_a_button_decides_nothing(client, admin, roles, assigned_join):
    client.force_login(admin)
    before = snapshot()
    response = client.post(
        reverse("companies:request_detail", args=[assigned_join.pk]),
        {f"approve-role_{roles['trainer'].pk}": "yes", "reject-reason": "x"},
    )
    assert response.status_code == 200
    assert snapshot() == before


# --- Ids and tokens in the address --------------------------------------------------------------


@pytest.mark.parametrize(
    "token", ["x", "a" * 101, "a" * 5000, "%3Cscript%3E", "' OR 1=1 --", "%00", "..%2F..%2F"]
)
def test_a_made_up_join_link_is_404(client, user, token):
    client.force_login(user)
    before = snapshot()
    response = client.get(f"/unternehmen/einladung/{token}/")
    assert response.status_code == 404
    assert client.post(f"/unternehmen/einladung/{token}/").status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "abc",
        "-1",
        "1.5",
        "9" * 18,
        "9" * 19,
        "9" * 30,
    ],
)
def test_non_numeric_and_oversized_ids_are_404(client, admin, company, path):
    client.force_login(admin)
    for url in (
        f"/unternehmen/{path}/",
        f"/unternehmen/{company.pk}/mitglieder/{path}/entfernen/",
        f"/unternehmen/anfragen/{path}/",
    ):
        assert client.get(url).status_code == 404
