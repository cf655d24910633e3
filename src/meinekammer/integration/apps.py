from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationConfig(AppConfig):
    name = "meinekammer.integration"
    label = "integration"
    verbose_name = _("Integration")

    def ready(self) -> None:
        from meinekammer.audit.events import subscribe

        from .events import on_change

        subscribe(on_change)
