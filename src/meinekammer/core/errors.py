"""How a use case refuses. Each interface turns these into its own answer.

- `NotFound`: the object does not exist *for this actor* (a guessed id from elsewhere included):
  a 404 page, later a 404 problem-details response. Never says why.
- `Refused` and its kinds carry a translated message meant for the user:
  `NotAllowed` (this actor may not do this, e.g. no longer an admin), `Conflict` (the state does
  not allow it now: already decided, taken by another, last admin), `Invalid` (the input does not
  match: wrong activation password, unknown company data), `Throttled` (too many tries).
  Pages show the message; the API maps them to 403, 409, 422 and 429.
"""

from collections.abc import Iterable


class DomainError(Exception):
    """Base of every refusal by a use case."""


class NotFound(DomainError):
    """No such object for this actor. Deliberately without a message."""


class Refused(DomainError):
    """A refusal with a message for the user; `messages` holds one or more sentences."""

    def __init__(self, message: str | Iterable[str]) -> None:
        self.messages = [str(message)] if isinstance(message, str) else [str(m) for m in message]
        super().__init__(" ".join(self.messages))

    @property
    def message(self) -> str:
        return " ".join(self.messages)


class NotAllowed(Refused):
    """The actor may not do this."""


class Conflict(Refused):
    """The current state does not allow it; nothing was changed."""


class Invalid(Refused):
    """The input does not fit; nothing was changed."""


class Throttled(Refused):
    """Too many attempts in a short time."""
