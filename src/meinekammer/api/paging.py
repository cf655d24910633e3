"""Cursor paging (the API's lists): stable under inserts, opaque to the caller.

A page is ordered by primary key; its cursor is the last key, signed so that a made-up cursor
is refused as invalid input instead of being read.
"""

from typing import Any, TypeVar

from django.core import signing
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from meinekammer.core.errors import Invalid

_SALT = "meinekammer.api.cursor"
DEFAULT_LIMIT = 50
MAX_LIMIT = 100

T = TypeVar("T")


def _after(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        value = signing.loads(cursor, salt=_SALT)
        return int(value["after"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise Invalid(_("The cursor is not valid; start again without one.")) from error


def page(rows: QuerySet[Any], *, cursor: str | None, limit: int, descending: bool = False):
    """(items, next cursor or None) of `rows` after `cursor`."""
    after = _after(cursor)
    if after is not None:
        rows = rows.filter(pk__lt=after) if descending else rows.filter(pk__gt=after)
    rows = rows.order_by("-pk" if descending else "pk")
    items = list(rows[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    next_cursor = signing.dumps({"after": items[-1].pk}, salt=_SALT) if more and items else None
    return items, next_cursor
