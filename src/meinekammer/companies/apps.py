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

        from meinekammer.audit.events import subscribe

        from .claims import forget_members_claims

        subscribe(forget_members_claims)

        from .export import register_company_sections

        register_company_sections()

        from .retention import register_kept_company_events

        register_kept_company_events()

        from .member_text import connect

        connect()
