"""What the companies app deletes when its retention period has passed, and which old audit
events it still needs (registered with `audit.retention.register_kept_events`).

Ended records (settings.RETENTION_ENDED_RECORD_DAYS after they ended):
- invitations that expired, were revoked, or were followed and whose join request has been
  decided (the invited address is personal data; the audit log keeps that it happened);
- join and role requests that were refused, withdrawn or cancelled (their comment and reason
  are free text about a person). Approved requests stay: they are how a membership came to be.
- requests for a new company password that the chamber refused.
A pending invitation, an open or assigned request and an open password request are never
touched, however old.

Audit events kept beyond RETENTION_AUDIT_EVENT_DAYS:
- every event of a company whose deletion is pending (requested or scheduled): the chamber
  decides on it, and the admins may still revoke it, with that history in the "Protokoll";
- the appointment of each current company admin (who made them admin, and when): with the
  last admin of a company that is the only record of how the company came to be run by them.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.audit.retention import register_kept_events
from meinekammer.core.batches import delete_in_batches

from .models import (
    PENDING_REQUEST_STATES,
    CompanyDeletion,
    DeletionState,
    Invitation,
    InvitationState,
    MemberRequest,
    Membership,
    NewPasswordRequest,
    PasswordRequestState,
    RequestState,
)

ENDED_REQUEST_STATES = [RequestState.REJECTED, RequestState.WITHDRAWN, RequestState.CANCELLED]


def ended_record_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.RETENTION_ENDED_RECORD_DAYS)


def purge_ended_company_records(
    *, now: datetime | None = None, batch_size: int | None = None
) -> dict[str, int]:
    """Delete invitations, requests and password requests that ended before the retention
    period; returns how many of each. Idempotent."""
    cutoff = ended_record_cutoff(now)
    size = batch_size or settings.RETENTION_BATCH_SIZE
    invitations = Invitation.objects.filter(
        Q(state=InvitationState.EXPIRED, expires_at__lt=cutoff)
        | Q(state=InvitationState.REVOKED, decided_at__lt=cutoff)
        | Q(state=InvitationState.ACCEPTED, decided_at__lt=cutoff)
    ).exclude(
        # A followed invitation stays while its join request waits for an admin.
        pk__in=MemberRequest.objects.filter(
            invitation__isnull=False, state__in=PENDING_REQUEST_STATES
        ).values("invitation")
    )
    requests = MemberRequest.objects.filter(state__in=ENDED_REQUEST_STATES, decided_at__lt=cutoff)
    password_requests = NewPasswordRequest.objects.filter(
        state=PasswordRequestState.REJECTED, decided_at__lt=cutoff
    )
    return {
        "invitations": delete_in_batches(invitations, batch_size=size),
        "member_requests": delete_in_batches(requests, batch_size=size),
        "password_requests": delete_in_batches(password_requests, batch_size=size),
    }


def _history_of_pending_deletions() -> Q:
    pending = CompanyDeletion.objects.filter(
        state__in=[DeletionState.REQUESTED, DeletionState.SCHEDULED]
    ).values("company")
    return Q(company__in=pending)


def _appointments_of_current_admins() -> Q:
    current_admin = Membership.objects.filter(
        company=OuterRef("company"), user=OuterRef("subject_user"), is_admin=True
    )
    appointments = AuditEvent.objects.filter(action=AuditAction.ADMIN_APPOINTED).filter(
        Exists(current_admin)
    )
    return Q(pk__in=appointments.values("pk"))


def register_kept_company_events() -> None:
    """In CompaniesConfig.ready."""
    register_kept_events("companies.pending_deletions", _history_of_pending_deletions)
    register_kept_events("companies.current_admins", _appointments_of_current_admins)
