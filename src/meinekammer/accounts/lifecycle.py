"""What the apps above accounts add to locking and erasing an account.

The account is the lowest domain app: it cannot call companies or the single sign-on. Those
apps register, in their AppConfig.ready, explicit steps that the account's use cases call in
their own transaction, in registration order:

- blockers return the reasons that forbid the change now (each says what to do instead; an
  empty list means no objection). DESIGN.md: the last admin who can act may not lock or erase
  the account (registered by companies).
- steps carry out what the change means for the registering app (memberships end, tokens are
  revoked). They take the Actor and the account.

This is dependency inversion with one named registry per moment, not a signal: the account's
use case lists what happens, and tests/accounts/test_lifecycle.py checks the order.
"""

from collections.abc import Callable
from typing import Any

from meinekammer.core.actor import Actor

Blocker = Callable[[Any], list[str]]
Step = Callable[[Actor, Any], None]

_deletion_blockers: list[Blocker] = []
_lock_blockers: list[Blocker] = []
_erasure_steps: list[Step] = []
_lock_steps: list[Step] = []


def _add(registry: list, item):
    if item not in registry:
        registry.append(item)
    return item


def register_deletion_blocker(blocker: Blocker) -> Blocker:
    return _add(_deletion_blockers, blocker)


def unregister_deletion_blocker(blocker: Blocker) -> None:
    if blocker in _deletion_blockers:
        _deletion_blockers.remove(blocker)


def register_lock_blocker(blocker: Blocker) -> Blocker:
    return _add(_lock_blockers, blocker)


def register_erasure_step(step: Step) -> Step:
    """Called inside the transaction that erases an account, before its data are erased."""
    return _add(_erasure_steps, step)


def register_lock_step(step: Step) -> Step:
    """Called inside the transaction that locks an account."""
    return _add(_lock_steps, step)


def list_deletion_blockers(user: Any) -> list[str]:
    return [reason for blocker in _deletion_blockers for reason in blocker(user)]


def list_lock_blockers(user: Any) -> list[str]:
    return [reason for blocker in _lock_blockers for reason in blocker(user)]


def run_erasure_steps(actor: Actor, user: Any) -> None:
    for step in list(_erasure_steps):
        step(actor, user)


def run_lock_steps(actor: Actor, user: Any) -> None:
    for step in list(_lock_steps):
        step(actor, user)
