"""How often a session's activity is recorded.

allauth's user sessions (the "Sitzungen" list: device, address, last activity) record every
request of a logged-in account: a transaction that reads the session's row and its account and
updates the row, five statements on every page. Here a session is recorded at most once every
`TRACK_EVERY` seconds — and at once when its address, its browser or its key changes, so that
allauth's `session_client_changed` (a copied cookie in another browser: the new-device mail) is
as prompt as before. The idle timeout (web/accounts/idle.py) keeps its own, finer clock.
"""

import hashlib
import time
from collections.abc import Callable

from allauth.account.adapter import get_adapter
from django.http import HttpRequest, HttpResponse

TRACKED = "mk_activity_tracked"
TRACK_EVERY = 60  # seconds


def _client(request: HttpRequest) -> str:
    ip = get_adapter().get_client_ip(request) or ""
    agent = request.META.get("HTTP_USER_AGENT", "")
    return hashlib.sha256(f"{ip}\n{agent}".encode()).hexdigest()[:32]


class ActivityThrottleMiddleware:
    """Listed right before allauth's UserSessionsMiddleware: marks the session as recorded for
    this request (allauth's own per-request marker) while its last record is recent."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        key = session.session_key if session is not None else None
        if key and user is not None and user.is_authenticated:
            now = time.time()
            seen = session.get(TRACKED)  # type: ignore[union-attr]
            current = [key, _client(request)]
            if (
                isinstance(seen, list)
                and len(seen) == 3
                and seen[1:] == current
                and isinstance(seen[0], (int, float))
                and 0 <= now - seen[0] < TRACK_EVERY
            ):
                tracked: set[str] = getattr(request, "_allauth_usersessions_tracked", set())
                tracked.add(key)
                request._allauth_usersessions_tracked = tracked  # type: ignore[attr-defined]
            else:
                session[TRACKED] = [now, *current]  # type: ignore[index]
        return self.get_response(request)
