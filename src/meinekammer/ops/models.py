from django.db import models


class ScheduleRun(models.Model):
    """When a periodic job of schedules.py was last enqueued (one row per job)."""

    name = models.CharField(max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField()

    class Meta:
        db_table = "web_schedulerun"  # created by the web app before ops existed

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_enqueued_at:%Y-%m-%d %H:%M}"
