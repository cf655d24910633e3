import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from meinekammer.accounts.models import PrivacyNotice
from meinekammer.accounts.services import change_language
from meinekammer.audit.models import AuditEvent
from meinekammer.companies.selectors import (
    admin_request_counts,
    list_member_requests,
    list_memberships,
    list_pending_registrations,
)
from meinekammer.ops.outage import RETRY_AFTER_SECONDS, is_outage

from .actors import actor_from
from .dashboard import list_function_tiles

SECURITY_EVENTS_ON_DASHBOARD = 5


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "web/landing.html")
    return render(
        request,
        "web/dashboard.html",
        {
            "function_tiles": list_function_tiles(request),
            "memberships": list_memberships(request.user),
            "pending_registrations": list_pending_registrations(request.user),
            "member_requests": list_member_requests(request.user),
            "admin_requests": admin_request_counts(request.user),
            "recent_events": AuditEvent.objects.security_events_for(request.user)[
                :SECURITY_EVENTS_ON_DASHBOARD
            ],
        },
    )


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    notice = PrivacyNotice.objects.current()
    text = notice.text_for(translation.get_language() or "de") if notice else ""
    return render(request, "web/legal/privacy.html", {"notice": notice, "notice_text": text})


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "web/legal/accessibility.html")


@require_GET
def imprint(request: HttpRequest) -> HttpResponse:
    return render(request, "web/legal/imprint.html")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the language; for a logged-in user the choice is kept on the account."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        change_language(actor_from(request), language=language)
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        httponly=True,
    )
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {
            "title": _("The form has expired"),
            "text": _(
                "For your security, the form could not be accepted. Please reload the page and "
                "try again. Cookies must be allowed for this site."
            ),
        },
        status=403,
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {
            "title": _("Page not found"),
            "text": _("The page you asked for does not exist or you may not see it."),
        },
        status=404,
    )


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": _("Access denied"), "text": _("You may not open this page.")},
        status=403,
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": _("Bad request"), "text": _("The request could not be understood.")},
        status=400,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    if is_outage(sys.exc_info()[1]):
        return service_unavailable(request)
    return render(
        request,
        "web/error.html",
        {
            "title": _("Something went wrong"),
            "text": _("An error occurred on our side. Please try again later."),
        },
        status=500,
    )


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The database or Redis is down (ops/outage.py): 503, try again shortly. The page is
    rendered without the request's context if that needs the missing service too."""
    title = _("Temporarily unavailable")
    text = _(
        "The portal cannot reach one of its services at the moment. Nothing was changed. "
        "Please try again in a few minutes."
    )
    try:
        response = render(request, "web/error.html", {"title": title, "text": text}, status=503)
    except Exception:
        response = HttpResponse(
            f'<!doctype html><html lang="{translation.get_language() or "de"}"><head>'
            f'<meta charset="utf-8"><title>{escape(title)} – meinekammer</title></head>'
            f"<body><main><h1>{escape(title)}</h1><p>{escape(text)}</p></main></body></html>",
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
