""" "Unternehmen löschen" and "Unternehmenslöschung widerrufen" (manual ch. 7, 8)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from meinekammer.companies.guards import get_company_for_admin
from meinekammer.companies.models import CompanyState
from meinekammer.companies.services.deletion import (
    pending_deletion,
    request_company_deletion,
    revoke_company_deletion,
)
from meinekammer.core.errors import Refused
from meinekammer.web.actors import actor_from
from meinekammer.web.decorators import require_recent_check

from .member_forms import DeletionForm


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, company_id: int) -> HttpResponse:
    """Step 1: the reason, "Unternehmen löschen". Step 2: "Bestätigen" or "Abbruch".

    Works without JavaScript: the confirmation is a page of its own; "Abbruch" returns to the
    filled form.
    """
    company = get_company_for_admin(request.user, company_id)
    if company.state != CompanyState.ACTIVE:
        return redirect("companies:revoke_deletion", company.pk)
    form = DeletionForm(request.POST if request.method == "POST" else None)
    context = {"company": company, "form": form}
    if request.method == "POST" and form.is_valid():
        if "cancel" in request.POST:
            context["form"] = DeletionForm(initial={"reason": form.cleaned_data["reason"]})
            return render(request, "companies/delete.html", context)
        if "confirm" not in request.POST:
            return render(request, "companies/delete_confirm.html", context)
        require_recent_check(request)  # a sensitive action: the second factor, else the password
        try:
            deletion = request_company_deletion(
                actor_from(request), company_id=company.pk, reason=form.cleaned_data["reason"]
            )
        except Refused as error:
            form.add_error(None, error.message)
        else:
            return render(
                request,
                "companies/deletion_requested.html",
                {"company": deletion.company, "deletion": deletion},
            )
    return render(request, "companies/delete.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, company_id: int) -> HttpResponse:
    """ "Löschung widerrufen"."""
    company = get_company_for_admin(request.user, company_id)
    deletion = pending_deletion(company)
    error = None
    if request.method == "POST":
        try:
            deletion = revoke_company_deletion(actor_from(request), company_id=company.pk)
        except Refused as refusal:
            error = refusal.message
        else:
            return render(
                request,
                "companies/deletion_revoked.html",
                {"company": deletion.company, "deletion": deletion},
            )
    return render(
        request,
        "companies/revoke_deletion.html",
        {"company": company, "deletion": deletion, "error": error},
    )
