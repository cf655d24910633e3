"""What the companies app does when accounts change."""

from allauth.account import signals as allauth_signals
from django.dispatch import receiver

from meinekammer.accounts.lifecycle import register_erasure_step

from .services.invitations import accept_opened_invitations
from .services.members import end_memberships_of_erased_account


@receiver(allauth_signals.email_confirmed)
def accept_invitation_after_confirmation(sender, request, email_address, **kwargs) -> None:
    """Manual ch. 4 for a person without an account: they opened the join link, registered with
    the invited address and confirmed it; now the join request goes to the admins."""
    accept_opened_invitations(email_address.user, email_address.email, request=request)


@register_erasure_step
def end_memberships(actor, user) -> None:
    """An erased account belongs to no company any more; its pending requests end."""
    end_memberships_of_erased_account(user, request=None)
