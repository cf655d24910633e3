"""Audit events for what allauth and django.contrib.auth do on our behalf.

Interface code: these signals come with the HTTP request. The web app connects them in its
AppConfig.ready (`connect()`). Requests run in one transaction (ATOMIC_REQUESTS), so each event
commits with its change.
"""

from typing import Any

from allauth.account import signals as allauth_signals
from django.contrib.auth import signals as auth_signals
from django.http import HttpRequest

from meinekammer.accounts.models import User
from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.core.actor import Actor, Interface
from meinekammer.web.actors import actor_from, client_ip

from . import devices


def _acting(request: HttpRequest | None, account: Any = None) -> Actor:
    """Who acts through this request: `account` (e.g. the one just logged in), else whoever
    the request is logged in as (nobody for a visitor)."""
    if request is None:  # authenticate() called without a request
        return Actor(user=account, via=Interface.WEB)
    if not hasattr(request, "user"):  # a login outside the middleware (Client.force_login)
        return Actor(
            user=account,
            via=Interface.WEB,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    actor = actor_from(request)
    return actor if account is None else actor.on_behalf(account)


def on_logged_in(sender, request, user, **kwargs) -> None:
    emit(AuditAction.LOGIN, actor=_acting(request, user), subject_user=user)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        emit(AuditAction.LOGOUT, actor=_acting(request, user), subject_user=user)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # credentials arrive with the password already masked; only the address is looked at.
    email = (credentials.get("email") or credentials.get("username") or "")[:254]
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is not None:
        emit(AuditAction.LOGIN_FAILED, actor=_acting(request), subject_user=user)


def on_signed_up(sender, request, user, **kwargs) -> None:
    emit(AuditAction.ACCOUNT_REGISTERED, actor=_acting(request, user), subject_user=user)


def on_email_confirmed(sender, request, email_address, **kwargs) -> None:
    user = email_address.user
    emit(AuditAction.EMAIL_CONFIRMED, actor=_acting(request, user), subject_user=user)


def on_password_changed(sender, request, user, **kwargs) -> None:
    emit(AuditAction.PASSWORD_CHANGED, actor=_acting(request, user), subject_user=user)


def on_password_reset(sender, request, user, **kwargs) -> None:
    # Whoever holds the reset link acts (a visitor); the account is the subject.
    emit(AuditAction.PASSWORD_RESET, actor=_acting(request), subject_user=user)


def on_email_changed(sender, request, user, from_email_address, to_email_address, **kwargs) -> None:
    if from_email_address is None:
        return  # allauth's change-email mode reports the first confirmation as a change
    emit(AuditAction.EMAIL_CHANGED, actor=_acting(request, user), subject_user=user)


_RECEIVERS = (
    (auth_signals.user_logged_in, on_logged_in),
    (auth_signals.user_logged_out, on_logged_out),
    (auth_signals.user_login_failed, on_login_failed),
    (allauth_signals.user_signed_up, on_signed_up),
    (allauth_signals.email_confirmed, on_email_confirmed),
    (allauth_signals.password_changed, on_password_changed),
    (allauth_signals.password_reset, on_password_reset),
    (allauth_signals.email_changed, on_email_changed),
    # The mail on a login from a new device (allauth's signal: it comes with the response).
    (allauth_signals.user_logged_in, devices.mail_if_new_device),
)


def connect() -> None:
    """Called once from WebConfig.ready; connecting twice is harmless (dispatch_uid)."""
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, dispatch_uid=f"meinekammer.web.accounts.{receiver.__name__}")
