"""The discovery document says what the portal does: ID tokens signed with RS256 only."""

import base64
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from meinekammer.applications.models import OAuthClient
from tests.applications.conftest import SECRET
from tests.applications.test_oidc_refusals import authorize, code_from, exchange

pytestmark = pytest.mark.django_db

DISCOVERY_URLS = ["/.well-known/openid-configuration", "/o/.well-known/openid-configuration"]


def header_of(jwt: str) -> dict:
    part = jwt.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@pytest.mark.parametrize("url", DISCOVERY_URLS)
def test_discovery_advertises_exactly_rs256(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    document = response.json()
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    # The rest of DOT's document is unchanged.
    assert document["response_types_supported"] == ["code"]
    assert document["token_endpoint"].endswith(reverse("oauth2_provider:token"))
    assert response["Access-Control-Allow-Origin"] == "*"


def test_every_id_token_of_the_flow_is_rs256_with_a_published_key(client, oidc_client, trainer):
    client.force_login(trainer)
    tokens = exchange(client, code_from(authorize(client))).json()
    refreshed = client.post(
        reverse("oauth2_provider:token"),
        # A new ID token on refresh only when asked for (sso/refresh.py).
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "scope": "openid",
        },
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"serviceportal:{SECRET}".encode()).decode(),
    ).json()
    kids = {key["kid"] for key in client.get(reverse("oauth2_provider:jwks-info")).json()["keys"]}
    advertised = client.get(DISCOVERY_URLS[0]).json()["id_token_signing_alg_values_supported"]
    for id_token in (tokens["id_token"], refreshed["id_token"]):
        header = header_of(id_token)
        assert header["alg"] in advertised and header["alg"] == "RS256"
        assert header["kid"] in kids


@pytest.mark.parametrize("algorithm", [OAuthClient.HS256_ALGORITHM, OAuthClient.NO_ALGORITHM])
def test_a_client_signs_with_rs256_only(oidc_client, algorithm):
    # Another algorithm would make the discovery document wrong (HS256) or the login fail.
    oidc_client.algorithm = algorithm
    with pytest.raises(ValidationError) as error:
        oidc_client.full_clean(exclude=["user", "client_secret"])
    assert "algorithm" in error.value.message_dict
