"""Failed password logins are throttled per account *and* source: nobody can lock out the owner.

allauth's default counts failures per typed address ("5/5m/key"), so five wrong passwords from
anywhere refused the owner too. Here (docs/security.md, NIST SP 800-63B 5.2.2):

- per source, across all accounts (`login_failed_ip`): guessing many accounts from one address;
- per account and source (`login_failed_source`, the source is the client address, IPv6 by its
  /64 as allauth truncates it): windows that grow (5 in 5 minutes, 10 in an hour, 20 in a day),
  so each source waits longer the more it fails; a correct password from that source clears it;
- per account from sources it has not logged in from (`login_failed_account`, 100 a day): the
  last resort against guessing from many addresses. A source from which the account logged in
  within KNOWN_SOURCE_DAYS is known and never refused by it, and login by code (mail) and
  passkeys do not count here at all, so the owner always has a way in.

Counters key on the address as typed, so an unknown address is throttled exactly like a known
one, with the same message. Interface code: allauth's adapter calls it with the request.
"""

import hashlib
from typing import Any

from allauth.core.internal import ratelimit
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from meinekammer.web import ratelimit as counters

APP = "allauth.account"
PER_IP = "login_failed_ip"
PER_SOURCE = "login_failed_source"
PER_ACCOUNT = "login_failed_account"
KNOWN_SOURCE_DAYS = 90


def login_identifier(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "").strip().lower()[:254]


def source_of(request: HttpRequest) -> str:
    """The client address as allauth's rate limits see it (IPv6 truncated to its /64)."""
    return ratelimit.get_ip(request)


def _source_key(login: str, source: str) -> str:
    return f"{login}|{source}"


def _known_key(login: str, source: str) -> str:
    digest = hashlib.sha256(_source_key(login, source).encode()).hexdigest()
    return f"login:known-source:{digest}"


def is_known_source(login: str, source: str) -> bool:
    return bool(cache.get(_known_key(login, source)))


def throttled_error() -> ValidationError:
    return ValidationError(
        _(
            "Too many failed logins with this e-mail address from your network. Please wait a "
            "few minutes and try again, or request a login code by e-mail."
        ),
        code="too_many_login_attempts",
    )


class Attempt:
    """One password attempt, counted before the password is checked (as allauth does)."""

    def __init__(self, request: HttpRequest, credentials: dict[str, Any]) -> None:
        self.request = request
        self.login = login_identifier(credentials)
        self.source = source_of(request)
        self.usages: list[counters.Usage] = []

    def _counters(self) -> list[tuple[str, str | None]]:
        counters: list[tuple[str, str | None]] = [
            (PER_IP, None),
            (PER_SOURCE, _source_key(self.login, self.source)),
        ]
        if not is_known_source(self.login, self.source):
            counters.append((PER_ACCOUNT, self.login))
        return counters

    def begin(self) -> None:
        """Count the attempt against every rate at once (ops/ratelimit.py: one Redis round
        trip); ValidationError (the one message), and nothing counted, if a limit is reached."""
        usage = counters.consume(self.request, app=APP, counters=self._counters())
        if usage is None:
            raise throttled_error()
        self.usages = [usage]

    def rollback(self) -> None:
        for usage in self.usages:
            usage.rollback()
        self.usages = []

    def succeeded(self) -> None:
        """The right password: this attempt was no failure, the source's failures end, and
        the source is known to the account from now on."""
        self.rollback()
        clear_source(self.request, self.login)
        cache.set(_known_key(self.login, self.source), 1, KNOWN_SOURCE_DAYS * 24 * 3600)


def clear_source(request: HttpRequest, login: str) -> None:
    counters.clear(
        request, app=APP, counters=[(PER_SOURCE, _source_key(login, source_of(request)))]
    )


def clear_account(request: HttpRequest, login: str) -> None:
    """After a password reset (the owner proved the mailbox): the old guesses are moot."""
    counters.clear(
        request,
        app=APP,
        counters=[(PER_SOURCE, _source_key(login, source_of(request))), (PER_ACCOUNT, login)],
    )


CODE_PER_SOURCE = "request_login_code"
CODE_PER_ACCOUNT = "request_login_code_account"


def count_code_request(request: HttpRequest, email: str) -> None:
    """ "Anmeldecode per E-Mail": counted per address and source (allauth counts per address
    only, so a stranger's requests would block the owner's), and per address with a larger cap
    against floods of mail. The same for unknown addresses."""
    login = email.strip().lower()
    usage = counters.consume(
        request,
        app=APP,
        counters=[
            (CODE_PER_SOURCE, _source_key(login, source_of(request))),
            (CODE_PER_ACCOUNT, login),
        ],
    )
    if usage is None:
        raise ValidationError(
            _(
                "Too many login codes were requested for this e-mail address. Please wait a "
                "few minutes and try again."
            ),
            code="too_many_login_codes",
        )
