"""OpenID Connect for connected applications (DESIGN.md "OpenID Connect contract").

django-oauth-toolkit does the protocol; this module adds what meinekammer promises on top:
an opaque `sub`, the `companies` claim for the requesting client only, refusal of a code used
twice (which also revokes what the first use produced), per-client refresh lifetimes, and the
revocation of tokens when roles, memberships or accounts end.
"""

import hashlib
from datetime import timedelta

from django.db.models import Prefetch
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator

from meinekammer.companies.models import Membership

from .models import Consent, OAuthClient, RoleAssignment, UsedCode

# Companies whose members use their applications: a company being deleted keeps working
# until its date (manual ch. 7).
WORKING_STATES = ["active", "deletion_requested", "deletion_scheduled"]


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def companies_for(user, client: OAuthClient) -> list[dict]:
    """The `companies` claim: the user's working companies with their roles of this client."""
    memberships = (
        Membership.objects.filter(user=user, company__state__in=WORKING_STATES)
        .select_related("company", "company__chamber")
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.filter(
                    role__application_id=client.connected_application_id,
                    role__is_active=True,
                    role__application__is_active=True,
                ).select_related("role"),
                to_attr="client_roles",
            )
        )
        .order_by("company__name")
    )
    return [
        {
            "id": str(membership.company.pk),
            "name": membership.company.name,
            "chamber_number": membership.company.chamber.number,
            "member_number": membership.company.member_number,
            "roles": sorted(a.role.key for a in membership.client_roles),
        }
        for membership in memberships
        if membership.client_roles
    ]


def has_access(user, client: OAuthClient) -> bool:
    """DESIGN.md's rule: no role for an application that requires one, no use of it."""
    application = client.connected_application
    if not application.is_active:
        return False
    if not application.requires_role:
        return True
    return RoleAssignment.objects.filter(
        membership__user=user,
        membership__company__state__in=WORKING_STATES,
        role__application=application,
        role__is_active=True,
    ).exists()


class Validator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "companies": "companies"}

    def get_claim_dict(self, request):
        user = request.user
        claims = {
            "sub": str(user.subject),
            "email": user.email,
            "email_verified": user.emailaddress_set.filter(
                email__iexact=user.email, verified=True
            ).exists(),
            "name": user.get_full_name(),
            "given_name": user.first_name,
            "family_name": user.last_name,
            "locale": user.language,
        }
        if "companies" in (request.scopes or []):
            claims["companies"] = companies_for(user, request.client)
        return claims

    def get_discovery_claims(self, request):
        return [
            "sub",
            "email",
            "email_verified",
            "name",
            "given_name",
            "family_name",
            "locale",
            "companies",
        ]

    # --- prompt=none ---------------------------------------------------------------------------

    def validate_silent_login(self, request):
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated and not user.is_locked)

    def validate_silent_authorization(self, request):
        client = request.client
        if client.first_party:
            return True
        consent = Consent.objects.filter(user=request.user, client=client).first()
        return consent is not None and consent.covers(request.scopes or [])

    # --- A code used twice ----------------------------------------------------------------------

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        access_token = super()._create_access_token(expires, request, token, source_refresh_token)
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
        super().invalidate_authorization_code(client_id, code, request, *args, **kwargs)
        UsedCode.objects.create(
            code_digest=_digest(code),
            client=request.client,
            token_family=getattr(request, "mk_token_family", None),
            access_token_id=getattr(request, "mk_access_token_id", None),
        )

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if super().validate_code(client_id, code, client, request, *args, **kwargs):
            return bool(request.user.is_active and not request.user.is_locked)
        used = UsedCode.objects.filter(code_digest=_digest(code), client=client).first()
        if used is not None:
            revoke_family(used.token_family, used.access_token_id)
        return False

    # --- Refresh: per-client lifetime, and the account and the role still there -------------

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        user = request.user
        if not user.is_active or user.is_locked or user.deleted_at is not None:
            return False
        if not has_access(user, client):
            return False
        lifetime = getattr(client, "refresh_token_seconds", None)
        instance = getattr(request, "refresh_token_instance", None)
        expired = bool(
            lifetime
            and instance is not None
            and instance.created + timedelta(seconds=lifetime) <= timezone.now()
        )
        return not expired

    def validate_bearer_token(self, token, scopes, request):
        if not super().validate_bearer_token(token, scopes, request):
            return False
        user = request.user
        return bool(user and user.is_active and not user.is_locked)


def revoke_family(token_family, access_token_id=None) -> None:
    RefreshToken = get_refresh_token_model()
    AccessToken = get_access_token_model()
    if token_family:
        RefreshToken.revoke_family(token_family)
    if access_token_id:
        AccessToken.objects.filter(pk=access_token_id).delete()


def revoke_tokens(user, clients=None) -> int:
    """End what the user's applications hold: refresh tokens revoked, access tokens deleted
    (introspection answers inactive at once, the next refresh is refused)."""
    RefreshToken = get_refresh_token_model()
    AccessToken = get_access_token_model()
    refresh = RefreshToken.objects.filter(user=user, revoked__isnull=True)
    access = AccessToken.objects.filter(user=user)
    if clients is not None:
        refresh = refresh.filter(application__in=clients)
        access = access.filter(application__in=clients)
    count = refresh.update(revoked=timezone.now())
    access.delete()
    return count
