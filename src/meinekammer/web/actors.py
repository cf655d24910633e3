"""The HTML interface's side of the domain contract: who acts, and what a refusal becomes.

Views build the use case's `Actor` with `actor_from(request)`. A `NotFound` that a use case
raises becomes the 404 page (DomainErrorMiddleware); a `Refused` is caught by the view, which
shows its message on the page it belongs to.
"""

from collections.abc import Callable
from typing import cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from meinekammer.accounts.models import User
from meinekammer.core.actor import Actor, Interface
from meinekammer.core.errors import NotAllowed, NotFound


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR is set by the WSGI server; a reverse proxy in front must set it correctly
    # (gunicorn --forwarded-allow-ips), never a header the client controls.
    return request.META.get("REMOTE_ADDR") or None


def actor_from(request: HttpRequest, via: Interface = Interface.WEB) -> Actor:
    return Actor(
        user=request.user if request.user.is_authenticated else None,
        via=via,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def current_user(request: HttpRequest) -> User:
    """The logged-in account of a view behind @login_required or @account_required."""
    return cast(User, request.user)


class DomainErrorMiddleware:
    """A use case's NotFound is the 404 page; a NotAllowed no view caught is a 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, NotFound):
            raise Http404 from exception
        if isinstance(exception, NotAllowed):
            raise PermissionDenied(exception.message) from exception
