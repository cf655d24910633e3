"""Pages of members and company admins (manual ch. 4-6): views parse input, services decide."""

from urllib.parse import urlencode

from allauth.core import ratelimit
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meinekammer.accounts.rules import may_act
from meinekammer.companies.guards import get_company_for_admin
from meinekammer.companies.models import CompanyState, Membership, RequestKind, RequestState
from meinekammer.companies.rules import WORKING_STATES
from meinekammer.companies.services import invitations
from meinekammer.companies.services.join_requests import send_join_request
from meinekammer.companies.services.member_requests import (
    approve_member_request,
    assign_request_to_me,
    decides_at_once,
    get_member_request_for_admin,
    list_member_requests_for_admin,
    reject_member_request,
    release_request,
    withdraw_member_request,
)
from meinekammer.companies.services.members import (
    applications_with_roles,
    leave_company,
    list_members,
    remove_member,
    save_member,
    update_company_data,
)
from meinekammer.companies.services.role_requests import send_role_request
from meinekammer.core.errors import NotFound, Refused, Throttled
from meinekammer.core.paging import page_in_two_steps
from meinekammer.core.text import clean_search
from meinekammer.web.actors import actor_from, current_user
from meinekammer.web.decorators import account_required, require_recent_check

from .member_forms import (
    CompanyDataForm,
    DecisionForm,
    InviteForm,
    JoinRequestForm,
    MemberForm,
    RejectForm,
    RoleRequestForm,
)
from .role_questions import RoleQuestions

MEMBERS_PER_PAGE = 25
REQUESTS_PER_PAGE = 25


def _bound(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _membership_for(user, company_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("company", "company__chamber")
        .filter(user=user, company_id=company_id, company__state__in=WORKING_STATES)
        .first()
    )
    if membership is None:
        raise NotFound
    return membership


# --- Administration: "Unternehmensmitglieder" ---------------------------------------------------


def _opened_member(request: HttpRequest) -> int | None:
    """The member whose "+" was followed (`?rollen=<membership>`); anything else opens none."""
    value = request.GET.get("rollen", "")
    return int(value) if value.isdigit() and len(value) <= 18 else None


def member_section(request: HttpRequest, company) -> dict:
    """The member list of the administration page; its query count is flat in the member count."""
    query = clean_search(request.GET.get("q", ""))
    page = page_in_two_steps(
        list_members(company, query=query), request.GET.get("page"), MEMBERS_PER_PAGE
    )
    applications = applications_with_roles()
    questions = RoleQuestions(applications)
    opened = _opened_member(request)
    staying = request.GET.copy()
    staying.pop("rollen", None)  # after "Speichern" the list, with the saved roles
    next_url = f"{request.path}?{staying.urlencode()}" if staying else request.path
    # The catalogue's roles in its order, once: a member's roles are looked up in it.
    catalogue = [
        role
        for application in applications
        for role in application.role_list  # type: ignore[attr-defined]
    ]
    rows = []
    for membership in page.object_list:
        held = {assignment.role_id for assignment in membership.role_assignments.all()}
        rows.append(
            {
                "membership": membership,
                # Only the member whose "+" was followed: every role of the catalogue is a
                # question, and 25 members × 150 questions made a 3 MB page.
                "questions": questions.for_member(
                    prefix=f"m{membership.pk}", held=held, is_admin=membership.is_admin
                )
                if membership.pk == opened
                else None,
                "roles": [role for role in catalogue if role.pk in held] if held else [],
            }
        )
    return {
        "page": page,
        "rows": rows,
        "query": query,
        "applications": applications,
        "next_url": next_url,
        "invitations": invitations.pending_invitations(company),
    }


@account_required
@require_POST
def member_save(request: HttpRequest, company_id: int, membership_id: int) -> HttpResponse:
    company = get_company_for_admin(request.user, company_id)
    membership = Membership.objects.filter(pk=membership_id, company=company).first()
    if membership is None:
        raise NotFound
    held = set(membership.role_assignments.values_list("role_id", flat=True))
    form = MemberForm(
        request.POST,
        applications=applications_with_roles(),
        held=held,
        is_admin=membership.is_admin,
        prefix=f"m{membership.pk}",
    )
    default = reverse("companies:administration", args=[company.pk])
    if not form.is_valid():
        messages.error(request, _("Please answer Yes or No for every role."))
        return _back(request, default)
    if form.admin_chosen() and not membership.is_admin:
        require_recent_check(request)  # handing out admin rights is a sensitive action
    try:
        save_member(
            actor_from(request),
            company_id=company.pk,
            membership_id=membership.pk,
            roles=form.chosen_roles(),
            is_admin=form.admin_chosen(),
        )
    except Refused as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Saved: %(name)s's roles and rights.") % {"name": membership.user.get_full_name()},
        )
    return _back(request, default)


