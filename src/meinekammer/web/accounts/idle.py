"""Idle timeout: a session without activity for SESSION_IDLE_TIMEOUT seconds is logged out.

Enforced here, on the server: every request of a logged-in user stores the time in the session
(at most every TOUCH_EVERY seconds, so that not every request writes the session). The first
request after the idle time logs the session out and sends the browser to the login page with a
message and `next`, so that after logging in again the user lands where they were.

The warning before it (WCAG 2.2.1 Timing Adjustable) is `static/web/idle-timeout.js`: it asks
`idle_status` how much time is left (asking is not activity: that request neither renews the
time nor counts as the session's last activity in allauth.usersessions) and offers "Angemeldet
bleiben", a POST to `stay_signed_in`, which is activity. Without JavaScript the timeout works the
same, only without the warning.
"""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.translation import ngettext

LAST_ACTIVITY = "mk_last_activity"
TOUCH_EVERY = 10  # seconds


def _timeout() -> int:
    return int(getattr(settings, "SESSION_IDLE_TIMEOUT", 0) or 0)


def seconds_left(request: HttpRequest) -> int:
    last = request.session.get(LAST_ACTIVITY)
    if not isinstance(last, (int, float)):
        return _timeout()
    return max(0, int(_timeout() - (time.time() - last)))


def timed_out_message(timeout: int) -> str:
    minutes = max(1, round(timeout / 60))
    return ngettext(
        "You were logged out after %(minutes)d minute without activity.",
        "You were logged out after %(minutes)d minutes without activity.",
        minutes,
    ) % {"minutes": minutes}


class IdleTimeoutMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware, before allauth's
    UserSessionsMiddleware (so that a status request is not recorded as activity)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = _timeout()
        user = getattr(request, "user", None)
        if not timeout or user is None:
            return self.get_response(request)
        status_path = reverse("accounts:idle_status")
        background = request.path in (status_path, reverse("accounts:stay_signed_in"))
        now = time.time()
        if user.is_authenticated:
            last = request.session.get(LAST_ACTIVITY)
            if isinstance(last, (int, float)) and now - last > timeout:
                logout(request)
                messages.info(request, timed_out_message(timeout))
                if background:
                    # The script opens the login page, where this message waits.
                    return JsonResponse({"remaining": 0}, status=401)
                return self._to_login(request)
            if request.path == status_path:
                # Not activity: allauth.usersessions skips sessions it has already tracked.
                tracked: set[str] = getattr(request, "_allauth_usersessions_tracked", set())
                tracked.add(request.session.session_key or "")
                request._allauth_usersessions_tracked = tracked  # type: ignore[attr-defined]
                return self.get_response(request)
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            last = request.session.get(LAST_ACTIVITY)
            if not isinstance(last, (int, float)) or now - last >= TOUCH_EVERY:
                request.session[LAST_ACTIVITY] = now
        return response

    @staticmethod
    def _to_login(request: HttpRequest) -> HttpResponse:
        from django.http import HttpResponseRedirect

        login_url = resolve_url(settings.LOGIN_URL)
        # A form sent after the timeout is not sent again; its page is where the user was.
        target = request.get_full_path() if request.method in ("GET", "HEAD") else request.path
        return HttpResponseRedirect(f"{login_url}?{urlencode({'next': target})}")
