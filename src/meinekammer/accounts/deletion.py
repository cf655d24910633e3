"""Who may delete their account: other apps register the reasons that forbid it.

DESIGN.md: an active company always keeps an admin, so the companies app registers a blocker that
refuses while the user is the only admin of a company (manual ch. 9). A blocker returns the
explanations to show, each saying what to do instead; an empty list means "no objection".
"""

from collections.abc import Callable

from django.dispatch import Signal

# Sent inside the transaction that erases an account (kwargs: user, request): other apps end
# what rests on the account, e.g. its memberships.
account_erased = Signal()
# Sent inside the transaction that locks an account (kwargs: user, request).
account_locked = Signal()

DeletionBlocker = Callable[[object], list[str]]
_blockers: list[DeletionBlocker] = []


def register_deletion_blocker(blocker: DeletionBlocker) -> DeletionBlocker:
    if blocker not in _blockers:
        _blockers.append(blocker)
    return blocker


def unregister_deletion_blocker(blocker: DeletionBlocker) -> None:
    if blocker in _blockers:
        _blockers.remove(blocker)


def list_deletion_blockers(user) -> list[str]:
    return [reason for blocker in _blockers for reason in blocker(user)]


# Locking an account is refused on the same grounds for the last admin who can still act
# (DESIGN.md: "removing, demoting, locking or deleting the last admin is refused").
_lock_blockers: list[DeletionBlocker] = []


def register_lock_blocker(blocker: DeletionBlocker) -> DeletionBlocker:
    if blocker not in _lock_blockers:
        _lock_blockers.append(blocker)
    return blocker


def list_lock_blockers(user) -> list[str]:
    return [reason for blocker in _lock_blockers for reason in blocker(user)]
