"""The claims cached with token families (userinfo) are forgotten when what they say changes:
the audit event of every such change reaches `forget_on_change` (audit.events.subscribe), in the
change's transaction. Changes the account's own events name are handled here; a company's
changes reach its members through `companies.claims`, which knows who they are.

Claims are also computed anew at the latest after `CLAIMS_CACHE_SECONDS`, for anything no
event names.
"""

from typing import Any

from meinekammer.audit.models import AuditAction

from . import token_store

# What the `sub`, name, e-mail, locale and `companies` claims say about the account itself.
ACCOUNT_ACTIONS = frozenset(
    {
        AuditAction.PROFILE_CHANGED,
        AuditAction.EMAIL_CHANGED,
        AuditAction.EMAIL_CONFIRMED,
        AuditAction.LANGUAGE_CHANGED,
        AuditAction.INVITATION_ACCEPTED,
        AuditAction.REQUEST_APPROVED,
        AuditAction.MEMBER_ADDED,
        AuditAction.MEMBER_REMOVED,
        AuditAction.MEMBER_LEFT,
        AuditAction.ROLE_ASSIGNED,
        AuditAction.ROLE_REMOVED,
    }
)


def forget_on_change(event: Any) -> None:
    if event.action in ACCOUNT_ACTIONS:
        # The account's own change names it as actor, an admin's change as subject.
        token_store.forget_claims(user_ids=[event.subject_user_id, event.actor_id])
