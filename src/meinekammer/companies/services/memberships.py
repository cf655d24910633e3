"""Ending a membership: the one home of what it means (manual ch. 5, 6, 7; DESIGN.md).

A member leaves, an admin removes them, their account is erased or their company is deleted:
each of these calls `end_membership` under the company lock it holds. The membership's role
assignments go, the member's pending join and role requests to the company end, one audit event
records it, and what the member's applications hold is revoked at once (a user who loses a
membership loses the tokens).
"""

from typing import Any

from meinekammer.applications.grants import revoke_tokens
from meinekammer.applications.models import RoleAssignment
from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.core.actor import Actor
from meinekammer.core.pending import mark_decided

from ..models import PENDING_REQUEST_STATES, Company, MemberRequest, Membership, RequestState
from ..rules import lock_company


def cancel_member_requests(actor: Actor, *, user: Any, company: Company) -> None:
    """The requester left or was removed, or the account is gone: their pending join and role
    requests to the company end (called under the company lock)."""
    for member_request in MemberRequest.objects.select_for_update().filter(
        requester=user, company=company, state__in=PENDING_REQUEST_STATES
    ):
        mark_decided(member_request, RequestState.CANCELLED, by_field=None)
        emit(
            AuditAction.REQUEST_CANCELLED,
            actor=actor,
            subject_user=user,
            company=company,
            request_id=member_request.pk,
        )


def end_membership(actor: Actor, membership: Membership, *, action: AuditAction) -> None:
    """The membership ends, recorded as `action`; the caller holds the company lock."""
    user = membership.user
    RoleAssignment.objects.filter(membership=membership).delete()
    cancel_member_requests(actor, user=user, company=membership.company)
    emit(action, actor=actor, subject_user=user, company=membership.company)
    membership.delete()
    revoke_tokens(user)


def end_memberships_of_erased_account(actor: Actor, user: Any) -> None:
    """An account is erased: it belongs to no company any more (in the erasure's transaction)."""
    for membership in Membership.objects.select_related("company", "user").filter(user=user):
        membership.company = lock_company(membership.company_id, working=False)
        end_membership(actor, membership, action=AuditAction.MEMBER_LEFT)
    # Join requests to companies the account did not belong to (yet) end as well.
    for company_id in (
        Company.objects.filter(requests__requester=user, requests__state__in=PENDING_REQUEST_STATES)
        .distinct()
        .values_list("pk", flat=True)
    ):
        company = lock_company(company_id, working=False)
        cancel_member_requests(actor, user=user, company=company)
