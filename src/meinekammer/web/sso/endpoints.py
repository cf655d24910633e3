"""The endpoints connected applications call server to server — token, revocation,
introspection, userinfo, JWKS and discovery — without the middleware made for browsers.

These requests carry no session cookie and no CSRF token, render no page and show no message;
what a browser needs (sessions, CSRF, the language, messages, allauth's and meinekammer's login
checks, the content security policy of pages) is skipped: listed right after Django's
SecurityMiddleware (HTTPS redirect, HSTS, nosniff, referrer and opener policy) and the request
id and metrics (web/ops.py), this middleware resolves these paths itself and calls their views,
the way WhiteNoise answers static files. The answers get the headers every answer has
(`add_security_headers`, X-Frame-Options), a policy that allows nothing (they are JSON, never
documents), and those with tokens or personal data `Cache-Control: no-store`; the keys and the
discovery document stay cacheable. Every other path goes
the whole way. bench/README.md, "The lean token path", has the figures.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch, resolve, reverse

from ..middleware import add_security_headers

# The views' URL names (urls.py, web/sso/urls.py).
MACHINE_ENDPOINTS = (
    "oauth2_provider:token",
    "oauth2_provider:revoke-token",
    "oauth2_provider:introspect",
    "oauth2_provider:user-info",
    "oauth2_provider:jwks-info",
    "oauth2_provider:oidc-connect-discovery-info",
    "openid-configuration",
)

# Answers with tokens or personal data: never kept by a cache (RFC 6749 5.1, RFC 7662).
NOT_STORED = (
    "oauth2_provider:token",
    "oauth2_provider:revoke-token",
    "oauth2_provider:introspect",
    "oauth2_provider:user-info",
)

# JSON only: nothing to load, nothing to frame.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


class MachineEndpointsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._routes: dict[str, ResolverMatch] | None = None

    def routes(self) -> dict[str, ResolverMatch]:
        if self._routes is None:
            paths = (reverse(name) for name in MACHINE_ENDPOINTS)
            self._routes = {path: resolve(path) for path in paths}
        return self._routes

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = self.routes().get(request.path_info)
        if match is None:
            return self.get_response(request)
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        add_security_headers(response)
        response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        response.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
        if match.view_name in NOT_STORED:
            response.setdefault("Cache-Control", "no-store")
        return response
