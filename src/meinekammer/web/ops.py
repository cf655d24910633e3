"""The operators' endpoints and the per-request bookkeeping, first in MIDDLEWARE.

`OpsMiddleware` gives every request its id (X-Request-ID: the caller's if well-formed, else a
new one; echoed in the response), counts it for the metrics by route name, and answers three
paths itself, before any other middleware (no HTTPS redirect, host check, session, login or
second-factor redirect, no request-wide transaction), always with JSON:

- HEALTH_LIVE_PATH (/healthz/live): 200 while the process runs; touches nothing else.
- HEALTH_READY_PATH (/healthz/ready): 200 or 503 after the database, cache, migration and
  signing-key checks (ops/health.py); the checks' details only for an allowed caller.
- METRICS_PATH (/metrics): Prometheus text format, for an allowed caller only, else 404.

Allowed: a request with `Authorization: Bearer <METRICS_TOKEN>` (when set), or one from
METRICS_ALLOWED_NETWORKS (default loopback) that no proxy relayed (no X-Forwarded-For).
"""

import hmac
import ipaddress
import json
import logging
import time
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from meinekammer.ops import health, metrics
from meinekammer.ops.requestid import accepted, request_id

access_log = logging.getLogger("meinekammer.access")
TOKEN_ROUTE = "oauth2_provider:token"


@lru_cache(maxsize=4)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def is_allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[7:].strip().encode(), token.encode())
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    networks = _networks(tuple(getattr(settings, "METRICS_ALLOWED_NETWORKS", ())))
    return any(address in network for network in networks)


def _json(data: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(data), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _ready(request: HttpRequest) -> HttpResponse:
    results = health.readiness()
    ok = all(value == "ok" for value in results.values())
    body: dict = {"status": "ok" if ok else "unavailable"}
    if is_allowed(request):
        body["checks"] = results
    return _json(body, 200 if ok else 503)


def _metrics(request: HttpRequest) -> HttpResponse:
    if not is_allowed(request):
        return _json({"status": "not found"}, 404)
    response = HttpResponse(
        metrics.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8"
    )
    response["Cache-Control"] = "no-store"
    return response


class OpsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.own = {
            settings.HEALTH_LIVE_PATH: lambda request: _json({"status": "ok"}),
            settings.HEALTH_READY_PATH: _ready,
            settings.METRICS_PATH: _metrics,
        }
        self.access_log = bool(getattr(settings, "ACCESS_LOG", False))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        rid = accepted(request.META.get("HTTP_X_REQUEST_ID"))
        token = request_id.set(rid)
        try:
            own = self.own.get(request.path_info)
            if own is not None and request.method in ("GET", "HEAD"):
                response = own(request)
                response["X-Request-ID"] = rid
                return response
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            match = getattr(request, "resolver_match", None)
            view = (match.view_name or "unnamed") if match is not None else "unmatched"
            if view == TOKEN_ROUTE and request.method == "POST":
                grant_type = metrics.grant_type_label(request.POST.get("grant_type"))
                if response.status_code == 200:
                    metrics.TOKEN_GRANTS.labels(grant_type).inc()
                elif 400 <= response.status_code < 500:
                    metrics.TOKEN_REFUSALS.labels(grant_type).inc()
            metrics.observe(view, request.method or "", response.status_code, started)
            if self.access_log:
                access_log.info(
                    "%s %s %s %.1fms",
                    request.method,
                    view,
                    response.status_code,
                    (time.perf_counter() - started) * 1000,
                )
            return response
        finally:
            request_id.reset(token)