@account_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, company_id: int, membership_id: int) -> HttpResponse:
    company = get_company_for_admin(request.user, company_id)
    membership = (
        Membership.objects.select_related("user").filter(pk=membership_id, company=company).first()
    )
    if membership is None:
        raise NotFound
    error = None
    if request.method == "POST":
        try:
            remove_member(actor_from(request), company_id=company.pk, membership_id=membership.pk)
        except Refused as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("%(name)s no longer belongs to %(company)s.")
                % {"name": membership.user.get_full_name(), "company": company.name},
            )
            return redirect("companies:administration", company.pk)
    return render(
        request,
        "companies/member_remove.html",
        {"company": company, "membership": membership, "error": error},
    )


@account_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, company_id: int) -> HttpResponse:
    """ "Benutzer hinzufügen" → "Weiter"."""
    company = get_company_for_admin(request.user, company_id)
    form: InviteForm | None = InviteForm(_bound(request))
    if company.state != CompanyState.ACTIVE:
        form = None
    elif request.method == "POST" and form is not None and form.is_valid():
        if form.cleaned_data["make_admin"]:
            require_recent_check(request)  # the invitation hands out admin rights
        try:
            if not ratelimit.consume(request, action="invite_member", user=request.user):
                raise Throttled(_("Too many invitations in a short time. Please try again later."))
            invitation = invitations.invite_member(
                actor_from(request),
                company_id=company.pk,
                email=form.cleaned_data["email"],
                roles=list(form.cleaned_data["roles"]),
                make_admin=form.cleaned_data["make_admin"],
            )
        except Refused as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "The join link has been sent to %(email)s. Once the person has followed it, "
                    'you confirm the join request under "Join requests".'
                )
                % {"email": invitation.email},
            )
            return redirect("companies:administration", company.pk)
    return render(request, "companies/invite.html", {"company": company, "form": form})


@account_required
@require_POST
def invitation_resend(request: HttpRequest, company_id: int, invitation_id: int) -> HttpResponse:
    company = get_company_for_admin(request.user, company_id)
    try:
        invitation = invitations.resend_invitation(
            actor_from(request), company_id=company.pk, invitation_id=invitation_id
        )
    except Refused as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("A new join link has been sent to %(email)s; the earlier one no longer works.")
            % {"email": invitation.email},
        )
    return _back(request, reverse("companies:administration", args=[company.pk]))


@account_required
@require_POST
def invitation_revoke(request: HttpRequest, company_id: int, invitation_id: int) -> HttpResponse:
    company = get_company_for_admin(request.user, company_id)
    try:
        invitation = invitations.revoke_invitation(
            actor_from(request), company_id=company.pk, invitation_id=invitation_id
        )
    except Refused as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The invitation of %(email)s has been withdrawn.") % {"email": invitation.email},
        )
    return _back(request, reverse("companies:administration", args=[company.pk]))


@account_required
@require_http_methods(["GET", "POST"])
def company_data(request: HttpRequest, company_id: int) -> HttpResponse:
    """ "Unternehmensdaten bearbeiten"."""
    company = get_company_for_admin(request.user, company_id)
    if company.state not in WORKING_STATES:
        raise NotFound
    form = CompanyDataForm(_bound(request), instance=company)
    if request.method == "POST" and form.is_valid():
        try:
            update_company_data(
                actor_from(request),
                company_id=company.pk,
                data={name: form.cleaned_data[name] for name in CompanyDataForm.Meta.fields},
            )
        except Refused as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The company data have been saved."))
            return redirect("companies:administration", company.pk)
    return render(request, "companies/company_data.html", {"company": company, "form": form})


