"""Signed-in devices ("Angemeldete Geräte") and the idle timeout's two small endpoints.

allauth.usersessions keeps the sessions (`UserSession`); its own page only offers "sign out
all other sessions", so this page lists them with browser, system and shortened address and
ends one or all others through the use cases in `accounts/sessions.py`.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from meinekammer.accounts import sessions as account_sessions
from meinekammer.web.actors import actor_from, current_user
from meinekammer.web.decorators import account_required

from .devices import mask_ip, parse_user_agent
from .idle import LAST_ACTIVITY, seconds_left


@account_required
@require_GET
def sessions(request: HttpRequest) -> HttpResponse:
    current_key = request.session.session_key
    rows = []
    for session in account_sessions.list_sessions(current_user(request)):
        rows.append(
            {
                "id": session.pk,
                "client": parse_user_agent(session.user_agent).label,
                "address": mask_ip(session.ip),
                "created_at": session.created_at,
                "last_seen_at": session.last_seen_at,
                "current": session.session_key == current_key,
            }
        )
    rows.sort(key=lambda row: not row["current"])  # this device first
    others = sum(1 for row in rows if not row["current"])
    return render(request, "accounts/sessions.html", {"sessions": rows, "others": others})


@account_required
@require_POST
def end_session(request: HttpRequest, session_id: int) -> HttpResponse:
    account_sessions.end_session(
        actor_from(request),
        session_id=session_id,
        current_session_key=request.session.session_key,
    )
    messages.success(request, _("The device has been logged out."))
    return redirect("accounts:sessions")


@account_required
@require_POST
def end_other_sessions(request: HttpRequest) -> HttpResponse:
    count = account_sessions.end_other_sessions(
        actor_from(request), current_session_key=request.session.session_key
    )
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d other device has been logged out.",
                "%(count)d other devices have been logged out.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("No other device was signed in."))
    return redirect("accounts:sessions")


@login_required
@require_POST
def stay_signed_in(request: HttpRequest) -> HttpResponse:
    """ "Angemeldet bleiben" in the idle warning: this request is the activity."""
    request.session[LAST_ACTIVITY] = time.time()
    return HttpResponse(status=204)


@never_cache
@require_GET
def idle_status(request: HttpRequest) -> JsonResponse:
    """How long this session has left; asking does not count as activity (see idle.py)."""
    if not request.user.is_authenticated:
        return JsonResponse({"remaining": 0}, status=401)
    return JsonResponse(
        {"remaining": seconds_left(request), "timeout": settings.SESSION_IDLE_TIMEOUT}
    )
