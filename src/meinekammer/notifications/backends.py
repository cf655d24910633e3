from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage, EmailMultiAlternatives

from .models import DevMailboxMessage


class MailboxBackend(BaseEmailBackend):
    """Development mailbox: keeps delivered mail in the database for /dev/mailbox/."""

    def send_messages(self, email_messages: list[EmailMessage]) -> int:  # type: ignore[override]
        for message in email_messages:
            html = ""
            if isinstance(message, EmailMultiAlternatives):
                html = next((str(c) for c, mime in message.alternatives if mime == "text/html"), "")
            DevMailboxMessage.objects.create(
                sender=message.from_email,
                recipients=", ".join(message.to),
                subject=str(message.subject),
                body_text=str(message.body),
                body_html=str(html),
                message_id=message.extra_headers.get("Message-ID", ""),
            )
        return len(email_messages)
