"""Writing the audit log. Call inside the transaction of the change being recorded."""

from typing import Any

from django.http import HttpRequest

from .models import AuditAction, AuditEvent

# Keys whose values must never reach the audit log, whatever a caller passes in.
_SECRET_KEYS = ("password", "token", "key", "code", "secret")
USER_AGENT_MAX_LENGTH = 300


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR is set by the WSGI server; a reverse proxy in front must set it correctly
    # (gunicorn --forwarded-allow-ips), never a header the client controls.
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: AuditAction,
    *,
    request: HttpRequest | None = None,
    actor=None,
    subject_user=None,
    company=None,
    **data: Any,
) -> AuditEvent:
    clean = {k: v for k, v in data.items() if not any(s in k.lower() for s in _SECRET_KEYS)}
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        subject_user=subject_user,
        company=company,
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[
            :USER_AGENT_MAX_LENGTH
        ],
        data=clean,
    )
