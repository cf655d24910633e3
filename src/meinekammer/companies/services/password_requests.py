"""A new initial company password by post (manual ch. 9, item 5)."""

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict, NotFound
from meinekammer.core.links import absolute_url
from meinekammer.core.pending import mark_decided

from ..models import (
    ActivationLetter,
    Company,
    CompanyState,
    LetterReason,
    LetterState,
    NewPasswordRequest,
    PasswordRequestState,
)
from ..rules import lock_company
from .letters import set_directory_address
from .mail import mail_chamber_staff, mail_user
from .members import require_admin


def request_new_company_password(
    actor: Actor, *, company_id: int, reason: str = ""
) -> NewPasswordRequest:
    """An admin of the company asks; a second request while one is open is that one."""
    with transaction.atomic():
        company = lock_company(company_id, working=False)
        require_admin(actor, company)
        if company.state != CompanyState.ACTIVE:
            raise Conflict(_("A new company password can only be requested for an active company."))
        existing = company.password_requests.filter(state=PasswordRequestState.OPEN).first()
        if existing is not None:
            return existing
        if _unprinted_letters(company).exists():
            raise Conflict(
                _(
                    "A letter with a new company password is already waiting to be printed by "
                    "the chamber. Nothing was requested."
                )
            )
        password_request = NewPasswordRequest.objects.create(
            company=company, requested_by=actor.user, reason=reason.strip()
        )
        emit(
            AuditAction.PASSWORD_REQUESTED,
            actor=actor,
            subject_user=actor.user,
            company=company,
        )
        mail_chamber_staff(
            company.chamber,
            "password_request_staff",
            event_key=f"password-request:{password_request.pk}:staff",
            company=company,
            requester=actor.user,
            review_url=absolute_url(reverse("chambers:password_requests")),
        )
        return password_request


def _unprinted_letters(company: Company) -> QuerySet[ActivationLetter]:
    return ActivationLetter.objects.filter(company=company, state=LetterState.QUEUED)


def _replace_unprinted_letters(actor: Actor, company: Company) -> None:
    """A company has at most one letter waiting to be printed: a new one replaces it."""
    for letter in _unprinted_letters(company).select_for_update():
        letter.state = LetterState.VOID
        letter.voided_at = timezone.now()
        letter.save(update_fields=["state", "voided_at"])
        emit(
            AuditAction.LETTER_VOIDED,
            actor=actor,
            company=company,
            letter=letter.pk,
            why="replaced",
        )


def _lock_open(actor: Actor, password_request_id: int) -> NewPasswordRequest:
    chamber = get_staff_chamber(actor.user)
    password_request = (
        NewPasswordRequest.objects.select_for_update(of=("self",))
        .select_related("company", "requested_by")
        .filter(pk=password_request_id, company__chamber=chamber)
        .first()
    )
    if password_request is None:
        raise NotFound
    if password_request.state != PasswordRequestState.OPEN:
        raise Conflict(_("This request has already been decided. Nothing was changed."))
    return password_request


def approve_password_request(actor: Actor, *, password_request_id: int) -> NewPasswordRequest:
    with transaction.atomic():
        password_request = _lock_open(actor, password_request_id)
        # Serialized with new requests of the company (they lock it too): one unprinted letter.
        lock_company(password_request.company_id, working=False)
        mark_decided(password_request, PasswordRequestState.APPROVED, by=actor.user)
        requester = password_request.requested_by
        _replace_unprinted_letters(actor, password_request.company)
        letter = ActivationLetter(
            company=password_request.company,
            reason=LetterReason.NEW_PASSWORD,
            recipient_name=requester.get_full_name() if requester else "",
        )
        set_directory_address(letter)
        letter.save()
        emit(AuditAction.PASSWORD_REQUEST_APPROVED, actor=actor, company=password_request.company)
        emit(
            AuditAction.LETTER_QUEUED,
            actor=actor,
            company=password_request.company,
            letter=letter.pk,
        )
        if requester is not None:
            mail_user(
                requester,
                "password_request_approved",
                event_key=f"password-request:{password_request.pk}:approved",
                company=password_request.company,
            )
    return password_request


def refuse_password_request(
    actor: Actor, *, password_request_id: int, reason: str
) -> NewPasswordRequest:
    with transaction.atomic():
        password_request = _lock_open(actor, password_request_id)
        mark_decided(
            password_request,
            PasswordRequestState.REJECTED,
            by=actor.user,
            reason=reason,
            reason_field="rejection_reason",
        )
        emit(AuditAction.PASSWORD_REQUEST_REJECTED, actor=actor, company=password_request.company)
        if password_request.requested_by is not None:
            mail_user(
                password_request.requested_by,
                "password_request_rejected",
                event_key=f"password-request:{password_request.pk}:rejected",
                company=password_request.company,
                reason=password_request.rejection_reason,
            )
    return password_request


def open_password_request(company: Company) -> NewPasswordRequest | None:
    """The company's request that waits for the chamber, if any (shown on its administration)."""
    return company.password_requests.filter(state=PasswordRequestState.OPEN).first()
