"""The token store of the single sign-on: one row per grant (`TokenFamily`), read and written in
as few statements as the hot endpoints allow (docs/decisions/0006-lean-token-store.md).

Every statement of the store is here, run through Django's connection (the query-count tests
see them). The endpoints' path:

| endpoint | statements |
| --- | --- |
| code exchange | `start_family` (one insert; the grant and the ID token are DOT's) |
| refresh | `rotate`: one UPDATE … RETURNING with the account's and the access rule's conditions (`sso.gate.role_holders_sql`); `load_family` first only when the request names a scope, and after a refused rotation, to tell why |
| userinfo, introspection | `live_family` (the family, its account and the cached claims) |

`rotate` and `live_family` are SQL of their own, written once per database (core/sql.py), with
the rules' conditions compiled from their ORM filters (`accounts.rules.may_act_filter`, the
gate's roles): no query building per request, and a text PostgreSQL prepares. The others are
ORM queries.

`rotate` is a compare-and-set on the current refresh token's digest: of two requests with the
same token only one finds it, the other finds it moved on. The caller ends the family then, as
for a replayed token (RFC 9700 4.14.2).
"""

import datetime as dt
import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from meinekammer.accounts.rules import may_act_filter
from meinekammer.core.sql import Fragment, adapt, column_reader, compile_query

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


@dataclass(frozen=True)
class Rotated:
    """A family after its rotation: what the new tokens are minted from."""

    id: uuid.UUID
    user_id: int
    subject: str
    scope: str
    generation: int
    amr: list
    acr: str
    auth_time: dt.datetime | None


_ROTATED_COLUMNS = ("generation", "user_id", "subject", "scope", "amr", "acr", "auth_time")


@functools.cache
def _may_act_sql(using: str) -> Fragment:
    """The accounts that may act (accounts.rules), as a subquery of their ids."""
    return compile_query(
        get_user_model().objects.using(using).filter(may_act_filter()).values("pk")
    )


@functools.cache
def _rotation_sql(using: str, role_holders: Fragment | None) -> tuple[str, str | None, Any]:
    """The rotation statement (and, where UPDATE … RETURNING is missing, the read after it)."""
    connection = connections[using]
    q = connection.ops.quote_name
    table = q(TokenFamily._meta.db_table)
    digest, generation, expires = q("refresh_digest"), q("generation"), q("expires")
    user = q("user_id")
    conditions = [
        f"{q('id')} = %s",
        f"{q('client_id')} = %s",
        f"{digest} = %s",
        f"{q('revoked')} IS NULL",
        f"{expires} > %s",
        f"{user} IN ({_may_act_sql(using).sql})",
    ]
    # Every piece below is a quoted name or SQL the ORM compiled; values are parameters.
    if role_holders is not None:
        h = q("h")
        holders = f"SELECT {h}.{q('mk_user')} FROM ({role_holders.sql}) {h}"  # noqa: S608
        conditions.append(f"{user} IN ({holders} WHERE {h}.{q('mk_application')} = %s)")
    columns = ", ".join(q(name) for name in _ROTATED_COLUMNS)
    assignments = (
        f"{digest} = %s, {generation} = {generation} + 1, {q('refreshed')} = %s, {expires} = %s"
    )
    update = f"UPDATE {table} SET {assignments} WHERE {' AND '.join(conditions)}"  # noqa: S608
    # SQLite has UPDATE … RETURNING from the same version on as INSERT … RETURNING.
    if connection.features.can_return_columns_from_insert:
        update += f" RETURNING {columns}"
        select = None
    else:
        select = f"SELECT {columns} FROM {table} WHERE {q('id')} = %s AND {digest} = %s"  # noqa: S608
    return update, select, column_reader(TokenFamily, _ROTATED_COLUMNS, using)


