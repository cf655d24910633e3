from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from meinekammer.companies.guards import get_company_for_admin
from meinekammer.companies.models import CompanyState
from meinekammer.companies.selectors import letter_state_for
from meinekammer.companies.services.activation import ActivationThrottled, activate_company
from meinekammer.companies.services.deletion import pending_deletion
from meinekammer.companies.services.password_requests import (
    open_password_request,
    request_new_company_password,
)
from meinekammer.companies.services.registration import register_company
from meinekammer.core.errors import Refused
from meinekammer.web.actors import actor_from

from .forms import ActivationForm, CompanyRegistrationForm, OptionalReasonForm
from .member_views import member_section


def _bound(request: HttpRequest):
    return request.POST if request.method == "POST" else None


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = CompanyRegistrationForm(_bound(request))
    if request.method == "POST" and form.is_valid():
        company = register_company(actor_from(request), **form.cleaned_data)
        messages.success(
            request,
            _("Your registration request for %(company)s has been sent to %(chamber)s for review.")
            % {"company": company.name, "chamber": company.chamber.name},
        )
        return redirect("web:home")
    return render(request, "companies/register.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    form = ActivationForm(_bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            # The per-request limit of the page; the use case limits the companies tried.
            if not ratelimit.consume(request, action="activate_company", user=request.user):
                raise ActivationThrottled
            company = activate_company(actor_from(request), **form.cleaned_data)
        except Refused as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(company)s is active. You are its company administrator.")
                % {"company": company.name},
            )
            return redirect("companies:administration", company.pk)
    return render(request, "companies/activate.html", {"form": form})


@login_required
@require_GET
def administration(request: HttpRequest, company_id: int) -> HttpResponse:
    company = get_company_for_admin(request.user, company_id)
    return render(
        request,
        "companies/administration.html",
        {
            **member_section(request, company),
            "company": company,
            "open_password_request": open_password_request(company),
            "letter_state": letter_state_for(company),
            "is_active": company.state == CompanyState.ACTIVE,
            "deletion": pending_deletion(company),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_password(request: HttpRequest, company_id: int) -> HttpResponse:
    company = get_company_for_admin(request.user, company_id)
    form = OptionalReasonForm(_bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            request_new_company_password(
                actor_from(request), company_id=company.pk, reason=form.cleaned_data["reason"]
            )
        except Refused as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Your request has been sent to %(chamber)s. The new company password comes by post."
                )
                % {"chamber": company.chamber.name},
            )
            return redirect("companies:administration", company.pk)
    return render(request, "companies/request_password.html", {"company": company, "form": form})
