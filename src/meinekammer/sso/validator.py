"""django-oauth-toolkit's validator with meinekammer's protocol rules (OAUTH2_VALIDATOR_CLASS).

On top of DOT: refusal of a code used twice (which also revokes what the first use produced),
per-client refresh lifetimes, the access rule (`gate.has_access`) and the "may act" rule of the
account at every refresh, code exchange, bearer-token use and prompt=none, and fewer queries per
token request (bench/README.md). The private DOT methods overridden here are described in
docs/decisions/0004-django-oauth-toolkit-overrides.md.
"""

import hashlib
import json
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)
from oauth2_provider.oauth2_validators import OAuth2Validator

from meinekammer.accounts.rules import may_act
from meinekammer.applications.grants import revoke_family
from meinekammer.applications.models import OAuthClient, UsedCode
from meinekammer.applications.services.consents import consent_needed

from .claims import COMPANIES_SCOPE, DISCOVERY_CLAIMS, claims_for
from .gate import has_access

AccessToken = get_access_token_model()
IDToken = get_id_token_model()
Grant = get_grant_model()
RefreshToken = get_refresh_token_model()


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class Validator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "companies": COMPANIES_SCOPE}

    def get_claim_dict(self, request):
        return claims_for(request.user, request.client, request.scopes, request)

    def get_discovery_claims(self, request):
        return list(DISCOVERY_CLAIMS)

    # --- prompt=none ---------------------------------------------------------------------------

    def validate_silent_login(self, request):
        return may_act(getattr(request, "user", None))

    def validate_silent_authorization(self, request):
        return not consent_needed(request.user, request.client, request.scopes)

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

    # --- A code used twice ----------------------------------------------------------------------

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

    def _create_refresh_token(
        self, request, refresh_token_code, access_token, previous_refresh_token
    ):
        refresh_token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous_refresh_token
        )
        request.mk_token_family = refresh_token.token_family
        return refresh_token

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        request.mk_grant = None
        super().invalidate_authorization_code(client_id, code, request, *args, **kwargs)
        UsedCode.objects.create(
            code_digest=_digest(code),
            client=request.client,
            token_family=getattr(request, "mk_token_family", None),
            access_token_id=getattr(request, "mk_access_token_id", None),
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
            return may_act(request.user)
        used = UsedCode.objects.filter(code_digest=_digest(code), client=client).first()
        if used is not None:
            revoke_family(used.token_family, used.access_token_id)
        return False

    # --- Refresh: per-client lifetime, and the account and the role still there -------------

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
        return not expired

    # --- Bearer tokens (userinfo, introspection) -------------------------------------------------

    def _load_access_token(self, token):
        # The parent's query, and whether the account's address is confirmed (the
        # `email_verified` claim of userinfo) in the same statement.
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
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
            .filter(token_checksum=checksum)
            .first()
        )
        if access_token is not None and access_token.user is not None:
            access_token.user.mk_email_verified = access_token.mk_email_verified
        return access_token

    def validate_bearer_token(self, token, scopes, request):
        if not super().validate_bearer_token(token, scopes, request):
            return False
        return may_act(request.user)
