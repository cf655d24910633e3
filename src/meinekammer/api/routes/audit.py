"""The audit log as the pages show it: the chamber's log for a chamber's service account, the
company's "Protokoll" for a company's."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from meinekammer.companies import chamber_log, log
from meinekammer.core.errors import Invalid
from meinekammer.integration.models import ApiScope

from .. import paging
from ..auth import actor, caller
from ..problems import ERRORS
from ..schemas import MAX_ID, AuditEventOut, AuditEventPage

router = Router(tags=["audit"])

DAY = r"^\d{4}-\d{2}-\d{2}$"


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise Invalid(_("%(value)s is not a day (YYYY-MM-DD).") % {"value": value}) from error


@router.get(
    "/audit-events",
    response={200: AuditEventPage, **ERRORS},
    summary="Audit events",
    description="Newest first, as in the portal's log. `kind` is one of the log's filters "
    "(e.g. `members`, `roles`, `requests`); `since` and `until` are days, both included. "
    "Addresses and browsers are never shown.",
)
def list_audit_events(
    request: HttpRequest,
    since: str | None = Query(None, pattern=DAY, description="A day, YYYY-MM-DD (included)."),
    until: str | None = Query(None, pattern=DAY, description="A day, YYYY-MM-DD (included)."),
    kind: str = Query("", max_length=40),
    company_id: int | None = Query(None, ge=1, le=MAX_ID),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(paging.DEFAULT_LIMIT, ge=1, le=paging.MAX_LIMIT),
):
    found = caller(request, ApiScope.AUDIT_READ)
    who = actor(request, found)
    account = found.account
    since_day, until_day = _day(since), _day(until)
    kinds = log.KINDS if account.company_id is not None else chamber_log.KINDS
    if kind and kind not in kinds:
        raise Invalid(_("Unknown kind; one of: %(kinds)s") % {"kinds": ", ".join(kinds)})
    if account.company_id is not None:
        company, events = log.company_log(
            who, company_id=account.company_id, since=since_day, until=until_day, kind=kind
        )
        if company_id is not None and company_id != company.pk:
            events = events.none()
        items, next_cursor = paging.page(events, cursor=cursor, limit=limit, descending=True)
        rows: list[tuple[Any, int | None]] = [(row, company.pk) for row in log.rows(company, items)]
    else:
        _chamber, events = chamber_log.chamber_log(
            who, since=since_day, until=until_day, kind=kind, company_id=company_id
        )
        items, next_cursor = paging.page(events, cursor=cursor, limit=limit, descending=True)
        rows = [(row, row.company_id) for row in chamber_log.rows(items)]
    out = [
        AuditEventOut(
            id=event.pk,
            occurred_at=row.occurred_at,
            action=event.action,
            who=row.who,
            what=row.what,
            whom=row.whom,
            company_id=row_company_id,
            details=row.details,
        )
        for event, (row, row_company_id) in zip(items, rows, strict=True)
    ]
    return AuditEventPage(items=out, next_cursor=next_cursor)
