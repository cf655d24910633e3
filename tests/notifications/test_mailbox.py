import pytest
from django.urls import reverse

from meinekammer.notifications.models import DevMailboxMessage
from meinekammer.notifications.services import queue_email

pytestmark = pytest.mark.django_db


def test_the_mailbox_lists_captured_mail_with_clickable_links(client, settings, run_tasks):
    settings.EMAIL_BACKEND = "meinekammer.notifications.backends.MailboxBackend"
    queue_email(
        to="a@beispiel.example",
        subject="Ihr Link",
        body_text="Bitte klicken: http://testserver/x/",
        language="de",
        template="t",
    )
    run_tasks()
    message = DevMailboxMessage.objects.get()
    page = client.get(reverse("notifications:mailbox")).content.decode()
    assert "Ihr Link" in page and "a@beispiel.example" in page
    detail = client.get(
        reverse("notifications:mailbox_message", args=[message.pk])
    ).content.decode()
    assert '<a href="http://testserver/x/"' in detail
    html = client.get(reverse("notifications:mailbox_message_html", args=[message.pk]))
    assert "sandbox" in html["Content-Security-Policy"]


def test_an_unknown_mailbox_message_is_404(client):
    assert client.get(reverse("notifications:mailbox_message", args=[999])).status_code == 404
