"""Use cases of the personal account (manual ch. 2 and ch. 9 items 1–4).

Each runs in one transaction and writes its audit event and its e-mails in it.
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import int_to_base36

from meinekammer.audit.models import AuditAction
from meinekammer.audit.services import record
from meinekammer.core.actor import Actor, Interface
from meinekammer.core.errors import Conflict
from meinekammer.notifications.services import send_templated_email

from .lifecycle import (
    list_deletion_blockers,
    list_lock_blockers,
    run_erasure_steps,
    run_lock_steps,
)
from .models import PrivacyConsent, PrivacyNotice, Salutation, User
from .tokens import unlock_token_generator


class AccountError(Conflict):
    """Transitional: being replaced by the kinds in meinekammer.core.errors."""


def _actor(request, user) -> Actor:
    # Transitional: until the account use cases take an Actor themselves.
    return Actor(
        user=user,
        via=Interface.WEB,
        ip=request.META.get("REMOTE_ADDR") if request is not None else None,
        user_agent=request.META.get("HTTP_USER_AGENT", "") if request is not None else "",
    )


def absolute_url(request: HttpRequest | None, path: str) -> str:
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL + path


def notify_user(user: User, template: str, request: HttpRequest | None = None, **context) -> None:
    """Mail the account's own address in the account's language."""
    send_templated_email(
        template=f"accounts/email/{template}",
        to=user.email,
        language=user.language,
        context={
            "user": user,
            "account_url": absolute_url(request, reverse("accounts:overview")),
            **context,
        },
    )


@transaction.atomic
def accept_privacy_notice(user: User, notice: PrivacyNotice, *, request=None) -> PrivacyConsent:
    consent, created = PrivacyConsent.objects.get_or_create(user=user, notice=notice)
    if created:
        record(
            AuditAction.PRIVACY_ACCEPTED,
            request=request,
            actor=user,
            subject_user=user,
            version=notice.version,
        )
    return consent


@transaction.atomic
def update_personal_data(
    user: User, *, salutation: str, first_name: str, last_name: str, request=None
) -> User:
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
    record(AuditAction.PROFILE_CHANGED, request=request, subject_user=user, fields=changed)
    return user


@transaction.atomic
def change_language(user: User, language: str, *, request=None) -> None:
    if user.language == language:
        return
    user.language = language
    user.save(update_fields=["language"])
    record(AuditAction.LANGUAGE_CHANGED, request=request, subject_user=user, language=language)


@transaction.atomic
def lock_account(user: User, *, request: HttpRequest) -> None:
    """ "Konto sperren": ends every session at once; unlocking needs the e-mailed link."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_locked:
        return
    blockers = list_lock_blockers(user)
    if blockers:
        raise AccountError(blockers)
    user.locked_at = timezone.now()
    user.rotate_security_stamp()
    user.save(update_fields=["locked_at", "security_stamp"])
    record(AuditAction.LOCKED, request=request, actor=user, subject_user=user)
    run_lock_steps(_actor(request, user), user)
    notify_user(
        user,
        "account_locked",
        request,
        unlock_url=absolute_url(request, reverse("accounts:unlock_request")),
    )
    logout(request)


def _verified_user_for(email: str) -> User | None:
    address = (
        EmailAddress.objects.filter(email__iexact=email.strip(), verified=True, primary=True)
        .select_related("user")
        .first()
    )
    return address.user if address else None


def resend_confirmation(email: str, *, request: HttpRequest) -> None:
    """Send a new confirmation link if this address waits for confirmation. Says nothing else."""
    address = (
        EmailAddress.objects.filter(email__iexact=email.strip(), verified=False)
        .select_related("user")
        .first()
    )
    if address is None or getattr(address.user, "deleted_at", None) is not None:
        return
    address.send_confirmation(request, signup=False)


@transaction.atomic
def request_unlock(email: str, *, request: HttpRequest) -> None:
    """Send an unlock link if a locked account has this confirmed address. Says nothing else."""
    user = _verified_user_for(email)
    if user is None or not user.is_locked or user.is_deleted:
        return
    token = unlock_token_generator.make_token(user)
    path = reverse("accounts:unlock", kwargs={"uidb36": int_to_base36(user.pk), "token": token})
    record(AuditAction.UNLOCK_REQUESTED, request=request, actor=None, subject_user=user)
    notify_user(user, "unlock", request, unlock_url=absolute_url(request, path))


@transaction.atomic
def unlock_account(user: User, new_password: str, *, request: HttpRequest) -> None:
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(new_password)
    user.locked_at = None
    user.rotate_security_stamp()
    user.save(update_fields=["password", "locked_at", "security_stamp"])
    record(AuditAction.UNLOCKED, request=request, actor=user, subject_user=user)
    notify_user(user, "unlocked", request)


def can_delete_account(user: User) -> list[str]:
    """The reasons that forbid deletion now; empty if it may go ahead."""
    return list_deletion_blockers(user)


def delete_account(user: User, *, request: HttpRequest) -> None:
    """ "Konto löschen": erase personal data, keep a pseudonymous row for the audit trail.

    Raises AccountError, with the reasons, while a blocker objects; the refusal is recorded.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_deleted:
            return
        blockers = can_delete_account(user)
        if blockers:
            record(AuditAction.DELETION_REFUSED, request=request, actor=user, subject_user=user)
        else:
            _erase_account(user, request)
    if blockers:
        raise AccountError(blockers)
    logout(request)


def _erase_account(user: User, request: HttpRequest) -> None:
    # The goodbye mail goes to the address before it is erased; the outbox drops it after 30 days.
    notify_user(user, "account_deleted", request)
    record(AuditAction.DELETED, request=request, actor=user, subject_user=user)
    run_erasure_steps(_actor(request, user), user)
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
