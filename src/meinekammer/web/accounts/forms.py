from typing import Any, cast

from allauth.account import forms as allauth_forms
from allauth.account.forms import SignupForm
from allauth.account.internal.userkit import filter_users_by_email
from allauth.core import context as allauth_context
from django import forms
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.urls import reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from meinekammer.accounts.factors import has_factor
from meinekammer.accounts.models import NAME_MAX_LENGTH, PrivacyNotice, Salutation, User
from meinekammer.accounts.validators import PersonalDataValidator
from meinekammer.web.accounts import throttling

EMAIL_MAX_LENGTH = 254
_CONTROL_CHARACTERS = {chr(c) for c in range(32)} | {chr(127)}


def validate_no_control_characters(value: str) -> None:
    if any(ch in _CONTROL_CHARACTERS for ch in value):
        raise ValidationError(_("Please do not use control characters."), code="control_characters")


class NameField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", NAME_MAX_LENGTH)
        super().__init__(**kwargs)
        self.validators.append(validate_no_control_characters)


class PersonalDataFormMixin(forms.Form):
    salutation = forms.ChoiceField(
        label=_("Salutation"), choices=Salutation.choices, widget=forms.RadioSelect
    )
    first_name = NameField(
        label=_("First name"), widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = NameField(
        label=_("Last name"), widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )


class RegistrationForm(PersonalDataFormMixin, SignupForm):
    """ "Jetzt registrieren", step 1 (manual ch. 2): personal data and credentials, then "weiter".

    Every check happens here; the account is created only on step 2 ("Registrierung abschicken",
    `RegistrationConsentForm`). The password leaves this form only as its hash
    (`password_hash`). When the visitor comes back from step 2, the password typed before is
    kept (`kept`: the step-1 data in the session) if both password fields stay empty and name and
    address are unchanged: the password was checked against exactly those.
    """

    field_order = [
        "salutation",
        "first_name",
        "last_name",
        "email",
        "password1",
        "password2",
    ]

    def __init__(self, *args, kept: dict[str, Any] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kept = kept if kept and kept.get("password_hash") else None
        email = cast(forms.CharField, self.fields["email"])
        email.label = _("E-mail address")
        email.max_length = EMAIL_MAX_LENGTH
        email.validators.append(MaxLengthValidator(EMAIL_MAX_LENGTH))
        email.widget.attrs.pop("placeholder", None)
        email.widget.attrs["maxlength"] = str(EMAIL_MAX_LENGTH)
        for name in ("password1", "password2"):
            field = cast(forms.CharField, self.fields[name])
            field.widget.attrs.pop("placeholder", None)
            field.max_length = 1024
            field.validators.append(MaxLengthValidator(1024))
            field.widget.attrs["maxlength"] = "1024"
        self.fields["password1"].label = _("Password")
        self.fields["password1"].help_text = _(
            "At least 12 characters. A long sentence you can remember is a good password. It must "
            "not be a common password or contain your name or e-mail address."
        )
        self.fields["password2"].label = _("Repeat password")
        if self.kept is not None:
            for name in ("password1", "password2"):
                self.fields[name].required = False
            self.fields["password1"].help_text = _(
                "You have already entered a password. Leave both password fields empty to keep "
                "it, or enter a new one twice."
            )
        self.notice = PrivacyNotice.objects.current()

    def _keeps_password(self) -> bool:
        cleaned = self.cleaned_data
        return (
            self.kept is not None
            and not cleaned.get("password1")
            and not cleaned.get("password2")
            and not self.has_error("password1")
            and not self.has_error("password2")
        )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if self._keeps_password():
            kept = cast(dict[str, Any], self.kept)
            same = all(
                cleaned.get(name) == kept.get(name) for name in ("first_name", "last_name", "email")
            )
            if not same:
                # The kept password was checked against the old name and address only.
                self.add_error(
                    "password1",
                    ValidationError(
                        _(
                            "You have changed your name or e-mail address. Please enter your "
                            "password again so that it can be checked against them."
                        ),
                        code="password_again",
                    ),
                )
        password = cleaned.get("password1")
        if password and not self.has_error("password1"):
            probe = User(
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                PersonalDataValidator().validate(password, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        if self.notice is None:
            raise ValidationError(
                _("Registration is not possible at the moment. Please try again later.")
            )
        return cleaned

    def password_hash(self) -> str:
        """The password as the project's hasher stores it (argon2id); never the password itself.

        Hashed for every address alike, new or taken, so step 1 takes as long for both."""
        if self._keeps_password():
            return str(cast(dict[str, Any], self.kept)["password_hash"])
        return make_password(self.cleaned_data["password1"])


class RegistrationConsentForm(forms.Form):
    """ "Jetzt registrieren", step 2 (manual ch. 2): the "Informationspflichten" accepted with the
    required tick, then "Registrierung abschicken"."""

    accept_privacy = forms.BooleanField(
        label=_("I have read the privacy information and accept it."),
        error_messages={"required": _("Please accept the privacy information to register.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.notice = PrivacyNotice.objects.current()
        self.fields["accept_privacy"].help_text = format_html(
            '<a class="kern-link" href="{}" target="_blank" rel="noopener">{}</a>',
            reverse_lazy("web:privacy"),
            _("Read the privacy information on a page of its own (opens in a new window)"),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.notice is None:
            raise ValidationError(
                _("Registration is not possible at the moment. Please try again later.")
            )
        cleaned["privacy_notice"] = self.notice
        return cleaned


class PrivacyNoticeForm(forms.Form):
    """A new version of the "Informationspflichten", accepted with the required tick and
    "Zustimmen" (web/accounts/privacy_notice.py). `version` is the one the page showed."""

    accept_privacy = forms.BooleanField(
        label=_("I have read the privacy information and accept it."),
        error_messages={"required": _("Please accept the privacy information to continue.")},
    )
    version = forms.CharField(widget=forms.HiddenInput, max_length=20)

    def __init__(self, *args, notice: PrivacyNotice, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = notice.version
        self.fields["accept_privacy"].help_text = format_html(
            '<a class="kern-link" href="{}" target="_blank" rel="noopener">{}</a>',
            reverse_lazy("web:privacy"),
            _("Read the privacy information on a page of its own (opens in a new window)"),
        )


class PersonalDataForm(PersonalDataFormMixin, forms.Form):
    """ "Daten ändern" (manual ch. 9, item 1)."""


class LockAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I want to lock my account. I know that I can only unlock it with a link sent to my e-mail address."
        ),
        error_messages={"required": _("Please confirm that you want to lock your account.")},
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        max_length=1024,
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("The password is not correct."), code="wrong_password")
        return password


class UnlockRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class UnlockForm(forms.Form):
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 12 characters. It must not be a common password or contain your name or e-mail address."
        ),
    )
    password2 = forms.CharField(
        label=_("Repeat new password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        from django.contrib.auth.password_validation import validate_password

        super().clean()
        cleaned = self.cleaned_data
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            try:
                validate_password(p1, self.user)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class PlainAllauthFieldsMixin:
    """allauth's forms with our labels: no placeholders repeating the label, no link as hint.

    allauth puts a "forgot your password?" link into the password field's help text; our pages
    show that link below the form, where it is not read out as the field's description.
    """

    labels: dict[str, Any] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            field.widget.attrs.pop("placeholder", None)
            if name in self.labels:
                field.label = self.labels[name]
            if isinstance(field.widget, forms.PasswordInput):
                field.help_text = ""
                field.max_length = field.max_length or 1024
                field.widget.attrs["maxlength"] = "1024"


class LoginForm(PlainAllauthFieldsMixin, allauth_forms.LoginForm):
    labels = {
        "login": _("E-mail address"),
        "password": _("Password"),
        "remember": _("Stay logged in"),
    }


class ChangePasswordForm(PlainAllauthFieldsMixin, allauth_forms.ChangePasswordForm):
    labels = {
        "oldpassword": _("Current password"),
        "password1": _("New password"),
        "password2": _("Repeat new password"),
    }


class ResetPasswordForm(PlainAllauthFieldsMixin, allauth_forms.ResetPasswordForm):
    labels = {"email": _("E-mail address")}


class ResetPasswordKeyForm(PlainAllauthFieldsMixin, allauth_forms.ResetPasswordKeyForm):
    labels = {"password1": _("New password"), "password2": _("Repeat new password")}


class AddEmailForm(PlainAllauthFieldsMixin, allauth_forms.AddEmailForm):
    labels = {"email": _("New e-mail address")}


class ReauthenticateForm(PlainAllauthFieldsMixin, allauth_forms.ReauthenticateForm):
    labels = {"password": _("Password")}

    def clean(self) -> dict[str, Any]:
        # An account with a second factor confirms with it (web.decorators.recently_checked):
        # the password alone would not count, so it is not accepted here either.
        if has_factor(self.user):
            raise ValidationError(_("Please confirm with your second factor."))
        return super().clean()


class RequestLoginCodeForm(PlainAllauthFieldsMixin, allauth_forms.RequestLoginCodeForm):
    """ "Anmeldecode per E-Mail anfordern"."""

    labels = {"email": _("E-mail address")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        email = cast(forms.CharField, self.fields["email"])
        email.max_length = EMAIL_MAX_LENGTH
        email.validators.append(MaxLengthValidator(EMAIL_MAX_LENGTH))
        email.widget.attrs["maxlength"] = str(EMAIL_MAX_LENGTH)

    def clean_email(self) -> str:
        # allauth's own clean_email with the counting per address and source.
        email = self.cleaned_data["email"]
        if email:
            throttling.count_code_request(allauth_context.request, email)
            users = filter_users_by_email(
                email, is_active=True, prefer_verified=True, for_login=True
            )
            self._user = users[0] if users else None
        return email


class ConfirmLoginCodeForm(PlainAllauthFieldsMixin, allauth_forms.ConfirmLoginCodeForm):
    labels = {"code": _("Login code")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].max_length = 64
        self.fields["code"].widget.attrs.update(
            {"maxlength": "64", "autocomplete": "one-time-code"}
        )
