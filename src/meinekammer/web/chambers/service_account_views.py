"""The chamber area's "Dienstkonten": the chamber's own systems that use the REST API
(docs/integration.md). Staff create them (the secret is shown once, on the answer to the
form, and never again), give them a new secret and deactivate them; every change asks for a
recent check of the account, as handing out access does."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.core.errors import Refused
from meinekammer.integration.services import (
    chamber_service_accounts,
    change_service_account_secret,
    create_chamber_service_account,
    deactivate_service_account,
)
from meinekammer.web.actors import actor_from
from meinekammer.web.decorators import recent_check_required

from .forms import ServiceAccountForm


def _page(request: HttpRequest, form: ServiceAccountForm, *, shown=None) -> HttpResponse:
    actor = actor_from(request)
    response = render(
        request,
        "chambers/service_accounts.html",
        {
            "chamber": get_staff_chamber(request.user),
            "accounts": chamber_service_accounts(actor),
            "form": form,
            "shown": shown,
            "token_url": settings.SITE_URL.rstrip("/") + "/api/v1/token",
            "docs_url": "/api/v1/docs",
        },
    )
    response["Cache-Control"] = "no-store"  # the page may show a secret
    return response


@recent_check_required
@require_http_methods(["GET", "POST"])
def service_accounts(request: HttpRequest) -> HttpResponse:
    get_staff_chamber(request.user)
    form = ServiceAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account, secret = create_chamber_service_account(
                actor_from(request),
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except Refused as error:
            form.add_error(None, error.message)
        else:
            return _page(
                request, ServiceAccountForm(), shown={"account": account, "secret": secret}
            )
    return _page(request, form)


@recent_check_required
@require_POST
def new_secret(request: HttpRequest, account_id: int) -> HttpResponse:
    get_staff_chamber(request.user)
    secret = change_service_account_secret(actor_from(request), account_id=account_id)
    account = chamber_service_accounts(actor_from(request)).get(pk=account_id)
    return _page(request, ServiceAccountForm(), shown={"account": account, "secret": secret})


@recent_check_required
@require_POST
def deactivate(request: HttpRequest, account_id: int) -> HttpResponse:
    get_staff_chamber(request.user)
    account = deactivate_service_account(actor_from(request), account_id=account_id)
    messages.success(
        request,
        _("The service account “%(name)s” is deactivated; its tokens no longer work.")
        % {"name": account.name},
    )
    return redirect("chambers:service_accounts")
