"""The chamber area's "Aktivierungssperren" (issue 16): current activation blocks of accounts,
network addresses and letters that concern the chamber, and "Sperre aufheben".

The views parse input, call companies.services.activation_blocks, and render.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.companies.services.activation_blocks import (
    blocked_letters,
    lift_activation_block,
    lift_letter_block,
    list_activation_blocks,
)
from meinekammer.core.errors import Refused
from meinekammer.web.actors import actor_from


@login_required
@require_GET
def activation_blocks(request: HttpRequest) -> HttpResponse:
    chamber = get_staff_chamber(request.user)
    response = render(
        request,
        "chambers/activation_blocks.html",
        {
            "chamber": chamber,
            "blocks": list_activation_blocks(chamber),
            "letters": blocked_letters(chamber)[:200],
            "companies_per_day": settings.ACTIVATION_COMPANIES_PER_DAY,
            "companies_per_day_per_address": settings.ACTIVATION_COMPANIES_PER_DAY_PER_ADDRESS,
            "block_hours": settings.ACTIVATION_BLOCK_HOURS,
            "max_wrong_tries": settings.ACTIVATION_MAX_WRONG_TRIES,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def lift_block(request: HttpRequest, block_id: int) -> HttpResponse:
    get_staff_chamber(request.user)
    try:
        lift_activation_block(actor_from(request), block_id=block_id)
    except Refused as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The block is lifted; activation can be tried again at once."))
    return redirect("chambers:activation_blocks")


@login_required
@require_POST
def lift_letter(request: HttpRequest, letter_id: int) -> HttpResponse:
    get_staff_chamber(request.user)
    try:
        letter = lift_letter_block(actor_from(request), letter_id=letter_id)
    except Refused as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The letter's password for %(company)s works again, with new tries.")
            % {"company": letter.company.name},
        )
    return redirect("chambers:activation_blocks")
