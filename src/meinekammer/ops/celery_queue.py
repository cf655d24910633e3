"""The task queue on Celery with RabbitMQ: the option for volume (TASKS_BACKEND=celery).

The default queue is PostgreSQL (django-tasks-db, `ops.taskqueue`): a task row is written in the
same transaction as the state change and its outgoing mail, so nothing is enqueued that did not
happen and nothing that happened is lost. On Celery the broker is another system, so:

- `CeleryBackend` sends a task to the broker only when the transaction that enqueued it commits
  (`transaction.on_commit`): a rolled-back use case sends nothing, and a worker never starts a
  task before the rows it needs are visible. A broker that is down at that moment loses the
  message, not the state: the mail is in the outbox and `requeue-due-emails` (every 5 minutes)
  enqueues it again; the scheduled jobs run at their next slot.
- Messages are acknowledged after the task ran (`task_acks_late`) and given back when a worker
  dies (`task_reject_on_worker_lost`), one at a time (`worker_prefetch_multiplier` 1): a worker
  killed in the middle of a job leaves it to another, which runs it again. Every task of
  meinekammer is idempotent (a mail's delivery claims the mail row), so running twice sends once.
- django-tasks-fennel maps the Tasks API onto Celery (decision record 0008); the workers are
  Celery's own: `celery -A meinekammer.ops.celery_queue worker -Q default`.

The request id (ops/requestid.py) travels as a message header: set when a request's task is
published, set again while a worker runs it, so the worker's log lines show the request they
came from, as with the database queue.

The web processes only send; no result backend is used, since meinekammer never reads a task's
result (the outbox, the batch records and the audit events are the results).
"""

from collections.abc import Iterable
from typing import Any

from celery import Celery, signals
from django.core import checks
from django.db import transaction
from django.utils import timezone
from django_tasks_fennel.backend import CeleryBackend as FennelCeleryBackend
from django_tasks_fennel.compat import TaskResult, TaskResultStatus, get_random_id

from .requestid import request_id
from .requestid import task_id as current_task_id

app = Celery("meinekammer")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The tasks modules of the installed apps, imported when a worker starts (the Django fix-up).
app.autodiscover_tasks()


HEADER = "meinekammer_request_id"


@signals.before_task_publish.connect(dispatch_uid="meinekammer-request-id-out")
def _send_request_id(headers: dict | None = None, **kwargs: Any) -> None:
    if headers is not None and request_id.get():
        headers[HEADER] = request_id.get()


@signals.task_prerun.connect(dispatch_uid="meinekammer-request-id-in")
def _bind_request_id(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    stored = getattr(task.request, HEADER, None) if task is not None else None
    if stored is None and task is not None:
        stored = (task.request.headers or {}).get(HEADER)
    request_id.set(stored if isinstance(stored, str) else "")
    current_task_id.set(task_id or "")


@signals.task_postrun.connect(dispatch_uid="meinekammer-request-id-clear")
def _clear_request_id(**kwargs: Any) -> None:
    request_id.set("")
    current_task_id.set("")


class CeleryBackend(FennelCeleryBackend):
    """django-tasks-fennel's backend, sending when the enqueuing transaction commits."""

    supports_get_result = False

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        send = super().enqueue
        # robust: the state change has committed; a broker failure must not turn the page that
        # made it into an error page (the outbox and the schedules catch up, see above).
        transaction.on_commit(lambda: send(task, args, kwargs), robust=True)
        # The broker's id is made when the message is sent; until then there is nothing to
        # look up (get_result is not supported).
        return TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )

    def get_result(self, result_id: str) -> TaskResult:
        raise NotImplementedError("meinekammer runs Celery without a result backend")

    def check(self, **kwargs: Any) -> Iterable[checks.CheckMessage]:
        # Without a result backend by design (above); fennel's other checks stand.
        for message in super().check(**kwargs):
            if "result backend" not in message.msg:
                yield message
