"""A new version of the "Informationspflichten" is accepted at the next login.

`PrivacyNoticeMiddleware`: a logged-in account that has not accepted the current version of
the privacy information (`PrivacyNotice.objects.current()`) is led to
/konto/informationspflichten/ ("Informationspflichten", the text with the required tick and
"Zustimmen") from every page, and continues afterwards where it was (`?next=`, for GET
requests). The pages it needs to get there or to leave stay open, the same ones as for the
second factor (`required_factor.is_open`): the account pages (/konto/, which also has "Konto
löschen"), allauth's pages (/accounts/: logout), the language switch, the legal pages (the
text on a page of its own), the demo mailbox and static files.

OpenID Connect: the authorization endpoint (/o/authorize/) is guarded the same way; the
authorization request continues after "Zustimmen". A silent request (prompt=none) cannot be
led to a page: the authorization view answers it with `interaction_required` and no code.

Without any published notice nothing is asked. An account that may not act (locked, erased)
is not led here: the pages refuse it anyway.

Cost: one query per guarded request, none for open pages and visitors. The query finds the
current version and whether the account accepted it; the session remembers which version the
account accepted, and while that is still the current one the database is not asked about the
consent again (the query's CASE answers without the subquery).
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import BooleanField, Case, Exists, OuterRef, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from meinekammer.accounts import services
from meinekammer.accounts.models import PrivacyConsent, PrivacyNotice
from meinekammer.accounts.rules import may_act
from meinekammer.web.actors import actor_from, current_user
from meinekammer.web.decorators import account_required

from .forms import PrivacyNoticeForm
from .required_factor import is_open, lead_to, safe_next

# The version of the notice this session's account accepted: {"user": pk, "notice": pk}.
SESSION_KEY = "privacy_notice_accepted"


def _remembered(request: HttpRequest) -> int | None:
    session = getattr(request, "session", None)
    value = session.get(SESSION_KEY) if session is not None else None
    if isinstance(value, dict) and value.get("user") == request.user.pk:
        notice = value.get("notice")
        return notice if isinstance(notice, int) else None
    return None


def remember(request: HttpRequest, notice_pk: int) -> None:
    value = {"user": request.user.pk, "notice": notice_pk}
    if request.session.get(SESSION_KEY) != value:
        request.session[SESSION_KEY] = value


def pending_notice(request: HttpRequest) -> int | None:
    """The current notice's id if the logged-in account has not accepted it, else None (once
    per request, one query)."""
    if not hasattr(request, "_pending_privacy_notice"):
        request._pending_privacy_notice = _pending(request)  # type: ignore[attr-defined]
    return request._pending_privacy_notice  # type: ignore[attr-defined]


def _pending(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    if user is None or not may_act(user):
        return None
    accepted: Exists | Case = Exists(
        PrivacyConsent.objects.filter(user_id=user.pk, notice_id=OuterRef("pk"))
    )
    remembered = _remembered(request)
    if remembered is not None:
        # The version this session accepted needs no look at the consents.
        accepted = Case(
            When(pk=remembered, then=Value(True)), default=accepted, output_field=BooleanField()
        )
    row = (
        PrivacyNotice.objects.published()
        .annotate(accepted=accepted)
        .values_list("pk", "accepted")
        .first()
    )
    if row is None:
        return None  # no notice published: nothing to accept
    notice_pk, is_accepted = row
    if is_accepted:
        remember(request, notice_pk)
        return None
    return notice_pk


def must_accept(request: HttpRequest) -> bool:
    return pending_notice(request) is not None


def consent_url(next_url: str | None = None) -> str:
    url = reverse("accounts:privacy_notice")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class PrivacyNoticeMiddleware:
    """Leads an account that has not accepted the current privacy information to it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not is_open(request)
            and must_accept(request)
        ):
            return lead_to(request, consent_url)
        return self.get_response(request)


@never_cache
@account_required
@require_http_methods(["GET", "POST"])
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """ "Informationspflichten": the current version, the tick and "Zustimmen"; or log out,
    or delete the account."""
    next_url = safe_next(request)
    notice = PrivacyNotice.objects.current()
    user = current_user(request)
    if notice is None or PrivacyConsent.objects.filter(user=user, notice=notice).exists():
        if notice is not None:
            remember(request, notice.pk)
        return redirect(next_url)
    form = PrivacyNoticeForm(request.POST if request.method == "POST" else None, notice=notice)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["version"] != notice.version:
            # Published between showing the page and the tick: this one was not read yet.
            messages.warning(
                request,
                _(
                    "A newer version of the privacy information has just been published. Please read it."
                ),
            )
            form = PrivacyNoticeForm(notice=notice)
        else:
            services.accept_privacy_notice(actor_from(request), notice=notice)
            remember(request, notice.pk)
            messages.success(request, _("Thank you. You have accepted the privacy information."))
            return redirect(next_url)
    return render(
        request,
        "accounts/privacy_notice.html",
        {
            "form": form,
            "notice": notice,
            "notice_text": notice.text_for(translation.get_language() or "de"),
            "next_url": next_url,
        },
    )
