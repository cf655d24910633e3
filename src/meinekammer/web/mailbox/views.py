"""Development mailbox: only where DEV_MAILBOX is on (demo, tests); 404 everywhere else."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from meinekammer.notifications.models import DevMailboxMessage

PAGE_SIZE = 50


def _require_mailbox() -> None:
    if not settings.DEV_MAILBOX:
        raise Http404


@require_GET
def mailbox(request: HttpRequest) -> HttpResponse:
    _require_mailbox()
    page = Paginator(DevMailboxMessage.objects.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/mailbox/list.html", {"page": page})


@require_GET
def mailbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    _require_mailbox()
    message = get_object_or_404(DevMailboxMessage, pk=pk)
    return render(request, "notifications/mailbox/detail.html", {"message": message})


@require_GET
@xframe_options_sameorigin
def mailbox_message_html(request: HttpRequest, pk: int) -> HttpResponse:
    _require_mailbox()
    message = get_object_or_404(DevMailboxMessage, pk=pk)
    response = HttpResponse(message.body_html, content_type="text/html; charset=utf-8")
    # The HTML part is shown as sent, in a sandbox: no scripts, no same-origin access.
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; "
        "frame-ancestors 'self'"
    )
    return response
