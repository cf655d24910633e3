"""What chambers add to "who must have a second factor" (accounts.factors).

Chamber staff always log in with a second factor. A chamber also decides whether the company
admins of its district must (`Chamber.admins_factor_required`, in the Django admin site); that
requirement is computed by companies (companies/factors.py), which knows the admins. Switching
it on starts a notice period: `admins_factor_required_from` is set `MFA_REQUIRED_NOTICE_DAYS`
ahead, and the hourly job of companies mails every admin without a factor the date.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.accounts.factors import IMMEDIATELY, Requirement
from meinekammer.accounts.rules import may_act

from .models import Chamber


def staff_requirement(user: Any) -> Requirement | None:
    """Chamber staff see companies' and people's data: a second factor always."""
    if not may_act(user):
        return None
    # The account's own accessor: the answer stays on the account for the rest of the request
    # (guards.is_chamber_staff, get_staff_chamber and the chamber area's header ask again).
    staff = getattr(user, "chamber_staff", None)
    if staff is None:
        return None
    return Requirement(
        applies_from=IMMEDIATELY,
        reason=_("You work for %(chamber)s. Staff of a chamber log in with a second factor.")
        % {"chamber": staff.chamber.name},
    )


def notice_end() -> Any:
    """The date a requirement announced now applies from."""
    return timezone.now() + timedelta(days=settings.MFA_REQUIRED_NOTICE_DAYS)


def apply_admins_factor_setting(chamber: Chamber, *, required: bool) -> None:
    """The chamber switched the requirement for its company admins (set before saving).

    On: from the end of a notice period (unless it was on already); off: no date.
    """
    if required and not (chamber.pk and _was_required(chamber.pk)):
        chamber.admins_factor_required_from = notice_end()
    elif not required:
        chamber.admins_factor_required_from = None
    chamber.admins_factor_required = required


def _was_required(chamber_id: int) -> bool:
    return Chamber.objects.filter(pk=chamber_id, admins_factor_required=True).exists()
