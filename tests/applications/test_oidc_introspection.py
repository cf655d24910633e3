"""Introspection (RFC 7662): a token's content only for its own client and the resource servers
of its connected application (`OAuthClient.may_introspect`); `{"active": false}` for the rest."""

import base64
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from meinekammer.applications.models import OAuthClient
from tests.applications.conftest import REDIRECT_URI, SECRET
from tests.companies.factories import AppRoleFactory

pytestmark = pytest.mark.django_db

OTHER_SECRET = "anderes-geheimnis-" + "x" * 20


def introspect(client, token, *, client_id="serviceportal", secret=SECRET):
    auth = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return client.post(
        reverse("oauth2_provider:introspect"), {"token": token}, HTTP_AUTHORIZATION=f"Basic {auth}"
    )


def make_client(application, client_id, *, resource_server=False, public=False):
    other = OAuthClient(
        connected_application=application,
        name=client_id,
        client_id=client_id,
        client_secret="" if public else OTHER_SECRET,
        client_type=OAuthClient.CLIENT_PUBLIC if public else OAuthClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OAuthClient.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        is_resource_server=resource_server,
    )
    other.save()
    return other


def test_the_tokens_own_client_learns_what_it_says(client, oidc_client, trainer, tokens):
    response = introspect(client, tokens["access_token"])
    assert response.status_code == 200
    data = response.json()
    assert data["active"] is True
    assert data["client_id"] == "serviceportal" and data["username"] == trainer.email
    assert "openid" in data["scope"].split() and data["exp"] > 0


def test_another_client_of_the_same_application_learns_nothing(client, oidc_client, tokens):
    make_client(oidc_client.connected_application, "nachbar")
    response = introspect(client, tokens["access_token"], client_id="nachbar", secret=OTHER_SECRET)
    assert response.status_code == 200
    assert response.json() == {"active": False}


def test_a_resource_server_of_the_same_application_learns_what_it_says(
    client, oidc_client, trainer, tokens
):
    make_client(oidc_client.connected_application, "api", resource_server=True)
    response = introspect(client, tokens["access_token"], client_id="api", secret=OTHER_SECRET)
    assert response.status_code == 200
    data = response.json()
    assert data["active"] is True
    assert data["client_id"] == "serviceportal" and data["username"] == trainer.email


def test_a_resource_server_of_another_application_learns_nothing(client, oidc_client, tokens):
    make_client(AppRoleFactory().application, "fremd", resource_server=True)
    response = introspect(client, tokens["access_token"], client_id="fremd", secret=OTHER_SECRET)
    assert response.status_code == 200
    assert response.json() == {"active": False}


def test_a_public_client_learns_nothing_even_as_a_resource_server(client, oidc_client, tokens):
    # A public client "authenticates" with its id alone: anyone could call as it.
    make_client(oidc_client.connected_application, "spa", resource_server=True, public=True)
    response = client.post(
        reverse("oauth2_provider:introspect"),
        {"token": tokens["access_token"], "client_id": "spa", "client_secret": ""},
    )
    assert response.status_code == 200
    assert response.json() == {"active": False}


def test_an_unknown_token_is_inactive_for_every_caller(client, oidc_client):
    response = introspect(client, "no-such-token")
    assert response.status_code == 200 and response.json() == {"active": False}


def test_without_credentials_or_with_a_wrong_secret_the_caller_is_refused(
    client, oidc_client, tokens
):
    url = reverse("oauth2_provider:introspect")
    anonymous = client.post(url, {"token": tokens["access_token"]})
    wrong = introspect(client, tokens["access_token"], secret="falsch-" + "x" * 30)
    unknown = introspect(client, tokens["access_token"], client_id="niemand")
    # Credentials in the URL are no authentication (RFC 6749 2.3.1).
    in_the_url = client.post(
        f"{url}?client_id=serviceportal&client_secret={SECRET}", {"token": tokens["access_token"]}
    )
    for response in (anonymous, wrong, unknown, in_the_url):
        assert response.status_code == 401
        assert response.json() == {"error": "invalid_client"}
        assert response["WWW-Authenticate"].startswith("Basic ")


def test_the_secret_in_the_body_authenticates_too(client, oidc_client, tokens):
    response = client.post(
        reverse("oauth2_provider:introspect"),
        {"token": tokens["access_token"], "client_id": "serviceportal", "client_secret": SECRET},
    )
    assert response.status_code == 200 and response.json()["active"] is True


def test_the_resource_server_flag_is_in_the_admin(admin_client, oidc_client):
    page = admin_client.get(f"/operator/applications/oauthclient/{oidc_client.pk}/change/")
    assert page.status_code == 200 and 'name="is_resource_server"' in page.text


def test_register_app_registers_a_resource_server(portal_role):
    out = io.StringIO()
    call_command(
        "register-app",
        "--application",
        "Serviceportal Bildung",
        "--name",
        "Serviceportal API",
        "--redirect-uri",
        "https://portal.example/callback",
        "--resource-server",
        stdout=out,
    )
    client_id = out.getvalue().split("client_id=", 1)[1].split()[0]
    assert OAuthClient.objects.get(client_id=client_id).is_resource_server
    with pytest.raises(CommandError, match="public"):
        call_command(
            "register-app",
            "--application",
            "Serviceportal Bildung",
            "--redirect-uri",
            "https://portal.example/callback",
            "--resource-server",
            "--public",
            stdout=io.StringIO(),
        )
