"""View decorators of the HTML interface."""

import time
from collections.abc import Callable
from functools import wraps

from allauth.account.internal.flows.login import get_authentication_records
from allauth.core.exceptions import ReauthenticationRequired
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from meinekammer.accounts.factors import has_factor
from meinekammer.accounts.rules import may_act


def account_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """`login_required`, and 404 for an account that may not act (locked or inactive)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not may_act(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


# --- Sensitive actions: a recent check of the account (docs/accounts.md) ------------------------


def recently_checked(request: HttpRequest) -> bool:
    """Whether this session confirmed the account within RECHECK_SECONDS: with the second
    factor for an account that has one, else with the password. The login counts as well as a
    confirmation asked for since (allauth's records of the session's authentication steps).

    The one home of the rule: `recent_check_required` and allauth's own re-authentication
    (the account adapter's `is_reauthentication_required`: e-mail, password, factors) ask it.
    """
    user = request.user
    if not user.is_authenticated:
        return False
    wanted = ("mfa",) if has_factor(user) else ("password", "mfa")
    times = [
        float(record["at"])
        for record in get_authentication_records(request, user)
        if record.get("method") in wanted and isinstance(record.get("at"), int | float)
    ]
    return bool(times) and time.time() - max(times) < settings.RECHECK_SECONDS


def require_recent_check(request: HttpRequest) -> None:
    """Inside a view, for an action that is sensitive only in some cases (making someone an
    admin): without a recent check, allauth's middleware sends the user to the check (the
    second factor, else the password) and carries the request out afterwards (a POST too)."""
    if not recently_checked(request):
        raise ReauthenticationRequired()


def recent_check_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """`account_required`, and for a sensitive action (POST; GET only shows the page) a check
    of the account within RECHECK_SECONDS, see `recently_checked`."""

    @account_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            require_recent_check(request)
        return view(request, *args, **kwargs)

    return wrapped
