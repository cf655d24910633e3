"""Meine Daten herunterladen (GDPR Art. 15 and 20): the JSON file and the readable page hold
the account's data from every section, nobody else's, and no secret."""

import json
from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.urls import reverse
from django.utils import timezone

from meinekammer.accounts.export import export_personal_data, export_sections
from meinekammer.accounts.models import PrivacyConsent, PrivacyNotice
from meinekammer.applications.models import Consent, OAuthClient, RoleAssignment
from meinekammer.audit.events import emit
from meinekammer.audit.models import SECURITY_EVENTS, AuditAction, AuditEvent
from meinekammer.companies.models import (
    CompanyRegistration,
    Invitation,
    MemberRequest,
    RequestKind,
    RequestState,
)
from meinekammer.core.actor import Actor
from meinekammer.core.errors import NotFound
from tests.accounts.factories import UserFactory, give_factor
from tests.companies.factories import AppRoleFactory, CompanyFactory, MembershipFactory
from tests.recheck import mark_checked

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:data_export")
JSON_URL = reverse("accounts:data_export_json")
HTML_URL = reverse("accounts:data_export_page")
CLIENT_SECRET = "client-secret-for-tests-" + "y" * 20


@pytest.fixture
def person(db):
    return UserFactory(
        email="erika.muster@beispiel.example",
        first_name="Erika",
        last_name="Musterfrau",
        password="ein langes Testkennwort 2026",
        privacy_consent=False,  # `world` gives the one consent the export shows
    )


@pytest.fixture
def stranger(db):
    return UserFactory(
        email="otto.fremd@anderswo.example", first_name="Otto", last_name="Fremdmann"
    )


@pytest.fixture
def world(person, stranger):
    """The person's data in every section, and a stranger's next to it."""
    role = AppRoleFactory(
        application__name="Serviceportal Bildung", key="ausbilder", name_de="Ausbilder"
    )
    own = CompanyFactory(name="Beispiel Holz GmbH")
    membership = MembershipFactory(user=person, company=own, is_admin=True)
    RoleAssignment.objects.create(membership=membership, role=role, assigned_by=stranger)
    joined = CompanyFactory(name="Werkstatt Sonne KG")
    MemberRequest.objects.create(
        company=joined,
        requester=person,
        kind=RequestKind.JOIN,
        state=RequestState.REJECTED,
        comment="Ich arbeite seit März hier.",
        decided_by=stranger,
        decided_at=timezone.now(),
    )
    MemberRequest.objects.create(
        company=own, requester=person, kind=RequestKind.ROLE, role=role, comment="Für die Azubis"
    )
    invited = CompanyFactory(name="Druckerei Morgen AG")
    Invitation.objects.create(
        company=invited,
        email="Erika.Muster@beispiel.example",
        token_digest="d" * 64,
        invited_by=stranger,
        sent_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=7),
    )
    CompanyRegistration.objects.create(
        company=CompanyFactory(name="Neugründung Muster UG", state="pending_review"),
        applicant=person,
    )
    notice = PrivacyNotice.objects.create(version="2026-01", text_de="Text", text_en="Text")
    PrivacyConsent.objects.create(user=person, notice=notice)
    client = OAuthClient(
        connected_application=role.application,
        name="Lernplattform Azubi",
        client_id="lernplattform",
        client_secret=CLIENT_SECRET,
        client_type=OAuthClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OAuthClient.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://lernen.example/callback",
        algorithm=OAuthClient.RS256_ALGORITHM,
    )
    client.save()
    Consent.objects.create(user=person, client=client, scopes="openid companies")
    emit(
        AuditAction.PASSWORD_CHANGED,
        actor=Actor.of(person, ip="203.0.113.7", user_agent="ErikasBrowser/1.0"),
        subject_user=person,
    )
    UserSession.objects.create(
        user=person, ip="203.0.113.8", session_key="s" * 32, user_agent="ErikasTablet/2.0"
    )
    secret = give_factor(person)

    # The stranger: another company, membership, request, invitation, event and session.
    foreign = CompanyFactory(name="Fremdfirma Nord GmbH")
    foreign_membership = MembershipFactory(user=stranger, company=foreign)
    RoleAssignment.objects.create(membership=foreign_membership, role=role)
    MemberRequest.objects.create(
        company=own, requester=stranger, kind=RequestKind.JOIN, comment="Fremder Antrag"
    )
    Invitation.objects.create(
        company=own,
        email="otto.fremd@anderswo.example",
        token_digest="e" * 64,
        sent_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=7),
    )
    emit(
        AuditAction.LOGIN_FAILED,
        actor=Actor.of(stranger, ip="198.51.100.99", user_agent="OttosBrowser/9.9"),
        subject_user=stranger,
    )
    UserSession.objects.create(
        user=stranger, ip="198.51.100.98", session_key="t" * 32, user_agent="OttosPhone/3.0"
    )
    give_factor(stranger)
    return {"secret": secret, "client": client}


