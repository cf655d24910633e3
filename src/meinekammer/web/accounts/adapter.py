"""allauth's account adapter: how allauth's login, signup and mails fit the portal.

Interface code (allauth calls it with the HTTP request). Its mails go through the outbox, and
every link in them is built from SITE_URL (`core.links.absolute_url`), never from the Host
header of the request that caused the mail.
"""

from typing import Any
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from meinekammer.accounts.factors import has_factor
from meinekammer.accounts.models import PrivacyNotice, User
from meinekammer.accounts.services import accept_privacy_notice
from meinekammer.core.links import absolute_url
from meinekammer.notifications.services import queue_email
from meinekammer.web.accounts import throttling
from meinekammer.web.actors import actor_from
from meinekammer.web.decorators import recently_checked


def language_for_address(email: str) -> str:
    """Mail goes out in the recipient's language: the account's, else the current one."""
    address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
    if address is not None:
        return address.user.language
    user = User.objects.filter(email__iexact=email).only("language").first()
    if user is not None:
        return user.language
    return translation.get_language() or "de"


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's mails go through the outbox like every other mail."""
        request = allauth_context.request
        language = language_for_address(email)
        with translation.override(language):
            site = {"name": "meinekammer", "domain": urlsplit(settings.SITE_URL).netloc}
            ctx = {"request": request, "email": email, "current_site": site}
            ctx.update(context)
            if "signup_url" in ctx:  # "unknown account" and "account already exists" mails
                ctx["signup_url"] = absolute_url(reverse("account_signup"))
            message = self.render_mail(template_prefix, email, ctx)
        queue_email(
            to=email,
            subject=message.subject,
            body_text=message.body,
            language=language,
            template=template_prefix,
        )

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation) -> str:
        return absolute_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        # allauth passes the opaque "uidb36-key"; its url takes the two parts.
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute_url(path.replace("UID-KEY", quote(key)))

    def send_account_already_exists_mail(self, email: str) -> None:
        ctx = {
            "signup_url": absolute_url(reverse("account_signup")),
            "password_reset_url": absolute_url(reverse("account_reset_password")),
        }
        self.send_mail("account/email/account_already_exists", email, ctx)

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.salutation = data.get("salutation") or user.salutation
        if data.get("password_hash"):
            # Two-step registration (web/accounts/registration.py): step 1 hashed the password
            # with the project's hasher; the password itself never reached step 2.
            user.password = data["password_hash"]
        user.language = (translation.get_language() or "de")[:2]
        if commit:
            user.save()
            notice = data.get("privacy_notice")
            if isinstance(notice, PrivacyNotice):
                # The visitor who registers is the new account.
                accept_privacy_notice(actor_from(request).on_behalf(user), notice=notice)
        return user

    def pre_login(self, request: HttpRequest, user, **kwargs: Any) -> HttpResponse | None:
        if getattr(user, "locked_at", None) is not None:
            clear_login(request)
            return redirect("accounts:locked")
        return super().pre_login(request, user, **kwargs)

    def login(self, request: HttpRequest, user) -> None:
        # A lock that came between the password and the second step (code, key) still holds.
        if getattr(user, "locked_at", None) is not None:
            clear_login(request)
            raise ImmediateHttpResponse(redirect("accounts:locked"))
        super().login(request, user)

    def add_message(
        self,
        request,
        level,
        message_template=None,
        message_context=None,
        extra_tags="",
        message=None,
    ) -> None:
        # allauth's "signed in as …" message repeats what the page shows; keep the others.
        if message_template == "account/messages/logged_in.txt":
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    # Failed passwords count per account and source (web/accounts/throttling.py), not per
    # address alone: a stranger's wrong passwords must not lock out the owner.
    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        attempt = throttling.Attempt(request, credentials)
        attempt.begin()
        self._login_attempt = attempt

    def authenticate(self, request: HttpRequest, **credentials: Any):
        user = super().authenticate(request, **credentials)
        attempt = getattr(self, "_login_attempt", None)
        if user is not None and attempt is not None:
            attempt.succeeded()
        return user

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        # allauth calls this after a password reset (its private hook).
        throttling.clear_account(request, throttling.login_identifier(credentials))

    def get_client_ip(self, request: HttpRequest) -> str:
        return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104

    # --- Re-authentication for sensitive actions (web.decorators.recently_checked) -------------

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """allauth's pages (e-mail, password, factors) ask only when `recently_checked` says
        the last check is too old, as the portal's own sensitive actions do."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request or allauth_context.request
        return request is None or not recently_checked(request)

    def get_reauthentication_methods(self, user) -> list[dict]:
        """An account with a second factor confirms with it (the first method is where
        allauth sends the user); the password is offered only to accounts without one."""
        methods = super().get_reauthentication_methods(user)
        if user.is_authenticated and has_factor(user):
            return [m for m in methods if m["id"].startswith("mfa_reauthenticate")] or methods
        return methods
