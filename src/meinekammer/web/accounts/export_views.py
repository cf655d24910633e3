"""Meine Daten herunterladen (GDPR Art. 15 and 20): the page that explains the export, the JSON
file and the same data as a readable, printable page. What is in it comes from the sections
the domain apps register (accounts/export.py).

The two downloads are GET links (nothing changes but the audit event), behind a recent check
of the account (the second factor, else the password: web.decorators.recently_checked) and
ACCOUNT_RATE_LIMITS["export_data"] per account.
"""

import json
from datetime import date, datetime
from typing import Any

from allauth.core.internal import ratelimit
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from meinekammer.accounts.export import export_personal_data, export_sections
from meinekammer.web.actors import actor_from
from meinekammer.web.decorators import account_required, require_recent_check

RATE_LIMIT_ACTION = "export_data"


@account_required
@require_GET
def data_export(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/data_export.html", {"sections": export_sections()})


def _guard(request: HttpRequest) -> HttpResponse | None:
    require_recent_check(request)  # the whole account in one file: a sensitive action
    # allauth's public `ratelimit.consume` never counts a GET; these downloads are GETs.
    usage = ratelimit.consume(
        request, app="allauth.account", action=RATE_LIMIT_ACTION, user=request.user, limit_get=True
    )
    if not usage:
        return render(request, "accounts/rate_limited.html", status=429)
    return None


@never_cache
@account_required
@require_GET
def data_export_json(request: HttpRequest) -> HttpResponse:
    refused = _guard(request)
    if refused:
        return refused
    data = export_personal_data(actor_from(request), output="json")
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"meinekammer-daten-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value) or "–"
    if value is None or value == "":
        return "–"
    return str(value)


def _rows(section, value: Any) -> list[list[tuple[str, str]]]:
    records = [value] if isinstance(value, dict) else list(value)
    return [
        [(str(section.labels.get(key, key)), _shown(v)) for key, v in record.items()]
        for record in records
    ]


@never_cache
@account_required
@require_GET
def data_export_page(request: HttpRequest) -> HttpResponse:
    refused = _guard(request)
    if refused:
        return refused
    data = export_personal_data(actor_from(request), output="html")
    sections = [
        {"name": s.name, "title": s.title, "records": _rows(s, data.get(s.name) or [])}
        for s in export_sections()
    ]
    return render(
        request,
        "accounts/data_export_page.html",
        {"sections": sections, "exported_at": data["exported_at"]},
    )
