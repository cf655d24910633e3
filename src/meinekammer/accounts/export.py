"""What "Meine Daten herunterladen" hands out about one account (GDPR Art. 15 and 20).

The account is the lowest domain app: it cannot read companies or connected applications.
Those apps register, in their AppConfig.ready, named sections with `register_export_section`:
a function that takes the account and returns its part (a list of rows or one record, each a
dict of plain values: str, bool, int, datetime, lists of str). The account registers its own
sections here (the account, its e-mail addresses, privacy notices, security events, sessions,
second factors). `export_personal_data(actor)` collects every section in registration order.

What a section returns is only about this account, never another person's data: no names of
the admins who decided, invited or assigned, and never a secret (password hash, second-factor
secrets, recovery codes, tokens, the security stamp). Choices are returned as their label in
the active language; labels are lazy translations, so the page shows them in German or English.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.actor import Actor

from .models import PrivacyConsent
from .rules import require_account

Collect = Callable[[Any], list[dict[str, Any]] | dict[str, Any]]


@dataclass(frozen=True)
class ExportSection:
    name: str  # the key in the JSON file
    collect: Collect
    title: Any = ""  # a lazy translation, the heading on the page
    labels: dict[str, Any] = field(default_factory=dict)  # key → lazy label, for the page


_sections: list[ExportSection] = []


def register_export_section(
    name: str, collect: Collect, *, title: Any = "", labels: dict[str, Any] | None = None
) -> ExportSection:
    """Add (or replace, by name) a section of the export; in AppConfig.ready."""
    section = ExportSection(name=name, collect=collect, title=title or name, labels=labels or {})
    for index, existing in enumerate(_sections):
        if existing.name == name:
            _sections[index] = section
            return section
    _sections.append(section)
    return section


def unregister_export_section(name: str) -> None:
    _sections[:] = [s for s in _sections if s.name != name]


def export_sections() -> list[ExportSection]:
    return list(_sections)


def export_personal_data(actor: Actor, *, output: str = "json") -> dict[str, Any]:
    """Everything the portal keeps about the actor's account, section by section.

    Records `account.data_exported` (with the output: "json" or "html"). NotFound for an
    account that may not act (locked, erased, nobody).
    """
    user = require_account(actor)
    with transaction.atomic():
        data: dict[str, Any] = {"exported_at": timezone.now()}
        for section in _sections:
            data[section.name] = section.collect(user)
        emit(AuditAction.DATA_EXPORTED, actor=actor, subject_user=user, output=output)
    return data


# --- The account's own sections ---------------------------------------------------------------


def _account(user: Any) -> dict[str, Any]:
    return {
        "salutation": user.get_salutation_display(),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": user.language,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }


def _email_addresses(user: Any) -> list[dict[str, Any]]:
    return [
        {"email": a.email, "primary": a.primary, "verified": a.verified}
        for a in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    ]


def _privacy_notices(user: Any) -> list[dict[str, Any]]:
    consents = PrivacyConsent.objects.filter(user=user).select_related("notice")
    return [
        {"version": c.notice.version, "accepted_at": c.accepted_at}
        for c in consents.order_by("accepted_at")
    ]


def _security_events(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "occurred_at": e.occurred_at,
            "action": e.action,
            "description": e.get_action_display(),
            "ip_address": e.ip_address or "",
            "user_agent": e.user_agent,
        }
        for e in AuditEvent.objects.security_events_for(user)
    ]


def _sessions(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "created_at": s.created_at,
            "last_seen_at": s.last_seen_at,
            "ip_address": s.ip,
            "user_agent": s.user_agent,
        }
        for s in UserSession.objects.filter(user=user).order_by("-last_seen_at")
    ]


def _second_factors(user: Any) -> list[dict[str, Any]]:
    # Type, name and dates only: the data column holds the secrets (TOTP seed, recovery codes,
    # the security key's credential).
    return [
        {
            "type": a.get_type_display(),
            "name": str(a) if a.type == Authenticator.Type.WEBAUTHN else "",
            "created_at": a.created_at,
            "last_used_at": a.last_used_at,
        }
        for a in Authenticator.objects.filter(user=user).order_by("created_at")
    ]


def register_account_sections() -> None:
    register_export_section(
        "account",
        _account,
        title=_("Personal data"),
        labels={
            "salutation": _("Salutation"),
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "email": _("E-mail address"),
            "language": _("Language"),
            "date_joined": _("Registered on"),
            "last_login": _("Last login"),
        },
    )
    register_export_section(
        "email_addresses",
        _email_addresses,
        title=_("E-mail addresses"),
        labels={
            "email": _("E-mail address"),
            "primary": _("Primary"),
            "verified": _("Confirmed"),
        },
    )
    register_export_section(
        "privacy_notices",
        _privacy_notices,
        title=_("Privacy information accepted"),
        labels={"version": _("Version"), "accepted_at": _("Accepted on")},
    )
    register_export_section(
        "security_events",
        _security_events,
        title=_("Security events"),
        labels={
            "occurred_at": _("When"),
            "action": _("Event"),
            "description": _("What"),
            "ip_address": _("IP address"),
            "user_agent": _("Browser"),
        },
    )
    register_export_section(
        "sessions",
        _sessions,
        title=_("Signed-in devices"),
        labels={
            "created_at": _("Logged in"),
            "last_seen_at": _("Last activity"),
            "ip_address": _("IP address"),
            "user_agent": _("Browser"),
        },
    )
    register_export_section(
        "second_factors",
        _second_factors,
        title=_("Two-factor authentication"),
        labels={
            "type": _("Type"),
            "name": _("Name"),
            "created_at": _("Set up on"),
            "last_used_at": _("Last used"),
        },
    )
