from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompaniesConfig(AppConfig):
    name = "meinekammer.companies"
    label = "companies"
    verbose_name = _("Companies")

    def ready(self) -> None:
        from meinekammer.accounts.factors import register_requirement

        from . import lifecycle  # noqa: F401
        from .factors import company_requirement

        register_requirement(company_requirement)

        from .export import register_company_sections

        register_company_sections()
