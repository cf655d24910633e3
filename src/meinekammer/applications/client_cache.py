"""OAuth clients by `client_id`, from the shared cache: every token, userinfo and introspection
request names its client, and clients change rarely (docs/decisions/0006-lean-token-store.md).

A client is cached with its connected application for `CLIENT_CACHE_SECONDS` (60 by default);
saving or deleting the client or its application forgets it at once in the shared cache (Redis
in production). With a per-process cache (the demo without Redis) another process may use the
old copy until it expires.
"""

from django.conf import settings
from django.core.cache import cache

from .models import OAuthClient, client_cache_key

_MISSING = "-"
_key = client_cache_key


def get_client(client_id: str) -> OAuthClient | None:
    """The client (with its connected application), or None if there is none."""
    if not client_id or "\x00" in client_id or len(client_id) > 100:
        return None
    key = _key(client_id)
    cached = cache.get(key)
    if isinstance(cached, OAuthClient):
        return cached
    if cached == _MISSING:
        return None
    client = (
        OAuthClient.objects.select_related("connected_application")
        .filter(client_id=client_id)
        .first()
    )
    seconds = getattr(settings, "CLIENT_CACHE_SECONDS", 60)
    cache.set(key, client if client is not None else _MISSING, seconds)
    return client
