"""Refresh tokens: rotation with reuse protection (django-oauth-toolkit), one at a time,
with the client's own lifetime, and only while the account may act and keeps its access."""

import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import get_refresh_token_model

from meinekammer.accounts.rules import may_act

from . import authentication
from .gate import has_access

RefreshToken = get_refresh_token_model()


if TYPE_CHECKING:  # the mixin refines DOT's validator; mypy checks its super() calls
    from oauth2_provider.oauth2_validators import OAuth2Validator as _Base
else:
    _Base = object


class RefreshMixin(_Base):
    """Part of `sso.validator.Validator`."""

    def _create_refresh_token(
        self, request, refresh_token_code, access_token, previous_refresh_token
    ):
        refresh_token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous_refresh_token
        )
        request.mk_token_family = refresh_token.token_family
        code_digest = getattr(request, "mk_code_digest", None)
        if code_digest is not None and previous_refresh_token is None:
            # A code exchange: the family's refreshes keep how the user logged in.
            authentication.keep_for_family(code_digest, refresh_token.token_family)
        return refresh_token

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        if transaction.get_connection().in_atomic_block:
            # The same refresh token sent twice at once: the second request waits until the
            # first has rotated it, then sees it revoked (reuse protection applies). Without
            # the lock, django-oauth-toolkit let both pass validation and answered the second
            # with its grace-period path, which under hashed token storage returns empty
            # strings as tokens.
            checksum = hashlib.sha256(refresh_token.encode("utf-8")).hexdigest()
            list(
                RefreshToken.objects.select_for_update()
                .filter(token_checksum=checksum)
                .values_list("pk", flat=True)
            )
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        user = request.user
        if not may_act(user):
            return False
        if not has_access(user, client, request):
            return False
        lifetime = getattr(client, "refresh_token_seconds", None)
        instance = getattr(request, "refresh_token_instance", None)
        expired = bool(
            lifetime
            and instance is not None
            and instance.created + timedelta(seconds=lifetime) <= timezone.now()
        )
        if expired:
            return False
        # The refreshed ID token tells the original login's amr, acr and auth_time.
        request.mk_sign_in = authentication.for_family(getattr(instance, "token_family", None))
        return True
