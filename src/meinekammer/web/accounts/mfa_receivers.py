"""Audit events for the second factors that allauth.mfa adds, resets and removes.

Interface code, like receivers.py: allauth sends these signals with the request. It sends some
of them after the request's transaction has committed (transaction.on_commit: activating the
app, recovery codes), so their event is written just after the change, not with it. allauth
itself sends the owner a notification mail for each change (ACCOUNT_EMAIL_NOTIFICATIONS),
through the account adapter and so through the outbox; the first recovery codes that come
with a new factor get no mail of their own.
"""

from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator

from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction

from .receivers import _acting

_ADDED = {
    Authenticator.Type.TOTP: AuditAction.TOTP_ACTIVATED,
    Authenticator.Type.WEBAUTHN: AuditAction.WEBAUTHN_ADDED,
    Authenticator.Type.RECOVERY_CODES: AuditAction.RECOVERY_CODES_GENERATED,
}


def _data(authenticator: Authenticator) -> dict:
    data: dict = {"authenticator_type": str(authenticator.type)}
    if authenticator.type == Authenticator.Type.WEBAUTHN:
        wrapped = authenticator.wrap()
        data["name"] = wrapped.name[:60]
        # (no "key" or "password" in the names: emit() drops such fields as secrets)
        data["kind"] = "passkey" if wrapped.is_passwordless else "security_key"
    return data


def on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    emit(
        _ADDED[authenticator.type],
        actor=_acting(request, user),
        subject_user=user,
        **_data(authenticator),
    )


def on_authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    emit(
        AuditAction.RECOVERY_CODES_GENERATED,
        actor=_acting(request, user),
        subject_user=user,
        **_data(authenticator),
    )


def on_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    emit(
        AuditAction.AUTHENTICATOR_REMOVED,
        actor=_acting(request, user),
        subject_user=user,
        **_data(authenticator),
    )


_RECEIVERS = (
    (mfa_signals.authenticator_added, on_authenticator_added),
    (mfa_signals.authenticator_reset, on_authenticator_reset),
    (mfa_signals.authenticator_removed, on_authenticator_removed),
)


def connect() -> None:
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, dispatch_uid=f"meinekammer.web.accounts.mfa.{receiver.__name__}")
