""" "Erinnerung senden": the applicant of a company approved by the chamber is reminded of the
activation letter that was posted and not yet used (manual ch. 3: "Unternehmen aktivieren").

A reminder goes to the applicant of the registration, in their language. One company hears at
most once in ACTIVATION_REMINDER_INTERVAL_DAYS, whoever asks (staff or the job): the company row
is locked first, so a double click or two workers send one mail.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from meinekammer.accounts.rules import may_act
from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict, NotFound, Throttled

from ..models import ActivationLetter, Company, CompanyState, LetterReason, LetterState
from ..rules import lock_company
from .mail import mail_user


def unused_since(now: datetime | None = None) -> datetime:
    """Letters sent before this moment count as unused ("Nicht verwendete Aktivierungsbriefe")."""
    return (now or timezone.now()) - timedelta(days=settings.ACTIVATION_LETTER_UNUSED_DAYS)


def reminder_interval() -> timedelta:
    return timedelta(days=settings.ACTIVATION_REMINDER_INTERVAL_DAYS)


def next_reminder_at(company: Company) -> datetime | None:
    """When the company may be reminded again; None if now."""
    last = company.letters.aggregate(last=Max("reminded_at"))["last"]
    if last is None or last + reminder_interval() <= timezone.now():
        return None
    return last + reminder_interval()


def _remindable_letter(company: Company) -> ActivationLetter:
    """The company's sent, unused, unexpired registration letter; Conflict if there is none."""
    if company.state != CompanyState.AWAITING_ACTIVATION:
        raise Conflict(_("The company is already activated: there is nothing to remind of."))
    letter = (
        ActivationLetter.objects.select_for_update()
        .filter(company=company, reason=LetterReason.REGISTRATION, state=LetterState.SENT)
        .order_by("-sent_at")
        .first()
    )
    if letter is None:
        raise Conflict(_("The company has no activation letter that was sent and not yet used."))
    if letter.expires_at is not None and letter.expires_at <= timezone.now():
        raise Conflict(
            _("The activation password of this letter has expired; a reminder would not help.")
        )
    return letter


def _remind(actor: Actor, company: Company) -> ActivationLetter:
    """Under the company lock: check, mail, record, audit."""
    letter = _remindable_letter(company)
    again = next_reminder_at(company)
    if again is not None:
        raise Throttled(
            _(
                "%(company)s was reminded less than %(days)d days ago; the next reminder is "
                "possible from %(date)s."
            )
            % {
                "company": company.name,
                "days": settings.ACTIVATION_REMINDER_INTERVAL_DAYS,
                "date": date_format(timezone.localtime(again), "SHORT_DATETIME_FORMAT"),
            }
        )
    registration = getattr(company, "registration", None)
    applicant = registration.applicant if registration is not None else None
    if applicant is None or not may_act(applicant):
        raise Conflict(_("The applicant's account can no longer be reached by e-mail."))
    letter.reminder_count += 1
    letter.reminded_at = timezone.now()
    letter.save(update_fields=["reminder_count", "reminded_at"])
    emit(
        AuditAction.ACTIVATION_REMINDER_SENT,
        actor=actor,
        subject_user=applicant,
        company=company,
        letter=letter.pk,
        reminder=letter.reminder_count,
    )
    mail_user(
        applicant,
        "activation_reminder",
        event_key=f"letter:{letter.pk}:reminder:{letter.reminder_count}",
        company=company,
        letter=letter,
        sent_on=timezone.localdate(letter.sent_at) if letter.sent_at else None,
        expires_on=timezone.localdate(letter.expires_at) if letter.expires_at else None,
    )
    return letter


def send_activation_reminder(actor: Actor, *, company_id: int) -> ActivationLetter:
    """A staff member of the company's chamber reminds its applicant; NotFound for anyone else
    and for another chamber's company."""
    chamber = get_staff_chamber(actor.user)
    if not Company.objects.filter(pk=company_id, chamber=chamber).exists():
        raise NotFound
    with transaction.atomic():
        company = lock_company(company_id, working=False)
        if company.chamber_id != chamber.pk:
            raise NotFound
        return _remind(actor, company)


def due_reminder_company_ids(now: datetime | None = None) -> list[int]:
    """Companies whose sent letter has waited ACTIVATION_LETTER_UNUSED_DAYS without a reminder."""
    now = now or timezone.now()
    return list(
        ActivationLetter.objects.filter(
            reason=LetterReason.REGISTRATION,
            state=LetterState.SENT,
            sent_at__lt=unused_since(now),
            reminder_count=0,
            expires_at__gt=now,
            company__state=CompanyState.AWAITING_ACTIVATION,
        )
        .values_list("company_id", flat=True)
        .distinct()
    )


def remind_unused_letters(actor: Actor) -> int:
    """The job: each applicant whose letter waits unused is reminded once, automatically.

    Idempotent and safe in two workers at once: under the company lock the letter is checked
    again (a reminder by staff meanwhile, an activation, the throttle); those are skipped.
    """
    if not settings.ACTIVATION_REMINDER_AUTOMATIC:
        return 0
    done = 0
    for company_id in due_reminder_company_ids():
        with transaction.atomic():
            try:
                company = lock_company(company_id, working=False)
            except NotFound:
                continue
            letter = (
                ActivationLetter.objects.filter(
                    company=company, reason=LetterReason.REGISTRATION, state=LetterState.SENT
                )
                .order_by("-sent_at")
                .first()
            )
            if (
                letter is None
                or letter.reminder_count
                or letter.sent_at is None
                or letter.sent_at >= unused_since()
            ):
                continue
            try:
                _remind(actor, company)
            except (Conflict, Throttled):
                continue
            done += 1
    return done
