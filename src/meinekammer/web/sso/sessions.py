"""What the single sign-on remembers in the portal's session.

`max_age` in an authorization request asks when this session last proved the password: the
login time is stored when the user logs in (connected to `user_logged_in` in WebConfig.ready).
How the session logged in (`session_sign_in`) goes with every authorization code.
"""

import time
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records

from meinekammer.sso.authentication import SignIn, sign_in_from

LOGIN_TIME = "mk_login_time"


def remember_login_time(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """For `max_age` in authorization requests: when this session last proved the password."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_TIME] = time.time()


def logged_in_at(session: Any) -> float | None:
    return session.get(LOGIN_TIME)


def session_sign_in(request: Any) -> SignIn:
    """How this session's user logged in (and confirmed since), from allauth's records of the
    session's authentication steps: amr, acr and auth_time for connected applications."""
    records = get_authentication_records(request, getattr(request, "user", None))
    return sign_in_from(records, logged_in_at(request.session))
