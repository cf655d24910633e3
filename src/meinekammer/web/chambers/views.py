"""The "Kammerbereich": chamber staff review their own chamber's work, and nothing else."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meinekammer.chambers.directory import find_candidates
from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.chambers.models import DirectoryEntry
from meinekammer.companies.models import (
    Company,
    CompanyRegistration,
    DeletionState,
    LetterState,
    NewPasswordRequest,
    PasswordRequestState,
    RegistrationState,
)
from meinekammer.companies.services.common import CompanyError
from meinekammer.companies.services.deletion import (
    approve_deletion,
    list_deletions,
    refuse_deletion,
)
from meinekammer.companies.services.letters import (
    list_print_queue,
    mark_letters_sent,
    print_letters,
)
from meinekammer.companies.services.password_requests import (
    approve_password_request,
    list_password_requests,
    reject_password_request,
)
from meinekammer.companies.services.registration import (
    approve_registration,
    get_registration_for_staff,
    list_registrations,
    live_company_for,
    reject_registration,
)
from meinekammer.web.companies.forms import ApproveRegistrationForm, ReasonForm

PAGE_SIZE = 25
QUERY_MAX_LENGTH = 100


def _query(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    chamber = get_staff_chamber(request.user)
    return render(
        request,
        "chambers/overview.html",
        {
            "chamber": chamber,
            "open_registrations": CompanyRegistration.objects.filter(
                company__chamber=chamber, state=RegistrationState.IN_REVIEW
            ).count(),
            "queued_letters": list_print_queue(chamber).filter(state=LetterState.QUEUED).count(),
            "printed_letters": list_print_queue(chamber).filter(state=LetterState.PRINTED).count(),
            "open_password_requests": NewPasswordRequest.objects.filter(
                company__chamber=chamber, state=PasswordRequestState.OPEN
            ).count(),
            "open_deletions": list_deletions(chamber).count(),
        },
    )


@login_required
@require_GET
def registrations(request: HttpRequest) -> HttpResponse:
    chamber = get_staff_chamber(request.user)
    state = request.GET.get("state", RegistrationState.IN_REVIEW)
    if state not in {"", *RegistrationState.values}:
        state = RegistrationState.IN_REVIEW
    query = _query(request)
    page = Paginator(list_registrations(chamber, state=state, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "chambers/registrations.html",
        {
            "chamber": chamber,
            "page": page,
            "state": state,
            "query": query,
            "states": RegistrationState.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def registration(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = get_registration_for_staff(request.user, registration_id)
    company = registration.company
    reject_form = ReasonForm(prefix="reject")
    if request.method == "POST":
        try:
            if "approve" in request.POST:
                approve_form = ApproveRegistrationForm(request.POST)
                if not approve_form.is_valid():
                    raise CompanyError(
                        " ".join(str(e) for e in approve_form.errors.get("directory_entry", []))
                    )
                approve_registration(
                    request.user,
                    registration.pk,
                    directory_entry_id=approve_form.cleaned_data["directory_entry"],
                    request=request,
                )
                messages.success(
                    request, _("The registration is approved; the letter is in the print queue.")
                )
                return redirect("chambers:registrations")
            if "reject" in request.POST:
                reject_form = ReasonForm(request.POST, prefix="reject")
                if reject_form.is_valid():
                    reject_registration(
                        request.user,
                        registration.pk,
                        reason=reject_form.cleaned_data["reason"],
                        request=request,
                    )
                    messages.success(
                        request, _("The registration is rejected; the applicant has been informed.")
                    )
                    return redirect("chambers:registrations")
        except CompanyError as error:
            messages.error(request, str(error))
            return redirect("chambers:registration", registration.pk)
    candidates = find_candidates(
        company.chamber,
        name=company.name,
        postal_code=company.postal_code,
        member_number=company.member_number,
        street=company.street,
        city=company.city,
        register_court=company.register_court,
        register_number=company.register_number,
    )
    rows = [
        (candidate, live_company_for(candidate.entry, exclude=company)) for candidate in candidates
    ]
    query = _query(request)
    search_results = []
    if query:
        search_results = list(
            DirectoryEntry.objects.filter(chamber=company.chamber)
            .filter(Q(name__icontains=query) | Q(member_number=query) | Q(postal_code=query))
            .order_by("name")[:20]
        )
    return render(
        request,
        "chambers/registration.html",
        {
            "registration": registration,
            "company": company,
            "rows": rows,
            "query": query,
            "search_results": search_results,
            "reject_form": reject_form,
            "undecided": registration.state == RegistrationState.IN_REVIEW,
        },
    )


def _selected_ids(request: HttpRequest) -> list[int]:
    ids = []
    for value in request.POST.getlist("letter")[:500]:
        if value.isdigit():
            ids.append(int(value))
    return ids


@login_required
@require_GET
def letters(request: HttpRequest) -> HttpResponse:
    chamber = get_staff_chamber(request.user)
    queue = list(list_print_queue(chamber))
    return render(
        request,
        "chambers/letters.html",
        {
            "chamber": chamber,
            "queued": [letter for letter in queue if letter.state == LetterState.QUEUED],
            "printed": [letter for letter in queue if letter.state == LetterState.PRINTED],
        },
    )


@login_required
@require_POST
def letters_pdf(request: HttpRequest) -> HttpResponse:
    ids = _selected_ids(request)
    if not ids:
        messages.error(request, _("Please choose at least one letter."))
        return redirect("chambers:letters")
    try:
        pdf = print_letters(request.user, ids, request=request)
    except CompanyError:
        messages.error(request, _("None of the chosen letters can be printed (any more)."))
        return redirect("chambers:letters")
    response = HttpResponse(pdf, content_type="application/pdf")
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="aktivierungsbriefe-{stamp}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def letters_sent(request: HttpRequest) -> HttpResponse:
    ids = _selected_ids(request)
    count = mark_letters_sent(request.user, ids, request=request) if ids else 0
    if count:
        messages.success(
            request,
            _("%(count)d letters are marked as sent; the recipients have been told.")
            % {"count": count},
        )
    else:
        messages.error(request, _("Please choose printed letters to mark as sent."))
    return redirect("chambers:letters")


@login_required
@require_http_methods(["GET", "POST"])
def password_requests(request: HttpRequest) -> HttpResponse:
    chamber = get_staff_chamber(request.user)
    reject_form = ReasonForm(prefix="reject")
    if request.method == "POST":
        request_id = request.POST.get("request", "")
        if request_id.isdigit():
            try:
                if "approve" in request.POST:
                    approve_password_request(request.user, int(request_id), request=request)
                    messages.success(request, _("Approved: the new letter is in the print queue."))
                    return redirect("chambers:password_requests")
                reject_form = ReasonForm(request.POST, prefix="reject")
                if reject_form.is_valid():
                    reject_password_request(
                        request.user,
                        int(request_id),
                        reason=reject_form.cleaned_data["reason"],
                        request=request,
                    )
                    messages.success(
                        request, _("Refused: the company administrator has been informed.")
                    )
                    return redirect("chambers:password_requests")
            except CompanyError as error:
                messages.error(request, str(error))
                return redirect("chambers:password_requests")
    return render(
        request,
        "chambers/password_requests.html",
        {
            "chamber": chamber,
            "requests": list_password_requests(chamber)[:100],
            "reject_form": reject_form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def deletions(request: HttpRequest) -> HttpResponse:
    """Deletion requests of the chamber's companies (manual ch. 7): approve or refuse."""
    chamber = get_staff_chamber(request.user)
    reject_form = ReasonForm(prefix="reject")
    if request.method == "POST":
        deletion_id = request.POST.get("deletion", "")
        if not deletion_id.isdigit():
            messages.error(request, _("Please choose a deletion request."))
            return redirect("chambers:deletions")
        try:
            if "approve" in request.POST:
                deletion = approve_deletion(request.user, int(deletion_id), request=request)
                messages.success(
                    request,
                    _(
                        "Approved: %(company)s will be deleted on %(date)s; every member has "
                        "been told."
                    )
                    % {
                        "company": deletion.company.name,
                        "date": date_format(deletion.delete_on, "DATE_FORMAT"),
                    },
                )
                return redirect("chambers:deletions")
            reject_form = ReasonForm(request.POST, prefix="reject")
            if reject_form.is_valid():
                refuse_deletion(
                    request.user,
                    int(deletion_id),
                    reason=reject_form.cleaned_data["reason"],
                    request=request,
                )
                messages.success(
                    request, _("Refused: the company stays active; its members have been told.")
                )
                return redirect("chambers:deletions")
        except CompanyError as error:
            messages.error(request, str(error))
            return redirect("chambers:deletions")
    return render(
        request,
        "chambers/deletions.html",
        {
            "chamber": chamber,
            "pending": list_deletions(chamber)[:100],
            "scheduled": list_deletions(chamber, state=DeletionState.SCHEDULED)[:100],
            "reject_form": reject_form,
        },
    )


@login_required
@require_GET
def companies(request: HttpRequest) -> HttpResponse:
    chamber = get_staff_chamber(request.user)
    query = _query(request)
    rows = Company.objects.filter(chamber=chamber).exclude(state="deleted")
    if query:
        rows = rows.filter(
            Q(name__icontains=query) | Q(member_number=query) | Q(city__icontains=query)
        )
    page = Paginator(rows.order_by("name"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "chambers/companies.html", {"chamber": chamber, "page": page, "query": query}
    )


@login_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    chamber = get_staff_chamber(request.user)
    query = _query(request)
    rows = DirectoryEntry.objects.filter(chamber=chamber)
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(member_number=query) | Q(postal_code=query))
    page = Paginator(rows.order_by("name"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "chambers/directory.html", {"chamber": chamber, "page": page, "query": query}
    )
