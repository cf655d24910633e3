from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    return {"DEV_MAILBOX": settings.DEV_MAILBOX, "OPERATOR": settings.OPERATOR}
