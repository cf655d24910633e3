"""RFC 9457 problem details: every error of the API, in the caller's language.

`type` is a stable URI per kind of problem (documented in docs/integration.md), `title` says
it in a few words, `detail` is the use case's own message where it has one; invalid input also
lists each field's problem in `errors`.
"""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Schema

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "urn:meinekammer:problem:"  # an identifier, not a link (RFC 9457 3.1.1)


class FieldProblem(Schema):
    field: str
    message: str


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = None


def _titles() -> dict[str, str]:
    return {
        "unauthorized": _("Not authenticated"),
        "insufficient-scope": _("Scope missing"),
        "not-allowed": _("Not allowed"),
        "not-found": _("Not found"),
        "method-not-allowed": _("Method not allowed"),
        "conflict": _("Conflict"),
        "invalid": _("Invalid input"),
        "too-large": _("Request too large"),
        "too-many-requests": _("Too many requests"),
        "server-error": _("Server error"),
    }


STATUS = {
    "unauthorized": 401,
    "insufficient-scope": 403,
    "not-allowed": 403,
    "not-found": 404,
    "method-not-allowed": 405,
    "conflict": 409,
    "too-large": 413,
    "invalid": 422,
    "too-many-requests": 429,
    "server-error": 500,
}


def problem(
    kind: str,
    detail: str | None = None,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    status = STATUS[kind]
    body: dict[str, Any] = {"type": TYPE_BASE + kind, "title": _titles()[kind], "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="meinekammer"'
    return response


def not_found(request: HttpRequest | None = None, exception: Exception | None = None):
    return problem("not-found")


# The error answers every endpoint may give, for the OpenAPI document.
ERRORS: dict[int, Any] = {401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}
