"""Deciding a pending record: the one way a registration, a request, a deletion or a
new-password request leaves its pending state.

The caller holds the row lock and has checked that the decision is allowed; this sets the
state, who decided and when, and the reason in the model's own field, and saves exactly those.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import Conflict


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


def already_decided(record: Any) -> Conflict:
    """The refusal for a record someone has decided already, naming who where it is known."""
    if getattr(record, "decided_by", None) is not None:
        return Conflict(
            _("This request has already been decided by %(name)s. Nothing was changed.")
            % {"name": record.decided_by.get_full_name()}
        )
    return Conflict(_("This request has already been decided. Nothing was changed."))
