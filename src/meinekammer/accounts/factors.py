"""Who must log in with a second factor, and since when.

The account cannot know why a factor is required: chamber staff (chambers), company admins of
a chamber or a company that asks for it (companies), operators (accounts itself). Each app
registers, in its AppConfig.ready, a requirement: a function that takes the account and
returns the Requirement that applies to it, or None. The strictest wins: the earliest date.

`factor_required(user)` is the one question every interface asks (the set-up guard of the
pages, removing the last factor, the admin site); `requirement_for(user)` says why and from
when, for the page that guides through the set-up and for the notice mail.

Where each "applies from" date lives (each source costs one query at most):

- operators (`is_staff` or `is_superuser`: the Django admin site): always (`IMMEDIATELY`);
  registered here, no query.
- chamber staff (`chambers/factors.py`): always; one query for the staff row.
- company admins of a chamber with `Chamber.admins_factor_required` (`companies/factors.py`):
  from the later of `Membership.admin_factor_from` (the end of the notice period that began
  when the membership became admin, `MFA_REQUIRED_NOTICE_DAYS` later, announced by mail) and
  `Chamber.admins_factor_required_from` (the end of the notice period after the chamber
  switched it on; None for "since ever"). One query over the account's memberships.
- every member of a company whose admin switched "Require two-factor authentication for all
  members" on: from `Company.members_factor_required_from` (None is off; set to the end of the
  notice period, announced by mail to every member without a factor). Same query.

Only working companies count and only accounts that may act; the pages ask
`factor_required(user)` and `has_factor(user)` (web/accounts/required_factor.py).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from allauth.mfa.models import Authenticator
from django.utils import timezone
from django.utils.translation import gettext as _

# "Required from now on and since ever": the date of a requirement that has no notice period.
IMMEDIATELY = datetime(2000, 1, 1, tzinfo=UTC)


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


def operator_requirement(user: Any) -> Requirement | None:
    """Operators of the portal (the Django admin site) always need a second factor."""
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return Requirement(
            applies_from=IMMEDIATELY,
            reason=_(
                "Your account may use the administration site of the portal. Such accounts "
                "log in with a second factor."
            ),
        )
    return None


def users_with_factor(user_ids: Iterable[int]) -> set[int]:
    """Of these accounts, the ids of those that have a factor (`has_factor`), in one query."""
    return set(
        Authenticator.objects.filter(
            user_id__in=list(user_ids),
            type__in=(Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN),
        ).values_list("user_id", flat=True)
    )
