"""A new initial company password by post (manual ch. 9, item 5)."""

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.audit.models import AuditAction
from meinekammer.audit.services import record
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.chambers.models import Chamber

from ..models import (
    ActivationLetter,
    Company,
    CompanyState,
    LetterReason,
    NewPasswordRequest,
    PasswordRequestState,
)
from .common import CompanyError, absolute_url, mail_chamber_staff, mail_user


def request_new_company_password(
    user, company: Company, *, reason: str = "", request=None
) -> NewPasswordRequest:
    """The caller has checked that `user` administers `company` (get_company_for_admin)."""
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=company.pk)
        if company.state != CompanyState.ACTIVE:
            raise CompanyError(
                _("A new company password can only be requested for an active company.")
            )
        existing = company.password_requests.filter(state=PasswordRequestState.OPEN).first()
        if existing is not None:
            return existing
        password_request = NewPasswordRequest.objects.create(
            company=company, requested_by=user, reason=reason.strip()
        )
        record(
            AuditAction.PASSWORD_REQUESTED,
            request=request,
            actor=user,
            subject_user=user,
            company=company,
        )
        mail_chamber_staff(
            company.chamber,
            "password_request_staff",
            event_key=f"password-request:{password_request.pk}:staff",
            request=request,
            company=company,
            requester=user,
            review_url=absolute_url(request, reverse("chambers:password_requests")),
        )
        return password_request


def list_password_requests(
    chamber: Chamber, *, state: str = PasswordRequestState.OPEN
) -> QuerySet[NewPasswordRequest]:
    requests = NewPasswordRequest.objects.filter(company__chamber=chamber).select_related(
        "company", "requested_by", "decided_by"
    )
    if state:
        requests = requests.filter(state=state)
    return requests.order_by("-requested_at")


def _lock_open(user, request_id: int) -> NewPasswordRequest:
    chamber = get_staff_chamber(user)
    password_request = (
        NewPasswordRequest.objects.select_for_update(of=("self",))
        .select_related("company", "requested_by")
        .filter(pk=request_id, company__chamber=chamber)
        .first()
    )
    if password_request is None:
        raise Http404
    if password_request.state != PasswordRequestState.OPEN:
        raise CompanyError(_("This request has already been decided. Nothing was changed."))
    return password_request


def approve_password_request(user, request_id: int, *, request=None) -> NewPasswordRequest:
    with transaction.atomic():
        password_request = _lock_open(user, request_id)
        password_request.state = PasswordRequestState.APPROVED
        password_request.decided_by = user
        password_request.decided_at = timezone.now()
        password_request.save(update_fields=["state", "decided_by", "decided_at"])
        requester = password_request.requested_by
        letter = ActivationLetter.objects.create(
            company=password_request.company,
            reason=LetterReason.NEW_PASSWORD,
            recipient_name=requester.get_full_name() if requester else "",
        )
        record(
            AuditAction.PASSWORD_REQUEST_APPROVED,
            request=request,
            actor=user,
            company=password_request.company,
        )
        record(
            AuditAction.LETTER_QUEUED,
            request=request,
            actor=user,
            company=password_request.company,
            letter=letter.pk,
        )
        if requester is not None:
            mail_user(
                requester,
                "password_request_approved",
                event_key=f"password-request:{password_request.pk}:approved",
                request=request,
                company=password_request.company,
            )
    return password_request


def reject_password_request(
    user, request_id: int, *, reason: str, request=None
) -> NewPasswordRequest:
    with transaction.atomic():
        password_request = _lock_open(user, request_id)
        password_request.state = PasswordRequestState.REJECTED
        password_request.decided_by = user
        password_request.decided_at = timezone.now()
        password_request.rejection_reason = reason.strip()
        password_request.save(
            update_fields=["state", "decided_by", "decided_at", "rejection_reason"]
        )
        record(
            AuditAction.PASSWORD_REQUEST_REJECTED,
            request=request,
            actor=user,
            company=password_request.company,
        )
        if password_request.requested_by is not None:
            mail_user(
                password_request.requested_by,
                "password_request_rejected",
                event_key=f"password-request:{password_request.pk}:rejected",
                request=request,
                company=password_request.company,
                reason=password_request.rejection_reason,
            )
    return password_request
