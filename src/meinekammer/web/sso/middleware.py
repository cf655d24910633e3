"""CSP form-action for the way to a connected application.

Browsers apply `form-action` to the whole redirect chain a form submission starts: the login
form's POST goes on to /o/authorize/ and from there to the application's redirect URI, another
origin. With `form-action 'self'` alone, Chromium stops there and the user stays on the login
page. For pages that lead to the authorization endpoint (the login form with `next`, the
consent form, the second step of a login with a factor, the factor asked for again), the origin
of the client's registered redirect URI is allowed as well: only an exactly registered URI of a
known client, never whatever the query names.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from allauth.account.internal.stagekit import unstash_login
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.request import RawPostDataException
from django.urls import reverse

from meinekammer.applications.models import OAuthClient


def _next(request: HttpRequest) -> str:
    """The `next` of the login page: in the query, or in the form when it is sent again. On the
    second step of a login (the code of the authenticator app), where the pending login goes
    on to once the factor is confirmed."""
    if "next" in request.GET:
        return request.GET.get("next", "")
    if request.path == reverse("mfa_authenticate"):
        login = unstash_login(request, peek=True)
        return (login.redirect_url or "") if login is not None else ""
    if request.method != "POST":
        return ""
    try:
        return request.POST.get("next", "")
    except (RawPostDataException, SuspiciousOperation):  # a body read as a stream, or refused
        return ""


def client_origin(request: HttpRequest) -> str | None:
    """The origin of the redirect URI this page's forms lead to, if registered exactly."""
    authorize = reverse("oauth2_provider:authorize")
    if request.path == authorize:
        query = request.GET
    else:
        target = urlsplit(_next(request))
        if target.scheme or target.netloc or target.path != authorize:
            return None
        query = QueryDict(target.query)
    client_id, redirect_uri = query.get("client_id"), query.get("redirect_uri")
    if not client_id or not redirect_uri:
        return None
    client = OAuthClient.objects.filter(client_id=client_id).first()
    if client is None or not client.redirect_uri_allowed(redirect_uri):
        return None
    parts = urlsplit(redirect_uri)
    return f"{parts.scheme}://{parts.netloc}"


class ClientFormActionMiddleware:
    """Listed after csp.middleware.CSPMiddleware, so that it sees the update on the way out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        origin = client_origin(request)
        if origin is not None:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), origin]
            response._csp_update = update  # type: ignore[attr-defined]
        return response
