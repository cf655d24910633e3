"""Registering a company and the chamber's review (manual ch. 3)."""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from meinekammer.accounts.models import User
from meinekammer.accounts.rules import require_account
from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.chambers.models import Chamber, DirectoryEntry
from meinekammer.chambers.normalize import normalize_member_number, normalize_name
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict, Invalid, NotFound
from meinekammer.core.links import absolute_url
from meinekammer.core.pending import mark_decided

from ..models import (
    HOLDS_MEMBER_NUMBER,
    ActivationLetter,
    Company,
    CompanyRegistration,
    CompanyState,
    LetterReason,
    RegistrationState,
)
from .mail import mail_chamber_staff, mail_user


def register_company(
    actor: Actor,
    *,
    chamber: Chamber,
    name: str,
    street: str,
    postal_code: str,
    city: str,
    member_number: str = "",
    register_court: str = "",
    register_number: str = "",
) -> Company:
    """ "Neues Unternehmen anlegen": the request goes to the chamber for review.

    A double click or a resubmitted form finds the request already sent and sends no second.
    """
    user = require_account(actor)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one submission at a time
        wanted = normalize_name(name)
        for pending in CompanyRegistration.objects.select_related("company").filter(
            applicant=user,
            state=RegistrationState.IN_REVIEW,
            company__chamber=chamber,
            company__postal_code=postal_code,
        ):
            if normalize_name(pending.company.name) == wanted:
                return pending.company
        company = Company.objects.create(
            chamber=chamber,
            name=name.strip(),
            street=street.strip(),
            postal_code=postal_code,
            city=city.strip(),
            member_number=normalize_member_number(member_number),
            register_court=register_court.strip(),
            register_number=register_number.strip(),
            state=CompanyState.PENDING_REVIEW,
        )
        registration = CompanyRegistration.objects.create(company=company, applicant=user)
        emit(AuditAction.COMPANY_REGISTERED, actor=actor, subject_user=user, company=company)
        mail_user(
            user,
            "registration_received",
            event_key=f"registration:{registration.pk}:received",
            company=company,
        )
        mail_chamber_staff(
            chamber,
            "registration_submitted_staff",
            event_key=f"registration:{registration.pk}:staff",
            company=company,
            review_url=absolute_url(reverse("chambers:registration", args=[registration.pk])),
        )
        return company


def live_company_for(entry: DirectoryEntry, *, exclude: Company | None = None) -> Company | None:
    """A company already registered for this directory entry: the applicant should ask to join."""
    companies = Company.objects.filter(
        Q(directory_entry=entry) | Q(member_number=entry.member_number),
        chamber_id=entry.chamber_id,
        state__in=HOLDS_MEMBER_NUMBER,
    )
    if exclude is not None:
        companies = companies.exclude(pk=exclude.pk)
    return companies.first()


def _lock_undecided(actor: Actor, registration_id: int) -> CompanyRegistration:
    chamber = get_staff_chamber(actor.user)
    registration = (
        CompanyRegistration.objects.select_for_update(of=("self",))
        .select_related("company", "applicant", "decided_by")
        .filter(pk=registration_id, company__chamber=chamber)
        .first()
    )
    if registration is None:
        raise NotFound
    if registration.state != RegistrationState.IN_REVIEW:
        decided_by = registration.decided_by.get_full_name() if registration.decided_by else "–"
        raise Conflict(
            _("This request has already been decided by %(name)s. Nothing was changed.")
            % {"name": decided_by}
        )
    return registration


def approve_registration(
    actor: Actor, *, registration_id: int, directory_entry_id: int
) -> CompanyRegistration:
    """Approve against a directory entry; the company waits for its letter (manual ch. 3)."""
    with transaction.atomic():
        registration = _lock_undecided(actor, registration_id)
        company = registration.company
        entry = DirectoryEntry.objects.filter(
            pk=directory_entry_id, chamber_id=company.chamber_id
        ).first()
        if entry is None:
            raise Invalid(_("Please choose an entry of your chamber's company directory."))
        existing = live_company_for(entry, exclude=company)
        if existing is not None:
            raise Conflict(
                _(
                    "%(company)s is already registered with this member number. Reject the "
                    "request and ask the applicant to send a join request to that company."
                )
                % {"company": existing.name}
            )
        company.directory_entry = entry
        company.member_number = entry.member_number
        company.state = CompanyState.AWAITING_ACTIVATION
        try:
            with transaction.atomic():
                company.save(update_fields=["directory_entry", "member_number", "state"])
        except IntegrityError as error:  # a parallel approval took the member number
            raise Conflict(
                _(
                    "Another company has just been approved with this member number. Nothing was changed."
                )
            ) from error
        mark_decided(registration, RegistrationState.APPROVED, by=actor.user)
        letter = ActivationLetter.objects.create(
            company=company,
            reason=LetterReason.REGISTRATION,
            recipient_name=registration.applicant.get_full_name(),
        )
        emit(
            AuditAction.REGISTRATION_APPROVED,
            actor=actor,
            subject_user=registration.applicant,
            company=company,
            directory_entry=entry.pk,
        )
        emit(AuditAction.LETTER_QUEUED, actor=actor, company=company, letter=letter.pk)
        mail_user(
            registration.applicant,
            "registration_approved",
            event_key=f"registration:{registration.pk}:approved",
            company=company,
        )
    return registration


def reject_registration(actor: Actor, *, registration_id: int, reason: str) -> CompanyRegistration:
    with transaction.atomic():
        registration = _lock_undecided(actor, registration_id)
        mark_decided(
            registration,
            RegistrationState.REJECTED,
            by=actor.user,
            reason=reason,
            reason_field="rejection_reason",
        )
        registration.company.state = CompanyState.REJECTED
        registration.company.save(update_fields=["state"])
        emit(
            AuditAction.REGISTRATION_REJECTED,
            actor=actor,
            subject_user=registration.applicant,
            company=registration.company,
        )
        mail_user(
            registration.applicant,
            "registration_rejected",
            event_key=f"registration:{registration.pk}:rejected",
            company=registration.company,
            reason=registration.rejection_reason,
        )
    return registration
