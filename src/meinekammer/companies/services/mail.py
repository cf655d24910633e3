"""Mails of the companies' use cases: to a user, and to every staff member of a chamber."""

from django.urls import reverse

from meinekammer.accounts.rules import may_act_filter
from meinekammer.chambers.models import Chamber
from meinekammer.core.links import absolute_url
from meinekammer.notifications.services import send_templated_email


def mail_user(user, template: str, *, event_key: str, **context) -> None:
    send_templated_email(
        template=f"companies/email/{template}",
        to=user.email,
        language=user.language,
        context={
            "user": user,
            "dashboard_url": absolute_url(reverse("web:home")),
            **context,
        },
        event_key=event_key,
    )


def mail_chamber_staff(chamber: Chamber, template: str, *, event_key: str, **context) -> None:
    """Every staff member of the chamber who may act, each in their own language."""
    for staff in chamber.staff.select_related("user").filter(may_act_filter("user__")):
        mail_user(staff.user, template, event_key=event_key, chamber=chamber, **context)
