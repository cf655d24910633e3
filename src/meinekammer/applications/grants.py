"""What connected applications hold for an account, and how it ends.

DESIGN.md: removing a role or a membership, locking or erasing an account takes effect at the
next refresh at the latest; refresh and introspection refuse revoked grants at once. The use
cases that end those things call `revoke_tokens` as one of their steps, in their transaction.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)
from oauth2_provider.settings import oauth2_settings

from .models import GrantAuthentication, OAuthClient, UsedCode

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()
IDToken = get_id_token_model()


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


# --- What no longer opens anything is deleted (the hourly job purge-ended-grants) ------------

# In-flight code exchanges finish well within this; rows younger than it are never touched.
_SETTLE = timedelta(hours=1)


def _refresh_lifetime() -> timedelta:
    """django-oauth-toolkit refuses every refresh token older than this, whatever the client's
    own lifetime (`OAuthClient.refresh_token_seconds` can only shorten it)."""
    return timedelta(seconds=int(oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS or 0))


def purge_ended_grants(*, now: datetime | None = None) -> dict[str, int]:
    """Delete codes, tokens and their records that can no longer be used, and return how many.

    - codes (DOT's grants) past their expiry (60 seconds);
    - access tokens past their expiry that no refresh token points to, and the ID tokens of
      none (an ID token's deletion would take its access token along);
    - refresh tokens, revoked or not, older than the refresh lifetime: refresh refuses them,
      and a revoked one is kept that long so that its reuse still ends its family;
    - the records of exchanged codes (`UsedCode`) as old as that;
    - how a login was authenticated (`GrantAuthentication`) for a code never exchanged, or for
      a token family none of whose refresh tokens is left.
    Idempotent; safe to run on two hosts at once (plain deletes of rows nobody can use).
    """
    now = now or timezone.now()
    settled = now - _SETTLE
    too_old = now - _refresh_lifetime()
    counts = {
        "codes": Grant.objects.filter(expires__lt=now).delete()[0],
        "refresh_tokens": RefreshToken.objects.filter(created__lt=too_old).delete()[0],
    }
    counts["access_tokens"] = AccessToken.objects.filter(
        expires__lt=now, refresh_token__isnull=True
    ).delete()[0]
    counts["id_tokens"] = IDToken.objects.filter(
        expires__lt=now, access_token__isnull=True
    ).delete()[0]
    counts["used_codes"] = UsedCode.objects.filter(used_at__lt=too_old).delete()[0]
    live_families = RefreshToken.objects.filter(token_family__isnull=False).values("token_family")
    counts["sign_ins"] = (
        GrantAuthentication.objects.filter(created__lt=settled)
        .filter(Q(token_family__isnull=True) | ~Q(token_family__in=live_families))
        .delete()[0]
    )
    return counts
