from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


def add_security_headers(response: HttpResponse) -> None:
    """The headers of every answer that Django's SecurityMiddleware does not set (also those of
    the token endpoints, which skip this middleware: web/sso/endpoints.py)."""
    response.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    )
    response.setdefault("Cross-Origin-Resource-Policy", "same-origin")


class SecurityHeadersMiddleware:
    """Headers Django does not set itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_security_headers(response)
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # Personal pages must not be kept by shared caches or the back button after logout.
            response.setdefault("Cache-Control", "no-store")
        return response
