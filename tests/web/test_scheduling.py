from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meinekammer.ops.scheduling import enqueue_due_jobs
from meinekammer.schedules import SCHEDULES

pytestmark = pytest.mark.django_db


def test_every_job_is_enqueued_once_per_interval(time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    assert enqueue_due_jobs() == [s.name for s in SCHEDULES]
    assert enqueue_due_jobs() == []  # a second scheduler at the same moment enqueues nothing
    assert DBTaskResult.objects.count() == len(SCHEDULES)
    time_machine.shift(timedelta(minutes=5))
    due_again = [s.name for s in SCHEDULES if s.every <= timedelta(minutes=5)]
    assert "requeue-due-emails" in due_again
    assert enqueue_due_jobs() == due_again


def test_every_schedule_names_a_task_and_says_why():
    from django.utils.module_loading import import_string

    for schedule in SCHEDULES:
        assert import_string(schedule.task_path).enqueue
        assert len(schedule.why) > 20


def test_the_jobs_run_and_are_idempotent(run_tasks):
    enqueue_due_jobs()
    run_tasks()
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
