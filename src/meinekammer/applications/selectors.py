"""Reads for pages: what an account has granted to connected applications."""

from typing import Any

from django.db.models import QuerySet
from oauth2_provider.models import get_refresh_token_model

from .models import OAuthClient

RefreshToken = get_refresh_token_model()


def granted_clients(user: Any) -> QuerySet[OAuthClient]:
    """Applications with the user's consent or with a live session (refresh token)."""
    live = RefreshToken.objects.filter(user=user, revoked__isnull=True)
    return (
        OAuthClient.objects.filter(pk__in=live.values("application_id"))
        .union(OAuthClient.objects.filter(consents__user=user))
        .order_by("name")
    )
