from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "meinekammer.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from .factors import operator_requirement, register_requirement

        register_requirement(operator_requirement)

        from .export import register_account_sections

        register_account_sections()

        from .retention import register_kept_account_events

        register_kept_account_events()
