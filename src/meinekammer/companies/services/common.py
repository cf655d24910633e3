from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from meinekammer.chambers.models import Chamber
from meinekammer.core.errors import Conflict
from meinekammer.notifications.services import send_templated_email


class CompanyError(Conflict):
    """Transitional: being replaced by the kinds in meinekammer.core.errors."""


def absolute_url(request: HttpRequest | None, path: str) -> str:
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL + path


def mail_user(user, template: str, *, event_key: str, request=None, **context) -> None:
    send_templated_email(
        template=f"companies/email/{template}",
        to=user.email,
        language=user.language,
        context={
            "user": user,
            "dashboard_url": absolute_url(request, reverse("web:home")),
            **context,
        },
        event_key=event_key,
    )


def mail_chamber_staff(
    chamber: Chamber, template: str, *, event_key: str, request=None, **context
) -> None:
    """Every staff member of the chamber, each in their own language."""
    for staff in chamber.staff.select_related("user").filter(
        user__is_active=True, user__locked_at__isnull=True
    ):
        mail_user(
            staff.user, template, event_key=event_key, request=request, chamber=chamber, **context
        )
