"""Who calls: a service account's bearer token (integration.credentials), its scopes, and its
share of the rate limit."""

from allauth.core.internal import ratelimit
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from meinekammer.chambers.guards import chamber_of
from meinekammer.chambers.models import Chamber
from meinekammer.core.actor import Actor
from meinekammer.core.errors import NotAllowed, Throttled
from meinekammer.integration.credentials import Caller, caller_for


class ScopeMissing(NotAllowed):
    pass


class ServiceToken(HttpBearer):
    openapi_description = (
        "An access token of a service account: POST /api/v1/token with grant_type="
        "client_credentials and the account's client_id and client_secret (HTTP Basic)."
    )

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        caller = caller_for(token)
        if caller is None:
            return None
        # allauth's limiter counts only POSTs unless told otherwise (limit_get); its public
        # `consume` cannot be told, so the API uses the one it delegates to (pinned version).
        if not ratelimit.consume(
            request,
            app="allauth.account",
            action="api_request",
            key=str(caller.account.pk),
            limit_get=True,
        ):
            raise Throttled(_("Too many requests for this service account. Please slow down."))
        return caller


def caller(request: HttpRequest, scope: str) -> Caller:
    """The authenticated caller, if its token has `scope`."""
    found: Caller = request.auth  # type: ignore[attr-defined]
    if not found.may(scope):
        raise ScopeMissing(_("The access token lacks the scope %(scope)s.") % {"scope": scope})
    return found


def actor(request: HttpRequest, found: Caller) -> Actor:
    return Actor.service(
        found.account,
        ip=request.META.get("REMOTE_ADDR"),
        user_agent=request.headers.get("User-Agent", ""),
    )


def chamber_for(request: HttpRequest, found: Caller) -> Chamber:
    """The chamber a chamber's service account speaks for (the one home of that rule:
    chambers.guards.chamber_of); NotFound for a company's account."""
    return chamber_of(actor(request, found))
