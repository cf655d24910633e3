"""The connected applications' steps when an account ends (accounts/lifecycle.py)."""

from typing import Any

from meinekammer.accounts.lifecycle import register_erasure_step, register_lock_step
from meinekammer.core.actor import Actor

from .grants import revoke_tokens


@register_lock_step
@register_erasure_step
def account_ended(actor: Actor, user: Any) -> None:
    """A locked or erased account keeps nothing in its applications."""
    revoke_tokens(user)