def rotate(
    *,
    family_id: uuid.UUID,
    client_id: int,
    presented_digest: str,
    next_digest: str,
    lifetime: dt.timedelta,
    role_holders: Fragment | None = None,
    application_id: int | None = None,
    using: str = "default",
) -> Rotated | None:
    """The refresh token `presented_digest` of the client's family becomes `next_digest`, once,
    in one statement: None if the family moved on meanwhile (a concurrent use of the same
    token), is another client's, was revoked, expired, or its account may no longer act — or,
    with `role_holders` (sso.gate.role_holders_sql), holds no role of the application. The
    caller finds out which (`load_family`) and ends the family where the rule says so.

    The digest is a condition on the row itself, not on a join: PostgreSQL checks it again on
    the row a concurrent rotation left, so of two uses of one token only one rotates it."""
    update, select, read = _rotation_sql(using, role_holders)
    now = timezone.now()
    when = adapt(TokenFamily, "refreshed", now, using)
    key = adapt(TokenFamily, "id", family_id, using)
    params: list[Any] = [
        next_digest,
        when,
        adapt(TokenFamily, "expires", now + lifetime, using),
        key,
        client_id,
        presented_digest,
        when,
        *_may_act_sql(using).params,
    ]
    if role_holders is not None:
        params += [*role_holders.params, application_id]
    with connections[using].cursor() as cursor:
        cursor.execute(update, params)
        if select is not None:
            if cursor.rowcount != 1:
                return None
            cursor.execute(select, [key, next_digest])
        row = cursor.fetchone()
    if row is None:
        return None
    generation, user_id, subject, scope, amr, acr, auth_time = read(row)
    return Rotated(
        id=family_id,
        user_id=user_id,
        subject=subject,
        scope=scope,
        generation=generation,
        amr=list(amr or ()),
        acr=acr,
        auth_time=auth_time,
    )


@dataclass(frozen=True)
class LiveFamily:
    """What userinfo and introspection learn about a family in one statement."""

    id: uuid.UUID
    client_id: int
    user_id: int
    username: str
    scope: str
    claims: dict | None


_LIVE_COLUMNS = ("client_id", "user_id", "scope", "claims", "claims_at")


@functools.cache
def _live_sql(using: str) -> tuple[str, tuple, Any]:
    q = connections[using].ops.quote_name
    accounts = compile_query(
        get_user_model()
        .objects.using(using)
        .filter(may_act_filter())
        .values(mk_id=F("pk"), mk_email=F("email"))
    )
    f, u = q("f"), q("u")
    columns = ", ".join(f"{f}.{q(name)}" for name in _LIVE_COLUMNS)
    source = (
        f"{q(TokenFamily._meta.db_table)} {f} "
        f"INNER JOIN ({accounts.sql}) {u} ON {u}.{q('mk_id')} = {f}.{q('user_id')}"
    )
    conditions = f"{f}.{q('id')} = %s AND {f}.{q('generation')} = %s AND {f}.{q('revoked')} IS NULL"
    # Quoted names and SQL the ORM compiled; values are parameters.
    sql = f"SELECT {columns}, {u}.{q('mk_email')} FROM {source} WHERE {conditions}"  # noqa: S608
    return sql, accounts.params, column_reader(TokenFamily, _LIVE_COLUMNS, using)


def live_family(
    family_id: uuid.UUID, generation: int, *, claims_max_age: int, using: str = "default"
) -> LiveFamily | None:
    """The family of an access token if that token is still its current one (a refresh ends the
    access tokens before it), the family is not revoked and its account may act. `claims` are
    the cached claims if younger than `claims_max_age` seconds, else None. One statement."""
    sql, account_params, read = _live_sql(using)
    with connections[using].cursor() as cursor:
        cursor.execute(
            sql, [*account_params, adapt(TokenFamily, "id", family_id, using), generation]
        )
        row = cursor.fetchone()
    if row is None:
        return None
    client_id, user_id, scope, claims, claims_at = read(row[:-1])
    username = row[-1]
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
