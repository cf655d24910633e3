""" "Mehrere Personen einladen (CSV-Datei)": upload, preview, "Einladungen versenden", progress.

The pages parse the upload and show; companies/services/bulk_invitations.py decides. Every page
fetches the company through its admin guard and the batch within that company (404 otherwise).
"""

import csv

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meinekammer.companies.guards import get_company_for_admin
from meinekammer.companies.models import CompanyState, InvitationBatchState
from meinekammer.companies.services import bulk_invitations as bulk
from meinekammer.core.csvfiles import csv_cell
from meinekammer.core.errors import Refused
from meinekammer.web.actors import actor_from
from meinekammer.web.decorators import account_required

from .member_forms import BulkInvitationForm


@account_required
@require_http_methods(["GET", "POST"])
def bulk_invite(request: HttpRequest, company_id: int) -> HttpResponse:
    """The upload form; a good file leads to its preview."""
    company = get_company_for_admin(request.user, company_id)
    form: BulkInvitationForm | None = BulkInvitationForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if company.state != CompanyState.ACTIVE:
        form = None
    elif request.method == "POST" and form is not None and form.is_valid():
        upload = form.cleaned_data["file"]
        # Never more than the limit is read into memory; the use case names the limit.
        data = upload.read(settings.BULK_INVITATION_MAX_BYTES + 1)
        try:
            batch = bulk.check_invitation_file(
                actor_from(request), company_id=company.pk, file_name=upload.name, data=data
            )
        except Refused as error:
            form.add_error("file", error.message)
        else:
            return redirect("companies:bulk_batch", company.pk, batch.pk)
    return render(
        request,
        "companies/bulk_invite.html",
        {
            "company": company,
            "form": form,
            "max_rows": settings.BULK_INVITATION_MAX_ROWS,
            "max_kilobytes": settings.BULK_INVITATION_MAX_BYTES // 1024,
            "per_hour": settings.INVITATIONS_PER_COMPANY_PER_HOUR,
            "left": bulk.invitations_left_this_hour(company),
            "example": bulk.example_rows(),
        },
    )


@account_required
@require_GET
def bulk_example(request: HttpRequest, company_id: int) -> HttpResponse:
    """The example file: `;` as a German spreadsheet writes it, UTF-8 with a byte order mark."""
    get_company_for_admin(request.user, company_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="einladungen-beispiel.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    for line in bulk.example_rows():
        writer.writerow([csv_cell(value) for value in line])
    return response


@account_required
@require_GET
def bulk_batch(request: HttpRequest, company_id: int, batch_id: int) -> HttpResponse:
    """The preview of a checked file, or the progress and the result list once confirmed."""
    company = get_company_for_admin(request.user, company_id)
    batch = bulk.get_batch(company, batch_id)
    progress = bulk.progress_of(batch)
    preview = batch.state == InvitationBatchState.PREVIEW
    return render(
        request,
        "companies/bulk_batch.html",
        {
            "company": company,
            "batch": batch,
            "progress": progress,
            "preview": preview,
            "finished": batch.state == InvitationBatchState.DONE,
            "rows": bulk.result_rows(batch),
            "left": bulk.invitations_left_this_hour(company) if preview else None,
            "status_url": reverse("companies:bulk_status", args=[company.pk, batch.pk]),
        },
    )


@account_required
@require_POST
def bulk_confirm(request: HttpRequest, company_id: int, batch_id: int) -> HttpResponse:
    """ "Einladungen versenden"."""
    company = get_company_for_admin(request.user, company_id)
    batch = bulk.get_batch(company, batch_id)
    try:
        bulk.confirm_invitation_batch(actor_from(request), company_id=company.pk, batch_id=batch.pk)
    except Refused as error:
        messages.error(request, error.message)
    return redirect("companies:bulk_batch", company.pk, batch.pk)


@account_required
@require_GET
def bulk_status(request: HttpRequest, company_id: int, batch_id: int) -> JsonResponse:
    """The progress for the page's script (web/bulk-progress.js)."""
    company = get_company_for_admin(request.user, company_id)
    batch = bulk.get_batch(company, batch_id)
    progress = bulk.progress_of(batch)
    return JsonResponse(
        {
            "done": progress.done,
            "total": progress.total,
            "finished": batch.state == InvitationBatchState.DONE,
        }
    )
