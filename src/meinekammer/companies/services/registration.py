"""Registering a company and the chamber's review (manual ch. 3)."""

import re

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.accounts.models import User
from meinekammer.accounts.rules import require_account
from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.chambers.guards import chamber_of
from meinekammer.chambers.models import Chamber, DirectoryEntry
from meinekammer.chambers.normalize import normalize_member_number, normalize_name
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict, Invalid, NotAllowed, NotFound
from meinekammer.core.links import absolute_url
from meinekammer.core.pending import mark_decided

from ..models import (
    HOLDS_MEMBER_NUMBER,
    ActivationLetter,
    AddressSource,
    Company,
    CompanyRegistration,
    CompanyState,
    LetterAddress,
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
    """The registration row, locked: taking, releasing and deciding are serialized on it.

    The holder and the decider are read after the lock, not joined into the locking query:
    PostgreSQL re-reads a row that was locked meanwhile, but not the rows joined to it, so a
    joined assignee would still show the one before the wait.
    """
    chamber = chamber_of(actor)
    registration = (
        CompanyRegistration.objects.select_for_update(of=("self",))
        .select_related("company", "applicant")
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


def _holder_name(registration: CompanyRegistration) -> str:
    assignee = registration.assignee
    return (assignee.get_full_name() or assignee.email) if assignee is not None else "?"


def _lock_decidable(actor: Actor, registration_id: int) -> CompanyRegistration:
    """A registration nobody holds, or held by the actor; a colleague's is refused (take it
    over first: `assign_registration_to_me` with `take_over_from`)."""
    registration = _lock_undecided(actor, registration_id)
    if registration.assignee_id not in (None, actor.user_id):
        raise Conflict(
            _(
                '%(name)s is working on this request. Take it over first ("Assign to me") '
                "if you want to decide it. Nothing was changed."
            )
            % {"name": _holder_name(registration)}
        )
    return registration


def assign_registration_to_me(
    actor: Actor, *, registration_id: int, take_over_from: int | None = None
) -> CompanyRegistration:
    """ "Mir zuweisen" in the chamber's review queue: one clerk holds a request at a time.

    A request a colleague holds is taken over only when `take_over_from` names that colleague
    (the one the page showed): whoever asks for a request that someone has just taken, without
    having seen it, is refused and changes nothing. A take-over is audited with whom it was
    taken from.
    """
    if actor.user is None:
        raise NotAllowed(_("Only a member of the chamber's staff can take a request."))
    with transaction.atomic():
        registration = _lock_undecided(actor, registration_id)
        if registration.assignee_id == actor.user_id:
            return registration  # a double click
        previous = registration.assignee
        if previous is not None and take_over_from != previous.pk:
            raise Conflict(
                _("%(name)s has already taken this request. Nothing was changed.")
                % {"name": _holder_name(registration)}
            )
        registration.assignee = actor.user
        registration.assigned_at = timezone.now()
        registration.save(update_fields=["assignee", "assigned_at"])
        if previous is None:
            emit(
                AuditAction.REGISTRATION_ASSIGNED,
                actor=actor,
                subject_user=registration.applicant,
                company=registration.company,
                registration=registration.pk,
            )
        else:
            emit(
                AuditAction.REGISTRATION_TAKEN_OVER,
                actor=actor,
                subject_user=registration.applicant,
                company=registration.company,
                registration=registration.pk,
                taken_from=previous.pk,
            )
        return registration


def release_registration(actor: Actor, *, registration_id: int) -> CompanyRegistration:
    """ "Zuweisung aufheben": the holder gives the request back to the queue. A colleague who
    wants it takes it over instead (that names who had it)."""
    with transaction.atomic():
        registration = _lock_undecided(actor, registration_id)
        if registration.assignee_id is None:
            return registration  # released already (a double click, a colleague's take-over)
        if registration.assignee_id != actor.user_id:
            raise Conflict(
                _(
                    "%(name)s is working on this request; only they can release it. Take it "
                    'over instead ("Assign to me"). Nothing was changed.'
                )
                % {"name": _holder_name(registration)}
            )
        registration.assignee = None
        registration.assigned_at = None
        registration.save(update_fields=["assignee", "assigned_at"])
        emit(
            AuditAction.REGISTRATION_RELEASED,
            actor=actor,
            subject_user=registration.applicant,
            company=registration.company,
            registration=registration.pk,
        )
        return registration


LETTER_ADDRESS_LIMITS = (300, 200, 5, 100)  # the letter's fields (ActivationLetter)


def _letter_address(
    entry: DirectoryEntry, wanted: LetterAddress | None
) -> tuple[LetterAddress, str]:
    """The address of the activation letter: the directory entry's, or the clerk's correction
    of it. A letter proves the company only if it goes to the address the chamber holds."""
    directory = LetterAddress.of_entry(entry).cleaned()
    address = wanted.cleaned() if wanted is not None else directory
    problems = []
    if not address.is_complete:
        problems.append(
            _(
                "The letter needs a complete address: company name, street and number, postal "
                "code and city. Please complete it before approving."
            )
        )
    if any(
        len(value) > limit
        for value, limit in zip(address.fields(), LETTER_ADDRESS_LIMITS, strict=True)
    ):
        problems.append(_("A line of the letter address is too long."))
    if address.postal_code and not re.fullmatch(r"\d{5}", address.postal_code):
        problems.append(_("A German postal code has five digits."))
    if any(not value.isprintable() for value in address.fields()):
        problems.append(_("The letter address contains characters that cannot be printed."))
    if problems:
        raise Invalid(problems)
    source = AddressSource.DIRECTORY if address == directory else AddressSource.CORRECTED
    return address, source


def approve_registration(
    actor: Actor,
    *,
    registration_id: int,
    directory_entry_id: int,
    letter_address: LetterAddress | None = None,
) -> CompanyRegistration:
    """Approve against a directory entry; the company waits for its letter (manual ch. 3).

    The letter goes to the directory entry's address, or to `letter_address` where the clerk
    corrected it; never simply to the one the applicant typed.
    """
    with transaction.atomic():
        registration = _lock_decidable(actor, registration_id)
        company = registration.company
        entry = DirectoryEntry.objects.filter(
            pk=directory_entry_id, chamber_id=company.chamber_id
        ).first()
        if entry is None:
            raise Invalid(_("Please choose an entry of your chamber's company directory."))
        address, source = _letter_address(entry, letter_address)
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
        letter = ActivationLetter(
            company=company,
            reason=LetterReason.REGISTRATION,
            recipient_name=registration.applicant.get_full_name(),
        )
        letter.set_address(address, source)
        letter.save()
        emit(
            AuditAction.REGISTRATION_APPROVED,
            actor=actor,
            subject_user=registration.applicant,
            company=company,
            directory_entry=entry.pk,
            letter_address=source,
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
        registration = _lock_decidable(actor, registration_id)
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
