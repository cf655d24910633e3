"""POST /api/v1/token: a service account's access token (client credentials, RFC 6749 4.4).

Wrong credentials count against a limit per source address and per client id (allauth's rate
limiter, ACCOUNT_RATE_LIMITS "api_token"); once it is reached, every try is refused with 429
until the window has passed, the right secret included.
"""

from allauth.core import ratelimit
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from meinekammer.integration.credentials import presented_client_id, token_response

from .problems import problem

_MAX_BODY = 4096


def _client_key(request: HttpRequest) -> str:
    return presented_client_id(
        authorization=request.headers.get("Authorization", ""),
        form_client_id=request.POST.get("client_id"),
    )


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    if len(request.body) > _MAX_BODY:
        return problem("too-large")
    key = _client_key(request) or "-"
    if not ratelimit.consume(request, action="api_token", key=key, dry_run=True):
        return problem("too-many-requests")
    headers, body, status = token_response(
        uri=request.build_absolute_uri(),
        method="POST",
        body=request.body.decode("utf-8", errors="replace"),
        headers={
            name: value
            for name, value in (
                ("Authorization", request.headers.get("Authorization", "")),
                ("Content-Type", request.headers.get("Content-Type", "")),
            )
            if value
        },
    )
    if status == 401 or (status == 400 and '"invalid_client"' in body):
        ratelimit.consume(request, action="api_token", key=key)
    response = HttpResponse(body, status=status, content_type="application/json")
    for name, value in headers.items():
        if name.lower() != "content-type":
            response[name] = value
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response
