""" "Require two-factor authentication for all members" on the company administration page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meinekammer.companies.guards import get_company_for_admin
from meinekammer.companies.services.factors import set_members_factor_required
from meinekammer.core.errors import Refused
from meinekammer.web.actors import actor_from

CHOICES = {"on": True, "off": False}


@login_required
@require_POST
def members_factor(request: HttpRequest, company_id: int) -> HttpResponse:
    company = get_company_for_admin(request.user, company_id)
    required = CHOICES.get(request.POST.get("required", ""))
    if required is None:
        messages.error(request, _("Please choose whether a second factor is required."))
        return redirect("companies:administration", company.pk)
    try:
        company = set_members_factor_required(
            actor_from(request), company_id=company.pk, required=required
        )
    except Refused as error:
        messages.error(request, error.message)
    else:
        applies_from = company.members_factor_required_from
        if applies_from is not None:
            messages.success(
                request,
                _(
                    "From %(date)s all members of %(company)s need a second factor. Members "
                    "without one have been told by e-mail."
                )
                % {
                    "date": formats.date_format(applies_from, "DATE_FORMAT"),
                    "company": company.name,
                },
            )
        else:
            messages.success(
                request,
                _("A second factor is no longer required for all members of %(company)s.")
                % {"company": company.name},
            )
    return redirect("companies:administration", company.pk)
