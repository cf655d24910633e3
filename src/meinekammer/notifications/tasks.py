"""Delivery of the outbox. Idempotent: a task for a mail already sent does nothing."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import EmailStatus, OutboundEmail
from .retention import purge_delivered_emails as purge_past_retention

logger = logging.getLogger(__name__)
ERROR_MAX_LENGTH = 500


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


def _message(email: OutboundEmail) -> EmailMultiAlternatives:
    msg = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.recipient],
        headers={
            # A retry after a crash between SMTP and commit repeats the same Message-ID, so
            # receivers can recognise the duplicate.
            "Message-ID": email.message_id,
            "Auto-Submitted": "auto-generated",
            "Content-Language": email.language,
        },
    )
    msg.attach_alternative(email.body_html, "text/html")
    return msg


@task()
def deliver_email(email_id: int) -> str:
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != EmailStatus.PENDING:
            return "skipped"
        if email.next_attempt_at > timezone.now() + timedelta(seconds=1):
            return "not due"
        email.attempts += 1
        try:
            connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
            connection.send_messages([_message(email)])
        except Exception as exc:  # any transport failure: keep it, try again later
            email.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH]
            if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
                email.status = EmailStatus.FAILED
                logger.error(
                    "E-mail %s failed for good after %s attempts", email.pk, email.attempts
                )
            else:
                email.next_attempt_at = timezone.now() + retry_delay(email.attempts)
                deliver_email.using(run_after=email.next_attempt_at).enqueue(email.pk)
                logger.warning(
                    "E-mail %s not delivered (attempt %s), retrying", email.pk, email.attempts
                )
            email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return "retry" if email.status == EmailStatus.PENDING else "failed"
        email.status = EmailStatus.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        return "sent"


@task()
def requeue_due_emails() -> int:
    """Scheduled: enqueue delivery for pending mails whose task was lost (see schedules.py)."""
    stale = timezone.now() - timedelta(minutes=5)
    ids = list(
        OutboundEmail.objects.filter(
            status=EmailStatus.PENDING, next_attempt_at__lt=stale
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        deliver_email.enqueue(pk)
    return len(ids)


@task()
def purge_delivered_emails() -> int:
    """Delivered and given-up mail past its retention period is deleted (notifications.retention;
    the daily job apply-retention runs the same step with the others)."""
    return purge_past_retention()["emails"]
