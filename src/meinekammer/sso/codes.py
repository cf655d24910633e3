"""The authorization code at the token endpoint: read once, locked, single use.

A code sent twice is refused, and what its first use produced is revoked (RFC 6749 4.1.2,
RFC 9700). django-oauth-toolkit reads the grant of a code once per check (redirect URI, each PKCE
value, the nonce); here it is read once per request, under a row lock when a transaction is open.
"""

import hashlib
import json
from typing import TYPE_CHECKING

from django.db import transaction
from oauth2_provider.models import get_grant_model

from meinekammer.accounts.rules import may_act
from meinekammer.applications.grants import revoke_family
from meinekammer.applications.models import UsedCode

from . import authentication

Grant = get_grant_model()


def digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


if TYPE_CHECKING:  # the mixin refines DOT's validator; mypy checks its super() calls
    from oauth2_provider.oauth2_validators import OAuth2Validator as _Base
else:
    _Base = object


class AuthorizationCodeMixin(_Base):
    """Part of `sso.validator.Validator`; the methods of DOT's OAuth2Validator it refines."""

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        # How the user logged in, captured from the session by the authorization view
        # (AuthorizationView.create_authorization_response puts it in the credentials).
        sign_in = getattr(request, "mk_sign_in", None)
        if isinstance(sign_in, authentication.SignIn):
            authentication.remember_for_code(digest(code["code"]), request.user, sign_in)

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        request.mk_grant = None
        super().invalidate_authorization_code(client_id, code, request, *args, **kwargs)
        UsedCode.objects.create(
            code_digest=digest(code),
            client=request.client,
            token_family=getattr(request, "mk_token_family", None),
        )

    # The grant of a code is read once per token request; django-oauth-toolkit reads it again
    # for the redirect URI, each PKCE value and the nonce (bench/README.md).

    def _mk_grant(self, code, client, request):
        if "\x00" in code:  # no such code; PostgreSQL would refuse the query
            return None
        memo = getattr(request, "mk_grant", None)
        if memo is not None and memo[0] == (code, client.pk):
            return memo[1]
        grants = Grant.objects.select_related("user").filter(code=code, application=client)
        if transaction.get_connection().in_atomic_block:
            # A code sent twice at once (a retry, two tabs): the second request waits here
            # until the first has issued its tokens and deleted the grant, then finds none
            # (and the code's reuse is handled below). Without the lock both issued tokens
            # and the loser's, committed with its error response, were orphans.
            grants = grants.select_for_update(of=("self",))
        grant = grants.first()
        request.mk_grant = ((code, client.pk), grant)
        return grant

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request=None, **kwargs):
        if request is None:
            return super().confirm_redirect_uri(client_id, code, redirect_uri, client, **kwargs)
        grant = self._mk_grant(code, client, request)
        return grant is not None and grant.redirect_uri_allowed(redirect_uri)

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request):
        if "\x00" in (code or ""):
            return []
        return super().get_authorization_code_scopes(client_id, code, redirect_uri, request)

    def get_code_challenge(self, code, request):
        grant = self._mk_grant(code, request.client, request)
        return (grant.code_challenge or None) if grant is not None else None

    def get_code_challenge_method(self, code, request):
        grant = self._mk_grant(code, request.client, request)
        return (grant.code_challenge_method or None) if grant is not None else None

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):
        if getattr(request, "client", None) is None:
            return super().get_authorization_code_nonce(client_id, code, redirect_uri, request)
        grant = self._mk_grant(code, request.client, request)
        return (grant.nonce or None) if grant is not None else None

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        # django-oauth-toolkit's check, on the grant read once.
        grant = self._mk_grant(code, client, request)
        if grant is not None and not grant.is_expired():
            request.scopes = grant.scope.split(" ")
            request.user = grant.user
            if grant.nonce:
                request.nonce = grant.nonce
            if grant.claims:
                request.claims = json.loads(grant.claims)
            request.mk_code_digest = digest(code)
            request.mk_sign_in = authentication.for_code(request.mk_code_digest)
            request.mk_subject = str(request.user.subject)
            return may_act(request.user)
        used = UsedCode.objects.filter(code_digest=digest(code), client=client).first()
        if used is not None:
            revoke_family(used.token_family)
        return False
