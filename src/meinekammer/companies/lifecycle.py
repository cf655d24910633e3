"""What companies add to locking and erasing an account (accounts.lifecycle).

DESIGN.md: a company keeps an admin who can act. Both blockers ask the one last-admin rule
(companies.rules.is_last_admin): a locked admin counts for nobody, so with the only other admin
locked the last one who can act may neither erase nor lock their account. An erased account
belongs to no company any more, and its pending requests end.
"""

from django.utils.translation import gettext as _

from meinekammer.accounts.lifecycle import (
    register_deletion_blocker,
    register_erasure_step,
    register_lock_blocker,
)
from meinekammer.core.actor import Actor

from .rules import memberships_as_last_admin
from .services.memberships import end_memberships_of_erased_account


@register_deletion_blocker
def only_admin_of_a_company(user) -> list[str]:
    """The last admin who can act of an active company may not erase their account."""
    return [
        _(
            "You are the only company admin of %(company)s. Appoint another member as company "
            "admin first, or request the deletion of the company."
        )
        % {"company": membership.company.name}
        for membership in memberships_as_last_admin(user)
    ]


@register_lock_blocker
def only_admin_who_can_act(user) -> list[str]:
    """A locked admin cannot act: the last admin who can may not lock the account."""
    return [
        _(
            "You are the only company admin of %(company)s who can act. Appoint another member "
            "as company admin first, or request the deletion of the company."
        )
        % {"company": membership.company.name}
        for membership in memberships_as_last_admin(user)
    ]


@register_erasure_step
def end_memberships(actor: Actor, user) -> None:
    """An erased account belongs to no company any more; its pending requests end."""
    end_memberships_of_erased_account(actor, user)
