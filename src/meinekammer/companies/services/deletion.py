"""Company deletion with a 30-day period, chamber approval and revocation (manual ch. 7, 8).

active → deletion_requested → (active on refusal or revocation | deletion_scheduled)
→ (active on revocation | deleted). The deletion date is 30 days after the request. Every step
locks the company row first; the job that carries deletions out does too, so a revocation that
races the job either wins (nothing is deleted) or comes too late (and is told so).
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.applications.models import RoleAssignment
from meinekammer.audit.models import AuditAction
from meinekammer.audit.services import record
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.chambers.models import Chamber

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
    RequestState,
)
from ..signals import company_deleted
from .common import CompanyError, absolute_url, mail_chamber_staff, mail_user
from .members import require_admin

DELETION_PERIOD_DAYS = 30
IN_DELETION = [CompanyState.DELETION_REQUESTED, CompanyState.DELETION_SCHEDULED]


def _lock(company_id: int) -> Company:
    company = Company.objects.select_for_update().filter(pk=company_id).first()
    if company is None:
        raise Http404
    return company


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


def _mail_members(company: Company, template: str, event: str, request=None, **context) -> None:
    for membership in _members(company):
        mail_user(
            membership.user,
            template,
            event_key=f"{event}:{membership.user_id}",
            request=request,
            company=company,
            is_admin=membership.is_admin,
            **context,
        )


def request_deletion(actor, company: Company, *, reason: str, request=None) -> CompanyDeletion:
    """ "Unternehmen löschen" → "Bestätigen": every member is told; the chamber decides."""
    reason = reason.strip()
    if not reason:
        raise CompanyError(_("Please give the reason for the deletion."))
    with transaction.atomic():
        company = _lock(company.pk)
        require_admin(actor, company)
        existing = pending_deletion(company)
        if existing is not None:
            return existing  # a double click or a second tab: the request stands
        if company.state != CompanyState.ACTIVE:
            raise CompanyError(_("Only an active company can be deleted."))
        now = timezone.now()
        deletion = CompanyDeletion.objects.create(
            company=company,
            reason=reason,
            requested_by=actor,
            requested_at=now,
            delete_on=timezone.localdate(now) + timedelta(days=DELETION_PERIOD_DAYS),
        )
        company.state = CompanyState.DELETION_REQUESTED
        company.save(update_fields=["state"])
        record(
            AuditAction.DELETION_REQUESTED,
            request=request,
            actor=actor,
            company=company,
            deletion=deletion.pk,
        )
        _mail_members(
            company,
            "deletion_requested",
            f"deletion:{deletion.pk}:requested",
            request,
            deletion=deletion,
            requester=actor,
        )
        mail_chamber_staff(
            company.chamber,
            "deletion_requested_staff",
            event_key=f"deletion:{deletion.pk}:staff",
            request=request,
            company=company,
            deletion=deletion,
            review_url=absolute_url(request, reverse("chambers:deletions")),
        )
        return deletion


def list_deletions(chamber: Chamber, *, state: str = DeletionState.REQUESTED):
    deletions = CompanyDeletion.objects.filter(company__chamber=chamber).select_related(
        "company", "requested_by", "decided_by", "revoked_by"
    )
    if state:
        deletions = deletions.filter(state=state)
    return deletions.order_by("requested_at", "pk")


def _staff_deletion(staff, deletion_id: int) -> CompanyDeletion:
    chamber = get_staff_chamber(staff)
    unlocked = (
        CompanyDeletion.objects.filter(pk=deletion_id, company__chamber=chamber)
        .only("company_id")
        .first()
    )
    if unlocked is None:
        raise Http404
    _lock(unlocked.company_id)
    deletion = (
        CompanyDeletion.objects.select_for_update(of=("self",))
        .select_related("company", "company__chamber", "decided_by", "revoked_by")
        .get(pk=deletion_id)
    )
    return deletion


def _not_pending(deletion: CompanyDeletion) -> CompanyError:
    if deletion.state == DeletionState.REVOKED:
        return CompanyError(
            _("The company has revoked this deletion request. Nothing was changed.")
        )
    if deletion.decided_by is not None:
        return CompanyError(
            _("This request has already been decided by %(name)s. Nothing was changed.")
            % {"name": deletion.decided_by.get_full_name()}
        )
    return CompanyError(_("This request has already been decided. Nothing was changed."))


def approve_deletion(staff, deletion_id: int, *, request=None) -> CompanyDeletion:
    """The chamber approves: the company will be deleted on the date 30 days after the request."""
    with transaction.atomic():
        deletion = _staff_deletion(staff, deletion_id)
        if deletion.state != DeletionState.REQUESTED:
            raise _not_pending(deletion)
        company = deletion.company
        deletion.state = DeletionState.SCHEDULED
        deletion.decided_by = staff
        deletion.decided_at = timezone.now()
        deletion.save(update_fields=["state", "decided_by", "decided_at"])
        company.state = CompanyState.DELETION_SCHEDULED
        company.save(update_fields=["state"])
        record(
            AuditAction.DELETION_APPROVED,
            request=request,
            actor=staff,
            company=company,
            deletion=deletion.pk,
            delete_on=deletion.delete_on.isoformat(),
        )
        _mail_members(
            company,
            "deletion_scheduled",
            f"deletion:{deletion.pk}:scheduled",
            request,
            deletion=deletion,
        )
        return deletion


def refuse_deletion(staff, deletion_id: int, *, reason: str, request=None) -> CompanyDeletion:
    reason = reason.strip()
    if not reason:
        raise CompanyError(_("Please give a reason for the refusal."))
    with transaction.atomic():
        deletion = _staff_deletion(staff, deletion_id)
        if deletion.state != DeletionState.REQUESTED:
            raise _not_pending(deletion)
        company = deletion.company
        deletion.state = DeletionState.REFUSED
        deletion.decided_by = staff
        deletion.decided_at = timezone.now()
        deletion.refusal_reason = reason
        deletion.save(update_fields=["state", "decided_by", "decided_at", "refusal_reason"])
        company.state = CompanyState.ACTIVE
        company.save(update_fields=["state"])
        record(
            AuditAction.DELETION_REFUSED_BY_CHAMBER,
            request=request,
            actor=staff,
            company=company,
            deletion=deletion.pk,
        )
        _mail_members(
            company,
            "deletion_refused",
            f"deletion:{deletion.pk}:refused",
            request,
            deletion=deletion,
        )
        return deletion


def revoke_deletion(actor, company: Company, *, request=None) -> CompanyDeletion:
    """ "Löschung widerrufen": the company is active again; admins, members and chamber are told."""
    with transaction.atomic():
        company = _lock(company.pk)
        if company.state == CompanyState.DELETED:
            raise CompanyError(_("The company has already been deleted."))
        require_admin(actor, company)
        deletion = pending_deletion(company)
        if deletion is None:
            raise CompanyError(_("There is no deletion to revoke. Nothing was changed."))
        deletion.state = DeletionState.REVOKED
        deletion.revoked_by = actor
        deletion.revoked_at = timezone.now()
        deletion.save(update_fields=["state", "revoked_by", "revoked_at"])
        company.state = CompanyState.ACTIVE
        company.save(update_fields=["state"])
        record(
            AuditAction.DELETION_REVOKED,
            request=request,
            actor=actor,
            company=company,
            deletion=deletion.pk,
        )
        _mail_members(
            company,
            "deletion_revoked",
            f"deletion:{deletion.pk}:revoked",
            request,
            deletion=deletion,
            revoker=actor,
        )
        mail_chamber_staff(
            company.chamber,
            "deletion_revoked_staff",
            event_key=f"deletion:{deletion.pk}:revoked-staff",
            request=request,
            company=company,
            deletion=deletion,
        )
        return deletion


# --- Carrying deletions out ---------------------------------------------------------------------


def due_company_ids(today=None) -> list[int]:
    today = today or timezone.localdate()
    return list(
        CompanyDeletion.objects.filter(
            state=DeletionState.SCHEDULED,
            delete_on__lte=today,
            company__state=CompanyState.DELETION_SCHEDULED,
        ).values_list("company_id", flat=True)
    )


def execute_due_deletions(today=None) -> int:
    """The scheduled job: idempotent, safe in two workers at once, and never deletes a company
    whose deletion was revoked (the company row is locked and its state checked again)."""
    today = today or timezone.localdate()
    done = 0
    for company_id in due_company_ids(today):
        with transaction.atomic():
            company = (
                Company.objects.select_for_update(skip_locked=True).filter(pk=company_id).first()
            )
            if company is None or company.state != CompanyState.DELETION_SCHEDULED:
                continue  # another worker has it, or it was revoked meanwhile
            deletion = CompanyDeletion.objects.select_for_update().get(
                company=company, state=DeletionState.SCHEDULED
            )
            if deletion.delete_on > today:
                continue
            _execute(company, deletion)
            done += 1
    return done


def _execute(company: Company, deletion: CompanyDeletion) -> None:
    now = timezone.now()
    memberships = list(_members(company))
    member_ids = list(Membership.objects.filter(company=company).values_list("user_id", flat=True))
    company_deleted.send(sender=Company, company=company, member_ids=member_ids)
    # Former members are told, in their language, before the name is erased.
    for membership in memberships:
        mail_user(
            membership.user,
            "company_deleted",
            event_key=f"deletion:{deletion.pk}:executed:{membership.user_id}",
            company_name=company.name,
        )
    for membership in Membership.objects.filter(company=company).select_related("user"):
        RoleAssignment.objects.filter(membership=membership).delete()
        record(
            AuditAction.MEMBER_REMOVED,
            subject_user=membership.user,
            company=company,
            reason="company_deleted",
        )
    Membership.objects.filter(company=company).delete()
    for member_request in MemberRequest.objects.filter(
        company=company, state__in=PENDING_REQUEST_STATES
    ):
        member_request.state = RequestState.CANCELLED
        member_request.decided_at = now
        member_request.save(update_fields=["state", "decided_at"])
        record(
            AuditAction.REQUEST_CANCELLED,
            subject_user=member_request.requester,
            company=company,
            request_id=member_request.pk,
        )
    # Erase what names people or the company; keep pseudonymous rows for the audit trail.
    MemberRequest.objects.filter(company=company).update(comment="", reason="")
    Invitation.objects.filter(company=company, state=InvitationState.PENDING).update(
        state=InvitationState.REVOKED, decided_at=now
    )
    Invitation.objects.filter(company=company).update(email="", email_normalized="")
    ActivationLetter.objects.filter(company=company).update(recipient_name="", password_hash="")
    NewPasswordRequest.objects.filter(company=company).update(reason="", rejection_reason="")
    CompanyRegistration.objects.filter(company=company).update(rejection_reason="")
    CompanyDeletion.objects.filter(company=company).update(reason="", refusal_reason="")
    deletion.state = DeletionState.EXECUTED
    deletion.executed_at = now
    deletion.save(update_fields=["state", "executed_at"])
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
    record(AuditAction.COMPANY_DELETED, company=company, deletion=deletion.pk)
