"""Company deletion with a 30-day period, chamber approval and revocation (manual ch. 7, 8).

active → deletion_requested → (active on refusal or revocation | deletion_scheduled)
→ (active on revocation | deleted). The deletion date is 30 days after the request. Every step
locks the company row first; the job that carries deletions out does too, so a revocation that
races the job either wins (nothing is deleted) or comes too late (and is told so).
"""

import datetime
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.chambers.guards import chamber_of
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict, Invalid, NotFound
from meinekammer.core.links import absolute_url
from meinekammer.core.pending import already_decided, mark_decided

from ..models import (
    PENDING_REQUEST_STATES,
    ActivationLetter,
    Company,
    CompanyDeletion,
    CompanyRegistration,
    CompanyState,
    DeletionState,
    Invitation,
    InvitationState,
    MemberRequest,
    Membership,
    NewPasswordRequest,
)
from ..rules import lock_company
from .mail import mail_chamber_staff, mail_user
from .members import require_admin
from .memberships import cancel_member_requests, end_membership

DELETION_PERIOD_DAYS = 30


def pending_deletion(company: Company) -> CompanyDeletion | None:
    return (
        CompanyDeletion.objects.filter(
            company=company, state__in=[DeletionState.REQUESTED, DeletionState.SCHEDULED]
        )
        .select_related("requested_by", "decided_by")
        .first()
    )


def _members(company: Company) -> QuerySet[Membership]:
    return Membership.objects.filter(company=company, user__is_active=True).select_related("user")


def _mail_members(company: Company, template: str, event: str, **context) -> None:
    for membership in _members(company):
        mail_user(
            membership.user,
            template,
            event_key=f"{event}:{membership.user_id}",
            company=company,
            is_admin=membership.is_admin,
            **context,
        )


def request_company_deletion(actor: Actor, *, company_id: int, reason: str) -> CompanyDeletion:
    """ "Unternehmen löschen" → "Bestätigen": every member is told; the chamber decides."""
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Please give the reason for the deletion."))
    with transaction.atomic():
        company = lock_company(company_id, working=False)
        require_admin(actor, company)
        existing = pending_deletion(company)
        if existing is not None:
            return existing  # a double click or a second tab: the request stands
        if company.state != CompanyState.ACTIVE:
            raise Conflict(_("Only an active company can be deleted."))
        now = timezone.now()
        deletion = CompanyDeletion.objects.create(
            company=company,
            reason=reason,
            requested_by=actor.user,
            requested_at=now,
            delete_on=timezone.localdate(now) + timedelta(days=DELETION_PERIOD_DAYS),
        )
        company.state = CompanyState.DELETION_REQUESTED
        company.save(update_fields=["state"])
        emit(AuditAction.DELETION_REQUESTED, actor=actor, company=company, deletion=deletion.pk)
        _mail_members(
            company,
            "deletion_requested",
            f"deletion:{deletion.pk}:requested",
            deletion=deletion,
            requester=actor.user,
        )
        mail_chamber_staff(
            company.chamber,
            "deletion_requested_staff",
            event_key=f"deletion:{deletion.pk}:staff",
            company=company,
            deletion=deletion,
            review_url=absolute_url(reverse("chambers:deletions")),
        )
        return deletion


def _lock_for_staff(actor: Actor, deletion_id: int) -> CompanyDeletion:
    """The deletion of one of the chamber's companies (for its staff or its service account),
    the company row locked first."""
    chamber = chamber_of(actor)
    unlocked = (
        CompanyDeletion.objects.filter(pk=deletion_id, company__chamber=chamber)
        .only("company_id")
        .first()
    )
    if unlocked is None:
        raise NotFound
    lock_company(unlocked.company_id, working=False)
    return (
        CompanyDeletion.objects.select_for_update(of=("self",))
        .select_related("company", "company__chamber", "decided_by", "revoked_by")
        .get(pk=deletion_id)
    )


def _not_pending(deletion: CompanyDeletion) -> Conflict:
    if deletion.state == DeletionState.REVOKED:
        return Conflict(_("The company has revoked this deletion request. Nothing was changed."))
    return already_decided(deletion)


def approve_company_deletion(actor: Actor, *, deletion_id: int) -> CompanyDeletion:
    """The chamber approves: the company will be deleted on the date 30 days after the request."""
    with transaction.atomic():
        deletion = _lock_for_staff(actor, deletion_id)
        if deletion.state != DeletionState.REQUESTED:
            raise _not_pending(deletion)
        company = deletion.company
        mark_decided(deletion, DeletionState.SCHEDULED, by=actor.user)
        company.state = CompanyState.DELETION_SCHEDULED
        company.save(update_fields=["state"])
        emit(
            AuditAction.DELETION_APPROVED,
            actor=actor,
            company=company,
            deletion=deletion.pk,
            delete_on=deletion.delete_on.isoformat(),
        )
        _mail_members(
            company, "deletion_scheduled", f"deletion:{deletion.pk}:scheduled", deletion=deletion
        )
        return deletion


