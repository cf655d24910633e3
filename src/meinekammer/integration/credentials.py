"""Service accounts' API tokens: the OAuth 2.0 client-credentials grant (RFC 6749 4.4).

oauthlib does the protocol (`BackendApplicationServer`: grant type, duplicate parameters, client
authentication, scopes, the JSON answers and their error codes); this module is its request
validator and the token's contents. A token is a signed JWT (`typ: at+jwt`, RFC 9068, signed
with the access-token key of `sso.tokens`) for the API's audience, so that the API reads it
without a database round trip for the signature; the service account itself is read on every
request (`caller_for`), so deactivating it or changing its secret stops its tokens at once.

The tokens are told apart from the tokens of OpenID Connect clients: those name a token
family (`fam`) and their client as the audience, these name the API as the audience and the
service account (`svc`). Neither is accepted where the other belongs.
"""

import base64
import binascii
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.contrib.auth.hashers import check_password
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2 import BackendApplicationServer, RequestValidator

from meinekammer.sso import tokens

from .models import ServiceAccount

API_AUDIENCE_PATH = "/api/v1/"
_MAX_CREDENTIAL = 200


def api_audience() -> str:
    return settings.SITE_URL.rstrip("/") + API_AUDIENCE_PATH


def token_seconds() -> int:
    return int(getattr(settings, "API_TOKEN_SECONDS", 300))


def _usable(client_id: str) -> ServiceAccount | None:
    if not client_id or len(client_id) > _MAX_CREDENTIAL or "\x00" in client_id:
        return None
    return (
        ServiceAccount.objects.select_related("chamber", "company")
        .filter(client_id=client_id, is_active=True)
        .first()
    )


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    # RFC 6749 2.3.1: both are form-urlencoded before they are put into the header.
    return unquote_plus(client_id), unquote_plus(secret)


def presented_client_id(*, authorization: str, form_client_id: str | None) -> str:
    """The client id a token request names (for its rate limit), whether it is known or not."""
    credentials = _basic_credentials(authorization or "")
    return (credentials[0] if credentials else form_client_id or "")[:_MAX_CREDENTIAL]


class _Validator(RequestValidator):
    def authenticate_client(self, request, *args, **kwargs):
        credentials = _basic_credentials(request.headers.get("Authorization", ""))
        if credentials is None:
            # client_secret_post (RFC 6749 2.3.1): oauthlib has read the form.
            credentials = (request.client_id or "", request.client_secret or "")
        client_id, secret = credentials
        account = _usable(client_id)
        if (
            account is None
            or not secret
            or len(secret) > _MAX_CREDENTIAL
            or not check_password(secret, account.secret_hash)
        ):
            return False
        request.client = account
        request.client_id = account.client_id
        return True

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return grant_type == "client_credentials"

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        return sorted(request.client.scope_set)

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        return bool(scopes) and set(scopes) <= client.scope_set

    def save_bearer_token(self, token, request, *args, **kwargs):
        pass  # self-contained; the account is checked on every request


def _mint(request: Any) -> str:
    account: ServiceAccount = request.client
    now = int(time.time())
    return tokens.sign(
        {
            "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
            "sub": account.client_id,
            "aud": api_audience(),
            "client_id": account.client_id,
            "svc": account.pk,
            # A new secret ends the tokens issued with the old one.
            "sct": int(account.secret_changed_at.timestamp()),
            "iat": now,
            "exp": now + token_seconds(),
            "jti": uuid.uuid4().hex,
            "scope": " ".join(request.scopes),
        }
    )


_server = BackendApplicationServer(
    _Validator(), token_generator=_mint, token_expires_in=lambda request: token_seconds()
)


def token_response(
    *, uri: str, method: str, body: str, headers: dict[str, str]
) -> tuple[dict, str, int]:
    """The token endpoint's answer: (headers, JSON body, status)."""
    response_headers, response_body, status = _server.create_token_response(
        uri, http_method=method, body=body, headers=headers
    )
    return dict(response_headers), response_body, status


@dataclass(frozen=True)
class Caller:
    """A service account on one API request, with what its token allows."""

    account: ServiceAccount
    scopes: frozenset[str]

    def may(self, scope: str) -> bool:
        return scope in self.scopes


def caller_for(token: str) -> Caller | None:
    """The service account an API token speaks for; None for every other token (a client's
    access token, an expired or forged one, one of a deactivated account or an old secret)."""
    claims = tokens.verified_claims(token)
    if claims is None or claims.get("aud") != api_audience() or "fam" in claims:
        return None
    try:
        account_id = int(claims["svc"])
        secret_changed = int(claims["sct"])
    except (KeyError, TypeError, ValueError):
        return None
    account = (
        ServiceAccount.objects.select_related("chamber", "company")
        .filter(pk=account_id, is_active=True, client_id=claims.get("client_id"))
        .first()
    )
    if account is None or int(account.secret_changed_at.timestamp()) != secret_changed:
        return None
    return Caller(account=account, scopes=frozenset(str(claims.get("scope", "")).split()))