# --- The invited person -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The join link of the invitation mail."""
    if not ratelimit.consume(request, action="open_invitation"):
        return render(request, "accounts/rate_limited.html", status=429)
    if request.user.is_authenticated and not may_act(request.user):
        raise NotFound
    found = invitations.find_invitation(token)
    error = invitations.usable_error(found)
    context: dict[str, object] = {"invitation": found, "company": found.company, "error": error}
    if error is not None:
        if (
            found.state == "accepted"
            and request.user.is_authenticated
            and found.accepted_by_id == request.user.pk
        ):
            context["error"] = None
            context["done"] = True
        return render(request, "companies/invitation.html", context, status=200)
    if not request.user.is_authenticated:
        invitations.mark_opened(found)
        query = urlencode({"email": found.email, "next": request.get_full_path()})
        context["signup_url"] = f"{reverse('account_signup')}?{query}"
        context["login_url"] = (
            f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}"
        )
        return render(request, "companies/invitation.html", context)
    if not invitations.is_for(found, request.user):
        context["wrong_account"] = True
        return render(request, "companies/invitation.html", context)
    if request.method == "POST":
        try:
            invitations.accept_invitation(actor_from(request), token=token)
        except Refused as exc:
            context["error"] = exc.message
        else:
            messages.success(
                request,
                _(
                    "Your join request has been sent to the company administrators of "
                    "%(company)s. You will get a mail when they have confirmed it."
                )
                % {"company": found.company.name},
            )
            return redirect("web:home")
    return render(request, "companies/invitation.html", context)


# --- Members: join, role requests, leaving ------------------------------------------------------


@account_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """ "Unternehmen beitreten" (manual ch. 5)."""
    form = JoinRequestForm(_bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            if not ratelimit.consume(request, action="join_company", user=request.user):
                raise Throttled(_("Too many join requests. Please try again later."))
            member_request = send_join_request(actor_from(request), **form.cleaned_data)
        except Refused as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Your join request has been sent to the company administrators of %(company)s.")
                % {"company": member_request.company.name},
            )
            return redirect("web:home")
    return render(request, "companies/join.html", {"form": form})


@account_required
@require_http_methods(["GET", "POST"])
def role_request(request: HttpRequest, company_id: int) -> HttpResponse:
    """ "Rolle beantragen"."""
    membership = _membership_for(request.user, company_id)
    held = set(membership.role_assignments.values_list("role_id", flat=True))
    form = RoleRequestForm(_bound(request), held=held, initial={"role": request.GET.get("role")})
    if request.method == "POST" and form.is_valid():
        try:
            send_role_request(
                actor_from(request),
                company_id=company_id,
                role=form.cleaned_data["role"],
                comment=form.cleaned_data["comment"],
            )
        except Refused as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Your role request has been sent to the company administrators."),
            )
            return redirect("web:home")
    return render(
        request,
        "companies/role_request.html",
        {"company": membership.company, "form": form},
    )


@account_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, company_id: int) -> HttpResponse:
    """ "Unternehmen verlassen"."""
    membership = _membership_for(request.user, company_id)
    error = None
    if request.method == "POST":
        try:
            company = leave_company(actor_from(request), company_id=company_id)
        except Refused as exc:
            error = exc.message
        else:
            messages.success(
                request, _("You no longer belong to %(company)s.") % {"company": company.name}
            )
            return redirect("web:home")
    return render(request, "companies/leave.html", {"company": membership.company, "error": error})


@account_required
@require_POST
def withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        withdraw_member_request(actor_from(request), member_request_id=request_id)
    except Refused as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect("web:home")


# --- Request handling (manual ch. 6) ------------------------------------------------------------