def checked(client, user):
    client.force_login(user)
    mark_checked(client, method="mfa")  # the second factor counts for every account
    return client


def download(client) -> tuple[object, dict]:
    response = client.get(JSON_URL)
    assert response.status_code == 200, response
    return response, json.loads(response.content.decode())


def test_the_json_file_is_an_attachment_named_after_the_day(client, person, world):
    response, _ = download(checked(client, person))
    assert response["Content-Type"].startswith("application/json")
    day = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="meinekammer-daten-{day}.json"'
    )
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_the_json_holds_the_account_and_every_section(client, person, world):
    _, data = download(checked(client, person))
    assert set(data) == {"exported_at"} | {s.name for s in export_sections()}
    account = data["account"]
    assert account["first_name"] == "Erika"
    assert account["last_name"] == "Musterfrau"
    assert account["email"] == "erika.muster@beispiel.example"
    assert account["salutation"] == "Frau"
    assert account["language"] == "de"
    assert account["date_joined"]
    assert data["email_addresses"] == [
        {"email": "erika.muster@beispiel.example", "primary": True, "verified": True}
    ]
    assert [n["version"] for n in data["privacy_notices"]] == ["2026-01"]
    changed = [e for e in data["security_events"] if e["action"] == "account.password_changed"]
    assert changed[0]["ip_address"] == "203.0.113.7"
    assert changed[0]["user_agent"] == "ErikasBrowser/1.0"
    assert changed[0]["description"] == "Passwort geändert"
    assert "ErikasTablet/2.0" in [s["user_agent"] for s in data["sessions"]]
    assert [f["type"] for f in data["second_factors"]] == ["TOTP Authenticator"]

    assert data["memberships"] == [
        {
            "company": "Beispiel Holz GmbH",
            "chamber": data["memberships"][0]["chamber"],
            "company_admin": True,
            "since": data["memberships"][0]["since"],
        }
    ]
    assert [(r["company"], r["application"], r["role"]) for r in data["role_assignments"]] == [
        ("Beispiel Holz GmbH", "Serviceportal Bildung", "Ausbilder")
    ]
    requests = {r["company"]: r for r in data["requests"]}
    assert requests["Werkstatt Sonne KG"]["state"] == "abgelehnt"
    assert requests["Werkstatt Sonne KG"]["comment"] == "Ich arbeite seit März hier."
    assert requests["Beispiel Holz GmbH"]["roles"] == ["Serviceportal Bildung: Ausbilder"]
    assert [i["company"] for i in data["invitations"]] == ["Druckerei Morgen AG"]
    assert [r["company"] for r in data["company_registrations"]] == ["Neugründung Muster UG"]
    assert data["consents"][0]["client"] == "Lernplattform Azubi"
    assert data["consents"][0]["scopes"] == ["openid", "companies"]
    assert {"client": "Lernplattform Azubi"} in data["granted_applications"]


def test_nobody_elses_data_is_in_the_export(client, person, stranger, world):
    response, _ = download(checked(client, person))
    body = response.content.decode()
    for foreign in (
        "Otto",
        "Fremdmann",
        "otto.fremd@anderswo.example",
        "Fremdfirma Nord GmbH",
        "Fremder Antrag",
        "198.51.100.99",
        "198.51.100.98",
        "OttosBrowser",
        "OttosPhone",
    ):
        assert foreign not in body, foreign


def test_no_secret_is_in_the_export(client, person, world):
    person.refresh_from_db()
    response, _ = download(checked(client, person))
    body = response.content.decode()
    for secret in (
        world["secret"],
        person.password,
        person.security_stamp,
        CLIENT_SECRET,
        world["client"].client_secret,
        "d" * 64,  # the invitation's token digest
        "s" * 32,  # the session key
    ):
        assert secret not in body


def test_the_download_is_recorded_and_shown_as_a_security_event(client, person, world):
    download(checked(client, person))
    event = AuditEvent.objects.get(action=AuditAction.DATA_EXPORTED)
    assert event.subject_user == person
    assert event.actor == person
    assert event.data == {"output": "json"}
    assert AuditAction.DATA_EXPORTED in SECURITY_EVENTS
    checked(client, person).get(HTML_URL)
    assert AuditEvent.objects.filter(action=AuditAction.DATA_EXPORTED, data__output="html").exists()


