"""A company's changes that its members' claims show (name, numbers, whether it works): their
token families' cached claims are forgotten (applications/claims_cache.py for the account's own
changes). Subscribed to the audit events in CompaniesConfig.ready."""

from typing import Any

from meinekammer.applications.token_store import forget_claims
from meinekammer.audit.models import AuditAction

from .models import Membership

COMPANY_ACTIONS = frozenset(
    {
        AuditAction.COMPANY_ACTIVATED,
        AuditAction.COMPANY_DATA_CHANGED,
        AuditAction.DELETION_REQUESTED,
        AuditAction.DELETION_REVOKED,
        AuditAction.COMPANY_DELETED,
    }
)


def forget_members_claims(event: Any) -> None:
    if event.action in COMPANY_ACTIONS and event.company_id is not None:
        forget_claims(
            user_ids=Membership.objects.filter(company_id=event.company_id).values_list(
                "user_id", flat=True
            )
        )
