"""What connected applications hold for an account, and how it ends.

DESIGN.md: removing a role or a membership, locking or erasing an account takes effect at the
next refresh at the latest; refresh and introspection refuse revoked grants at once. The use
cases that end those things call `revoke_tokens` as one of their steps, in their transaction.
"""

from typing import Any

from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from .models import OAuthClient

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


def revoke_family(token_family: Any, access_token_id: int | None = None) -> None:
    """Refresh-token reuse: the whole rotation chain ends (RFC 9700)."""
    if token_family:
        RefreshToken.revoke_family(token_family)
    if access_token_id:
        AccessToken.objects.filter(pk=access_token_id).delete()


def revoke_application_tokens(application: Any) -> int:
    """Every token of every client of the connected application ends (it is deactivated)."""
    clients = OAuthClient.objects.filter(connected_application=application)
    count = RefreshToken.objects.filter(application__in=clients, revoked__isnull=True).update(
        revoked=timezone.now()
    )
    AccessToken.objects.filter(application__in=clients).delete()
    return count


def revoke_tokens(user: Any, *, application: Any = None, clients: Any = None) -> int:
    """End what the user's applications hold: refresh tokens revoked, access tokens deleted
    (introspection answers inactive at once, the next refresh is refused).

    `application` limits it to the clients of one connected application (a role of it was
    taken away), `clients` to the given clients; neither means every client.
    """
    refresh = RefreshToken.objects.filter(user=user, revoked__isnull=True)
    access = AccessToken.objects.filter(user=user)
    if application is not None:
        clients = OAuthClient.objects.filter(connected_application=application)
    if clients is not None:
        refresh = refresh.filter(application__in=clients)
        access = access.filter(application__in=clients)
    count = refresh.update(revoked=timezone.now())
    access.delete()
    return count
