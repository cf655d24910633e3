from allauth.account.views import password_change as allauth_password_change
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from meinekammer.accounts import services
from meinekammer.accounts.factors import has_factor
from meinekammer.accounts.models import PrivacyConsent
from meinekammer.audit.models import AuditEvent
from meinekammer.companies.selectors import list_memberships
from meinekammer.core.errors import Refused
from meinekammer.web.actors import actor_from, current_user
from meinekammer.web.decorators import require_recent_check

from .forms import (
    DeleteAccountForm,
    LockAccountForm,
    PersonalDataForm,
    UnlockForm,
    UnlockRequestForm,
)

SECURITY_EVENTS_SHOWN = 20


def _rate_limited(request: HttpRequest, action: str, key: str | None = None) -> HttpResponse | None:
    if ratelimit.consume(request, action=action, key=key):
        return None
    return render(request, "accounts/rate_limited.html", status=429)


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.security_events_for(request.user)[:SECURITY_EVENTS_SHOWN]
    # For tile (5), "Neues Unternehmenspasswort anfordern", of company admins (manual ch. 9).
    memberships = list_memberships(current_user(request))
    # The versions of the privacy information ("Informationspflichten") the account accepted.
    consents = (
        PrivacyConsent.objects.filter(user=current_user(request))
        .select_related("notice")
        .order_by("-accepted_at")
    )
    return render(
        request,
        "accounts/overview.html",
        {"events": events, "memberships": memberships, "privacy_consents": consents},
    )


@login_required
@require_http_methods(["GET", "POST"])
def personal_data(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = PersonalDataForm(
        request.POST if request.method == "POST" else None,
        initial={
            "salutation": user.salutation,
            "first_name": user.first_name,
            "last_name": user.last_name,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.update_personal_data(actor_from(request), **form.cleaned_data)
        messages.success(request, _("Your personal data has been saved."))
        return redirect("accounts:overview")
    return render(request, "accounts/personal_data.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def lock(request: HttpRequest) -> HttpResponse:
    form = LockAccountForm(request.POST if request.method == "POST" else None)
    blockers: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.lock_account(actor_from(request))
        except Refused as error:
            blockers = error.messages
        else:
            logout(request)  # the other sessions ended with the lock
            return redirect("accounts:locked")
    return render(request, "accounts/lock.html", {"form": form, "blockers": blockers})


@require_GET
def locked(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/locked.html")


@require_http_methods(["GET", "POST"])
def unlock_request(request: HttpRequest) -> HttpResponse:
    form = UnlockRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        limited = _rate_limited(request, "unlock_account", key=email)
        if limited:
            return limited
        services.request_unlock(actor_from(request), email=email)
        # The same answer whether or not such a locked account exists: no enumeration.
        return render(request, "accounts/unlock_request_sent.html")
    return render(request, "accounts/unlock_request.html", {"form": form})


@require_http_methods(["GET", "POST"])
def unlock(request: HttpRequest, uidb36: str, token: str) -> HttpResponse:
    limited = _rate_limited(request, "reset_password_from_key")
    if limited:
        return limited
    user = services.find_account_to_unlock(uidb36=uidb36, token=token)
    if user is None:
        return render(request, "accounts/unlock_invalid.html", status=400)
    form = UnlockForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        services.unlock_account(
            actor_from(request), account=user, new_password=form.cleaned_data["password1"]
        )
        messages.success(
            request, _("Your account is unlocked. You can log in with your new password.")
        )
        return redirect("account_login")
    return render(request, "accounts/unlock.html", {"form": form})


@require_http_methods(["GET", "POST"])
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    """Send the confirmation link again; the same answer whether or not the address is known."""
    form = UnlockRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        limited = _rate_limited(request, "resend_confirmation")
        if limited:
            return limited
        email = form.cleaned_data["email"].lower()
        # allauth's cool-down per address applies silently: a refusal here would tell that the
        # address has an account waiting for confirmation.
        if ratelimit.consume(request, action="confirm_email", key=email):
            services.resend_confirmation(actor_from(request), email=email)
        return render(request, "accounts/confirmation_resent.html")
    return render(request, "accounts/resend_confirmation.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    blockers = services.list_reasons_against_deletion(actor_from(request))
    form = DeleteAccountForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST":
        if has_factor(user):
            # The form asks for the password; an account with a second factor confirms
            # with it too (web.decorators.recently_checked).
            require_recent_check(request)
        limited = _rate_limited(request, "delete_account")
        if limited:
            return limited
        if form.is_valid():
            try:
                services.delete_account(actor_from(request))
            except Refused as error:
                blockers = error.messages
            else:
                logout(request)
                return render(request, "accounts/deleted.html")
    return render(request, "accounts/delete.html", {"form": form, "blockers": blockers})


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """allauth's "change password" page. It asks for the current password itself; an account
    with a second factor confirms with the factor too (web.decorators.recently_checked)."""
    if request.method == "POST" and has_factor(request.user):
        require_recent_check(request)
    return allauth_password_change(request)
