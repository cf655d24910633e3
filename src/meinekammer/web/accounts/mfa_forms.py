"""allauth's MFA forms with the portal's limits on what a visitor may type (MFA_FORMS).

A code is at most CODE_MAX_LENGTH characters and has no control characters: such input is
refused by the field before allauth looks at it. The names of security keys get the same
limits as the other names in the portal.
"""

from typing import Any

from allauth.account.internal.flows.login import record_authentication
from allauth.core import context
from allauth.mfa.base import forms as base_forms
from allauth.mfa.models import Authenticator
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.webauthn import forms as webauthn_forms
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .forms import validate_no_control_characters

# Recovery codes have 8 digits, TOTP codes 6; grouping spaces or dashes are allowed.
CODE_MAX_LENGTH = 20
KEY_NAME_MAX_LENGTH = 60


def _code_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=CODE_MAX_LENGTH,
        validators=[validate_no_control_characters],
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )


def _name_field(*, required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("Name of the key"),
        help_text=_("So that you can tell your keys apart, e.g. “Laptop” or “Phone”."),
        required=required,
        max_length=KEY_NAME_MAX_LENGTH,
        validators=[validate_no_control_characters],
    )


class ActivateTOTPForm(totp_forms.ActivateTOTPForm):
    code = _code_field(_("Code from the authenticator app"))

    def clean_code(self) -> str:
        code = super().clean_code()
        # The code that set the app up is spent: it cannot log in a second time.
        TOTP(Authenticator(user=self.user, type=Authenticator.Type.TOTP))._mark_code_used(code)
        _record_check(self.user, "totp")
        return code


def _record_check(user, kind: str) -> None:
    """The code or key that was just set up proved that the user holds it: it counts as a
    check of the account with the new factor (allauth's record of this session's
    authentication steps), so the recovery codes shown next do not ask for it again."""
    record_authentication(context.request, user, "mfa", type=kind, reauthenticated=True)


class AuthenticateForm(base_forms.AuthenticateForm):
    code = _code_field(_("Code"))


class ReauthenticateForm(base_forms.ReauthenticateForm):
    code = _code_field(_("Code"))


# fido2 reads the browser's answer with plain dict access: a forged answer (no "rawId", a list
# instead of an object) raises KeyError and the like, which allauth lets through as a 500.
_UNREADABLE = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def _unreadable_key() -> ValidationError:
    return ValidationError(
        _("The answer of the security key could not be read. Please try again."),
        code="unreadable_credential",
    )


class _ReadsKeyAnswer:
    def clean_credential(self):
        try:
            return super().clean_credential()  # type: ignore[misc]
        except _UNREADABLE as error:
            raise _unreadable_key() from error


class AuthenticateWebAuthnForm(_ReadsKeyAnswer, webauthn_forms.AuthenticateWebAuthnForm):
    pass


class LoginWebAuthnForm(_ReadsKeyAnswer, webauthn_forms.LoginWebAuthnForm):
    pass


class ReauthenticateWebAuthnForm(_ReadsKeyAnswer, webauthn_forms.ReauthenticateWebAuthnForm):
    pass


class AddWebAuthnForm(webauthn_forms.AddWebAuthnForm):
    name = _name_field(required=False)
    if "passwordless" in webauthn_forms.AddWebAuthnForm.base_fields:
        passwordless = forms.BooleanField(
            label=_("Use as a passkey (log in without a password)"),
            required=False,
            help_text=_(
                "With a passkey you log in with this key alone. The key then asks for your "
                "fingerprint, face or PIN."
            ),
        )

    def clean(self) -> dict:
        try:
            cleaned_data = super().clean()
        except _UNREADABLE as error:
            raise _unreadable_key() from error
        if cleaned_data.get("credential") and not self.errors:
            _record_check(self.user, "webauthn")
        return cleaned_data


class EditWebAuthnForm(webauthn_forms.EditWebAuthnForm):
    name = _name_field(required=True)
