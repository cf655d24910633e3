"""The member list's copy of each member's name and address (Membership.sort_name and
search_text, see models.member_text) follows the account: whenever an account is saved with
another name or address, from the portal's pages, allauth's or the admin site, its memberships
are updated in the same transaction. A derived index, not a rule: nothing decides anything on
it but the order and the search of "Unternehmensmitglieder".
"""

from typing import Any

from django.db.models.signals import post_save

from meinekammer.accounts.models import User

from .models import Membership, member_text

_FIELDS = {"first_name", "last_name", "email"}


def follow_account(sender: Any, instance: User, update_fields=None, **kwargs: Any) -> None:
    if update_fields is not None and not _FIELDS & set(update_fields):
        return  # e.g. a login's last_login
    sort_name, search_text = member_text(instance)
    Membership.objects.filter(user=instance).exclude(
        sort_name=sort_name, search_text=search_text
    ).update(sort_name=sort_name, search_text=search_text)


def connect() -> None:
    post_save.connect(follow_account, sender=User, dispatch_uid="companies.member_text")
