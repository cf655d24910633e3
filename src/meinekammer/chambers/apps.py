from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChambersConfig(AppConfig):
    name = "meinekammer.chambers"
    label = "chambers"
    verbose_name = _("Chambers")
