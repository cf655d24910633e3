"""Use cases of the personal account (manual ch. 2 and ch. 9 items 1–4).

Each takes the acting `Actor` first and keyword-only arguments after it, runs in one
transaction and writes its audit event and its e-mails in it. Links in mails come from
SITE_URL (`core.links.absolute_url`), never from a request. Ending the session after a lock or
a deletion is the interface's part: the views log out once the use case has succeeded.
"""

from allauth.account.models import EmailAddress
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import base36_to_int, int_to_base36

from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction
from meinekammer.core.actor import Actor
from meinekammer.core.errors import Conflict
from meinekammer.core.links import absolute_url
from meinekammer.notifications.services import send_templated_email

from .lifecycle import (
    list_deletion_blockers,
    list_lock_blockers,
    run_erasure_steps,
    run_lock_steps,
)
from .models import PrivacyConsent, PrivacyNotice, Salutation, User
from .rules import require_account
from .tokens import unlock_token_generator


def notify_user(user: User, template: str, **context) -> None:
    """Mail the account's own address in the account's language."""
    send_templated_email(
        template=f"accounts/email/{template}",
        to=user.email,
        language=user.language,
        context={
            "user": user,
            "account_url": absolute_url(reverse("accounts:overview")),
            **context,
        },
    )


@transaction.atomic
def accept_privacy_notice(actor: Actor, *, notice: PrivacyNotice) -> PrivacyConsent:
    """The acting account accepts this version of the privacy information (at registration,
    and a new version at the next login: web/accounts/privacy_notice.py)."""
    user = require_account(actor)
    consent, created = PrivacyConsent.objects.get_or_create(user=user, notice=notice)
    if created:
        emit(
            AuditAction.PRIVACY_ACCEPTED,
            actor=actor,
            subject_user=user,
            version=notice.version,
        )
    return consent


@transaction.atomic
def update_personal_data(actor: Actor, *, salutation: str, first_name: str, last_name: str) -> User:
    """ "Daten ändern" (manual ch. 9, item 1) of the acting account."""
    user = actor.user
    changed = [
        name
        for name, value in (
            ("salutation", salutation),
            ("first_name", first_name),
            ("last_name", last_name),
        )
        if getattr(user, name) != value
    ]
    if not changed:
        return user
    user.salutation = Salutation(salutation)
    user.first_name = first_name
    user.last_name = last_name
    user.save(update_fields=changed)
    emit(AuditAction.PROFILE_CHANGED, actor=actor, subject_user=user, fields=changed)
    return user


@transaction.atomic
def change_language(actor: Actor, *, language: str) -> None:
    """Keep the acting account's language (pages and mails)."""
    user = actor.user
    if user.language == language:
        return
    user.language = language
    user.save(update_fields=["language"])
    emit(AuditAction.LANGUAGE_CHANGED, actor=actor, subject_user=user, language=language)


@transaction.atomic
def lock_account(actor: Actor) -> None:
    """ "Konto sperren": ends every session at once; unlocking needs the e-mailed link.

    Raises Conflict, with the reasons, while a blocker objects (the last admin who can act).
    The interface ends the current session after it returns.
    """
    user = User.objects.select_for_update().get(pk=actor.user.pk)
    if user.is_locked:
        return
    blockers = list_lock_blockers(user)
    if blockers:
        raise Conflict(blockers)
    user.locked_at = timezone.now()
    user.rotate_security_stamp()
    user.save(update_fields=["locked_at", "security_stamp"])
    emit(AuditAction.LOCKED, actor=actor, subject_user=user)
    run_lock_steps(actor, user)
    notify_user(
        user,
        "account_locked",
        unlock_url=absolute_url(reverse("accounts:unlock_request")),
    )


def _verified_user_for(email: str) -> User | None:
    address = (
        EmailAddress.objects.filter(email__iexact=email.strip(), verified=True, primary=True)
        .select_related("user")
        .first()
    )
    return address.user if address else None


def resend_confirmation(actor: Actor, *, email: str) -> None:
    """ "Bestätigungslink erneut senden": the worker sends it if the address waits for one.

    The page only queues the task, the same for every address, so that the answer's time does
    not tell which addresses wait for confirmation (rendering and storing the mail on the
    request made those answers slower).
    """
    from .tasks import send_confirmation_again as task

    task.enqueue(email=email)


