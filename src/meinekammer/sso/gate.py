"""The access rule of the single sign-on (DESIGN.md): no role for an application that requires
one, no use of it. `has_access` is its one home; the authorization endpoint and the access gate
page ask it, and the refresh checks the same roles (`counting_roles`) inside its rotation
statement (`role_holders_sql`)."""

import functools
from typing import Any

from django.db.models import F, QuerySet

from meinekammer.applications.models import OAuthClient, RoleAssignment, assignable_filter
from meinekammer.companies.rules import WORKING_STATES
from meinekammer.core.sql import Fragment, compile_query

# One row of `client_roles`: company id, name, chamber number, member number, role key.
RoleRow = tuple[Any, ...]


def counting_roles() -> QuerySet[RoleAssignment]:
    """The role assignments the rule counts: assignable roles (active, of an active application)
    in working companies."""
    return RoleAssignment.objects.filter(
        assignable_filter("role__"), membership__company__state__in=WORKING_STATES
    )


@functools.cache
def role_holders_sql(using: str = "default") -> Fragment:
    """`counting_roles` as SQL with the columns `mk_user` and `mk_application`: who holds a role
    of which application. The refresh checks the rule in its rotation statement with it
    (applications.token_store.rotate)."""
    return compile_query(
        counting_roles()
        .using(using)
        .values(mk_user=F("membership__user_id"), mk_application=F("role__application_id"))
    )


def client_roles(user: Any, client: OAuthClient, request: Any = None) -> list[RoleRow]:
    """The user's assignable roles of the client's application in working companies, one query.

    Rows of (company id, name, chamber number, member number, role key), ordered by company
    name. The access check and the `companies` claim of one token request share them (kept
    on the oauthlib request: a refresh needs both).
    """
    memo_key = (user.pk, client.pk)
    memo = getattr(request, "mk_client_roles", None) if request is not None else None
    if memo is not None and memo[0] == memo_key:
        return memo[1]
    rows = list(
        counting_roles()
        .filter(membership__user=user, role__application_id=client.connected_application_id)
        .order_by("membership__company__name", "membership__company_id", "role__key")
        .values_list(
            "membership__company_id",
            "membership__company__name",
            "membership__company__chamber__number",
            "membership__company__member_number",
            "role__key",
        )
    )
    if request is not None:
        request.mk_client_roles = (memo_key, rows)
    return rows


def has_access(user: Any, client: OAuthClient, request: Any = None) -> bool:
    """DESIGN.md's rule: no role for an application that requires one, no use of it."""
    application = client.connected_application
    if not application.is_active:
        return False
    if not application.requires_role:
        return True
    return bool(client_roles(user, client, request))
