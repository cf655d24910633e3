"""Access tokens at userinfo and introspection (the lean token path, sso/tokens.py): the JWT is
verified without the database, then one statement asks whether its family is live, at the
token's generation, with an account that may act, and brings the claims cached for it.

The claims are computed once per change (`applications.token_store.forget_claims`, called for
every audit event about the account or its companies) and at the latest every
`CLAIMS_CACHE_SECONDS`, not per request.
"""

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from meinekammer.applications import token_store
from meinekammer.applications.client_cache import get_client

from . import tokens


def claims_max_age() -> int:
    return int(getattr(settings, "CLAIMS_CACHE_SECONDS", 300))


def live_token(token: str) -> tuple[dict, token_store.LiveFamily] | None:
    """An access token's claims and its live family, or None if it opens nothing."""
    claims = tokens.read_access_token(token)
    if claims is None:
        return None
    family = token_store.live_family(claims["fam"], claims["gen"], claims_max_age=claims_max_age())
    if family is None:
        return None
    return claims, family


def _account_with_email_state(user_id: int) -> Any:
    """The whole account, and whether its address is confirmed (`email_verified`), in one
    statement: only when the cached claims are computed anew."""
    account = (
        get_user_model()
        .objects.annotate(
            mk_email_verified=Exists(
                EmailAddress.objects.filter(
                    user_id=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
                )
            )
        )
        .filter(pk=user_id)
        .first()
    )
    return account


if TYPE_CHECKING:  # the mixin refines DOT's validator; mypy checks its super() calls
    from oauth2_provider.oauth2_validators import OAuth2Validator as _Base
else:
    _Base = object


class BearerTokenMixin(_Base):
    """Part of `sso.validator.Validator`."""

    def validate_bearer_token(self, token, scopes, request):
        found = live_token(token) if token else None
        client = get_client(str(found[0].get("client_id", ""))) if found else None
        if found is None or client is None or client.pk != found[1].client_id:
            request.oauth2_error = OrderedDict(
                [("error", "invalid_token"), ("error_description", "The access token is invalid.")]
            )
            return False
        claims, family = found
        granted = family.scope.split()
        if not set(scopes or []) <= set(granted):
            request.oauth2_error = OrderedDict([("error", "insufficient_scope")])
            return False
        request.client = client
        request.scopes = granted
        request.access_token = claims
        request.mk_family_id = family.id
        if family.claims is not None:
            request.user = tokens.account_key(family.user_id)
            request.mk_claims = family.claims
        else:
            account = _account_with_email_state(family.user_id)
            if account is None:
                return False
            request.user = account
            request.mk_keep_claims = True
        return True
