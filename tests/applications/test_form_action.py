"""CSP form-action: the login and consent forms may end at the client's registered redirect URI
(browsers apply form-action to the whole redirect chain), and only there."""

from urllib.parse import urlencode

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from tests.applications.conftest import REDIRECT_URI
from tests.applications.test_oidc_refusals import authorize
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def form_action(response) -> list[str]:
    policy = response["Content-Security-Policy"]
    (directive,) = [d.strip() for d in policy.split(";") if d.strip().startswith("form-action")]
    return directive.split()[1:]


def authorize_url(redirect_uri=REDIRECT_URI, client_id="serviceportal") -> str:
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri}
    return f"{reverse('oauth2_provider:authorize')}?{urlencode(query)}"


def login_page(client, next_url):
    return client.get(reverse("account_login"), {"next": next_url})


def test_the_login_page_on_the_way_to_a_client_allows_its_origin(client, oidc_client):
    response = login_page(client, authorize_url())
    assert response.status_code == 200
    assert form_action(response) == ["'self'", "http://127.0.0.1:8001"]


@pytest.mark.parametrize(
    "next_url",
    [
        authorize_url(redirect_uri="http://evil.example/auth/callback"),
        authorize_url(client_id="unknown"),
        "https://evil.example" + authorize_url(),
        "/konto/",
    ],
)
def test_anything_else_keeps_form_action_self(client, oidc_client, next_url):
    assert form_action(login_page(client, next_url)) == ["'self'"]


def test_the_consent_page_allows_the_clients_origin(client, oidc_client, trainer):
    oidc_client.first_party = False
    oidc_client.save()
    client.force_login(trainer)
    response = authorize(client)
    assert response.status_code == 200  # the consent form, which posts and goes on to the client
    assert form_action(response) == ["'self'", "http://127.0.0.1:8001"]


def test_the_login_form_sent_again_keeps_the_clients_origin(client, oidc_client, user):
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": "falsch", "next": authorize_url()},
    )
    assert response.status_code == 200  # the form again, with an error
    assert form_action(response) == ["'self'", "http://127.0.0.1:8001"]


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        (authorize_url(), ["'self'", "http://127.0.0.1:8001"]),
        (authorize_url(redirect_uri="http://evil.example/auth/callback"), ["'self'"]),
        ("/konto/", ["'self'"]),
    ],
)
def test_the_second_step_of_a_login_keeps_the_clients_origin(
    client, oidc_client, user, next_url, expected
):
    # The code of the authenticator app is the last form before the redirect to the client.
    TOTP.activate(user, generate_totp_secret())
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD, "next": next_url}
    )
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    page = client.get(reverse("mfa_authenticate"))
    assert page.status_code == 200
    assert form_action(page) == expected
