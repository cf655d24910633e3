"""Refresh tokens on the lean token path (sso/tokens.py, applications/token_store.py): the
family of the code exchange stored in one row, rotation as a compare-and-set with reuse
protection, the client's own lifetime, and the account and its access checked at every refresh.

A refresh is one statement: the rotation, with the account's and the access rule's conditions in
it (`applications.token_store.rotate`). A token that is not the family's current one —
replayed, or sent twice at once so that the other request rotated first — ends the whole family
(RFC 9700 4.14.2), as django-oauth-toolkit's reuse protection did.
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
from .gate import has_access, role_holders_sql

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
        application = client.connected_application
        if not application.is_active:
            return False  # the gate's first rule (sso.gate.has_access)
        presented = tokens.digest(refresh_token)
        asked = (request.scope or "").split()
        if asked:
            # oauthlib would refuse a wider scope after this method, when the token has rotated
            # already: the family is read first (a second statement, for these requests only).
            family = token_store.load_family(family_id)
            if not self._current(family, client, presented):
                return False
            if not set(asked) <= set(family.scope.split()):  # type: ignore[union-attr]
                raise InvalidScopeError(request=request)
        next_token = tokens.new_refresh_token(family_id)
        rotated = token_store.rotate(
            family_id=family_id,
            client_id=client.pk,
            presented_digest=presented,
            next_digest=tokens.digest(next_token),
            lifetime=lifetime_for(client),
            role_holders=role_holders_sql() if application.requires_role else None,
            application_id=application.pk,
        )
        if rotated is None:
            self._refused(family_id, client, presented, request)
            return False
        request.user = tokens.account_key(rotated.user_id)  # the whole account only for an ID token
        request.refresh_token = refresh_token
        request.mk_family = rotated
        request.mk_family_id = rotated.id
        request.mk_generation = rotated.generation
        request.mk_subject = rotated.subject
        request.mk_next_refresh_token = next_token
        # A refreshed ID token tells the original login's amr, acr and auth_time.
        request.mk_sign_in = authentication.SignIn(
            amr=tuple(rotated.amr), acr=rotated.acr, auth_time=rotated.auth_time
        )
        return True

    @staticmethod
    def _current(family: Any, client: Any, presented: str) -> bool:
        """Whether the presented token is the live family's current one. A token of the family
        that is not its current one — an old one replayed, or the same one used twice, so that
        the other use rotated first — ends the family (reuse protection)."""
        if family is None or family.client_id != client.pk or family.revoked is not None:
            return False
        if not hmac.compare_digest(family.refresh_digest, presented):
            token_store.revoke(token_store.families(family_id=family.pk))
            return False
        return family.expires > timezone.now()

    def _refused(self, family_id: Any, client: Any, presented: str, request: Any) -> None:
        """After a rotation that did not happen: why, and whether the family ends. Refused
        without ending it: an unknown, foreign, revoked or expired family, and an account
        without a role of the application (as at the authorization endpoint). Ended: a token
        that is not the current one, and an account that may no longer act."""
        family = token_store.load_family(family_id)
        if not self._current(family, client, presented):
            return
        assert family is not None
        if not has_access(tokens.account_key(family.user_id), client, request):
            return
        token_store.revoke(token_store.families(family_id=family.pk))

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
