"""The REST API's requests skip the middleware made for browsers, as the token endpoints do
(web/sso/endpoints.py): no session, no CSRF (a bearer token is no ambient credential), no
messages, no login checks of the pages. Listed right after that middleware, this one resolves
`/api/v1/…` itself and calls the view in the caller's language (Accept-Language; German
first). The browsable reference (`/api/v1/docs`), a page, goes the whole way.

Every answer is JSON: a path the API does not know is a 404 problem, not the portal's page.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation

from meinekammer.web.middleware import add_security_headers
from meinekammer.web.sso.endpoints import API_CONTENT_SECURITY_POLICY

from .problems import problem

PREFIX = "/api/v1/"
PAGES = ("/api/v1/docs",)


def _language(request: HttpRequest) -> str:
    language = translation.get_language_from_request(request)
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class ApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if not path.startswith(PREFIX) or path.startswith(PAGES):
            return self.get_response(request)
        with translation.override(_language(request)):
            try:
                match = resolve(path)
            except Resolver404:
                response = problem("not-found")
            else:
                request.resolver_match = match
                response = match.func(request, *match.args, **match.kwargs)
                if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
                    # django-ninja answers a method a path does not have with Django's own.
                    allowed = response.get("Allow", "")
                    response = problem("method-not-allowed", headers={"Allow": allowed})
            response.setdefault("Content-Language", translation.get_language())
        add_security_headers(response)
        response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        response.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
        response.setdefault("Cache-Control", "no-store")
        response.setdefault("Vary", "Accept-Language, Authorization")
        return response
