"""The token store of the single sign-on: one row per grant (`TokenFamily`), read and written in
as few statements as the hot endpoints allow (docs/decisions/0006-lean-token-store.md).

Every statement of the store is here, run through Django's connection (the query-count tests
see them). The endpoints' path:

| endpoint | statements |
| --- | --- |
| code exchange | `start_family` (one insert; the grant and the ID token are DOT's) |
| refresh | `load_family`, the roles of the gate (`sso.gate`), `rotate` |
| userinfo, introspection | `live_family` (the family, its account and the cached claims) |

`rotate` is a compare-and-set on the current refresh token's digest: of two requests with the
same token only one finds it, the other finds it moved on. The caller ends the family then, as
for a replayed token (RFC 9700 4.14.2).
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from meinekammer.accounts.rules import may_act_filter

from .models import TokenFamily


def start_family(
    *,
    family_id: uuid.UUID,
    client: Any,
    user: Any,
    scope: str,
    refresh_digest: str,
    lifetime: dt.timedelta,
    amr: Iterable[str] = (),
    acr: str = "",
    auth_time: dt.datetime | None = None,
    id_token_jti: Any = None,
) -> TokenFamily:
    """A code exchange: the family of the refresh token it issued (generation 1)."""
    now = timezone.now()
    return TokenFamily.objects.create(
        id=family_id,
        client=client,
        user=user,
        subject=str(user.subject),
        scope=scope,
        refresh_digest=refresh_digest,
        generation=1,
        created=now,
        refreshed=now,
        expires=now + lifetime,
        amr=list(amr),
        acr=acr,
        auth_time=auth_time,
        id_token_jti=id_token_jti,
    )


def load_family(family_id: uuid.UUID) -> TokenFamily | None:
    """The family a refresh token names, without its claims (a refresh does not need them)."""
    return TokenFamily.objects.defer("claims").filter(pk=family_id).first()


def rotate(
    family: TokenFamily, *, presented_digest: str, next_digest: str, lifetime: dt.timedelta
) -> bool:
    """The refresh token `presented_digest` becomes `next_digest`, once: False if the family
    moved on meanwhile (a concurrent use of the same token), was revoked, expired, or its
    account may no longer act. The caller ends the family then."""
    now = timezone.now()
    rotated = TokenFamily.objects.filter(
        pk=family.pk,
        refresh_digest=presented_digest,
        revoked__isnull=True,
        expires__gt=now,
        # Not a join: UPDATE … WHERE id IN (… JOIN …) would check the digest against the
        # row as the subquery saw it, so that two concurrent uses of one token both
        # rotated it. With the digest a condition on the row itself, PostgreSQL checks it
        # again on the row a concurrent rotation left.
        user_id__in=get_user_model().objects.filter(may_act_filter()).values("pk"),
    ).update(
        refresh_digest=next_digest,
        generation=F("generation") + 1,
        refreshed=now,
        expires=now + lifetime,
    )
    if rotated:
        family.refresh_digest = next_digest
        family.generation += 1
        family.refreshed = now
        family.expires = now + lifetime
    return bool(rotated)


@dataclass(frozen=True)
class LiveFamily:
    """What userinfo and introspection learn about a family in one statement."""

    id: uuid.UUID
    client_id: int
    user_id: int
    username: str
    scope: str
    claims: dict | None


def live_family(family_id: uuid.UUID, generation: int, *, claims_max_age: int) -> LiveFamily | None:
    """The family of an access token if that token is still its current one (a refresh ends the
    access tokens before it), the family is not revoked and its account may act. `claims` are
    the cached claims if younger than `claims_max_age` seconds, else None."""
    row = (
        TokenFamily.objects.filter(pk=family_id, generation=generation, revoked__isnull=True)
        .filter(may_act_filter("user__"))
        .values_list("client_id", "user_id", "user__email", "scope", "claims", "claims_at")
        .first()
    )
    if row is None:
        return None
    client_id, user_id, username, scope, claims, claims_at = row
    fresh = claims_at is not None and claims_at > timezone.now() - dt.timedelta(
        seconds=claims_max_age
    )
    return LiveFamily(
        id=family_id,
        client_id=client_id,
        user_id=user_id,
        username=username,
        scope=scope,
        claims=claims if fresh and isinstance(claims, dict) else None,
    )


def keep_claims(family_id: uuid.UUID, claims: dict) -> None:
    """The claims just computed for a family, for the next userinfo requests."""
    TokenFamily.objects.filter(pk=family_id).update(claims=claims, claims_at=timezone.now())


def forget_claims(*, user_ids: Iterable[Any]) -> int:
    """Something about these accounts changed: their families' cached claims are computed anew
    at the next userinfo request."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return 0
    return TokenFamily.objects.filter(user_id__in=ids, claims__isnull=False).update(
        claims=None, claims_at=None
    )


# --- Revocation (applications.grants, the token endpoint's reuse protection) -------------------


def families(
    *, user: Any = None, clients: Any = None, family_id: Any = None
) -> QuerySet[TokenFamily]:
    """Live families, narrowed to an account, to clients, or to one family."""
    query = TokenFamily.objects.filter(revoked__isnull=True)
    if user is not None:
        query = query.filter(user=user)
    if clients is not None:
        query = query.filter(client__in=clients)
    if family_id is not None:
        query = query.filter(pk=family_id)
    return query


def revoke(query: QuerySet[TokenFamily]) -> int:
    """End the families: their refresh and access tokens are refused from now on."""
    return query.filter(revoked__isnull=True).update(revoked=timezone.now())


def live_client_ids(user: Any) -> Any:
    """The clients where the account has a live family ("Verbundene Anwendungen")."""
    return (
        TokenFamily.objects.filter(user=user, revoked__isnull=True, expires__gt=timezone.now())
        .values("client_id")
        .distinct()
    )


def ended(*, before: dt.datetime) -> QuerySet[TokenFamily]:
    """Families that open nothing any more since before `before`: expired or revoked."""
    return TokenFamily.objects.filter(Q(expires__lt=before) | Q(revoked__lt=before))
