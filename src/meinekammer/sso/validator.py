"""django-oauth-toolkit's validator with meinekammer's protocol rules (OAUTH2_VALIDATOR_CLASS).

One concern per module, composed here:
- `sso.codes`: the authorization code read once, locked, single use (a code used twice revokes
  what its first use produced);
- `sso.refresh`: refresh tokens rotated one at a time, per-client lifetimes, and the account and
  its access checked at every refresh;
- `sso.bearer`: bearer tokens at userinfo and introspection;
- here: the claims (`sso.claims`, cached per token family for userinfo), no default redirect
  URI, prompt=none, and the client from the shared cache with its application.

Tokens are not stored in django-oauth-toolkit's tables: access tokens are signed JWTs and a
code exchange's refresh-token chain is one row (docs/decisions/0006-lean-token-store.md).

The private DOT methods overridden are described in
docs/decisions/0004-django-oauth-toolkit-overrides.md.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from meinekammer.accounts.rules import may_act
from meinekammer.applications import token_store
from meinekammer.applications.client_cache import get_client
from meinekammer.applications.services.consents import consent_needed
from meinekammer.applications.token_store import keep_claims

from . import authentication, tokens
from .bearer import BearerTokenMixin
from .claims import COMPANIES_SCOPE, DISCOVERY_CLAIMS, claims_for
from .codes import AuthorizationCodeMixin
from .refresh import RefreshMixin

# The account of the browser's session at the authorization endpoint. oauthlib builds its own
# request from the URL and headers, without the user, and asks the prompt=none questions while
# it validates; the authorization view names the account for that time (`session_user`).
_session_user: ContextVar[Any] = ContextVar("meinekammer_sso_session_user", default=None)


@contextmanager
def session_user(user: Any) -> Iterator[None]:
    token = _session_user.set(user)
    try:
        yield
    finally:
        _session_user.reset(token)


def _user_of(request) -> Any:
    return getattr(request, "user", None) or _session_user.get()


class Validator(AuthorizationCodeMixin, RefreshMixin, BearerTokenMixin, OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "companies": COMPANIES_SCOPE}

    def get_claim_dict(self, request):
        cached = getattr(request, "mk_claims", None)  # userinfo: cached with the family
        if cached is not None:
            return cached
        claims = claims_for(request.user, request.client, request.scopes, request)
        if getattr(request, "mk_keep_claims", False):
            keep_claims(request.mk_family_id, claims)
        return claims

    def get_discovery_claims(self, request):
        return list(DISCOVERY_CLAIMS)

    def get_id_token_dictionary(self, token, token_handler, request):
        # How the user logged in (sso/authentication.py), captured at the authorization step
        # and kept with the grant and its token family; DOT's auth_time is the account's
        # last_login, which a later login elsewhere moves.
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        sign_in = getattr(request, "mk_sign_in", None)
        if isinstance(sign_in, authentication.SignIn):
            if sign_in.amr:
                claims["amr"] = list(sign_in.amr)
            claims["acr"] = sign_in.acr
            if sign_in.auth_time is not None:
                claims["auth_time"] = int(sign_in.auth_time.timestamp())
        return claims, expiration_time

    # --- redirect_uri is required ---------------------------------------------------------------

    def get_default_redirect_uri(self, client_id, request, *args, **kwargs):
        # OpenID Connect Core 3.1.2.1: the authorization request must name its redirect URI;
        # there is no default (DOT's is the client's only registered URI). With none, oauthlib
        # refuses the authorization request without redirecting (MissingRedirectURIError, the
        # error page) and the token request with `invalid_request`.
        return None

    # --- prompt=none ---------------------------------------------------------------------------

    def validate_silent_login(self, request):
        return may_act(_user_of(request))

    def validate_silent_authorization(self, request):
        user = _user_of(request)
        return user is not None and not consent_needed(user, request.client, request.scopes)

    # --- Fewer queries per token request (bench/README.md) -------------------------------------
    # The lean token path's storage: sso.refresh (refresh tokens, the family of a code
    # exchange), sso.bearer (access tokens at userinfo and introspection), sso.tokens (minting).

    def _load_application(self, client_id, request):
        # The client together with its connected application, which the access check and the
        # claims need on every token request; django-oauth-toolkit reuses request.client.
        if not client_id or "\x00" in client_id:
            # No client has such an id; PostgreSQL would refuse the query (a 500, or a broken
            # transaction in the token endpoint).
            return None
        if not request.client:
            request.client = get_client(client_id)
        return super()._load_application(client_id, request)

    # --- The revocation endpoint (RFC 7009) -------------------------------------------------

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
        # An access or a refresh token ends its whole family (RFC 7009 2.1: revoking a refresh
        # token ends the access tokens of the grant; revoking an access token here ends the
        # grant too, as django-oauth-toolkit did). Only a token issued to the calling client;
        # any other is treated like an unknown one (the endpoint answers 200 either way).
        client = getattr(request, "client", None)
        if client is None or getattr(client, "pk", None) is None or not token:
            return
        family_id = tokens.family_of_refresh_token(token)
        if family_id is None:
            claims = tokens.read_access_token(token)
            family_id = claims["fam"] if claims is not None else None
        if family_id is not None:
            token_store.revoke(token_store.families(family_id=family_id, clients=[client]))
