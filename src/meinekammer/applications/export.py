"""The connected applications' part of "Meine Daten herunterladen" (accounts/export.py),
registered in ApplicationsConfig.ready: the consents the account gave and the applications that
receive data from it (the page "Verbundene Anwendungen"). No tokens, no client secrets."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from meinekammer.accounts.export import register_export_section

from .models import Consent
from .selectors import granted_clients


def _consents(user: Any) -> list[dict[str, Any]]:
    rows = Consent.objects.filter(user=user).select_related("client__connected_application")
    return [
        {
            "application": c.client.connected_application.name,
            "client": c.client.name,
            "scopes": c.scopes.split(),
            "granted_at": c.granted_at,
        }
        for c in rows.order_by("client__name")
    ]


def _granted(user: Any) -> list[dict[str, Any]]:
    return [{"client": client.name} for client in granted_clients(user)]


def register_application_sections() -> None:
    register_export_section(
        "consents",
        _consents,
        title=_("Consents"),
        labels={
            "application": _("Application"),
            "client": _("Client"),
            "scopes": _("Data"),
            "granted_at": _("Given on"),
        },
    )
    register_export_section(
        "granted_applications",
        _granted,
        title=_("Connected applications"),
        labels={"client": _("Application")},
    )
