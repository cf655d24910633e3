"""Registering a company and the chamber's review (manual ch. 3)."""

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.accounts.models import User
from meinekammer.audit.models import AuditAction
from meinekammer.audit.services import record
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.chambers.models import Chamber, DirectoryEntry
from meinekammer.chambers.normalize import normalize_member_number, normalize_name

from ..models import (
    HOLDS_MEMBER_NUMBER,
    ActivationLetter,
    Company,
    CompanyRegistration,
    CompanyState,
    LetterReason,
    RegistrationState,
)
from .common import CompanyError, absolute_url, mail_chamber_staff, mail_user


def register_company(
    user: User,
    *,
    chamber: Chamber,
    name: str,
    street: str,
    postal_code: str,
    city: str,
    member_number: str = "",
    register_court: str = "",
    register_number: str = "",
    request=None,
) -> Company:
    """ "Neues Unternehmen anlegen": the request goes to the chamber for review.

    A double click or a resubmitted form finds the request already sent and sends no second.
    """
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
        record(
            AuditAction.COMPANY_REGISTERED,
            request=request,
            actor=user,
            subject_user=user,
            company=company,
        )
        mail_user(
            user,
            "registration_received",
            event_key=f"registration:{registration.pk}:received",
            request=request,
            company=company,
        )
        mail_chamber_staff(
            chamber,
            "registration_submitted_staff",
            event_key=f"registration:{registration.pk}:staff",
            request=request,
            company=company,
            review_url=absolute_url(
                request, reverse("chambers:registration", args=[registration.pk])
            ),
        )
        return company


def list_registrations(
    chamber: Chamber, *, state: str = "", query: str = ""
) -> QuerySet[CompanyRegistration]:
    registrations = CompanyRegistration.objects.filter(company__chamber=chamber).select_related(
        "company", "applicant", "decided_by"
    )
    if state:
        registrations = registrations.filter(state=state)
    if query:
        registrations = registrations.filter(
            Q(company__name__icontains=query)
            | Q(company__member_number__icontains=query)
            | Q(company__city__icontains=query)
            | Q(company__register_number__icontains=query)
            | Q(applicant__email__icontains=query)
            | Q(applicant__last_name__icontains=query)
        )
    return registrations.order_by("-submitted_at")


def get_registration_for_staff(user, registration_id: int) -> CompanyRegistration:
    chamber = get_staff_chamber(user)
    registration = (
        CompanyRegistration.objects.select_related(
            "company", "company__chamber", "applicant", "decided_by"
        )
        .filter(pk=registration_id, company__chamber=chamber)
        .first()
    )
    if registration is None:
        raise Http404
    return registration


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


def _lock_undecided(user, registration_id: int) -> CompanyRegistration:
    chamber = get_staff_chamber(user)
    registration = (
        CompanyRegistration.objects.select_for_update(of=("self",))
        .select_related("company", "applicant", "decided_by")
        .filter(pk=registration_id, company__chamber=chamber)
        .first()
    )
    if registration is None:
        raise Http404
    if registration.state != RegistrationState.IN_REVIEW:
        decided_by = registration.decided_by.get_full_name() if registration.decided_by else "–"
        raise CompanyError(
            _("This request has already been decided by %(name)s. Nothing was changed.")
            % {"name": decided_by}
        )
    return registration


def approve_registration(
    user, registration_id: int, *, directory_entry_id: int, request=None
) -> CompanyRegistration:
    """Approve against a directory entry; the company waits for its letter (manual ch. 3)."""
    with transaction.atomic():
        registration = _lock_undecided(user, registration_id)
        company = registration.company
        entry = DirectoryEntry.objects.filter(
            pk=directory_entry_id, chamber_id=company.chamber_id
        ).first()
        if entry is None:
            raise CompanyError(_("Please choose an entry of your chamber's company directory."))
        existing = live_company_for(entry, exclude=company)
        if existing is not None:
            raise CompanyError(
                _(
                    "%(company)s is already registered with this member number. Reject the "
                    "request and ask the applicant to send a join request to that company."
                )
                % {"company": existing.name}
            )
        now = timezone.now()
        company.directory_entry = entry
        company.member_number = entry.member_number
        company.state = CompanyState.AWAITING_ACTIVATION
        try:
            with transaction.atomic():
                company.save(update_fields=["directory_entry", "member_number", "state"])
        except IntegrityError as error:  # a parallel approval took the member number
            raise CompanyError(
                _(
                    "Another company has just been approved with this member number. Nothing was changed."
                )
            ) from error
        registration.state = RegistrationState.APPROVED
        registration.decided_by = user
        registration.decided_at = now
        registration.save(update_fields=["state", "decided_by", "decided_at"])
        letter = ActivationLetter.objects.create(
            company=company,
            reason=LetterReason.REGISTRATION,
            recipient_name=registration.applicant.get_full_name(),
        )
        record(
            AuditAction.REGISTRATION_APPROVED,
            request=request,
            actor=user,
            subject_user=registration.applicant,
            company=company,
            directory_entry=entry.pk,
        )
        record(
            AuditAction.LETTER_QUEUED,
            request=request,
            actor=user,
            company=company,
            letter=letter.pk,
        )
        mail_user(
            registration.applicant,
            "registration_approved",
            event_key=f"registration:{registration.pk}:approved",
            request=request,
            company=company,
        )
    return registration


def reject_registration(
    user, registration_id: int, *, reason: str, request=None
) -> CompanyRegistration:
    with transaction.atomic():
        registration = _lock_undecided(user, registration_id)
        registration.state = RegistrationState.REJECTED
        registration.decided_by = user
        registration.decided_at = timezone.now()
        registration.rejection_reason = reason.strip()
        registration.save(update_fields=["state", "decided_by", "decided_at", "rejection_reason"])
        registration.company.state = CompanyState.REJECTED
        registration.company.save(update_fields=["state"])
        record(
            AuditAction.REGISTRATION_REJECTED,
            request=request,
            actor=user,
            subject_user=registration.applicant,
            company=registration.company,
        )
        mail_user(
            registration.applicant,
            "registration_rejected",
            event_key=f"registration:{registration.pk}:rejected",
            request=request,
            company=registration.company,
            reason=registration.rejection_reason,
        )
    return registration
