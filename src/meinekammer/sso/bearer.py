"""Bearer tokens at userinfo and introspection: one query for the token, its account and
whether the account's address is confirmed; refused once the account may no longer act. And the
client a presented token was issued to (who may introspect it: `OAuthClient.may_introspect`)."""

import hashlib
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef
from oauth2_provider.models import get_access_token_model

from meinekammer.accounts.rules import may_act
from meinekammer.applications.models import OAuthClient

AccessToken = get_access_token_model()


def checksum(token: str) -> str:
    """How django-oauth-toolkit finds a stored access token (RFC 9700 storage: no plain value)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def client_of_token(token: str) -> OAuthClient | None:
    """The client an access token was issued to; None if there is no such token."""
    access_token = (
        AccessToken.objects.select_related("application")
        .filter(token_checksum=checksum(token))
        .first()
    )
    return access_token.application if access_token is not None else None


if TYPE_CHECKING:  # the mixin refines DOT's validator; mypy checks its super() calls
    from oauth2_provider.oauth2_validators import OAuth2Validator as _Base
else:
    _Base = object


class BearerTokenMixin(_Base):
    """Part of `sso.validator.Validator`."""

    def _load_access_token(self, token):
        # The parent's query, and whether the account's address is confirmed (the
        # `email_verified` claim of userinfo) in the same statement.
        access_token = (
            AccessToken.objects.select_related("application", "user")
            .annotate(
                mk_email_verified=Exists(
                    EmailAddress.objects.filter(
                        user_id=OuterRef("user_id"),
                        email__iexact=OuterRef("user__email"),
                        verified=True,
                    )
                )
            )
            .filter(token_checksum=checksum(token))
            .first()
        )
        if access_token is not None and access_token.user is not None:
            access_token.user.mk_email_verified = access_token.mk_email_verified
        return access_token

    def validate_bearer_token(self, token, scopes, request):
        if not super().validate_bearer_token(token, scopes, request):
            return False
        return may_act(request.user)
