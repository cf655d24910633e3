"""The companies' tiles under "Funktionen" on the start page (manual ch. 3)."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from meinekammer.chambers.guards import is_chamber_staff

from ..dashboard import Tile, register_function_tiles


@register_function_tiles
def company_tiles(request: HttpRequest) -> list[Tile]:
    """The manual's tiles under "Funktionen" (ch. 3), and the chamber area for staff."""
    tiles = [
        Tile(
            title=_("Register a new company"),
            description=_("Your chamber checks it and sends the activation password by post."),
            url=reverse("companies:register"),
            icon="add",
        ),
        Tile(
            title=_("Join a company"),
            description=_("Send a join request to the administrators of your company."),
            url=reverse("companies:join"),
            icon="account-circle",
        ),
        Tile(
            title=_("Activate company"),
            description=_("With the activation password from your chamber's letter."),
            url=reverse("companies:activate"),
            icon="check",
        ),
    ]
    if is_chamber_staff(request.user):
        tiles.append(
            Tile(
                title=_("Chamber area"),
                description=_("Registration requests, letters and your chamber's companies."),
                url=reverse("chambers:overview"),
                icon="checklist",
            )
        )
    return tiles
