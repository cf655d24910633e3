"""Activation blocks ("Aktivierungssperren", issue 16): what stops "Unternehmen aktivieren",
and how the chamber's staff see and lift it ("Sperre aufheben").

Two things stop an activation (services.activation):

- An account, or a network address, that tried more different companies within a day than the
  operator allows (ACTIVATION_COMPANIES_PER_DAY, ..._PER_ADDRESS) is blocked for
  ACTIVATION_BLOCK_HOURS: "Zu viele Aktivierungsversuche". The tries are counted in the cache;
  the block is an `ActivationBlock` row, linked to the chambers whose numbers were tried, so
  that their staff can list it, a cache flush does not end it, and lifting it is one update.
- A letter whose password was entered wrongly ACTIVATION_MAX_WRONG_TRIES times is void. While
  it is the company's newest letter and not expired, staff may open it again for another
  round of tries, instead of sending a new letter by post.

Lifting either is audited (ACTIVATION_BLOCK_LIFTED) and shows in the chamber's "Protokoll".
Staff see and lift only what concerns their own chamber; anything else is NotFound.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.chambers.models import Chamber
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict, NotFound
from meinekammer.core.links import absolute_url

from ..models import (
    ActivationBlock,
    ActivationLetter,
    BlockKind,
    Company,
    CompanyState,
    LetterState,
)
from ..rules import lock_company
from .mail import mail_chamber_staff

# An ended block's row (with its network address) is deleted this long after its end.
KEEP_ENDED_BLOCKS = timedelta(days=30)
# The states in which a company can be activated with its letter (services.activation).
ACTIVATABLE_STATES = (CompanyState.AWAITING_ACTIVATION, CompanyState.ACTIVE)


def tried_companies_key(kind: str, key: str) -> str:
    return f"activation:tried:{kind}:{key}"


def _active(now: Any = None) -> QuerySet[ActivationBlock]:
    return ActivationBlock.objects.filter(lifted_at__isnull=True, until__gt=now or timezone.now())


def is_blocked(actor: Actor) -> bool:
    """Whether the account or the address of this attempt is blocked now."""
    subject = Q(kind=BlockKind.USER, key=str(actor.user_id))
    if actor.ip:
        subject |= Q(kind=BlockKind.ADDRESS, key=actor.ip)
    return _active().filter(subject).exists()


def block_activation(actor: Actor, over: list[tuple[str, str, list[str]]]) -> None:
    """Block each (kind, key, tried) that tried too many companies; the staff of every chamber
    whose number was tried hear of it, and see it under "Aktivierungssperren"."""
    now = timezone.now()
    until = now + timedelta(hours=settings.ACTIVATION_BLOCK_HOURS)
    numbers = {value.split("/", 1)[0] for _kind, _key, tried in over for value in tried}
    chambers = list(Chamber.objects.filter(number__in=numbers).order_by("number"))
    with transaction.atomic():
        blocks = []
        for kind, key, tried in over:
            block, _created = ActivationBlock.objects.update_or_create(
                kind=kind,
                key=key,
                defaults={
                    "user": actor.user,
                    "tried": tried,
                    "started_at": now,
                    "until": until,
                    "lifted_at": None,
                    "lifted_by": None,
                },
            )
            block.chambers.set(chambers)
            blocks.append(block)
            # Counting starts afresh when the block ends or is lifted.
            cache.delete(tried_companies_key(kind, key))
        ActivationBlock.objects.filter(until__lt=now - KEEP_ENDED_BLOCKS).delete()
        data = {"blocks": [block.pk for block in blocks], "kinds": [b.kind for b in blocks]}
        if not chambers:
            emit(AuditAction.ACTIVATION_THROTTLED, actor=actor, subject_user=actor.user, **data)
        for chamber in chambers:
            # One event per chamber: each chamber's log shows its own (companies.chamber_log).
            emit(
                AuditAction.ACTIVATION_THROTTLED,
                actor=actor,
                subject_user=actor.user,
                chamber=chamber.pk,
                **data,
            )
            mail_chamber_staff(
                chamber,
                "activation_alert_staff",
                event_key=f"activation-block:{blocks[0].pk}:{int(now.timestamp())}",
                suspect=actor.user,
                until=until,
                blocks_url=absolute_url(reverse("chambers:activation_blocks")),
            )


# --- What the chamber's staff see ---------------------------------------------------------------


@dataclass(frozen=True)
class BlockRow:
    block: ActivationBlock
    # What was tried at this chamber: (member number as typed, the company's name or "").
    tried: list[tuple[str, str]]


def list_activation_blocks(chamber: Chamber) -> list[BlockRow]:
    """The current blocks of accounts and addresses that tried this chamber's companies,
    soonest end first; a constant number of queries."""
    blocks = list(
        _active()
        .filter(chambers=chamber)
        .select_related("user")
        .order_by("until", "pk")
        .distinct()[:200]
    )
    prefix = f"{chamber.number}/"
    numbers = {
        value.removeprefix(prefix)
        for block in blocks
        for value in block.tried
        if isinstance(value, str) and value.startswith(prefix)
    }
    names = dict(
        Company.objects.filter(chamber=chamber, member_number__in=numbers)
        .exclude(state__in=[CompanyState.DELETED, CompanyState.REJECTED])
        .values_list("member_number", "name")
    )
    return [
        BlockRow(
            block=block,
            tried=[
                (number, names.get(number, ""))
                for number in sorted(
                    value.removeprefix(prefix)
                    for value in block.tried
                    if isinstance(value, str) and value.startswith(prefix)
                )
            ],
        )
        for block in blocks
    ]


def blocked_letters(chamber: Chamber) -> QuerySet[ActivationLetter]:
    """Letters of the chamber's companies void after too many wrong tries, still valid and the
    company's newest (a superseded letter has a newer one; it cannot be opened again)."""
    newer = ActivationLetter.objects.filter(company=OuterRef("company"), pk__gt=OuterRef("pk"))
    return (
        ActivationLetter.objects.filter(
            company__chamber=chamber,
            company__state__in=ACTIVATABLE_STATES,
            state=LetterState.VOID,
            failed_attempts__gt=0,
            voided_at__isnull=False,
            expires_at__gt=timezone.now(),
        )
        .exclude(password_hash="")
        .filter(~Exists(newer))
        .select_related("company")
        .order_by("voided_at", "pk")
    )


