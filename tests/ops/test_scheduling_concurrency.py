"""The scheduler on several nodes at once (`run-schedules` on every app server) on PostgreSQL
with real connections: each job is enqueued once per due slot, whichever node wins, and none
fails; the next slot is again taken by exactly one."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meinekammer.ops.models import ScheduleRun
from meinekammer.ops.scheduling import enqueue_due_jobs
from meinekammer.schedules import SCHEDULES
from tests.concurrency import at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

NODES = 4


def enqueued_tasks() -> Counter:
    return Counter(DBTaskResult.objects.values_list("task_path", flat=True))


def test_four_schedulers_starting_together_enqueue_every_job_once():
    now = timezone.now()

    results, refusals, errors = at_once(*[lambda: enqueue_due_jobs(now) for _ in range(NODES)])

    assert not errors and not refusals
    names = [name for result in results for name in result]
    assert sorted(names) == sorted(s.name for s in SCHEDULES)
    assert enqueued_tasks() == Counter(s.task_path for s in SCHEDULES)
    assert ScheduleRun.objects.count() == len(SCHEDULES)


def test_at_the_next_slot_again_exactly_one_scheduler_enqueues_what_is_due():
    start = timezone.now()
    enqueue_due_jobs(start)
    DBTaskResult.objects.all().delete()
    later = start + timedelta(minutes=5)

    results, refusals, errors = at_once(*[lambda: enqueue_due_jobs(later) for _ in range(NODES)])

    assert not errors and not refusals
    due_again = [s for s in SCHEDULES if s.every <= timedelta(minutes=5)]
    assert "requeue-due-emails" in {s.name for s in due_again}
    assert sorted(name for result in results for name in result) == sorted(
        s.name for s in due_again
    )
    assert enqueued_tasks() == Counter({s.task_path: 1 for s in due_again})


def test_a_scheduler_whose_enqueue_fails_leaves_the_slot_to_the_next_run(monkeypatch):
    """The claim and the task row are one transaction: a node that dies between them has
    claimed nothing, and the next run (on any node) enqueues the job."""
    from django_tasks_db.backend import DatabaseBackend

    now = timezone.now()
    original = DatabaseBackend.enqueue
    calls = {"n": 0}

    def fail_first(self, task, args, kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("the node lost its database connection")
        return original(self, task, args, kwargs)

    monkeypatch.setattr(DatabaseBackend, "enqueue", fail_first)
    with pytest.raises(ConnectionError):
        enqueue_due_jobs(now)
    assert not ScheduleRun.objects.filter(name=SCHEDULES[0].name).exists()

    assert SCHEDULES[0].name in enqueue_due_jobs(now)
    assert enqueued_tasks()[SCHEDULES[0].task_path] == 1
