""" "Verzeichnis" of the chamber area: the directory, its upload, and the page of each upload.

The pages parse the upload and show; chambers/imports.py decides. Every page fetches the
chamber through the staff guard and the import within that chamber (404 otherwise).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from meinekammer.chambers import imports
from meinekammer.chambers.directory import search_directory
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.chambers.models import Chamber, DirectoryImport
from meinekammer.core.errors import Refused
from meinekammer.web.actors import actor_from

from .forms import DirectoryUploadForm
from .views import _page, _query


def _directory_page(
    request: HttpRequest, chamber: Chamber, form: DirectoryUploadForm
) -> HttpResponse:
    query = _query(request)
    page = _page(search_directory(chamber, query), request.GET.get("page"), searched=bool(query))
    return render(
        request,
        "chambers/directory.html",
        {
            "chamber": chamber,
            "page": page,
            "query": query,
            "form": form,
            "imports": imports.list_directory_imports(chamber),
            "max_bytes": settings.DIRECTORY_UPLOAD_MAX_BYTES,
        },
    )


@login_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    chamber = get_staff_chamber(request.user)
    return _directory_page(request, chamber, DirectoryUploadForm())


@login_required
@require_POST
def directory_upload(request: HttpRequest) -> HttpResponse:
    """ "Verzeichnis hochladen": a good file leads to the page of its import."""
    chamber = get_staff_chamber(request.user)
    form = DirectoryUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        # Never more than the limit is read into memory; the use case names the limit.
        content = upload.read(settings.DIRECTORY_UPLOAD_MAX_BYTES + 1)
        try:
            job = imports.start_directory_import(
                actor_from(request), chamber=chamber, file_name=upload.name, content=content
            )
        except Refused as error:
            form.add_error("file", error.message)
        else:
            return redirect("chambers:directory_import", job.pk)
    return _directory_page(request, chamber, form)


def _progress(job: DirectoryImport) -> tuple[int, int]:
    """(rows read, rows expected): the bar never runs past its end."""
    return job.rows_read, max(job.rows_expected, job.rows_read)


@login_required
@require_GET
def directory_import(request: HttpRequest, import_id: int) -> HttpResponse:
    """The state of an upload: its progress while it runs, then its counts and rejected lines."""
    chamber = get_staff_chamber(request.user)
    job = imports.directory_import_for(chamber, import_id)
    done, total = _progress(job)
    return render(
        request,
        "chambers/directory_import.html",
        {
            "chamber": chamber,
            "job": job,
            "done": done,
            "total": total,
            "more_rejections": job.rejected - len(job.rejections),
            "status_url": reverse("chambers:directory_import_status", args=[job.pk]),
        },
    )


@login_required
@require_GET
def directory_import_status(request: HttpRequest, import_id: int) -> JsonResponse:
    """The progress for the page's script (web/bulk-progress.js)."""
    chamber = get_staff_chamber(request.user)
    job = imports.directory_import_for(chamber, import_id)
    done, total = _progress(job)
    return JsonResponse({"done": done, "total": total, "finished": not job.is_active})
