"""The endpoints applications call server to server answer without the browsers' middleware
(web/sso/endpoints.py), with the headers every answer has, and nothing of a session."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.applications.test_oidc_gate import refresh
from tests.applications.test_token_store import userinfo

pytestmark = pytest.mark.django_db


def assert_api_headers(response, *, stored: bool) -> None:
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Request-ID"]
    assert ("no-store" in response.get("Cache-Control", "")) is not stored
    assert not response.cookies  # no session, no CSRF cookie, no language cookie
    assert "Cookie" not in response.get("Vary", "")


def test_token_userinfo_and_introspection_answers_carry_the_headers_and_no_cookie(client, tokens):
    # The browser's session cookie comes along (a client library in the same browser-less
    # process); it is neither read nor renewed.
    api = Client()
    api.cookies = client.cookies
    refreshed = refresh(api, tokens["refresh_token"])
    assert refreshed.status_code == 200
    assert_api_headers(refreshed, stored=False)
    answer = userinfo(refreshed.json()["access_token"])
    assert answer.status_code == 200 and answer.json()["sub"]
    assert_api_headers(answer, stored=False)


def test_a_refused_token_request_answers_json_with_the_same_headers(tokens):
    response = refresh(Client(), "not-a-token")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert_api_headers(response, stored=False)
    unauthenticated = userinfo("forged")
    assert unauthenticated.status_code == 401
    assert_api_headers(unauthenticated, stored=False)


@pytest.mark.parametrize("name", ["oauth2_provider:jwks-info", "openid-configuration"])
def test_keys_and_discovery_stay_cacheable(client, oidc_client, name):
    response = Client().get(reverse(name))
    assert response.status_code == 200 and response.json()
    assert_api_headers(response, stored=True)


def test_pages_keep_the_browsers_middleware(client):
    page = client.get(reverse("account_login"))
    assert page.status_code == 200
    assert "default-src 'self'" in page["Content-Security-Policy"]
    assert "csrftoken" in page.cookies or "__Host-csrftoken" in page.cookies


def test_a_path_near_an_endpoint_takes_the_whole_way(client):
    # Without its slash the token endpoint is CommonMiddleware's redirect, as before.
    response = Client().post("/o/token")
    assert response.status_code == 301 and response["Location"] == "/o/token/"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_the_https_redirect_still_applies(settings, tokens):
    settings.SECURE_SSL_REDIRECT = True
    response = Client().post(reverse("oauth2_provider:token"), {"grant_type": "refresh_token"})
    assert response.status_code == 301 and response["Location"].startswith("https://")
