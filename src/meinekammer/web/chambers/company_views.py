"""The chamber area's pages about single companies (issue 16): the company page, the letters
sent and not used with "Erinnerung senden", and the deletions carried out.

The views parse input, call the reads of companies.chamber_companies and the use case
companies.services.reminders, and render.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.companies import chamber_companies, chamber_log
from meinekammer.companies.services.reminders import send_activation_reminder
from meinekammer.core.errors import Refused
from meinekammer.web.actors import actor_from

PAGE_SIZE = 25
HISTORY_SIZE = 20


@login_required
@require_GET
def company(request: HttpRequest, company_id: int) -> HttpResponse:
    detail = chamber_companies.company_detail(request.user, company_id)
    chamber = detail.company.chamber
    _chamber, events = chamber_log.chamber_log(actor_from(request), company_id=detail.company.pk)
    history = chamber_log.rows(events[:HISTORY_SIZE])
    return render(
        request,
        "chambers/company.html",
        {
            "chamber": chamber,
            "detail": detail,
            "company": detail.company,
            "history": history,
            "more_history": events.count() > len(history),
            "interval_days": settings.ACTIVATION_REMINDER_INTERVAL_DAYS,
        },
    )


@login_required
@require_POST
def remind(request: HttpRequest, company_id: int) -> HttpResponse:
    """ "Erinnerung senden": a message says what happened; a second click is refused."""
    try:
        send_activation_reminder(actor_from(request), company_id=company_id)
    except Refused as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The reminder has been sent to the applicant by e-mail."))
    if request.POST.get("back") == "unused":
        return redirect("chambers:unused_letters")
    return redirect("chambers:company", company_id)


@login_required
@require_GET
def unused_letters(request: HttpRequest) -> HttpResponse:
    chamber = get_staff_chamber(request.user)
    page = Paginator(chamber_companies.unused_letters(chamber), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "chambers/unused_letters.html",
        {
            "chamber": chamber,
            "page": page,
            "days": settings.ACTIVATION_LETTER_UNUSED_DAYS,
            "interval_days": settings.ACTIVATION_REMINDER_INTERVAL_DAYS,
        },
    )


@login_required
@require_GET
def executed_deletions(request: HttpRequest) -> HttpResponse:
    chamber = get_staff_chamber(request.user)
    page = Paginator(chamber_companies.executed_deletions(chamber), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "chambers/executed_deletions.html",
        {
            "chamber": chamber,
            "page": page,
            "rows": chamber_companies.with_directory_entries(chamber, list(page.object_list)),
        },
    )
