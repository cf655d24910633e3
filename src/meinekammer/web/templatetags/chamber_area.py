"""The header's link to the "Kammerbereich": only for chamber staff who may act (issue 16)."""

from typing import Any

from django import template

from meinekammer.accounts.rules import may_act
from meinekammer.chambers.guards import is_chamber_staff

register = template.Library()


@register.filter
def may_use_chamber_area(user: Any) -> bool:
    """Whether the chamber area opens for this account (chambers.guards.get_staff_chamber)."""
    return may_act(user) and is_chamber_staff(user)
