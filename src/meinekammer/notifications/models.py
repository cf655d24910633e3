import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class OutboundEmail(models.Model):
    """An e-mail in the outbox: written in the transaction of the change that causes it.

    One row per event and recipient (the unique constraint makes a retried or doubled event
    write nothing new); the worker delivers it and records the outcome on the row.
    """

    event_key = models.CharField(max_length=200)
    recipient = models.EmailField(max_length=254)
    language = models.CharField(max_length=8)
    template = models.CharField(max_length=200)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    message_id = models.CharField(max_length=200, unique=True, editable=False)
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient"], name="one_email_per_event_and_recipient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.recipient} ({self.status})"

    def save(self, *args, **kwargs) -> None:
        if not self.message_id:
            self.message_id = f"<{uuid.uuid4()}@meinekammer>"
        super().save(*args, **kwargs)


class DevMailboxMessage(models.Model):
    """A delivered e-mail captured by the development mailbox (demo only)."""

    received_at = models.DateTimeField(default=timezone.now)
    sender = models.CharField(max_length=300)
    recipients = models.TextField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    message_id = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("captured e-mail")
        verbose_name_plural = _("captured e-mails")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipients}"
