"""The API's first version: `/api/v1/`, its OpenAPI 3.1 document at `/api/v1/openapi.json`
and its browsable reference at `/api/v1/docs` (Swagger UI served from this installation's own
static files, no other host)."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from meinekammer.core.errors import Conflict, Invalid, NotAllowed, NotFound, Refused, Throttled

from .auth import ScopeMissing, ServiceToken
from .problems import PROBLEM_CONTENT_TYPE, problem
from .routes import audit, chamber, companies

logger = logging.getLogger("django.request")


class Api(NinjaAPI):
    """django-ninja documents every answer as `application/json`; the API's errors are problem
    details (`application/problem+json`, RFC 9457), and the document says so."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if str(status).startswith(("4", "5")) and "application/json" in content:
                        content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        return schema


api = Api(
    title="meinekammer API",
    version="1",
    description=(
        "For connected systems of a chamber or a company. A service account's access token "
        "(POST /api/v1/token, client credentials) is sent as `Authorization: Bearer …`; each "
        "account sees one chamber or one company, within its scopes. Errors are RFC 9457 "
        "problem details (`application/problem+json`); lists page with `cursor`. "
        "See docs/integration.md."
    ),
    auth=ServiceToken(),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
api.add_router("", companies.router)
api.add_router("", chamber.router)
api.add_router("", audit.router)


def _field(location: list) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path")]
    return ".".join(parts) or "request"


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError):
    errors = [
        {"field": _field(list(error.get("loc", []))), "message": str(error.get("msg", ""))}
        for error in exc.errors
    ]
    return problem("invalid", _("The request does not fit the API's description."), errors=errors)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return problem("unauthorized", _("A valid access token of a service account is required."))


@api.exception_handler(NotFound)
@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception):
    return problem("not-found")


@api.exception_handler(Refused)
def refused(request: HttpRequest, exc: Refused):
    if isinstance(exc, ScopeMissing):
        return problem("insufficient-scope", exc.message)
    if isinstance(exc, Throttled):
        return problem("too-many-requests", exc.message, headers={"Retry-After": "60"})
    if isinstance(exc, NotAllowed):
        return problem("not-allowed", exc.message)
    if isinstance(exc, Conflict):
        return problem("conflict", exc.message)
    if isinstance(exc, Invalid):
        return problem("invalid", exc.message)
    return problem("conflict", exc.message)


@api.exception_handler(RequestDataTooBig)
def too_large(request: HttpRequest, exc: Exception):
    return problem("too-large")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    kind = {401: "unauthorized", 403: "not-allowed", 404: "not-found", 405: "method-not-allowed"}
    return problem(kind.get(exc.status_code, "invalid"), str(exc))


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception):
    # Logged like Django logs a view's exception (the request id included, ops.logging).
    logger.error("API error: %s %s", request.method, request.path, exc_info=exc)
    return problem("server-error")
