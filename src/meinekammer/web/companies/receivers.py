"""What the HTML interface does for companies when allauth confirms an address."""

from allauth.account import signals as allauth_signals
from django.dispatch import receiver

from meinekammer.companies.services.invitations import accept_opened_invitations
from meinekammer.core.actor import Actor

from ..actors import actor_from


@receiver(allauth_signals.email_confirmed)
def accept_invitation_after_confirmation(sender, request, email_address, **kwargs) -> None:
    """Manual ch. 4 for a person without an account: they opened the join link, registered with
    the invited address and confirmed it; now the join request goes to the admins."""
    user = email_address.user
    actor = actor_from(request).on_behalf(user) if request is not None else Actor.of(user)
    accept_opened_invitations(actor, email=email_address.email)
