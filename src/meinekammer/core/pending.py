"""Deciding a pending record: the one way a registration, a request, a deletion or a
new-password request leaves its pending state.

The caller holds the row lock and has checked that the decision is allowed; this sets the
state, who decided and when, and the reason in the model's own field, and saves exactly those.
"""

from typing import Any

from django.utils import timezone


def mark_decided(
    record: Any,
    state: str,
    *,
    by: Any = None,
    reason: str | None = None,
    reason_field: str = "reason",
    by_field: str | None = "decided_by",
    at_field: str = "decided_at",
) -> None:
    fields = ["state", at_field]
    record.state = state
    setattr(record, at_field, timezone.now())
    if by_field is not None:
        setattr(record, by_field, by)
        fields.append(by_field)
    if reason is not None:
        setattr(record, reason_field, reason.strip())
        fields.append(reason_field)
    record.save(update_fields=fields)
