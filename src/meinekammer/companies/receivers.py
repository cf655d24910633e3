"""What the companies app does when accounts change."""

from meinekammer.accounts.lifecycle import register_erasure_step
from meinekammer.core.actor import Actor

from .services.memberships import end_memberships_of_erased_account


@register_erasure_step
def end_memberships(actor: Actor, user) -> None:
    """An erased account belongs to no company any more; its pending requests end."""
    end_memberships_of_erased_account(actor, user)
