""" "Jetzt registrieren" in two steps (manual ch. 2).

Step 1 (`account_signup`, allauth's URL and name, so every link and mail keeps working) takes
the personal data and the password and checks all of it, then "weiter". Step 2
(`account_signup_consent`) shows the "Informationspflichten" with the required tick and
"Registrierung abschicken"; only then is the account created, through allauth's own signup
flow, so e-mail confirmation, the signals and the answer for an address that already has an
account (the same page, and a mail to its owner) stay exactly as allauth gives them.

Between the steps the session holds the step-1 data, and of the password only its hash made with
the project's hasher (argon2id): the password itself is never stored, not even for 30 minutes.
The data expire after `STEP_SECONDS`; step 2 without them sends the visitor back to step 1.

Rate limit: every step-1 submission counts against allauth's "signup" limit (it costs a
password hash); step 2 can create at most one account per step-1 submission, because it
consumes the stored data.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from allauth.account.internal import flows
from allauth.account.mixins import (
    CloseableSignupMixin,
    NextRedirectMixin,
    RedirectAuthenticatedUserMixin,
)
from allauth.account.models import EmailAddress
from allauth.account.utils import setup_user_email
from allauth.account.views import SignupView
from allauth.core.exceptions import ImmediateHttpResponse
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic.edit import FormView

from .forms import RegistrationConsentForm, RegistrationForm

SESSION_KEY = "meinekammer_registration"
# How long the data of step 1 wait for step 2.
STEP_SECONDS = 30 * 60
_PERSONAL_FIELDS = ("salutation", "first_name", "last_name", "email")


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    """The step-1 data of this session if they are complete and fresh, else None."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    saved_at = data.get("saved_at")
    if not isinstance(saved_at, int | float) or time.time() - saved_at > STEP_SECONDS:
        return None
    if not all(isinstance(data.get(name), str) for name in (*_PERSONAL_FIELDS, "password_hash")):
        return None
    return data


def _is_stale(request: HttpRequest) -> bool:
    return SESSION_KEY in request.session and _pending(request) is None


def _forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def _with_next(url: str, next_url: str | None) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _safe_next(request: HttpRequest, value: object) -> str | None:
    if isinstance(value, str) and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


class RegistrationView(SignupView):
    """Step 1. allauth's signup view (rate limit "signup", CSRF, a logged-in visitor is sent
    on, the invitation's `?email=` prefilled), but "weiter" stores instead of creating."""

    form_class = RegistrationForm

    def get_form_class(self):
        return RegistrationForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _is_stale(request):
            _forget(request)
            messages.info(request, _expired_message())
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["kept"] = _pending(self.request)
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        pending = _pending(self.request) or {}
        initial = {name: pending[name] for name in _PERSONAL_FIELDS if name in pending}
        initial.update(super().get_initial())  # the invitation's ?email= wins
        return initial

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["password_kept"] = _pending(self.request) is not None
        return context

    def form_valid(self, form: RegistrationForm) -> HttpResponse:
        data = {name: form.cleaned_data[name] for name in _PERSONAL_FIELDS}
        data["password_hash"] = form.password_hash()
        data["saved_at"] = time.time()
        data["next"] = self.get_next_url()
        self.request.session[SESSION_KEY] = data
        return redirect(_with_next(reverse("account_signup_consent"), data["next"]))


def _expired_message() -> str:
    return _(
        "Your entries were kept for 30 minutes only and have expired. Please enter your data again."
    )


@method_decorator(never_cache, name="dispatch")
class RegistrationConsentView(
    RedirectAuthenticatedUserMixin, CloseableSignupMixin, NextRedirectMixin, FormView
):
    """Step 2: the "Informationspflichten", the tick, "Registrierung abschicken"."""

    template_name = "account/signup_consent.html"
    form_class = RegistrationConsentForm
    http_method_names = ["get", "post"]
    pending: dict[str, Any] | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            self.pending = _pending(request)
            if self.pending is None:
                stale = _is_stale(request)
                _forget(request)
                if stale:
                    messages.info(request, _expired_message())
                else:
                    messages.info(request, _("Please enter your personal data first."))
                return redirect(_with_next(reverse("account_signup"), self._next()))
        return super().dispatch(request, *args, **kwargs)

    def _next(self) -> str | None:
        pending = self.pending or {}
        return _safe_next(self.request, pending.get("next")) or self.get_next_url()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        notice = context["form"].notice
        next_url = self._next()
        context.update(
            {
                "pending": self.pending,
                "notice": notice,
                "notice_text": (
                    notice.text_for(translation.get_language() or "de") if notice else ""
                ),
                "back_url": _with_next(reverse("account_signup"), next_url),
                "redirect_field_value": next_url,
            }
        )
        return context

    def form_valid(self, form: RegistrationConsentForm) -> HttpResponse:
        pending = self.pending
        assert pending is not None  # dispatch sent visitors without step-1 data back
        next_url = self._next()
        _forget(self.request)
        # The address is looked at again: an account may have been made with it meanwhile.
        email, exists = flows.manage_email.email_already_exists(pending["email"])
        try:
            if exists:
                # allauth's answer for a taken address: the same "confirm your address" page
                # as for a new one, and a mail to the owner (ACCOUNT_PREVENT_ENUMERATION).
                return flows.signup.prevent_enumeration(self.request, email=email)
            form.cleaned_data.update({name: pending[name] for name in _PERSONAL_FIELDS})
            form.cleaned_data["email"] = email
            form.cleaned_data["password_hash"] = pending["password_hash"]
            adapter = get_adapter(self.request)
            user = adapter.save_user(self.request, adapter.new_user(self.request), form)
            setup_user_email(self.request, user, [EmailAddress(email=email)])
            return flows.signup.complete_signup(self.request, user=user, redirect_url=next_url)
        except ImmediateHttpResponse as e:
            return e.response


registration = RegistrationView.as_view()
registration_consent = RegistrationConsentView.as_view()
