"""\"Unternehmen aktivieren\": the password from the letter makes the user company admin."""

from dataclasses import dataclass

from allauth.core import ratelimit
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.audit.models import AuditAction
from meinekammer.audit.services import record
from meinekammer.chambers.models import Chamber
from meinekammer.chambers.normalize import normalize_member_number

from .. import activation_passwords
from ..models import ActivationLetter, Company, CompanyState, LetterState, Membership
from .common import CompanyError, mail_chamber_staff, mail_user

MAX_WRONG_TRIES = 5
DISTINCT_COMPANIES_PER_DAY = 5
DAY = 24 * 3600


class ActivationFailed(CompanyError):
    """One and the same message, whatever was wrong (no hint which value was)."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "The activation did not succeed. Please check the activation password, the "
                "member number and the chamber number in your letter."
            )
        )


class ActivationThrottled(CompanyError):
    def __init__(self) -> None:
        super().__init__(
            _("Too many activation attempts. Please wait a while, or contact your chamber.")
        )


@dataclass
class _Outcome:
    company: Company | None = None
    letter_voided: bool = False


def _tried_companies_key(kind: str, value: str) -> str:
    return f"activation:tried:{kind}:{value}"


def _note_company_tried(
    request: HttpRequest, user, chamber_number: str, member_number: str
) -> bool:
    """Remember which companies a user and an address try; True if that is too many."""
    too_many = False
    tried_value = f"{chamber_number}/{member_number}"
    for kind, value in (("user", str(user.pk)), ("ip", request.META.get("REMOTE_ADDR", ""))):
        key = _tried_companies_key(kind, value)
        tried = set(cache.get(key, ()))
        tried.add(tried_value)
        cache.set(key, sorted(tried)[-50:], DAY)
        too_many = too_many or len(tried) > DISTINCT_COMPANIES_PER_DAY
    return too_many


def _alert_staff_once(request, user, chamber_number: str) -> None:
    """Staff hear of a user probing many companies, once a day per user."""
    if not cache.add(f"activation:alerted:{user.pk}", 1, DAY):
        return
    record(AuditAction.ACTIVATION_THROTTLED, request=request, actor=user, subject_user=user)
    chamber = Chamber.objects.filter(number=chamber_number).first()
    if chamber is not None:
        mail_chamber_staff(
            chamber,
            "activation_alert_staff",
            event_key=f"activation-alert:{user.pk}:{timezone.localdate()}",
            request=request,
            suspect=user,
        )


def activate_company(
    user, *, password: str, member_number: str, chamber_number: str, request: HttpRequest
) -> Company:
    chamber_number = chamber_number.strip()
    member_number = normalize_member_number(member_number)
    if not ratelimit.consume(request, action="activate_company", user=user):
        raise ActivationThrottled
    if _note_company_tried(request, user, chamber_number, member_number):
        _alert_staff_once(request, user, chamber_number)
        raise ActivationThrottled
    with transaction.atomic():
        outcome = _attempt(user, password, member_number, chamber_number, request)
    if outcome.company is None:
        raise ActivationFailed
    return outcome.company


def _attempt(user, password: str, member_number: str, chamber_number: str, request) -> _Outcome:
    company = (
        Company.objects.select_for_update()
        .filter(
            chamber__number=chamber_number,
            member_number=member_number,
            state__in=[CompanyState.AWAITING_ACTIVATION, CompanyState.ACTIVE],
        )
        .first()
        if member_number and chamber_number
        else None
    )
    if company is None:
        record(
            AuditAction.ACTIVATION_FAILED,
            request=request,
            actor=user,
            subject_user=user,
            why="no such company",
        )
        return _Outcome()
    letter = (
        ActivationLetter.objects.select_for_update()
        .filter(
            company=company, state__in=[LetterState.PRINTED, LetterState.SENT, LetterState.USED]
        )
        .order_by("-password_issued_at")
        .first()
    )
    if letter is not None and letter.state == LetterState.USED:
        # A double click: the first submission activated; the second one is no failure.
        if letter.used_by_id == user.pk and activation_passwords.matches(
            password, letter.password_hash
        ):
            return _Outcome(company=company)
        letter = None
    if letter is None or letter.expires_at is None or letter.expires_at <= timezone.now():
        record(
            AuditAction.ACTIVATION_FAILED,
            request=request,
            actor=user,
            subject_user=user,
            company=company,
            why="no valid letter",
        )
        return _Outcome()
    if not activation_passwords.matches(password, letter.password_hash):
        letter.failed_attempts += 1
        voided = letter.failed_attempts >= MAX_WRONG_TRIES
        if voided:
            letter.state = LetterState.VOID
            letter.voided_at = timezone.now()
        letter.save(update_fields=["failed_attempts", "state", "voided_at"])
        record(
            AuditAction.ACTIVATION_FAILED,
            request=request,
            actor=user,
            subject_user=user,
            company=company,
            why="wrong password",
            attempt=letter.failed_attempts,
        )
        if voided:
            record(
                AuditAction.LETTER_VOIDED,
                request=request,
                actor=user,
                company=company,
                letter=letter.pk,
                why="too many wrong tries",
            )
        return _Outcome(letter_voided=voided)
    now = timezone.now()
    letter.state = LetterState.USED
    letter.used_at = now
    letter.used_by = user
    letter.save(update_fields=["state", "used_at", "used_by"])
    if company.state == CompanyState.AWAITING_ACTIVATION:
        company.state = CompanyState.ACTIVE
        company.activated_at = now
        company.save(update_fields=["state", "activated_at"])
    membership, _created = Membership.objects.get_or_create(user=user, company=company)
    if not membership.is_admin:
        membership.is_admin = True
        membership.save(update_fields=["is_admin"])
    record(
        AuditAction.COMPANY_ACTIVATED,
        request=request,
        actor=user,
        subject_user=user,
        company=company,
        letter=letter.pk,
    )
    record(
        AuditAction.ADMIN_APPOINTED,
        request=request,
        actor=user,
        subject_user=user,
        company=company,
        via="activation letter",
    )
    mail_user(
        user,
        "company_activated",
        event_key=f"letter:{letter.pk}:activated",
        request=request,
        company=company,
    )
    return _Outcome(company=company)
