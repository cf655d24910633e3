"""Audit events for what allauth and django.contrib.auth do on our behalf.

Requests run in one transaction (ATOMIC_REQUESTS), so each event commits with its change.
"""

from allauth.account import signals as allauth_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from meinekammer.audit.models import AuditAction
from meinekammer.audit.services import record

from .models import User


@receiver(auth_signals.user_logged_in)
def on_logged_in(sender, request, user, **kwargs) -> None:
    record(AuditAction.LOGIN, request=request, actor=user, subject_user=user)


@receiver(auth_signals.user_logged_out)
def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(AuditAction.LOGOUT, request=request, actor=user, subject_user=user)


@receiver(auth_signals.user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # credentials arrive with the password already masked; only the address is looked at.
    email = (credentials.get("email") or credentials.get("username") or "")[:254]
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is not None:
        record(AuditAction.LOGIN_FAILED, request=request, actor=None, subject_user=user)


@receiver(allauth_signals.user_signed_up)
def on_signed_up(sender, request, user, **kwargs) -> None:
    record(AuditAction.ACCOUNT_REGISTERED, request=request, actor=user, subject_user=user)


@receiver(allauth_signals.email_confirmed)
def on_email_confirmed(sender, request, email_address, **kwargs) -> None:
    record(
        AuditAction.EMAIL_CONFIRMED,
        request=request,
        actor=email_address.user,
        subject_user=email_address.user,
    )


@receiver(allauth_signals.password_changed)
def on_password_changed(sender, request, user, **kwargs) -> None:
    record(AuditAction.PASSWORD_CHANGED, request=request, actor=user, subject_user=user)


@receiver(allauth_signals.password_reset)
def on_password_reset(sender, request, user, **kwargs) -> None:
    record(AuditAction.PASSWORD_RESET, request=request, actor=None, subject_user=user)


@receiver(allauth_signals.email_changed)
def on_email_changed(sender, request, user, from_email_address, to_email_address, **kwargs) -> None:
    if from_email_address is None:
        return  # allauth's change-email mode reports the first confirmation as a change
    record(AuditAction.EMAIL_CHANGED, request=request, actor=user, subject_user=user)
