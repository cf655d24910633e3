"""\"Unternehmen aktivieren\": the password from the letter makes the user company admin.

The per-request rate limit (allauth's "activate_company") is the page's step before this use
case; here the user and the client address (`actor.ip`) are limited in how many companies
they try in a day.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.accounts.rules import require_account
from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.chambers.normalize import normalize_member_number
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Invalid, NotFound, Throttled

from .. import activation_passwords
from ..factors import start_admin_notice
from ..models import (
    ActivationLetter,
    BlockKind,
    Company,
    CompanyState,
    LetterState,
    Membership,
)
from ..rules import lock_company
from .activation_blocks import (
    ACTIVATABLE_STATES,
    block_activation,
    is_blocked,
    tried_companies_key,
)
from .mail import mail_user

# The limits are the operator's (settings ACTIVATION_MAX_WRONG_TRIES,
# ACTIVATION_COMPANIES_PER_DAY, ..._PER_ADDRESS, ACTIVATION_BLOCK_HOURS; docs/operations.md).
DAY = 24 * 3600


class ActivationFailed(Invalid):
    """One and the same message, whatever was wrong (no hint which value was)."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "The activation did not succeed. Please check the activation password, the "
                "member number and the chamber number in your letter."
            )
        )


class ActivationThrottled(Throttled):
    def __init__(self) -> None:
        super().__init__(
            _("Too many activation attempts. Please wait a while, or contact your chamber.")
        )


@dataclass
class _Outcome:
    company: Company | None = None
    letter_voided: bool = False


def _subjects(actor: Actor) -> list[tuple[str, str, int]]:
    """Who is counted: the account, and the network address it comes from (if known)."""
    subjects = [(BlockKind.USER.value, str(actor.user_id), settings.ACTIVATION_COMPANIES_PER_DAY)]
    if actor.ip:
        subjects.append(
            (
                BlockKind.ADDRESS.value,
                actor.ip,
                settings.ACTIVATION_COMPANIES_PER_DAY_PER_ADDRESS,
            )
        )
    return subjects


def _note_company_tried(
    actor: Actor, chamber_number: str, member_number: str
) -> list[tuple[str, str, list[str]]]:
    """Remember which companies an account and an address try in a day (in the cache); the
    ones that have now tried too many, each with what it tried."""
    over = []
    tried_value = f"{chamber_number}/{member_number}"
    for kind, key, limit in _subjects(actor):
        cache_key = tried_companies_key(kind, key)
        tried = set(cache.get(cache_key, ()))
        tried.add(tried_value)
        kept = sorted(tried)[-max(50, limit + 1) :]
        cache.set(cache_key, kept, DAY)
        if len(tried) > limit:
            over.append((kind, key, kept))
    return over


def activate_company(
    actor: Actor, *, password: str, member_number: str, chamber_number: str
) -> Company:
    require_account(actor)
    chamber_number = chamber_number.strip()
    member_number = normalize_member_number(member_number)
    # A block stops every attempt until it ends or the chamber lifts it; blocked attempts are
    # not counted, so that the block does not grow by itself.
    if is_blocked(actor):
        raise ActivationThrottled
    over = _note_company_tried(actor, chamber_number, member_number)
    if over:
        block_activation(actor, over)  # tells the chambers' staff (services.activation_blocks)
        raise ActivationThrottled
    with transaction.atomic():
        outcome = _attempt(actor, password, member_number, chamber_number)
    if outcome.company is None:
        raise ActivationFailed
    return outcome.company


def _lock_activatable(member_number: str, chamber_number: str) -> Company | None:
    if not (member_number and chamber_number):
        return None
    company_id = (
        Company.objects.filter(
            chamber__number=chamber_number,
            member_number=member_number,
            state__in=ACTIVATABLE_STATES,
        )
        .values_list("pk", flat=True)
        .first()
    )
    if company_id is None:
        return None
    try:
        company = lock_company(company_id, working=False)
    except NotFound:
        return None
    return company if company.state in ACTIVATABLE_STATES else None


def _failed(actor: Actor, *, company: Any = None, **data: Any) -> None:
    emit(
        AuditAction.ACTIVATION_FAILED,
        actor=actor,
        subject_user=actor.user,
        company=company,
        **data,
    )


def _attempt(actor: Actor, password: str, member_number: str, chamber_number: str) -> _Outcome:
    user = actor.user
    company = _lock_activatable(member_number, chamber_number)
    letter = None
    if company is not None:
        letter = (
            ActivationLetter.objects.select_for_update()
            .filter(
                company=company,
                state__in=[LetterState.PRINTED, LetterState.SENT, LetterState.USED],
            )
            .order_by("-password_issued_at")
            .first()
        )
    # A double click: the first submission activated; the second one is no failure.
    double_click = (
        letter is not None and letter.state == LetterState.USED and letter.used_by_id == user.pk
    )
    live = (
        letter is not None
        and letter.state != LetterState.USED
        and letter.expires_at is not None
        and letter.expires_at > timezone.now()
    )
    # One password check on every path, against nothing where there is no live letter (it
    # costs the same): otherwise the answer's time tells which numbers have a letter.
    correct = activation_passwords.matches(
        password, letter.password_hash if letter is not None and (live or double_click) else None
    )
    if double_click and correct:
        return _Outcome(company=company)
    if company is None:
        _failed(actor, why="no such company")
        return _Outcome()
    if not live or letter is None:
        _failed(actor, company=company, why="no valid letter")
        return _Outcome()
    if not correct:
        letter.failed_attempts += 1
        voided = letter.failed_attempts >= settings.ACTIVATION_MAX_WRONG_TRIES
        if voided:
            letter.state = LetterState.VOID
            letter.voided_at = timezone.now()
        letter.save(update_fields=["failed_attempts", "state", "voided_at"])
        _failed(actor, company=company, why="wrong password", attempt=letter.failed_attempts)
        if voided:
            emit(
                AuditAction.LETTER_VOIDED,
                actor=actor,
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
        start_admin_notice(membership)
    emit(
        AuditAction.COMPANY_ACTIVATED,
        actor=actor,
        subject_user=user,
        company=company,
        letter=letter.pk,
    )
    emit(
        AuditAction.ADMIN_APPOINTED,
        actor=actor,
        subject_user=user,
        company=company,
        via="activation letter",
    )
    mail_user(
        user,
        "company_activated",
        event_key=f"letter:{letter.pk}:activated",
        company=company,
    )
    return _Outcome(company=company)
