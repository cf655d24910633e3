"""End to end against a live server with a real OpenID Connect client library (Authlib):
discovery, code + PKCE, the ID token's signature and claims, userinfo, refresh, logout."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.applications.conftest import LOGOUT_URI, REDIRECT_URI, SECRET

pytestmark = pytest.mark.django_db(transaction=True)


def discover(issuer: str) -> dict:
    metadata = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    assert metadata["issuer"] == issuer
    return metadata


def log_in_to_app(issuer, browser, *, scope="openid profile email companies", **extra):
    """The connected application's side: an Authlib session with PKCE (S256) and a nonce."""
    metadata = discover(issuer)
    app = OAuth2Session(
        "serviceportal",
        SECRET,
        scope=scope,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = "v" * 64
    url, state = app.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce="n-0S6_WzA2Mj", **extra
    )
    response = browser.get(url, allow_redirects=False, timeout=10)
    return app, metadata, verifier, state, response


def test_discovery_code_pkce_id_token_userinfo_refresh_logout(
    issuer, oidc_client, trainer, browser_for
):
    browser = browser_for(trainer)
    app, metadata, verifier, state, response = log_in_to_app(issuer, browser)
    assert (
        metadata["code_challenge_methods_supported"] == ["S256"]
        or "S256" in metadata["code_challenge_methods_supported"]
    )
    assert metadata["response_types_supported"] == ["code"]
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    query = parse_qs(urlparse(location).query)
    assert query["state"] == [state] and query["iss"] == [issuer]

    token = app.fetch_token(
        metadata["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    assert token["token_type"].lower() == "bearer" and token["expires_in"] == 300

    keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
    decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": "serviceportal"},
        nonce={"essential": True, "value": "n-0S6_WzA2Mj"},
        exp={"essential": True},
        sub={"essential": True, "value": str(trainer.subject)},
    ).validate(decoded.claims)
    assert decoded.header["alg"] == "RS256"

    userinfo = app.get(metadata["userinfo_endpoint"]).json()
    assert userinfo["sub"] == str(trainer.subject)
    assert userinfo["email"] == trainer.email and userinfo["email_verified"] in (True, False)
    assert userinfo["given_name"] == trainer.first_name and userinfo["locale"] == "de"
    assert userinfo["companies"] == [
        {
            "id": userinfo["companies"][0]["id"],
            "name": "Beispiel GmbH",
            "chamber_number": userinfo["companies"][0]["chamber_number"],
            "member_number": "1010001",
            "roles": ["ausbilder"],
        }
    ]

    refreshed = app.refresh_token(metadata["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["refresh_token"] != token["refresh_token"]  # rotation
    # The old refresh token again: reuse ends the whole chain.
    reuse = requests.post(
        metadata["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=("serviceportal", SECRET),
        timeout=10,
    )
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    after = requests.post(
        metadata["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]},
        auth=("serviceportal", SECRET),
        timeout=10,
    )
    assert after.status_code == 400

    logout = browser.get(
        metadata["end_session_endpoint"],
        params={"id_token_hint": token["id_token"], "post_logout_redirect_uri": LOGOUT_URI},
        allow_redirects=False,
        timeout=10,
    )
    assert logout.status_code == 302 and logout.headers["Location"].startswith(LOGOUT_URI)