@account_required
@require_GET
def requests_open(request: HttpRequest) -> HttpResponse:
    """ "Offene Anfragen": the unassigned requests of the user's companies."""
    user = current_user(request)
    pending = list_member_requests_for_admin(user)
    return render(
        request,
        "companies/requests.html",
        {
            "page": _requests_page(request, pending.filter(state=RequestState.OPEN)),
            "mine": False,
            "open_count": pending.filter(state=RequestState.OPEN).count(),
            "mine_count": pending.filter(assignee=user).count(),
        },
    )


def _requests_page(request: HttpRequest, requests):
    """A company with hundreds of open requests is read a page at a time, oldest first."""
    return Paginator(requests, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))


@account_required
@require_GET
def requests_mine(request: HttpRequest) -> HttpResponse:
    """ "Meine Anfragen": the requests assigned to the user."""
    user = current_user(request)
    pending = list_member_requests_for_admin(user)
    return render(
        request,
        "companies/requests.html",
        {
            "page": _requests_page(
                request, pending.filter(state=RequestState.ASSIGNED, assignee=user)
            ),
            "others": pending.filter(state=RequestState.ASSIGNED).exclude(assignee=user),
            "mine": True,
            "open_count": pending.filter(state=RequestState.OPEN).count(),
            "mine_count": pending.filter(assignee=user).count(),
        },
    )


@account_required
@require_POST
def request_assign(request: HttpRequest, request_id: int) -> HttpResponse:
    """ "Mir zuweisen"."""
    try:
        assign_request_to_me(actor_from(request), member_request_id=request_id)
    except Refused as error:
        messages.error(request, error.message)
        return redirect("companies:requests_open")
    messages.success(request, _('The request is now under "My requests".'))
    return redirect("companies:request_detail", request_id)


@account_required
@require_POST
def request_release(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        release_request(actor_from(request), member_request_id=request_id)
    except Refused as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _('The request is back under "Open requests".'))
    return redirect("companies:requests_open")


@account_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    """ "Anfrageinformationen": approve (roles adjustable) or reject."""
    member_request = get_member_request_for_admin(
        current_user(request), member_request_id=request_id
    )
    applications = applications_with_roles()
    is_join = member_request.kind == RequestKind.JOIN
    preselected = set(member_request.roles.values_list("pk", flat=True))
    decision = DecisionForm(
        request.POST if "approve" in request.POST else None,
        applications=applications,
        held=preselected,
        is_admin=member_request.make_admin if is_join else None,
        prefix="approve",
    )
    reject_form = RejectForm(request.POST if "reject" in request.POST else None, prefix="reject")
    if request.method == "POST":
        try:
            if "approve" in request.POST and decision.is_valid():
                if is_join and decision.admin_chosen():
                    require_recent_check(request)  # the new member becomes an admin
                approve_member_request(
                    actor_from(request),
                    member_request_id=member_request.pk,
                    roles=decision.chosen_roles(),
                    make_admin=decision.admin_chosen() if is_join else False,
                )
                messages.success(
                    request,
                    _("Approved: %(name)s has been told.")
                    % {"name": member_request.requester.get_full_name()},
                )
                return redirect("companies:requests_mine")
            if "reject" in request.POST and reject_form.is_valid():
                reject_member_request(
                    actor_from(request),
                    member_request_id=member_request.pk,
                    reason=reject_form.cleaned_data["reason"],
                )
                messages.success(
                    request,
                    _("Rejected: %(name)s has been told.")
                    % {"name": member_request.requester.get_full_name()},
                )
                return redirect("companies:requests_mine")
        except Refused as error:
            messages.error(request, error.message)
            return redirect("companies:request_detail", member_request.pk)
    # The only admin, or the one who sent the invitation, decides an open request at once.
    at_once = decides_at_once(current_user(request), member_request)
    return render(
        request,
        "companies/request_detail.html",
        {
            "member_request": member_request,
            "decision": decision,
            "reject_form": reject_form,
            "mine": at_once
            or (
                member_request.state == RequestState.ASSIGNED
                and member_request.assignee_id == request.user.pk
            ),
            "at_once": at_once,
            "requested_roles": list(member_request.roles.select_related("application")),
        },
    )
