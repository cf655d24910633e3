"""What the single sign-on remembers in the portal's session.

`max_age` in an authorization request asks when this session last proved the password: the
login time is stored when the user logs in (connected to `user_logged_in` in WebConfig.ready).
"""

import time
from typing import Any

LOGIN_TIME = "mk_login_time"


def remember_login_time(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """For `max_age` in authorization requests: when this session last proved the password."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_TIME] = time.time()


def logged_in_at(session: Any) -> float | None:
    return session.get(LOGIN_TIME)
