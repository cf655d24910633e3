"""Who performs a use case, from where, and through which interface.

Every use case takes an `Actor` as its first argument. The interfaces build it: the HTML pages
from the HTTP request (`meinekammer.web.actors.actor_from`), jobs and commands with `Actor.system`.
The domain never sees an HTTP request; the audit log takes the address and the user agent from
here.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Interface(StrEnum):
    """The door a change came through; recorded with every audit event."""

    WEB = "web"  # the portal's HTML pages
    OIDC = "oidc"  # the OpenID Connect endpoints
    ADMIN = "admin"  # the operator's Django admin
    API = "api"  # the REST API (service accounts)
    JOB = "job"  # a scheduled or queued task
    CLI = "cli"  # a management command


USER_AGENT_MAX_LENGTH = 300


@dataclass(frozen=True, slots=True)
class Actor:
    """The acting account (None for the system or an anonymous visitor) and where it acts from."""

    user: Any
    via: Interface
    ip: str | None = None
    user_agent: str = ""
    # A service account of the REST API acting (then `user` is None).
    service_account: Any = None

    def __post_init__(self) -> None:
        if self.user is not None and not getattr(self.user, "is_authenticated", False):
            # AnonymousUser: the visitor is nobody in particular.
            object.__setattr__(self, "user", None)
        object.__setattr__(self, "user_agent", (self.user_agent or "")[:USER_AGENT_MAX_LENGTH])

    @classmethod
    def system(cls, via: Interface = Interface.JOB) -> "Actor":
        """A job or a command acting on its own, for nobody in particular."""
        return cls(user=None, via=via)

    @classmethod
    def of(cls, user: Any, via: Interface = Interface.WEB, **where: Any) -> "Actor":
        """An account acting (tests, commands acting for a named account)."""
        return cls(user=user, via=via, **where)

    @classmethod
    def service(cls, account: Any, *, ip: str | None = None, user_agent: str = "") -> "Actor":
        """A service account acting through the REST API."""
        return cls(
            user=None, via=Interface.API, ip=ip, user_agent=user_agent, service_account=account
        )

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    def on_behalf(self, user: Any) -> "Actor":
        """The same door and address, another account (e.g. a visitor who just logged in)."""
        return Actor(user=user, via=self.via, ip=self.ip, user_agent=self.user_agent)

    @property
    def chamber_scope(self) -> Any:
        """The chamber a service account speaks for (None for everybody else)."""
        account = self.service_account
        return account.chamber if account is not None and account.chamber_id else None
