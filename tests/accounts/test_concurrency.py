"""Double clicks and retries on PostgreSQL with real concurrent connections."""

import pytest

from meinekammer.accounts import services
from meinekammer.accounts.models import User
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.actor import Actor
from meinekammer.notifications.models import OutboundEmail
from tests.accounts.factories import UserFactory
from tests.concurrency import run_at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_a_double_clicked_lock_locks_once_with_one_event_and_one_mail():
    user = UserFactory()

    def lock():
        services.lock_account(Actor.of(User.objects.get(pk=user.pk), ip="192.0.2.1"))

    assert run_at_once(lock, count=4) == []
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED, subject_user=user).count() == 1
    assert OutboundEmail.objects.filter(template="accounts/email/account_locked").count() == 1


def test_a_double_clicked_deletion_deletes_once():
    user = UserFactory()

    def delete():
        services.delete_account(Actor.of(User.objects.get(pk=user.pk), ip="192.0.2.1"))

    run_at_once(delete, count=3)
    assert AuditEvent.objects.filter(action=AuditAction.DELETED, subject_user=user).count() == 1
    assert OutboundEmail.objects.filter(template="accounts/email/account_deleted").count() == 1


def test_two_workers_deliver_one_mail_once(settings):
    from meinekammer.notifications.services import queue_email
    from meinekammer.notifications.tasks import deliver_email
    from tests.notifications.conftest import SmtpServer

    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    try:
        email = queue_email(
            to="a@beispiel.example", subject="S", body_text="T", language="de", template="t"
        )
        errors = run_at_once(lambda: deliver_email.call(email.pk), count=4)
        assert errors == []
        assert len(server.messages) == 1
    finally:
        server.stop()
