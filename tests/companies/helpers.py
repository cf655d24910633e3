"""Small readers shared by the tests of manual ch. 4-6."""

import html

from django.contrib.messages import get_messages

from meinekammer.audit.models import AuditEvent
from meinekammer.notifications.models import OutboundEmail


def text(response) -> str:
    return html.unescape(response.content.decode())


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def events(action) -> int:
    return AuditEvent.objects.filter(action=action).count()


def mails(template: str, to: str | None = None) -> int:
    rows = OutboundEmail.objects.filter(template=f"companies/email/{template}")
    if to is not None:
        rows = rows.filter(recipient=to)
    return rows.count()


def approve_data(roles, *, trainer="no", trainee="no", is_admin="no"):
    return {
        "approve": "1",
        f"approve-role_{roles['trainer'].pk}": trainer,
        f"approve-role_{roles['trainee'].pk}": trainee,
        "approve-is_admin": is_admin,
    }
