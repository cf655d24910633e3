"""The no-access page of an application for a user whose own company registration is on its
way: where it stands (in review, or the activation letter waiting to be used), how to go on,
and the way back to the application."""

import html
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from meinekammer.companies.models import CompanyState, RegistrationState
from tests.accounts.factories import UserFactory
from tests.applications.test_oidc_refusals import authorize
from tests.chambers.factories import ChamberFactory
from tests.companies.factories import CompanyFactory, MembershipFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

NOT_IN_A_COMPANY = "Sie gehören noch keinem Unternehmen an"


@pytest.fixture
def chamber(db):
    return ChamberFactory(name="IHK Musterstadt")


def in_review(user, chamber, name="Neugründung Muster UG"):
    return RegistrationFactory(applicant=user, company__chamber=chamber, company__name=name)


def approved(user, chamber, name="Beispiel GmbH"):
    return RegistrationFactory(
        applicant=user,
        company__chamber=chamber,
        company__name=name,
        company__state=CompanyState.AWAITING_ACTIVATION,
        company__member_number="1010001",
        state=RegistrationState.APPROVED,
        decided_at=timezone.now(),
    )


def page(client, **params):
    response = authorize(client, **params)
    assert response.status_code == 403 and "Location" not in response
    return response, html.unescape(response.content.decode())


def back_link(response) -> str:
    """The link "Erneut bei … anmelden"."""
    body = response.content.decode()
    marker = body.index("Erneut bei")
    start = body.rindex('href="', 0, marker) + len('href="')
    return html.unescape(body[start : body.index('"', start)])


def test_a_registration_in_review_is_shown_with_its_state(client, oidc_client, user, chamber):
    in_review(user, chamber)
    client.force_login(user)
    _response, body = page(client)
    assert (
        "Ihre Registrierung des Unternehmens Neugründung Muster UG wird von Ihrer Kammer "
        "(IHK Musterstadt) geprüft." in body
    )
    assert "Aktivierungsbrief per Post" in body
    assert NOT_IN_A_COMPANY not in body
    assert f'href="{reverse("companies:activate")}"' not in body


def test_an_approved_registration_shows_the_letter_and_the_activation(
    client, oidc_client, user, chamber
):
    approved(user, chamber)
    client.force_login(user)
    _response, body = page(client)
    assert "Ihre Registrierung des Unternehmens Beispiel GmbH wurde freigegeben." in body
    assert "Der Aktivierungsbrief ist per Post an das Unternehmen unterwegs." in body
    assert f'href="{reverse("companies:activate")}"' in body and "Unternehmen aktivieren" in body
    assert "selbst eine Rolle für Serviceportal Bildung zuweisen" in body
    assert NOT_IN_A_COMPANY not in body


def test_the_way_back_is_the_same_login_to_the_application(client, oidc_client, user, chamber):
    in_review(user, chamber)
    client.force_login(user)
    response, body = page(client)
    assert "Erneut bei Serviceportal Bildung anmelden" in body
    back = urlparse(back_link(response))
    assert back.path == reverse("oauth2_provider:authorize")
    query = parse_qs(back.query)
    assert query["client_id"] == ["serviceportal"] and query["state"] == ["st"]


def test_the_way_back_from_a_silent_request_is_not_silent(client, oidc_client, user, chamber):
    in_review(user, chamber)
    client.force_login(user)
    response, _body = page(client, prompt="none")
    assert "prompt" not in parse_qs(urlparse(back_link(response)).query)


def test_hostile_parameters_stay_inside_the_link(client, oidc_client, user):
    client.force_login(user)
    response, _body = page(client, state='"><script>alert(1)</script>')
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert parse_qs(urlparse(back_link(response)).query)["state"] == ['"><script>alert(1)</script>']


def test_without_a_registration_the_page_offers_to_join(client, oidc_client, user):
    client.force_login(user)
    _response, body = page(client)
    assert NOT_IN_A_COMPANY in body and "Unternehmen beitreten" in body
    assert "Ihre Registrierung" not in body


@pytest.mark.parametrize(
    ("registration_state", "company_state"),
    [
        (RegistrationState.REJECTED, CompanyState.REJECTED),
        (RegistrationState.APPROVED, CompanyState.ACTIVE),  # already activated
        (RegistrationState.APPROVED, CompanyState.DELETED),
    ],
)
def test_registrations_no_longer_on_their_way_are_not_shown(
    client, oidc_client, user, chamber, registration_state, company_state
):
    RegistrationFactory(
        applicant=user,
        company__chamber=chamber,
        company__state=company_state,
        company__member_number="1010002",
        state=registration_state,
    )
    client.force_login(user)
    _response, body = page(client)
    assert "Ihre Registrierung" not in body


def test_another_users_registration_is_not_shown(client, oidc_client, user, chamber):
    in_review(UserFactory(), chamber, name="Fremdfirma KG")
    client.force_login(user)
    _response, body = page(client)
    assert "Fremdfirma KG" not in body and NOT_IN_A_COMPANY in body


def test_a_member_elsewhere_sees_both_the_role_request_and_the_registration(
    client, oidc_client, user, chamber
):
    company = CompanyFactory(name="Alte Firma AG")
    MembershipFactory(user=user, company=company)
    approved(user, chamber)
    client.force_login(user)
    _response, body = page(client)
    assert "Rolle bei Alte Firma AG beantragen" in body
    assert "Ihre Registrierung des Unternehmens Beispiel GmbH wurde freigegeben." in body


def test_in_english(client, oidc_client, chamber):
    person = UserFactory(language="en")
    in_review(person, chamber)
    client.force_login(person)
    _response, body = page(client)
    assert "is being reviewed by your chamber (IHK Musterstadt)" in body
