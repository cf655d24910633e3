from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running meinekammer: cache backend, log filters, deploy checks, the scheduler."""

    name = "meinekammer.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from . import checks, metrics, taskqueue  # noqa: F401

        metrics.connect()
        taskqueue.connect()
        if settings.TASKS["default"]["BACKEND"].startswith("meinekammer.ops.celery_queue."):
            from .celery_queue import app

            app.set_default()  # the app the web processes send with