def send_confirmation_again(*, email: str) -> None:
    """Send a new confirmation link if this address waits for confirmation. Says nothing else.

    The mail is allauth's (`EmailAddress.send_confirmation`). It is sent without the HTTP
    request on purpose: the account adapter (web/accounts/adapter.py) builds the confirmation
    link from SITE_URL, so nothing of the request is needed, and a Host header can never end up
    in the link. The rate limits of this page are checked by the view before it calls this.
    """
    address = (
        EmailAddress.objects.filter(email__iexact=email.strip(), verified=False)
        .select_related("user")
        .first()
    )
    if address is None or getattr(address.user, "deleted_at", None) is not None:
        return
    address.send_confirmation(None, signup=False)


def request_unlock(actor: Actor, *, email: str) -> None:
    """ "Konto entsperren": the worker sends the link if a locked account has this address.

    The page only queues the task, the same for every address: looking the account up,
    recording and mailing on the request took twice as long for a locked account and told
    by the answer's time which addresses have one.
    """
    from .tasks import send_unlock_link as task

    task.enqueue(email=email, ip=actor.ip, user_agent=actor.user_agent, via=str(actor.via))


@transaction.atomic
def send_unlock_link(actor: Actor, *, email: str) -> None:
    """Send an unlock link if a locked account has this confirmed address. Says nothing else."""
    user = _verified_user_for(email)
    if user is None or not user.is_locked or user.is_deleted:
        return
    token = unlock_token_generator.make_token(user)
    path = reverse("accounts:unlock", kwargs={"uidb36": int_to_base36(user.pk), "token": token})
    # Whoever asks (a visitor, as a rule) acts; the link only goes to the account's own address.
    emit(AuditAction.UNLOCK_REQUESTED, actor=actor, subject_user=user)
    notify_user(user, "unlock", unlock_url=absolute_url(path))


def find_account_to_unlock(*, uidb36: str, token: str) -> User | None:
    """The locked account an unlock link is for, if the link is valid; None otherwise."""
    try:
        user = User.objects.get(pk=base36_to_int(uidb36), deleted_at__isnull=True)
    except (ValueError, OverflowError, User.DoesNotExist):
        return None
    if not user.is_locked or not unlock_token_generator.check_token(user, token):
        return None
    return user


@transaction.atomic
def unlock_account(actor: Actor, *, account: User, new_password: str) -> None:
    """Unlock with a new password; `account` comes from `find_account_to_unlock`.

    The visitor holding the link is not logged in: the account itself is recorded as acting.
    """
    user = User.objects.select_for_update().get(pk=account.pk)
    user.set_password(new_password)
    user.locked_at = None
    user.rotate_security_stamp()
    user.save(update_fields=["password", "locked_at", "security_stamp"])
    emit(AuditAction.UNLOCKED, actor=actor.on_behalf(user), subject_user=user)
    notify_user(user, "unlocked")


def list_reasons_against_deletion(actor: Actor) -> list[str]:
    """The reasons that forbid deleting the acting account now; empty if it may go ahead."""
    return list_deletion_blockers(actor.user)


def delete_account(actor: Actor) -> None:
    """ "Konto löschen": erase personal data, keep a pseudonymous row for the audit trail.

    Raises Conflict, with the reasons, while a blocker objects; the refusal is recorded (and
    commits: the refusal is raised after its transaction). The interface ends the current
    session after it returns.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.user.pk)
        if user.is_deleted:
            return
        blockers = list_deletion_blockers(user)
        if blockers:
            emit(AuditAction.DELETION_REFUSED, actor=actor, subject_user=user)
        else:
            _erase_account(actor, user)
    if blockers:
        raise Conflict(blockers)


def _erase_account(actor: Actor, user: User) -> None:
    # The goodbye mail goes to the address before it is erased; the outbox drops it after 30 days.
    notify_user(user, "account_deleted")
    emit(AuditAction.DELETED, actor=actor, subject_user=user)
    run_erasure_steps(actor, user)
    EmailAddress.objects.filter(user=user).delete()
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.first_name = ""
    user.last_name = ""
    user.salutation = Salutation.NONE
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.deleted_at = timezone.now()
    user.rotate_security_stamp()
    user.save()
