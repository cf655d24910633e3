from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from meinekammer.notifications.models import EmailStatus, OutboundEmail
from meinekammer.notifications.services import queue_email, send_templated_email
from meinekammer.notifications.tasks import deliver_email, requeue_due_emails
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def queue(event_key="test:1", to="empfang@beispiel.example"):
    return queue_email(
        to=to,
        subject="Betreff",
        body_text="Hallo https://beispiel.example/x",
        language="de",
        template="test",
        event_key=event_key,
    )


def test_mail_is_delivered_over_real_smtp_with_text_and_html(smtp_server, run_tasks):
    email = queue()
    assert email.status == EmailStatus.PENDING
    run_tasks()
    [message] = smtp_server.messages
    assert message["To"] == "empfang@beispiel.example"
    assert message["Message-ID"] == email.message_id
    assert message.get_body(("plain",)).get_content().strip().startswith("Hallo")
    html = message.get_body(("html",)).get_content()
    assert '<a href="https://beispiel.example/x"' in html
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and email.attempts == 1


def test_the_same_event_and_recipient_is_stored_once(smtp_server, run_tasks):
    assert queue() is not None
    assert queue() is None
    run_tasks()
    assert len(smtp_server.messages) == 1
    assert OutboundEmail.objects.count() == 1


def test_a_rolled_back_change_sends_nothing(smtp_server, run_tasks):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the change failed")
    run_tasks()
    assert OutboundEmail.objects.count() == 0
    assert smtp_server.messages == []


def test_an_smtp_outage_loses_nothing_and_doubles_nothing(
    smtp_server, run_tasks, time_machine, settings
):
    settings.EMAIL_RETRY_BASE_SECONDS = 60
    time_machine.move_to(timezone.now(), tick=False)
    smtp_server.stop()
    emails = [queue(event_key=f"outage:{n}", to=f"person{n}@beispiel.example") for n in range(3)]
    run_tasks()
    for email in emails:
        email.refresh_from_db()
        assert email.status == EmailStatus.PENDING and email.attempts == 1 and email.last_error
    # Still down at the first retry.
    time_machine.shift(timedelta(seconds=61))
    run_tasks()
    assert {e.attempts for e in OutboundEmail.objects.all()} == {2}
    smtp_server.start()
    time_machine.shift(timedelta(seconds=121))
    run_tasks()
    assert sorted(m["To"] for m in smtp_server.messages) == [
        f"person{n}@beispiel.example" for n in range(3)
    ]
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}
    # Anything that runs again later sends nothing twice.
    for email in emails:
        deliver_email.enqueue(email.pk)
    requeue_due_emails.enqueue()
    time_machine.shift(timedelta(hours=1))
    run_tasks()
    assert len(smtp_server.messages) == 3


def test_delivery_gives_up_after_the_last_attempt(smtp_server, run_tasks, time_machine, settings):
    settings.EMAIL_MAX_ATTEMPTS = 2
    settings.EMAIL_RETRY_BASE_SECONDS = 1
    time_machine.move_to(timezone.now(), tick=False)
    smtp_server.stop()
    email = queue()
    run_tasks()
    time_machine.shift(timedelta(seconds=5))
    run_tasks()
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED and email.attempts == 2


def test_a_lost_delivery_task_is_found_by_the_scheduled_job(smtp_server, run_tasks, time_machine):
    from django_tasks_db.models import DBTaskResult

    time_machine.move_to(timezone.now(), tick=False)
    queue()
    DBTaskResult.objects.all().delete()  # the queue lost the task (e.g. a crash of a broker)
    run_tasks()
    assert smtp_server.messages == []
    time_machine.shift(timedelta(minutes=6))
    requeue_due_emails.enqueue()
    run_tasks()
    assert len(smtp_server.messages) == 1


def test_account_mails_go_out_in_the_recipients_language(smtp_server, run_tasks, client):
    user = UserFactory(language="en", salutation="mr", last_name="Smith")
    client.force_login(user)
    client.post(reverse("accounts:lock"), {"confirm": "on"})
    run_tasks()
    [message] = smtp_server.messages
    assert "Dear Mr Smith" in message.get_body(("plain",)).get_content()
    assert message["Content-Language"] == "en"


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("template", ["account_locked", "unlock", "unlocked", "account_deleted"])
def test_every_account_mail_renders_in_both_languages(template, language, run_tasks):
    user = UserFactory(first_name="<i>Ada</i>", last_name="Lovelace")
    email = send_templated_email(
        template=f"accounts/email/{template}",
        to=user.email,
        language=language,
        context={
            "user": user,
            "unlock_url": "https://portal.example/u/",
            "account_url": "https://portal.example/konto/",
        },
    )
    greeting = "Sehr geehrte Frau Lovelace" if language == "de" else "Dear Ms Lovelace"
    assert email.body_text.startswith(greeting)
    assert email.subject.startswith("meinekammer: ")
    assert "{%" not in email.body_text and "{{" not in email.body_text
    assert "<i>" not in email.body_html


def test_the_html_part_escapes_what_the_text_contains():
    email = queue_email(
        to="a@beispiel.example",
        subject="S",
        body_text="<script>x</script>",
        language="de",
        template="t",
    )
    assert "<script>" not in email.body_html and "&lt;script&gt;" in email.body_html


def test_the_outbox_keeps_no_mail_longer_than_thirty_days(smtp_server, run_tasks, time_machine):
    from meinekammer.notifications.tasks import purge_delivered_emails

    time_machine.move_to(timezone.now(), tick=False)
    queue()
    run_tasks()
    time_machine.shift(timedelta(days=31))
    purge_delivered_emails.enqueue()
    run_tasks()
    assert OutboundEmail.objects.count() == 0