@pytest.mark.parametrize(
    ("language", "heading", "label", "admin"),
    [
        ("de", "Meine Daten", "Unternehmensadmin", "ja"),
        ("en", "My data", "Company admin", "yes"),
    ],
)
def test_the_readable_page_in_german_and_english(
    client, person, world, language, heading, label, admin
):
    person.language = language  # a logged-in user's stored choice wins
    person.save()
    checked(client, person)
    response = client.get(HTML_URL, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<h1 class="kern-heading-large">{heading}</h1>' in page
    assert label in page
    assert f">{admin}<" in page
    assert "Beispiel Holz GmbH" in page
    assert "203.0.113.7" in page
    assert "Fremdfirma Nord GmbH" not in page
    assert world["secret"] not in page


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("de", ["Meine Daten herunterladen", "Als JSON herunterladen", "Als Seite anzeigen"]),
        ("en", ["Download my data", "Download as JSON", "Show as a page"]),
    ],
)
def test_the_explaining_page_and_the_tile(client, person, language, texts):
    person.language = language
    person.save()
    client.force_login(person)
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for text in texts:
        assert text in page
    assert JSON_URL in page and HTML_URL in page
    overview = client.get(reverse("accounts:overview"), HTTP_ACCEPT_LANGUAGE=language)
    assert texts[0] in overview.content.decode()
    assert PAGE in overview.content.decode()


@pytest.mark.parametrize("url", [PAGE, JSON_URL, HTML_URL])
def test_a_logged_out_visitor_is_sent_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("url", [JSON_URL, HTML_URL])
def test_without_a_recent_check_the_account_confirms_first(client, person, url):
    client.force_login(person)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not AuditEvent.objects.filter(action=AuditAction.DATA_EXPORTED).exists()


@pytest.mark.parametrize("url", [PAGE, JSON_URL, HTML_URL])
def test_a_locked_account_whose_session_outlived_the_lock_gets_nothing(client, person, url):
    checked(client, person)
    type(person).objects.filter(pk=person.pk).update(locked_at=timezone.now())
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.DATA_EXPORTED).exists()


@pytest.mark.parametrize("url", [JSON_URL, HTML_URL])
def test_a_locked_account_has_no_session_left(client, person, url):
    checked(client, person)
    person.locked_at = timezone.now()
    person.rotate_security_stamp()
    person.save()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("who", ["locked", "erased", "nobody"])
def test_the_use_case_refuses_an_account_that_may_not_act(person, who):
    if who == "locked":
        person.locked_at = timezone.now()
    elif who == "erased":
        person.deleted_at = timezone.now()
    person.save()
    actor = Actor.system() if who == "nobody" else Actor.of(person)
    with pytest.raises(NotFound):
        export_personal_data(actor)
    assert not AuditEvent.objects.filter(action=AuditAction.DATA_EXPORTED).exists()


def test_downloads_are_rate_limited_per_account(client, person, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "export_data": "2/h/user"}
    checked(client, person)
    assert client.get(JSON_URL).status_code == 200
    assert client.get(HTML_URL).status_code == 200
    response = client.get(JSON_URL)
    assert response.status_code == 429
    assert AuditEvent.objects.filter(action=AuditAction.DATA_EXPORTED).count() == 2
    # Another account has its own allowance.
    other = UserFactory()
    checked(client, other)
    assert client.get(JSON_URL).status_code == 200


def test_the_default_rate_limit_is_set(settings):
    assert settings.ACCOUNT_RATE_LIMITS["export_data"] == "10/h/user"


def test_the_tile_sits_among_the_account_functions(client, person, world):
    client.force_login(person)
    page = client.get(reverse("accounts:overview")).content.decode()
    tiles = page.split('id="manage-heading"')[1].split("</section>")[0]
    assert "Meine Daten herunterladen" in tiles
    # the admin's tile "Neues Unternehmenspasswort anfordern" follows as number 6
    assert "Neues Unternehmenspasswort anfordern" in tiles
    assert '<span class="mk-tile__number" aria-hidden="true">6</span>' in tiles


def test_an_invitation_to_an_unconfirmed_address_is_not_included(client, person, world):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=person, email="otto.fremd@anderswo.example", verified=False)
    _, data = download(checked(client, person))
    assert [i["company"] for i in data["invitations"]] == ["Druckerei Morgen AG"]
