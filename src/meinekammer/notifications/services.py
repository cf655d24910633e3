"""The one entry point for outgoing e-mail: render, store in the outbox, enqueue delivery.

Call inside the transaction of the change that causes the mail. With the database task backend
the delivery task is a row in the same transaction, so a rollback drops both and a commit keeps
both (transactional outbox); `requeue_due_emails` catches anything a non-transactional backend
lost.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from .models import OutboundEmail
from .tasks import deliver_email

SUBJECT_MAX_LENGTH = 300


def render_email_html(subject: str, body_text: str, language: str) -> str:
    """Every mail has an HTML part made from its text: same words, escaped, links clickable."""
    with translation.override(language):
        return render_to_string(
            "notifications/email/base.html",
            {"subject": subject, "body": body_text, "language": language},
        )


def queue_email(
    *,
    to: str,
    subject: str,
    body_text: str,
    language: str,
    template: str,
    event_key: str | None = None,
) -> OutboundEmail | None:
    """Store one e-mail and enqueue its delivery. Returns None if this event already has one."""
    subject = " ".join(subject.splitlines()).strip()[:SUBJECT_MAX_LENGTH]
    event_key = event_key or f"{template}:{uuid.uuid4()}"
    try:
        with transaction.atomic():
            email = OutboundEmail.objects.create(
                event_key=event_key,
                recipient=to,
                language=language,
                template=template,
                subject=subject,
                body_text=body_text,
                body_html=render_email_html(subject, body_text, language),
            )
    except IntegrityError:
        # The same event for the same recipient is already in the outbox: send nothing twice.
        return None
    deliver_email.enqueue(email.pk)
    return email


def send_templated_email(
    *,
    template: str,
    to: str,
    language: str,
    context: dict[str, Any],
    event_key: str | None = None,
) -> OutboundEmail | None:
    """Render `<template>_subject.txt` and `<template>_message.txt` in `language` and queue it."""
    with translation.override(language):
        ctx = {"site_url": settings.SITE_URL, **context}
        subject = render_to_string(f"{template}_subject.txt", ctx)
        body = render_to_string(f"{template}_message.txt", ctx).strip()
    return queue_email(
        to=to,
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject.strip(),
        body_text=body,
        language=language,
        template=template,
        event_key=event_key,
    )
