"""What companies add to "who must have a second factor" (accounts.factors).

Two requirements, one query over the account's memberships in working companies:

- a company admin, if the company's chamber asks for it (`Chamber.admins_factor_required`):
  from the later of the end of the admin's own notice period (`Membership.admin_factor_from`,
  set by `start_admin_notice` when the membership becomes admin) and the end of the chamber's
  (`Chamber.admins_factor_required_from`, set when the chamber switched it on). A missing date
  means no notice period: required at once.
- every member of a company whose admin switched "Require two-factor authentication for all
  members" on: from `Company.members_factor_required_from` (None: off;
  companies/services/factors.py).

The notice mails say the date. `start_admin_notice` mails a new admin at once; the hourly job
`announce_admin_factor_requirements` mails the admins whose date a chamber's switch (or the
migration) set, once per admin and date (the outbox's event key).
"""

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.accounts.factors import IMMEDIATELY, Requirement, has_factor
from meinekammer.accounts.rules import may_act, may_act_filter
from meinekammer.chambers.factors import notice_end
from meinekammer.core.links import absolute_url
from meinekammer.notifications.models import OutboundEmail

from .models import Membership
from .rules import WORKING_STATES
from .services.mail import mail_user


def admin_factor_from(membership: Membership) -> datetime | None:
    """From when this membership's admin must have a factor; None if not required."""
    chamber = membership.company.chamber
    if not membership.is_admin or not chamber.admins_factor_required:
        return None
    dates = [d for d in (membership.admin_factor_from, chamber.admins_factor_required_from) if d]
    return max(dates) if dates else IMMEDIATELY


def company_requirement(user: Any) -> Requirement | None:
    if not may_act(user):
        return None
    memberships = (
        Membership.objects.filter(user=user, company__state__in=WORKING_STATES)
        .filter(
            Q(is_admin=True, company__chamber__admins_factor_required=True)
            | Q(company__members_factor_required_from__isnull=False)
        )
        .select_related("company", "company__chamber")
    )
    found: list[Requirement] = []
    for membership in memberships:
        company = membership.company
        admin_from = admin_factor_from(membership)
        if admin_from is not None:
            found.append(
                Requirement(
                    applies_from=admin_from,
                    reason=_(
                        "You are a company administrator of %(company)s. %(chamber)s asks "
                        "company administrators to log in with a second factor."
                    )
                    % {"company": company.name, "chamber": company.chamber.name},
                )
            )
        if company.members_factor_required_from is not None:
            found.append(
                Requirement(
                    applies_from=company.members_factor_required_from,
                    reason=_("%(company)s asks all its members to log in with a second factor.")
                    % {"company": company.name},
                )
            )
    return min(found, key=lambda r: r.applies_from) if found else None


def _admin_event_key(membership: Membership, applies_from: datetime) -> str:
    return f"factor-required:admin:{membership.pk}:{applies_from:%Y-%m-%d}"


def announce_admin_requirement(membership: Membership) -> bool:
    """Mail the admin the date from which a factor is required, once per date.

    Nothing if the chamber does not ask, the date has come already, or the admin has a factor.
    """
    applies_from = admin_factor_from(membership)
    user = membership.user
    if applies_from is None or applies_from <= timezone.now() or not may_act(user):
        return False
    event_key = _admin_event_key(membership, applies_from)
    if has_factor(user) or OutboundEmail.objects.filter(event_key=event_key).exists():
        return False
    mail_user(
        user,
        "factor_required_admin",
        event_key=event_key,
        company=membership.company,
        chamber=membership.company.chamber,
        applies_from=applies_from,
        setup_url=absolute_url(reverse("accounts:factor_setup")),
    )
    return True


def start_admin_notice(membership: Membership) -> None:
    """The membership has just become admin: its notice period starts now (and is mailed)."""
    membership.admin_factor_from = notice_end()
    membership.save(update_fields=["admin_factor_from"])
    announce_admin_requirement(membership)


def announce_admin_factor_requirements() -> int:
    """Idempotent: every admin with a future date and no factor gets the notice once."""
    now = timezone.now()
    candidates = (
        Membership.objects.filter(
            is_admin=True,
            company__state__in=WORKING_STATES,
            company__chamber__admins_factor_required=True,
        )
        .filter(
            Q(admin_factor_from__gt=now) | Q(company__chamber__admins_factor_required_from__gt=now)
        )
        .filter(may_act_filter("user__"))
        .select_related("user", "company", "company__chamber")
    )
    return sum(announce_admin_requirement(membership) for membership in candidates)
