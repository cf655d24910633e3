"""What connected applications hold for an account, and how it ends.

DESIGN.md: removing a role or a membership, locking or erasing an account takes effect at the
next refresh at the latest; refresh, userinfo and introspection refuse revoked grants at once.
The use cases that end those things call `revoke_tokens` as one of their steps, in their
transaction. What a client holds is a token family (applications/token_store.py): ending it
ends its refresh token and every access token minted from it.
"""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)
from oauth2_provider.settings import oauth2_settings

from . import token_store
from .backchannel import ACCESS_ENDED, queue_logouts
from .models import AppRole, GrantAuthentication, OAuthClient, RoleAssignment, UsedCode

# django-oauth-toolkit's token tables are no longer written (the lean token path); rows from
# before it are only purged.
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()
IDToken = get_id_token_model()


def revoke_family(token_family: Any) -> None:
    """Refresh-token or code reuse: the whole rotation chain ends (RFC 9700)."""
    if token_family:
        token_store.revoke(token_store.families(family_id=token_family))


def revoke_application_tokens(application: Any) -> int:
    """Every token of every client of the connected application ends (it is deactivated)."""
    clients = OAuthClient.objects.filter(connected_application=application)
    live = token_store.families(clients=clients)
    queue_logouts(live, reason=ACCESS_ENDED)
    return token_store.revoke(live)


def revoke_tokens(user: Any, *, application: Any = None, clients: Any = None) -> int:
    """End what the user's applications hold: their token families end, so the next refresh
    is refused and userinfo and introspection answer inactive at once.

    `application` limits it to the clients of one connected application (a role of it was
    taken away), `clients` to the given clients; neither means every client.
    """
    if application is not None:
        clients = OAuthClient.objects.filter(connected_application=application)
    live = token_store.families(user=user, clients=clients)
    if application is None or (application.requires_role and not _has_role(user, application)):
        # The account can no longer use the application: its session there ends too.
        queue_logouts(live, reason=ACCESS_ENDED)
    return token_store.revoke(live)


def _has_role(user: Any, application: Any) -> bool:
    return RoleAssignment.objects.filter(
        membership__user=user, role__application=application, role__in=AppRole.objects.assignable()
    ).exists()


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
    - token families expired or revoked more than the settling time ago: nothing accepts their
      tokens any more (a revoked family's replayed token finds the family revoked; once the
      family is gone it finds nothing, which refuses it too);
    - ID tokens past their expiry (kept until then for RP-initiated logout's id_token_hint);
    - rows of django-oauth-toolkit's token tables from before the lean token path, once
      past the refresh lifetime;
    - the records of exchanged codes (`UsedCode`) as old as that;
    - how a login was authenticated (`GrantAuthentication`) for codes, once settled: the
      family keeps its own copy.
    Idempotent; safe to run on two hosts at once (plain deletes of rows nobody can use).
    """
    now = now or timezone.now()
    settled = now - _SETTLE
    too_old = now - _refresh_lifetime()
    counts = {
        "codes": Grant.objects.filter(expires__lt=now).delete()[0],
        "token_families": token_store.ended(before=settled).delete()[0],
        "refresh_tokens": RefreshToken.objects.filter(created__lt=too_old).delete()[0],
    }
    counts["access_tokens"] = AccessToken.objects.filter(
        expires__lt=now, refresh_token__isnull=True
    ).delete()[0]
    counts["id_tokens"] = IDToken.objects.filter(
        expires__lt=now, access_token__isnull=True
    ).delete()[0]
    counts["used_codes"] = UsedCode.objects.filter(used_at__lt=too_old).delete()[0]
    counts["sign_ins"] = GrantAuthentication.objects.filter(created__lt=settled).delete()[0]
    return counts
