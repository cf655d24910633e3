"""Who must log in with a second factor, and since when.

The account cannot know why a factor is required: chamber staff (chambers), company admins of
a chamber or a company that asks for it (companies), operators (accounts itself). Each app
registers, in its AppConfig.ready, a requirement: a function that takes the account and
returns the Requirement that applies to it, or None. The strictest wins: the earliest date.

`factor_required(user)` is the one question every interface asks (the set-up guard of the
pages, removing the last factor, the admin site); `requirement_for(user)` says why and from
when, for the page that guides through the set-up and for the notice mail.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from allauth.mfa.models import Authenticator
from django.utils import timezone


@dataclass(frozen=True)
class Requirement:
    """A second factor is required from `applies_from` on (now or a date announced by mail)."""

    applies_from: datetime
    reason: str  # translated, shown to the user ("Sie sind Mitarbeiterin/Mitarbeiter der IHK …")


Source = Callable[[Any], Requirement | None]

_sources: list[Source] = []


def register_requirement(source: Source) -> Source:
    if source not in _sources:
        _sources.append(source)
    return source


def unregister_requirement(source: Source) -> None:
    if source in _sources:
        _sources.remove(source)


def requirement_for(user: Any) -> Requirement | None:
    """The requirement that applies first, whether or not its date has come."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    found = [r for r in (source(user) for source in _sources) if r is not None]
    return min(found, key=lambda r: r.applies_from) if found else None


def factor_required(user: Any, *, at: datetime | None = None) -> bool:
    """True if the account must have a second factor now (or at `at`)."""
    requirement = requirement_for(user)
    return requirement is not None and requirement.applies_from <= (at or timezone.now())


def has_factor(user: Any) -> bool:
    """A TOTP app or a security key/passkey; recovery codes alone are not a factor."""
    return Authenticator.objects.filter(
        user=user, type__in=(Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
    ).exists()
