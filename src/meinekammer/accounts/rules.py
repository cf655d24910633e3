"""Rules about an account that every other part asks.

"May act": an account acts (logs in to applications, administers, decides, requests) only while
it is active, not locked and not erased. A locked account whose session outlived the lock acts
on nothing. This is the one definition; filters over related rows use `may_act_filter`.
"""

from typing import Any

from django.db.models import Q

from meinekammer.core.actor import Actor
from meinekammer.core.errors import NotFound


def may_act(user: Any) -> bool:
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.locked_at is None
        and user.deleted_at is None
    )


def may_act_filter(prefix: str = "") -> Q:
    """`may_act` as a filter, e.g. `may_act_filter("user__")` over memberships."""
    return Q(
        **{
            f"{prefix}is_active": True,
            f"{prefix}locked_at__isnull": True,
            f"{prefix}deleted_at__isnull": True,
        }
    )


def require_account(actor: Actor) -> Any:
    """The actor's account, if it may act; NotFound otherwise (the pages answer 404)."""
    if not may_act(actor.user):
        raise NotFound
    return actor.user
