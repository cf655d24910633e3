from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "meinekammer.applications"
    label = "applications"
    verbose_name = _("Connected applications")

    def ready(self) -> None:
        from . import lifecycle  # noqa: F401 - registers the account steps
        from .export import register_application_sections

        register_application_sections()

        from meinekammer.audit.events import subscribe

        from .claims_cache import forget_on_change

        subscribe(forget_on_change)

        from .backchannel import on_logout

        subscribe(on_logout)
