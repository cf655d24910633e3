"""The chamber's print queue of activation letters (manual ch. 3: "Registrierungsbrief")."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.chambers.letters import LetterContent, render_letters_pdf
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict

from .. import activation_passwords
from ..models import (
    ActivationLetter,
    AddressSource,
    LetterAddress,
    LetterReason,
    LetterState,
    PasswordRequestState,
)
from .mail import mail_user


def set_directory_address(letter: ActivationLetter) -> None:
    """A letter to a company approved earlier (a new company password) goes to the address of
    its directory entry as well; without a complete one, to the company's own address."""
    company = letter.company
    entry = company.directory_entry
    if entry is not None and LetterAddress.of_entry(entry).cleaned().is_complete:
        letter.set_address(LetterAddress.of_entry(entry).cleaned(), AddressSource.DIRECTORY)
    else:
        letter.set_address(LetterAddress.of_company(company), AddressSource.COMPANY)


def _void_other_letters(actor: Actor, letter: ActivationLetter) -> None:
    """A new password voids every earlier one of the same company."""
    others = (
        ActivationLetter.objects.select_for_update()
        .filter(company_id=letter.company_id, state__in=[LetterState.PRINTED, LetterState.SENT])
        .exclude(pk=letter.pk)
    )
    for other in others:
        other.state = LetterState.VOID
        other.voided_at = timezone.now()
        other.save(update_fields=["state", "voided_at"])
        emit(
            AuditAction.LETTER_VOIDED,
            actor=actor,
            company=letter.company,
            letter=other.pk,
            why="superseded",
        )


def print_letters(actor: Actor, *, letter_ids: list[int]) -> bytes:
    """Issue a fresh password for each letter and return them as one PDF for the print shop.

    Printing a letter again gives it a new password; the old one is void. Passwords exist in
    clear only in the returned PDF.
    """
    chamber = get_staff_chamber(actor.user)
    now = timezone.now()
    validity = timedelta(days=settings.ACTIVATION_PASSWORD_VALIDITY_DAYS)
    with transaction.atomic():
        letters = list(
            ActivationLetter.objects.select_for_update()
            .select_related("company", "company__chamber")
            .filter(
                pk__in=letter_ids,
                company__chamber=chamber,
                state__in=[LetterState.QUEUED, LetterState.PRINTED],
            )
            .order_by("created_at")
        )
        if not letters:
            raise Conflict(_("None of the chosen letters can be printed (any more)."))
        contents = []
        for letter in letters:
            password = activation_passwords.generate_password()
            letter.password_hash = activation_passwords.hash_password(password)
            letter.password_issued_at = now
            letter.expires_at = now + validity
            letter.failed_attempts = 0
            letter.state = LetterState.PRINTED
            letter.printed_at = now
            letter.printed_by = actor.user
            letter.save()
            _void_other_letters(actor, letter)
            emit(AuditAction.LETTER_PRINTED, actor=actor, company=letter.company, letter=letter.pk)
            company = letter.company
            # The person the letter is addressed to ("z. Hd."), greeted by name; the letter
            # is German.
            person = next(iter(_waiting_for(letter)), None) if letter.recipient_name else None
            with translation.override("de"):
                greeting = person.greeting if person else ""
            # The address fixed when the letter was queued (the directory's, issue 16).
            address = letter.address
            contents.append(
                LetterContent(
                    chamber=chamber,
                    company_name=address.name,
                    recipient_name=letter.recipient_name,
                    street=address.street,
                    postal_code=address.postal_code,
                    city=address.city,
                    member_number=company.member_number,
                    password=activation_passwords.format_for_print(password),
                    expires_on=timezone.localdate(letter.expires_at),
                    new_password=letter.reason == LetterReason.NEW_PASSWORD,
                    letter_date=timezone.localdate(now),
                    portal_url=settings.SITE_URL,
                    greeting=greeting,
                )
            )
        return render_letters_pdf(contents)


def mark_letters_sent(actor: Actor, *, letter_ids: list[int]) -> int:
    """The letters are in the post: tell the people waiting for them."""
    chamber = get_staff_chamber(actor.user)
    with transaction.atomic():
        letters = list(
            ActivationLetter.objects.select_for_update()
            .select_related("company")
            .filter(pk__in=letter_ids, company__chamber=chamber, state=LetterState.PRINTED)
        )
        for letter in letters:
            letter.state = LetterState.SENT
            letter.sent_at = timezone.now()
            letter.sent_by = actor.user
            letter.save(update_fields=["state", "sent_at", "sent_by"])
            emit(AuditAction.LETTER_SENT, actor=actor, company=letter.company, letter=letter.pk)
            for person in _waiting_for(letter):
                mail_user(
                    person,
                    "letter_sent",
                    event_key=f"letter:{letter.pk}:sent",
                    company=letter.company,
                    letter=letter,
                    expires_on=timezone.localdate(letter.expires_at) if letter.expires_at else None,
                )
        return len(letters)


def _waiting_for(letter: ActivationLetter) -> list:
    if letter.reason == LetterReason.REGISTRATION:
        registration = getattr(letter.company, "registration", None)
        return [registration.applicant] if registration else []
    password_request = (
        letter.company.password_requests.filter(state=PasswordRequestState.APPROVED)
        .order_by("-decided_at")
        .first()
    )
    return (
        [password_request.requested_by]
        if password_request and password_request.requested_by
        else []
    )