# --- "Sperre aufheben" --------------------------------------------------------------------------


def _ended() -> Conflict:
    return Conflict(_("This block has already ended or been lifted. Nothing was changed."))


def lift_activation_block(actor: Actor, *, block_id: int) -> ActivationBlock:
    """The account or address may try again at once; its count starts afresh."""
    chamber = get_staff_chamber(actor.user)
    with transaction.atomic():
        block = (
            ActivationBlock.objects.select_for_update(of=("self",))
            .filter(pk=block_id, chambers=chamber)
            .first()
        )
        if block is None:
            raise NotFound
        now = timezone.now()
        if block.lifted_at is not None or block.until <= now:
            raise _ended()
        block.lifted_at = now
        block.lifted_by = actor.user
        block.save(update_fields=["lifted_at", "lifted_by"])
        cache.delete(tried_companies_key(block.kind, block.key))
        emit(
            AuditAction.ACTIVATION_BLOCK_LIFTED,
            actor=actor,
            subject_user=block.user,
            chamber=chamber.pk,
            block=block.pk,
            kind=block.kind,
        )
        return block


def lift_letter_block(actor: Actor, *, letter_id: int) -> ActivationLetter:
    """The letter's password works again, with a fresh count of wrong tries."""
    chamber = get_staff_chamber(actor.user)
    with transaction.atomic():
        company_id = (
            ActivationLetter.objects.filter(pk=letter_id, company__chamber=chamber)
            .values_list("company_id", flat=True)
            .first()
        )
        if company_id is None:
            raise NotFound
        # The company first, as an activation does: no try meets the reopening half-way.
        lock_company(company_id, working=False)
        letter = (
            blocked_letters(chamber).select_for_update(of=("self",)).filter(pk=letter_id).first()
        )
        if letter is None:
            raise _ended()
        letter.state = LetterState.SENT if letter.sent_at else LetterState.PRINTED
        letter.failed_attempts = 0
        letter.voided_at = None
        letter.save(update_fields=["state", "failed_attempts", "voided_at"])
        emit(
            AuditAction.ACTIVATION_BLOCK_LIFTED,
            actor=actor,
            company=letter.company,
            chamber=chamber.pk,
            letter=letter.pk,
            kind="letter",
        )
        return letter
