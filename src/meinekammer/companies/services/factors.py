""" "Require two-factor authentication for all members" (a company admin's switch).

On: every member must have a second factor from the end of a notice period
(`MFA_REQUIRED_NOTICE_DAYS`); each member who may act and has none is told the date by mail, in
their language. Off: nobody is told. Both are audited as a change of the company's data. Who
must have a factor is answered by companies/factors.py for accounts.factors.
"""

from django.db import transaction
from django.urls import reverse

from meinekammer.accounts.factors import users_with_factor
from meinekammer.accounts.rules import may_act_filter
from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.chambers.factors import notice_end
from meinekammer.core.actor import Actor
from meinekammer.core.links import absolute_url

from ..models import Company
from ..rules import lock_company
from .mail import mail_user
from .members import require_admin

SETTING = "members_factor_required"


def set_members_factor_required(actor: Actor, *, company_id: int, required: bool) -> Company:
    """Switch the requirement on or off; switching to what is already set changes nothing."""
    with transaction.atomic():
        company = lock_company(company_id)
        require_admin(actor, company)
        if (company.members_factor_required_from is not None) == required:
            return company
        company.members_factor_required_from = notice_end() if required else None
        company.save(update_fields=["members_factor_required_from"])
        applies_from = company.members_factor_required_from
        emit(
            AuditAction.COMPANY_DATA_CHANGED,
            actor=actor,
            company=company,
            fields=[SETTING],
            required=required,
            applies_from=applies_from.isoformat() if applies_from else None,
        )
        if applies_from is not None:
            memberships = company.memberships.filter(may_act_filter("user__")).select_related(
                "user"
            )
            with_factor = users_with_factor([m.user_id for m in memberships])
            for membership in memberships:
                if membership.user_id in with_factor:
                    continue
                mail_user(
                    membership.user,
                    "factor_required_member",
                    event_key=f"factor-required:company:{company.pk}:{applies_from.isoformat()}",
                    company=company,
                    applies_from=applies_from,
                    setup_url=absolute_url(reverse("accounts:factor_setup")),
                )
        return company