def refuse_company_deletion(actor: Actor, *, deletion_id: int, reason: str) -> CompanyDeletion:
    if not reason.strip():
        raise Invalid(_("Please give a reason for the refusal."))
    with transaction.atomic():
        deletion = _lock_for_staff(actor, deletion_id)
        if deletion.state != DeletionState.REQUESTED:
            raise _not_pending(deletion)
        company = deletion.company
        mark_decided(
            deletion,
            DeletionState.REFUSED,
            by=actor.user,
            reason=reason,
            reason_field="refusal_reason",
        )
        company.state = CompanyState.ACTIVE
        company.save(update_fields=["state"])
        emit(
            AuditAction.DELETION_REFUSED_BY_CHAMBER,
            actor=actor,
            company=company,
            deletion=deletion.pk,
        )
        _mail_members(
            company, "deletion_refused", f"deletion:{deletion.pk}:refused", deletion=deletion
        )
        return deletion


def revoke_company_deletion(actor: Actor, *, company_id: int) -> CompanyDeletion:
    """ "Löschung widerrufen": the company is active again; admins, members and chamber are told."""
    with transaction.atomic():
        company = lock_company(company_id, working=False)
        if company.state == CompanyState.DELETED:
            raise Conflict(_("The company has already been deleted."))
        require_admin(actor, company)
        deletion = pending_deletion(company)
        if deletion is None:
            raise Conflict(_("There is no deletion to revoke. Nothing was changed."))
        mark_decided(
            deletion,
            DeletionState.REVOKED,
            by=actor.user,
            by_field="revoked_by",
            at_field="revoked_at",
        )
        company.state = CompanyState.ACTIVE
        company.save(update_fields=["state"])
        emit(AuditAction.DELETION_REVOKED, actor=actor, company=company, deletion=deletion.pk)
        _mail_members(
            company,
            "deletion_revoked",
            f"deletion:{deletion.pk}:revoked",
            deletion=deletion,
            revoker=actor.user,
        )
        mail_chamber_staff(
            company.chamber,
            "deletion_revoked_staff",
            event_key=f"deletion:{deletion.pk}:revoked-staff",
            company=company,
            deletion=deletion,
        )
        return deletion


# --- Carrying deletions out ---------------------------------------------------------------------


def due_company_ids(today: datetime.date) -> list[int]:
    return list(
        CompanyDeletion.objects.filter(
            state=DeletionState.SCHEDULED,
            delete_on__lte=today,
            company__state=CompanyState.DELETION_SCHEDULED,
        ).values_list("company_id", flat=True)
    )


def execute_due_deletions(actor: Actor, *, today: datetime.date | None = None) -> int:
    """The scheduled job: idempotent, safe in two workers at once, and never deletes a company
    whose deletion was revoked (the company row is locked and its state checked again)."""
    today = today or timezone.localdate()
    done = 0
    for company_id in due_company_ids(today):
        try:
            with transaction.atomic():
                company = lock_company(company_id)
                if company.state != CompanyState.DELETION_SCHEDULED:
                    continue  # revoked meanwhile
                deletion = (
                    CompanyDeletion.objects.select_for_update()
                    .filter(company=company, state=DeletionState.SCHEDULED)
                    .first()
                )
                if deletion is None or deletion.delete_on > today:
                    continue
                _execute(actor, company, deletion)
                done += 1
        except NotFound:
            continue  # another worker has deleted it meanwhile
    return done


def _execute(actor: Actor, company: Company, deletion: CompanyDeletion) -> None:
    """Under the company lock: every membership ends (roles, pending requests, tokens), then
    what names people or the company is erased; pseudonymous rows stay for the audit trail."""
    now = timezone.now()
    # Former members are told, in their language, before the name is erased.
    for membership in _members(company):
        mail_user(
            membership.user,
            "company_deleted",
            event_key=f"deletion:{deletion.pk}:executed:{membership.user_id}",
            company_name=company.name,
        )
    for membership in Membership.objects.filter(company=company).select_related("user"):
        membership.company = company
        end_membership(actor, membership, action=AuditAction.MEMBER_REMOVED)
    # Join requests of people who were no members end as well.
    for requester in {
        member_request.requester
        for member_request in MemberRequest.objects.filter(
            company=company, state__in=PENDING_REQUEST_STATES
        ).select_related("requester")
    }:
        cancel_member_requests(actor, user=requester, company=company)
    MemberRequest.objects.filter(company=company).update(comment="", reason="")
    Invitation.objects.filter(company=company, state=InvitationState.PENDING).update(
        state=InvitationState.REVOKED, decided_at=now
    )
    Invitation.objects.filter(company=company).update(email="", email_normalized="")
    ActivationLetter.objects.filter(company=company).update(
        recipient_name="", password_hash="", address_name="", street="", postal_code="", city=""
    )
    NewPasswordRequest.objects.filter(company=company).update(reason="", rejection_reason="")
    CompanyRegistration.objects.filter(company=company).update(rejection_reason="")
    CompanyDeletion.objects.filter(company=company).update(reason="", refusal_reason="")
    mark_decided(deletion, DeletionState.EXECUTED, by_field=None, at_field="executed_at")
    Company.objects.filter(pk=company.pk).update(
        state=CompanyState.DELETED,
        name="",
        street="",
        postal_code="",
        city="",
        member_number="",
        register_court="",
        register_number="",
        email="",
        phone="",
        directory_entry=None,
    )
    # The chamber's own directory entry, so that its staff can still tell which company it was
    # ("Durchgeführte Löschungen"); the company itself keeps no name.
    emit(
        AuditAction.COMPANY_DELETED,
        actor=actor,
        company=company,
        deletion=deletion.pk,
        directory_entry=company.directory_entry_id,
    )
