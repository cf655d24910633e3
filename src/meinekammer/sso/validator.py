"""django-oauth-toolkit's validator with meinekammer's protocol rules (OAUTH2_VALIDATOR_CLASS).

One concern per module, composed here:
- `sso.codes`: the authorization code read once, locked, single use (a code used twice revokes
  what its first use produced);
- `sso.refresh`: refresh tokens rotated one at a time, per-client lifetimes, and the account and
  its access checked at every refresh;
- `sso.bearer`: bearer tokens at userinfo and introspection;
- here: the claims (`sso.claims`), no default redirect URI, prompt=none, the client loaded with
  its application, and the access token that reuses the ID token just signed.

The private DOT methods overridden are described in
docs/decisions/0004-django-oauth-toolkit-overrides.md.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from oauth2_provider.models import get_access_token_model, get_id_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator

from meinekammer.accounts.rules import may_act
from meinekammer.applications.models import OAuthClient
from meinekammer.applications.services.consents import consent_needed

from . import authentication
from .bearer import BearerTokenMixin
from .claims import COMPANIES_SCOPE, DISCOVERY_CLAIMS, claims_for
from .codes import AuthorizationCodeMixin
from .refresh import RefreshMixin

AccessToken = get_access_token_model()
IDToken = get_id_token_model()

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
        return claims_for(request.user, request.client, request.scopes, request)

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

    def _load_application(self, client_id, request):
        # The client together with its connected application, which the access check and the
        # claims need on every token request; django-oauth-toolkit reuses request.client.
        if not client_id or "\x00" in client_id:
            # No client has such an id; PostgreSQL would refuse the query (a 500, or a broken
            # transaction in the token endpoint).
            return None
        if not request.client:
            request.client = (
                OAuthClient.objects.select_related("connected_application")
                .filter(client_id=client_id)
                .first()
            )
        return super()._load_application(client_id, request)

    # --- The access token of a code exchange or refresh -----------------------------------

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        id_token = getattr(request, "id_token", None)
        if token.get("id_token") and isinstance(id_token, IDToken):
            # The ID token finalize_id_token() signed and saved a moment ago in this request;
            # the parent would verify the JWT again and load the client and the row anew.
            access_token = AccessToken(
                user=request.user,
                scope=token["scope"],
                expires=expires,
                id_token=id_token,
                application=request.client,
                source_refresh_token=source_refresh_token,
                resource=getattr(request, "resource", []),
            )
            self._set_token_value(access_token, token["access_token"])
            access_token.save()
        else:
            access_token = super()._create_access_token(
                expires, request, token, source_refresh_token
            )
        request.mk_access_token_id = access_token.pk
        return access_token
