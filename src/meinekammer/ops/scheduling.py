from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from meinekammer.schedules import SCHEDULES, Schedule

from .models import ScheduleRun


def _claim(schedule: Schedule, now) -> bool:
    """Mark the job as enqueued now if it is due; only one scheduler wins a given slot."""
    due_before = now - schedule.every
    updated = ScheduleRun.objects.filter(
        name=schedule.name, last_enqueued_at__lte=due_before
    ).update(last_enqueued_at=now)
    if updated:
        return True
    if ScheduleRun.objects.filter(name=schedule.name).exists():
        return False
    try:
        with transaction.atomic():
            ScheduleRun.objects.create(name=schedule.name, last_enqueued_at=now)
    except IntegrityError:
        return False
    return True


def enqueue_due_jobs(now=None) -> list[str]:
    """Enqueue every job that is due; returns their names."""
    now = now or timezone.now()
    enqueued = []
    for schedule in SCHEDULES:
        with transaction.atomic():
            if _claim(schedule, now):
                import_string(schedule.task_path).enqueue()
                enqueued.append(schedule.name)
    return enqueued
