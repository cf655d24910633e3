"""Refresh tokens on the lean token path (sso/tokens.py, applications/token_store.py): the
family of the code exchange stored in one row, rotation as a compare-and-set with reuse
protection, the client's own lifetime, and the account and its access checked at every refresh.

A refresh reads the family, asks the gate for the roles, and rotates: three statements. A token
that is not the family's current one — replayed, or sent twice at once so that the other request
rotated first — ends the whole family (RFC 9700 4.14.2), as django-oauth-toolkit's reuse
protection did.
"""

import datetime as dt
import hmac
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from oauthlib.oauth2.rfc6749.errors import FatalClientError, InvalidScopeError

from meinekammer.applications import token_store

from . import authentication, tokens
from .gate import has_access

if TYPE_CHECKING:  # the mixin refines DOT's validator; mypy checks its super() calls
    from oauth2_provider.oauth2_validators import OAuth2Validator as _Base
else:
    _Base = object


def lifetime_for(client: Any) -> dt.timedelta:
    """How long a refresh token of this client lives from its issue: the client's own lifetime
    (`OAuthClient.refresh_token_seconds`, at most the installation's), else the installation's."""
    seconds = getattr(client, "refresh_token_seconds", None) or settings.REFRESH_TOKEN_SECONDS
    return dt.timedelta(seconds=min(int(seconds), int(settings.REFRESH_TOKEN_SECONDS)))


class RefreshMixin(_Base):
    """Part of `sso.validator.Validator`."""

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        family_id = tokens.family_of_refresh_token(refresh_token)
        if family_id is None:
            return False
        family = token_store.load_family(family_id)
        if family is None or family.client_id != client.pk or family.revoked is not None:
            return False
        presented = tokens.digest(refresh_token)
        if not hmac.compare_digest(family.refresh_digest, presented):
            # Not the family's current token: an old one replayed, or the same one used twice
            # (the other use rotated first). Reuse protection ends the family.
            token_store.revoke(token_store.families(family_id=family.pk))
            return False
        if family.expires <= timezone.now():
            return False
        asked = (request.scope or "").split()
        if asked and not set(asked) <= set(family.scope.split()):
            # oauthlib would refuse it after this method, when the token has rotated already.
            raise InvalidScopeError(request=request)
        user = tokens.account_key(family.user_id)  # the whole account only for an ID token
        if not has_access(user, client, request):
            return False
        next_token = tokens.new_refresh_token(family.pk)
        if not token_store.rotate(
            family,
            presented_digest=presented,
            next_digest=tokens.digest(next_token),
            lifetime=lifetime_for(client),
        ):
            # Rotated meanwhile by a concurrent request with the same token, revoked, or the
            # account may no longer act: the family ends.
            token_store.revoke(token_store.families(family_id=family.pk))
            return False
        request.user = user
        request.refresh_token = refresh_token
        request.mk_family = family
        request.mk_family_id = family.pk
        request.mk_generation = family.generation
        request.mk_subject = family.subject
        request.mk_next_refresh_token = next_token
        # A refreshed ID token tells the original login's amr, acr and auth_time.
        request.mk_sign_in = authentication.SignIn(
            amr=tuple(family.amr or ()), acr=family.acr, auth_time=family.auth_time
        )
        return True

    def get_original_scopes(self, refresh_token, request, *args, **kwargs):
        family = getattr(request, "mk_family", None)
        return family.scope.split() if family is not None else []

    def refresh_id_token(self, request):
        # OpenID Connect Core 12.2: the refresh response MAY carry a new ID token. It does when
        # the client asks for the `openid` scope in the refresh request (Authlib does); a
        # refresh without `scope` gets new access and refresh tokens only.
        if "openid" not in (request.scope or "").split():
            return False
        # The ID token's claims need the whole account.
        account = get_user_model().objects.filter(pk=request.user.pk).first()
        if account is None:
            return False
        request.user = account
        return True

    def save_bearer_token(self, token, request, *args, **kwargs):
        if "scope" not in token:
            raise FatalClientError("Failed to renew access token: missing scope")
        if request.grant_type == "refresh_token":
            return  # rotated in validate_refresh_token; the access token is self-contained
        if request.grant_type != "authorization_code" or not token.get("refresh_token"):
            raise FatalClientError("Unsupported grant for the token store")
        sign_in = getattr(request, "mk_sign_in", None)
        id_token = getattr(request, "id_token", None)
        token_store.start_family(
            family_id=request.mk_family_id,
            client=request.client,
            user=request.user,
            scope=token["scope"],
            refresh_digest=tokens.digest(token["refresh_token"]),
            lifetime=lifetime_for(request.client),
            amr=sign_in.amr if isinstance(sign_in, authentication.SignIn) else (),
            acr=sign_in.acr if isinstance(sign_in, authentication.SignIn) else "",
            auth_time=sign_in.auth_time if isinstance(sign_in, authentication.SignIn) else None,
            id_token_jti=getattr(id_token, "jti", None),
        )
        request.mk_token_family = request.mk_family_id
