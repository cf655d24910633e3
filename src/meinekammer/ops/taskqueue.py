"""The task queue (django-tasks-db) carrying the request id into the tasks a request enqueues.

`DatabaseBackend` stores the current request id next to a task's arguments (the row's
`args_kwargs` gets a third key, "request_id"; django-tasks-db reads only "args" and
"kwargs"), so every enqueue from a request carries it without any call site passing it. While
the worker runs the task, `bind` (task_started) sets it again, with the task's id, and `unbind`
(task_finished) clears both: the worker's log lines, and the tasks that task enqueues in turn
(a mail's retry), show the id of the request it came from.
"""

from typing import Any

from django_tasks.signals import log_task_started
from django_tasks_db.backend import DatabaseBackend as BaseDatabaseBackend
from django_tasks_db.compat import normalize_json, task_finished, task_started
from django_tasks_db.models import DBTaskResult

from .requestid import request_id, task_id


class DatabaseBackend(BaseDatabaseBackend):
    def _task_to_db_task(self, task, args, kwargs) -> DBTaskResult:
        return DBTaskResult.objects.create(
            id=self._get_id(),
            args_kwargs={
                **normalize_json({"args": args, "kwargs": kwargs}),
                "request_id": request_id.get(),
            },
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=self.alias,
        )


def bind(sender: Any, task_result: Any, **kwargs: Any) -> None:
    db_result = getattr(task_result, "db_result", None)
    if db_result is not None:  # else another backend carried it (ops/celery_queue.py)
        stored = db_result.args_kwargs.get("request_id", "")
        request_id.set(stored if isinstance(stored, str) else "")
    task_id.set(str(task_result.id))


def unbind(sender: Any, task_result: Any, **kwargs: Any) -> None:
    request_id.set("")
    task_id.set("")


def connect() -> None:
    """Ours first on task_started, last on task_finished: django-tasks' own "Task … state=…"
    lines are then written inside the task's context."""
    task_started.disconnect(log_task_started)
    task_started.connect(bind, dispatch_uid="meinekammer-task-bind")
    task_started.connect(log_task_started)
    task_finished.connect(unbind, dispatch_uid="meinekammer-task-unbind")
