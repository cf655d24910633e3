from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChambersConfig(AppConfig):
    name = "meinekammer.chambers"
    label = "chambers"
    verbose_name = _("Chambers")

    def ready(self) -> None:
        from meinekammer.accounts.factors import register_requirement

        from .factors import staff_requirement

        register_requirement(staff_requirement)
