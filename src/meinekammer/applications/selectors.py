"""Reads for pages: what an account has granted to connected applications."""

from typing import Any

from django.db.models import QuerySet

from . import token_store
from .models import OAuthClient


def granted_clients(user: Any) -> QuerySet[OAuthClient]:
    """Applications with the user's consent or with a live session (a token family)."""
    return (
        OAuthClient.objects.filter(pk__in=token_store.live_client_ids(user))
        .union(OAuthClient.objects.filter(consents__user=user))
        .order_by("name")
    )
