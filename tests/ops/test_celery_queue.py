"""The task queue on Celery with RabbitMQ (TASKS_BACKEND=celery, ops/celery_queue.py): real
Celery worker processes on a real broker against the test's PostgreSQL database, and a real SMTP
server on loopback. Run by `make test` as the suite "celery" (scripts/run-tests.py); deselected
elsewhere.

What must hold: a task leaves only with its transaction (rolled back: nothing), mail goes out
once, the scheduled jobs run on the workers, a worker killed in the middle of a delivery leaves
the mail to another worker, which sends it once, and a mail whose task was lost is found again
by the scheduled job.
"""

import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from meinekammer.notifications.models import EmailStatus, OutboundEmail
from meinekammer.notifications.services import queue_email
from meinekammer.ops.scheduling import enqueue_due_jobs
from tests.notifications.conftest import SmtpServer

from .processes import Process, database_url, project_env

pytestmark = [
    pytest.mark.celery_only,
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]


class SlowCollector:
    """Keeps the first message waiting for `hold` seconds, then refuses it (its sender is gone
    by then, killed in the middle of the conversation)."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.messages: list[bytes] = []
        self.started = 0

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        self.started += 1
        if self.started == 1 and self.hold:
            await asyncio.sleep(self.hold)
            return "451 Requested action aborted"
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.collector = SlowCollector(hold=0)
    server.start()
    yield server
    server.stop()


def celery_worker(log: Path, smtp_port: int) -> Process:
    """`celery -A meinekammer.ops.celery_queue worker` as a process of its own, started."""
    worker = Process(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "meinekammer.ops.celery_queue",
            "worker",
            "-Q",
            "default",
            "-P",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
        ],
        log,
        # LOG_LEVEL INFO (project_env): the worker's "ready." and each task's outcome
        project_env(
            TASKS_BACKEND="celery",
            DATABASE_URL=database_url(),
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        ),
    )
    worker.wait_for("ready.")
    return worker


@pytest.fixture
def start_worker(tmp_path, smtp):
    from meinekammer.ops.celery_queue import app

    app.control.purge()  # messages left on the broker by an earlier, interrupted run
    workers: list[Process] = []

    def start() -> Process:
        worker = celery_worker(tmp_path / f"worker-{len(workers)}.log", smtp.port)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def wait_until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the worker did not finish in time")
        time.sleep(0.1)


def mail(**overrides) -> OutboundEmail | None:
    values = {
        "to": "anna@beispiel.example",
        "subject": "Einladung",
        "body_text": "Hallo",
        "language": "de",
        "template": "test",
    }
    return queue_email(**{**values, **overrides})


def sent(email: OutboundEmail) -> bool:
    email.refresh_from_db()
    return email.status == EmailStatus.SENT


def test_the_backend_is_celery_in_this_suite():
    assert settings.TASKS["default"]["BACKEND"] == "meinekammer.ops.celery_queue.CeleryBackend"


def test_a_mail_of_a_committed_transaction_is_delivered_once_by_a_worker(start_worker, smtp):
    start_worker()
    with transaction.atomic():
        email = mail()
        assert email is not None

    wait_until(lambda: sent(email))
    time.sleep(1)  # nothing further arrives
    assert len(smtp.collector.messages) == 1
    assert email.message_id.encode() in smtp.collector.messages[0]


def test_a_rolled_back_transaction_sends_no_task(start_worker, smtp):
    worker = start_worker()

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        assert mail(subject="Nie verschickt") is not None
        raise RolledBack
    with transaction.atomic():
        after = mail(subject="Danach")

    wait_until(lambda: sent(after))
    assert len(smtp.collector.messages) == 1
    assert b"Nie verschickt" not in smtp.collector.messages[0]
    assert worker.output().count("meinekammer.notifications.tasks.deliver_email[") == 2


def test_the_scheduled_jobs_run_on_the_workers_and_find_a_mail_whose_task_was_lost(
    start_worker, smtp
):
    """A mail in the outbox whose message never reached the broker (the broker was down at the
    commit): requeue-due-emails finds it, a worker delivers it."""
    lost = OutboundEmail.objects.create(
        event_key="test:lost",
        recipient="tom@beispiel.example",
        language="de",
        template="test",
        subject="Verloren geglaubt",
        body_text="Hallo",
        body_html="<p>Hallo</p>",
        next_attempt_at=timezone.now() - timedelta(minutes=10),
    )
    worker = start_worker()

    enqueued = enqueue_due_jobs()

    assert "requeue-due-emails" in enqueued
    wait_until(lambda: sent(lost))
    for name in ("expire_due_invitations", "purge_grants", "apply_retention"):
        worker.wait_for(f"{name}[")
    wait_until(lambda: worker.output().count("succeeded in") >= len(enqueued) + 1)
    assert "raised unexpected" not in worker.output()
    assert len(smtp.collector.messages) == 1


def test_a_worker_killed_during_a_delivery_leaves_the_mail_to_the_next_which_sends_it_once(
    start_worker, smtp
):
    smtp.collector.hold = 30  # the first attempt hangs in the SMTP conversation
    first = start_worker()
    with transaction.atomic():
        email = mail(subject="Trotz Absturz")
    wait_until(lambda: smtp.collector.started == 1)

    first.kill()  # SIGKILL: no acknowledgement, no clean-up, its database connection drops
    smtp.collector.hold = 0
    second = start_worker()

    wait_until(lambda: sent(email), timeout=60)
    assert email.attempts == 1  # the killed attempt's transaction was rolled back
    time.sleep(1)
    assert len(smtp.collector.messages) == 1
    assert "deliver_email[" in second.output()


def test_the_request_id_reaches_the_worker_s_log_lines(start_worker, smtp):
    """As with the database queue: a task's log lines name the request that enqueued it."""
    from meinekammer.ops.requestid import request_id

    smtp.stop()  # the delivery fails and says so in the log, inside the task
    worker = start_worker()
    token = request_id.set("req-celery-0001")
    try:
        with transaction.atomic():
            email = mail(subject="Mit Anfragekennung")
    finally:
        request_id.reset(token)

    worker.wait_for(f"[req-celery-0001] E-mail {email.pk} not delivered")
