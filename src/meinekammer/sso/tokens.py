"""The tokens a client holds, as the lean token path mints and reads them
(docs/decisions/0006-lean-token-store.md; the rows: `applications.token_store`).

- **Access tokens** are signed JWTs (RFC 9068, `typ: at+jwt`): ES256 with the installation's
  access-token key (`OIDC_ACCESS_TOKEN_KEY_FILE`), else RS256 with the ID-token key. They name
  their token family (`fam`) and its generation (`gen`); userinfo and introspection accept one
  only while that family is live and at that generation, so a revocation (lost role, lock,
  erasure, logout) and the next refresh end it at once.
- **Refresh tokens** are `<family id>.<random>`: the family is found by its key, the token is
  compared with the family's current digest, so a replayed or raced token is recognised and
  ends its family.

Both are minted through django-oauth-toolkit's ACCESS_TOKEN_GENERATOR and
REFRESH_TOKEN_GENERATOR; the validator (`sso.refresh`, `sso.bearer`) stores and reads them.
"""

import hashlib
import json
import secrets
import time
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from jwcrypto import jwk, jws, jwt
from jwcrypto.common import JWException
from oauth2_provider.settings import oauth2_settings

from meinekammer.applications.keys import key_from_pem

ACCESS_TOKEN_TYPE = "at+jwt"
# The clock skew an access token's `iat` may show (seconds).
_LEEWAY = 30


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- Keys -----------------------------------------------------------------------------------


_key_from_pem = key_from_pem


def signing_key() -> tuple[jwk.JWK, str, str]:
    """The access-token signing key: (key, algorithm, kid)."""
    pem = getattr(settings, "OIDC_ACCESS_TOKEN_KEY", "") or oauth2_settings.OIDC_RSA_PRIVATE_KEY
    return _key_from_pem(pem)


def published_keys() -> list[tuple[jwk.JWK, str, str]]:
    """Every key an access token may be signed with: the current one, and those published for a
    rotation (the next before it signs, the previous until its tokens have expired)."""
    keys = [signing_key()]
    for pem in getattr(settings, "OIDC_ACCESS_TOKEN_PUBLISHED_KEYS", []):
        key = _key_from_pem(pem)
        if key[2] not in {k[2] for k in keys}:
            keys.append(key)
    return keys


def jwks_entries() -> list[dict]:
    """The access-token keys' public halves for the JWKS (those not already there as ID-token
    keys)."""
    entries = []
    for key, algorithm, kid in published_keys():
        if algorithm == "RS256":
            continue  # the ID-token key; DOT's JWKS lists it
        entry = {"alg": algorithm, "use": "sig", "kid": kid}
        entry.update(json.loads(key.export_public()))
        entries.append(entry)
    return entries


# --- Access tokens ----------------------------------------------------------------------------


def sign(claims: dict) -> str:
    """A signed access token (`typ: at+jwt`) with these claims, by the current key."""
    key, algorithm, kid = signing_key()
    token = jwt.JWT(header={"alg": algorithm, "typ": ACCESS_TOKEN_TYPE, "kid": kid}, claims=claims)
    token.make_signed_token(key)
    return token.serialize()


def mint_access_token(
    *,
    subject: str,
    client_id: str,
    scope: str,
    family_id: uuid.UUID,
    generation: int,
    expires_in: int,
) -> str:
    now = int(time.time())
    return sign(
        {
            "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
            "sub": subject,
            "aud": client_id,
            "client_id": client_id,
            "iat": now,
            "exp": now + int(expires_in),
            "jti": uuid.uuid4().hex,
            "scope": scope,
            "fam": family_id.hex,
            "gen": generation,
        }
    )


def verified_claims(token: str) -> dict | None:
    """The claims of an access token this installation signed, issued by it and not expired;
    None for anything else (a foreign, forged, expired or malformed token). Which kind of token
    it is (a client's for userinfo, a service account's for the API) the caller checks."""
    if not token or len(token) > 4096 or token.count(".") != 2:
        return None
    try:
        signed = jws.JWS()
        signed.deserialize(token)
        header = signed.jose_header
        if not isinstance(header, dict) or header.get("typ") != ACCESS_TOKEN_TYPE:
            return None
        key = next((k for k in published_keys() if k[2] == header.get("kid")), None)
        if key is None or header.get("alg") != key[1]:
            return None
        signed.verify(key[0], alg=key[1])
        claims = json.loads(signed.payload)
    except (JWException, ValueError, TypeError):
        return None
    if not isinstance(claims, dict):
        return None
    now = time.time()
    try:
        if int(claims["exp"]) <= now or int(claims["iat"]) > now + _LEEWAY:
            return None
    except (KeyError, ValueError, TypeError):
        return None
    if claims.get("iss") != oauth2_settings.OIDC_ISS_ENDPOINT:
        return None
    return claims


def read_access_token(token: str) -> dict | None:
    """The claims of a client's access token (one that names its token family); None for
    anything else, a service account's API token included."""
    claims = verified_claims(token)
    if claims is None:
        return None
    try:
        claims["fam"] = uuid.UUID(hex=str(claims["fam"]))
        claims["gen"] = int(claims["gen"])
    except (KeyError, ValueError, TypeError):
        return None
    return claims


# --- Refresh tokens ---------------------------------------------------------------------------


def account_key(user_id: int) -> Any:
    """The account as far as the gate and the cached claims need it: its key, no query (the
    family's statement has checked that it may act)."""
    return get_user_model()(pk=user_id)


def new_refresh_token(family_id: uuid.UUID) -> str:
    return f"{family_id.hex}.{secrets.token_urlsafe(32)}"


def family_of_refresh_token(token: str) -> uuid.UUID | None:
    """The family a refresh token names; None if it is not one of ours."""
    if not token or len(token) > 200:
        return None
    family, _dot, rest = token.partition(".")
    if len(family) != 32 or not rest:
        return None
    try:
        return uuid.UUID(hex=family)
    except ValueError:
        return None


# --- django-oauth-toolkit's generators (settings OAUTH2_PROVIDER) -----------------------------


def family_id_for(request: Any) -> uuid.UUID:
    """The family of the token request: the refreshed one, or a new one for a code exchange."""
    family_id = getattr(request, "mk_family_id", None)
    if family_id is None:
        family_id = request.mk_family_id = uuid.uuid4()
        request.mk_generation = 1
    return family_id


def access_token_generator(request: Any) -> str:
    family_id = family_id_for(request)
    return mint_access_token(
        subject=request.mk_subject,
        client_id=request.client.client_id,
        scope=" ".join(request.scopes or []),
        family_id=family_id,
        generation=request.mk_generation,
        expires_in=int(getattr(request, "expires_in", None) or settings.ACCESS_TOKEN_SECONDS),
    )


def refresh_token_generator(request: Any) -> str:
    ready = getattr(request, "mk_next_refresh_token", None)  # sso.refresh rotated to it
    if ready:
        return ready
    token = new_refresh_token(family_id_for(request))
    request.mk_next_refresh_token = token
    return token
