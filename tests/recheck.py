"""Tests that call a sensitive action directly (force_login) mark the session as just checked,
as the password or the second factor would (web.decorators.recently_checked)."""

import time

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.account.internal.userkit import user_id_to_str


def mark_checked(client, user=None, *, method: str = "password", **extra) -> None:
    """`user`: the client's logged-in account if not given."""
    session = client.session
    user_id = user_id_to_str(user) if user is not None else session["_auth_user_id"]
    records = list(session.get(AUTHENTICATION_METHODS_SESSION_KEY) or [])
    records.append({"method": method, "at": time.time(), "reauthenticated": True, **extra})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id
    session.save()
