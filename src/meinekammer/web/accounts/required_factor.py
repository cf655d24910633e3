"""The pages' side of "a second factor is required" (accounts.factors).

`RequiredFactorMiddleware`: an account for which `factor_required(user)` holds but that has no
factor (`has_factor`) is led to the guided set-up ("Zwei-Faktor-Authentisierung einrichten",
/konto/zwei-faktor/einrichten/) from every page except those it needs to get there or to leave:
the account pages (/konto/), allauth's pages (/accounts/: the factor pages, logout,
re-authentication, password and e-mail), the language switch, the legal pages, the demo
mailbox and static files. Everything else — the start page, the chamber area (/kammer/), the
companies' pages (/unternehmen/), the Django admin site — answers with a redirect to the set-up,
which brings the user back afterwards (`?next=`, for GET requests).

OpenID Connect: the authorization endpoint (/o/authorize/) is guarded the same way. A chamber
clerk (or a member of a company that asks for a factor) without a factor who logs in to a
connected application is led to the set-up and then continues the authorization request
(`next` is the full authorize URL). Endpoints the applications call server-to-server (token,
userinfo, introspection, JWKS, discovery) carry no session and are not affected; RP-initiated
logout stays reachable. A silent request (prompt=none) cannot be led to a page: the
authorization view answers it with `interaction_required` and no code.

Before the date a requirement applies from, nothing is blocked; the start page and the account
page show a banner with the date (`factor_notice`, templatetag `required_factor`).
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from meinekammer.accounts.factors import Requirement, has_factor, requirement_for

# Reachable without a factor (prefixes of request.path_info).
OPEN_PREFIXES = (
    "/konto/",
    "/accounts/",
    "/sprache/",
    "/datenschutz/",
    "/barrierefreiheit/",
    "/impressum/",
    "/dev/mailbox/",
    "/.well-known/",
    "/o/",
)
# ... except these, below the open prefixes.
GUARDED_PREFIXES = ("/o/authorize/",)


def is_open(request: HttpRequest) -> bool:
    path = request.path_info
    if path.startswith(settings.STATIC_URL) or path in ("/favicon.ico", "/robots.txt"):
        return True
    if any(path.startswith(prefix) for prefix in GUARDED_PREFIXES):
        # A silent authorization request (prompt=none) cannot be led anywhere: the
        # authorization view answers it with interaction_required.
        return "none" in request.GET.get("prompt", "").split()
    return any(path.startswith(prefix) for prefix in OPEN_PREFIXES)


def pending_requirement(request: HttpRequest) -> Requirement | None:
    """The requirement of the logged-in account if it has no factor yet (once per request)."""
    if not hasattr(request, "_required_factor"):
        user = getattr(request, "user", None)
        requirement = requirement_for(user)
        if requirement is not None and has_factor(user):
            requirement = None
        request._required_factor = requirement  # type: ignore[attr-defined]
    return request._required_factor  # type: ignore[attr-defined]


def must_set_up(request: HttpRequest) -> bool:
    requirement = pending_requirement(request)
    return requirement is not None and requirement.applies_from <= timezone.now()


def setup_url(next_url: str | None = None) -> str:
    url = reverse("accounts:factor_setup")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


# Where the guided set-up was entered from: allauth's factor pages end at the recovery codes
# and the factor overview, which then offer to continue there (`continue_url`).
CONTINUE_KEY = "factor_setup_next"


def continue_url(request: HttpRequest) -> str:
    """The page the set-up interrupted, once the account has a factor; else ""."""
    session = getattr(request, "session", None)
    next_url = session.get(CONTINUE_KEY, "") if session is not None else ""
    return next_url if next_url and has_factor(request.user) else ""


class RequiredFactorMiddleware:
    """Leads an account that must have a second factor and has none to the set-up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not is_open(request)
            and must_set_up(request)
        ):
            return lead_to(request, setup_url)
        session = getattr(request, "session", None)
        if session is not None and session.get(CONTINUE_KEY) == request.get_full_path():
            del session[CONTINUE_KEY]  # arrived where the set-up interrupted
        return self.get_response(request)


def lead_to(request: HttpRequest, url_for: Callable[[str | None], str]) -> HttpResponse:
    """The redirect to a page the account must pass first, which brings it back afterwards
    (`next`: the interrupted page, for GET requests). Also for PrivacyNoticeMiddleware."""
    next_url = request.get_full_path() if request.method in ("GET", "HEAD") else None
    return HttpResponseRedirect(url_for(next_url))


def safe_next(request: HttpRequest) -> str:
    """`next` of the form or the query if it stays on this site, else the start page."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("web:home")


@login_required
@require_GET
def factor_setup(request: HttpRequest) -> HttpResponse:
    """ "Zwei-Faktor-Authentisierung einrichten": why, until when, and the two ways."""
    requirement = pending_requirement(request)
    next_url = safe_next(request)
    if next_url != reverse("web:home"):
        request.session[CONTINUE_KEY] = next_url
    back = urlencode({"next": next_url})
    return render(
        request,
        "accounts/factor_setup.html",
        {
            "requirement": requirement,
            "applies_now": requirement is not None and requirement.applies_from <= timezone.now(),
            "has_factor": has_factor(request.user),
            "next_url": next_url,
            "totp_url": f"{reverse('mfa_activate_totp')}?{back}",
            "webauthn_url": f"{reverse('mfa_add_webauthn')}?{back}",
        },
    )
