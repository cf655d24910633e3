""" "Protokoll" of a company (issue 16): the page with its filter, and the CSV export."""

import csv
from collections.abc import Iterable
from datetime import date, datetime

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from meinekammer.companies.log import company_log, kind_choices, rows
from meinekammer.core.csvfiles import csv_cell
from meinekammer.core.text import SEARCH_MAX_LENGTH, clean_search
from meinekammer.web.actors import actor_from
from meinekammer.web.decorators import account_required

EVENTS_PER_PAGE = 50
EARLIEST_YEAR = 2000
LATEST_YEAR = 2999


# A text field, not type="date": Chromium's date field hides its keyboard focus (WCAG 2.4.7).
DATE_HINT = gettext_lazy("For example 2026-12-31")


class LogFilterForm(forms.Form):
    since = forms.DateField(
        label=gettext_lazy("Period from"),
        required=False,
        help_text=DATE_HINT,
        widget=forms.DateInput(attrs={"autocomplete": "off"}),
    )
    until = forms.DateField(
        label=gettext_lazy("Period until"),
        required=False,
        help_text=DATE_HINT,
        widget=forms.DateInput(attrs={"autocomplete": "off"}),
    )
    person = forms.CharField(
        label=gettext_lazy("Person (name or e-mail address)"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)

    # The kinds of the log (the chamber's log has its own, web/chambers/log_views.py).
    kinds = staticmethod(kind_choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [("", _("All")), *self.kinds()]

    def _in_range(self, name: str) -> date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise forms.ValidationError(
                _("Please enter a date between %(first)s and %(last)s.")
                % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
            )
        return day

    def clean_since(self):
        return self._in_range("since")

    def clean_until(self):
        return self._in_range("until")

    def clean_person(self):
        return clean_search(self.cleaned_data.get("person", ""))

    def clean(self):
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period must not be before its start."))
        return data


def _filtered(request: HttpRequest, company_id: int):
    form = LogFilterForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    filters = form.cleaned_data if form.is_bound and valid else {}
    company, events = company_log(
        actor_from(request),
        company_id=company_id,
        since=filters.get("since"),
        until=filters.get("until"),
        person=filters.get("person", ""),
        kind=filters.get("kind", ""),
    )
    return form, valid, company, events


@account_required
@require_GET
def log(request: HttpRequest, company_id: int) -> HttpResponse:
    form, valid, company, events = _filtered(request, company_id)
    page = Paginator(events if valid else events.none(), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    export = request.GET.copy()
    export.pop("page", None)
    return render(
        request,
        "companies/log.html",
        {
            "company": company,
            "form": form,
            "valid": valid,
            "page": page,
            "rows": rows(company, page.object_list),
            "export_query": export.urlencode(),
        },
    )


def csv_response(
    filename: str, header: list[str], lines: Iterable[Iterable[object]]
) -> HttpResponse:
    """A CSV download (UTF-8 with byte order mark, for Excel) with every cell neutralized."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # the byte order mark: Excel then reads UTF-8
    writer = csv.writer(response)
    writer.writerow([csv_cell(value) for value in header])
    for line in lines:
        writer.writerow([csv_cell(value) for value in line])
    return response


def csv_time(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


@account_required
@require_GET
def log_csv(request: HttpRequest, company_id: int) -> HttpResponse:
    form, valid, company, events = _filtered(request, company_id)
    if not valid:
        page = Paginator(events.none(), EVENTS_PER_PAGE).get_page(1)
        return render(
            request,
            "companies/log.html",
            {"company": company, "form": form, "valid": False, "page": page, "rows": []},
        )
    filename = (
        f"protokoll-{slugify(company.name) or company.pk}-{timezone.localdate():%Y-%m-%d}.csv"
    )
    return csv_response(
        filename,
        [_("Time"), _("Who"), _("What"), _("Whom"), _("Details")],
        (
            (csv_time(row.occurred_at), row.who, row.what, row.whom, row.details)
            for row in rows(company, events.iterator(chunk_size=500))
        ),
    )
