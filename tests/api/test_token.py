"""POST /api/v1/token: the client-credentials grant of service accounts."""

import pytest
from django.urls import reverse

from meinekammer.core.actor import Actor, Interface
from meinekammer.integration.services import (
    change_service_account_secret,
    deactivate_service_account,
)
from tests.api.conftest import TOKEN_URL, Api, basic, make_account, post_token, token_for

pytestmark = pytest.mark.django_db


def test_a_token_by_http_basic_carries_the_accounts_scopes(client, chamber_account):
    account, secret = chamber_account
    response = post_token(
        client,
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(account.client_id, secret),
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert set(body["scope"].split()) == account.scope_set
    assert "refresh_token" not in body
    assert Api(client, body["access_token"]).get("/companies").status_code == 200


def test_a_token_by_form_credentials_with_fewer_scopes(client, chamber_account):
    account, secret = chamber_account
    response = post_token(
        client,
        {
            "grant_type": "client_credentials",
            "client_id": account.client_id,
            "client_secret": secret,
            "scope": "companies:read",
        },
    )
    assert response.status_code == 200
    token = response.json()["access_token"]
    assert response.json()["scope"] == "companies:read"
    api = Api(client, token)
    assert api.get("/companies").status_code == 200
    assert api.get("/chamber/registrations").status_code == 403


@pytest.mark.parametrize(
    "data, error",
    [
        ({"grant_type": "client_credentials", "scope": "members:write"}, "invalid_scope"),
        ({"grant_type": "client_credentials", "scope": "admin"}, "invalid_scope"),
        ({"grant_type": "password", "username": "x", "password": "y"}, "unsupported_grant_type"),
        ({"grant_type": "refresh_token", "refresh_token": "x"}, "unsupported_grant_type"),
        ({}, "invalid_request"),
    ],
)
def test_wrong_requests_are_refused(client, chamber_account, data, error):
    account, secret = chamber_account
    response = post_token(client, data, HTTP_AUTHORIZATION=basic(account.client_id, secret))
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert "access_token" not in response.json()


@pytest.mark.parametrize(
    "credentials",
    [
        lambda account, secret: basic(account.client_id, secret + "x"),
        lambda account, secret: basic(account.client_id, ""),
        lambda account, secret: basic("svc-unbekannt", secret),
        lambda account, secret: basic(account.client_id + "\x00", secret),
        lambda account, secret: basic(account.client_id, "x" * 5000),
        lambda account, secret: "Basic nicht-base64",
        lambda account, secret: "Bearer " + secret,
        lambda account, secret: "",
    ],
)
def test_wrong_credentials_get_invalid_client(client, chamber_account, credentials):
    account, secret = chamber_account
    header = credentials(account, secret)
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = post_token(client, {"grant_type": "client_credentials"}, **extra)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_get_or_an_oversized_body_is_refused(client, chamber_account):
    account, secret = chamber_account
    assert client.get(TOKEN_URL).status_code == 405
    response = post_token(
        client,
        {"grant_type": "client_credentials", "scope": "x" * 5000},
        HTTP_AUTHORIZATION=basic(account.client_id, secret),
    )
    assert response.status_code == 413


def test_wrong_secrets_are_throttled_per_client(client, chamber_account):
    account, secret = chamber_account
    for _ in range(10):
        response = post_token(
            client,
            {"grant_type": "client_credentials"},
            HTTP_AUTHORIZATION=basic(account.client_id, "falsch"),
        )
        assert response.status_code == 401
    # Now even the right secret waits for the window to pass.
    response = post_token(
        client,
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(account.client_id, secret),
    )
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"


def test_a_deactivated_account_gets_no_token_and_its_tokens_stop(client, chamber_account):
    account, secret = chamber_account
    api = Api(client, token_for(client, account, secret))
    deactivate_service_account(Actor.system(Interface.CLI), account_id=account.pk)
    assert api.get("/companies").status_code == 401
    response = post_token(
        client,
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(account.client_id, secret),
    )
    assert response.status_code == 401


def test_a_new_secret_ends_the_old_one_and_its_tokens(client, chamber_account):
    account, secret = chamber_account
    api = Api(client, token_for(client, account, secret))
    new_secret = change_service_account_secret(Actor.system(Interface.CLI), account_id=account.pk)
    assert api.get("/companies").status_code == 401
    old = post_token(
        client,
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(account.client_id, secret),
    )
    assert old.status_code == 401
    assert Api(client, token_for(client, account, new_secret)).get("/companies").status_code == 200


def test_api_tokens_and_application_tokens_do_not_mix(client, chamber_account):
    account, secret = chamber_account
    token = token_for(client, account, secret)
    userinfo = client.get(
        reverse("oauth2_provider:user-info"), HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert userinfo.status_code == 401


def test_the_secret_is_stored_as_a_hash_only(chamber_account):
    account, secret = chamber_account
    account.refresh_from_db()
    assert secret not in account.secret_hash
    assert account.secret_hash.startswith("pbkdf2_sha256_client$")


def test_a_company_account_cannot_have_chamber_scopes(company):
    from meinekammer.core.errors import Invalid

    with pytest.raises(Invalid):
        make_account(company=company, scopes=["registrations:write"])
    with pytest.raises(Invalid):
        make_account(scopes=["companies:read"])
