""" "Protokoll" of the chamber (issue 16): the page with its filter, and the CSV export.

The filter form, the paging and the CSV machinery are the company log's
(web/companies/log_views.py); only the kinds and the columns differ.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from meinekammer.companies import chamber_log
from meinekammer.web.actors import actor_from
from meinekammer.web.companies.log_views import (
    EVENTS_PER_PAGE,
    LogFilterForm,
    csv_response,
    csv_time,
)


class ChamberLogFilterForm(LogFilterForm):
    kinds = staticmethod(chamber_log.kind_choices)
    # Set by the link "Ganzes Protokoll" of a company page; the name is shown, not the field.
    company = forms.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput
    )


def _filtered(request: HttpRequest):
    form = ChamberLogFilterForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    filters = form.cleaned_data if form.is_bound and valid else {}
    chamber, events = chamber_log.chamber_log(
        actor_from(request),
        since=filters.get("since"),
        until=filters.get("until"),
        person=filters.get("person", ""),
        kind=filters.get("kind", ""),
        company_id=filters.get("company"),
    )
    return form, valid, chamber, events, filters.get("company")


def _page(request: HttpRequest, form, valid, chamber, events, company_id) -> HttpResponse:
    page = Paginator(events if valid else events.none(), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    export = request.GET.copy()
    export.pop("page", None)
    return render(
        request,
        "chambers/log.html",
        {
            "chamber": chamber,
            "form": form,
            "valid": valid,
            "page": page,
            "rows": chamber_log.rows(page.object_list) if valid else [],
            "export_query": export.urlencode(),
            "company_name": chamber_log.company_name_for(chamber, company_id),
        },
    )


@login_required
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    return _page(request, *_filtered(request))


@login_required
@require_GET
def log_csv(request: HttpRequest) -> HttpResponse:
    form, valid, chamber, events, company_id = _filtered(request)
    if not valid:
        return _page(request, form, valid, chamber, events, company_id)
    return csv_response(
        f"protokoll-kammer-{chamber.number}-{timezone.localdate():%Y-%m-%d}.csv",
        [_("Time"), _("Who"), _("What"), _("Company"), _("Whom"), _("Details")],
        (
            (csv_time(row.occurred_at), row.who, row.what, row.company, row.whom, row.details)
            for row in chamber_log.rows(events.iterator(chunk_size=500))
        ),
    )
