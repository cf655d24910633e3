"""The "Kammerbereich": chamber staff review their own chamber's work, and nothing else.

The views parse input, call the use cases and the reads of companies.chamber_queue, and render.
"""

from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meinekammer.chambers.guards import get_staff_chamber
from meinekammer.companies import chamber_queue
from meinekammer.companies.models import (
    DeletionState,
    LetterAddress,
    LetterState,
    RegistrationState,
)
from meinekammer.companies.services.deletion import (
    approve_company_deletion,
    refuse_company_deletion,
)
from meinekammer.companies.services.letters import mark_letters_sent, print_letters
from meinekammer.companies.services.password_requests import (
    approve_password_request,
    refuse_password_request,
)
from meinekammer.companies.services.registration import (
    approve_registration,
    assign_registration_to_me,
    reject_registration,
    release_registration,
)
from meinekammer.core.errors import Invalid, Refused
from meinekammer.core.paging import page_of
from meinekammer.core.text import clean_search
from meinekammer.web.actors import actor_from
from meinekammer.web.companies.forms import ApproveRegistrationForm, ReasonForm

PAGE_SIZE = 25


def _query(request: HttpRequest) -> str:
    return clean_search(request.GET.get("q", ""))


def _page(rows, number, *, searched: bool) -> Page:
    """A page of a chamber's list. A search filters all of the chamber's rows: they are filtered
    once for the count and the page's ids together (core.paging). Without one, the count comes
    from an index and the page's read stops after its rows: Django's Paginator."""
    if searched:
        return page_of(rows, number, PAGE_SIZE)
    return Paginator(rows, PAGE_SIZE).get_page(number)


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    chamber = get_staff_chamber(request.user)
    return render(
        request,
        "chambers/overview.html",
        {"chamber": chamber, **asdict(chamber_queue.overview(chamber))},
    )


@login_required
@require_GET
def registrations(request: HttpRequest) -> HttpResponse:
    chamber = get_staff_chamber(request.user)
    state = request.GET.get("state", RegistrationState.IN_REVIEW)
    if state not in {"", *RegistrationState.values}:
        state = RegistrationState.IN_REVIEW
    assigned = request.GET.get("assigned", "")
    if assigned not in chamber_queue.ASSIGNED_FILTERS:
        assigned = ""
    query = _query(request)
    rows = chamber_queue.registrations(
        chamber, state=state, query=query, assigned=assigned, user=request.user
    )
    page = _page(rows, request.GET.get("page"), searched=bool(query))
    return render(
        request,
        "chambers/registrations.html",
        {
            "chamber": chamber,
            "page": page,
            "state": state,
            "assigned": assigned,
            "query": query,
            "states": RegistrationState.choices,
            "in_review": RegistrationState.IN_REVIEW,
        },
    )


def _back_from_claim(request: HttpRequest, registration_id: int) -> HttpResponse:
    if request.POST.get("back") == "list":
        return redirect("chambers:registrations")
    return redirect("chambers:registration", registration_id)


@login_required
@require_POST
def registration_assign(request: HttpRequest, registration_id: int) -> HttpResponse:
    """ "Mir zuweisen"; with `take_over_from` (the colleague the page showed) a take-over."""
    registration = chamber_queue.registration_for_staff(request.user, registration_id)
    taken_from = request.POST.get("take_over_from", "")
    # An account id, or nothing: anything else (hostile or oversized) takes over from nobody.
    colleague_id = (
        int(taken_from)
        if taken_from.isascii() and taken_from.isdigit() and len(taken_from) <= 18
        else None
    )
    try:
        assign_registration_to_me(
            actor_from(request),
            registration_id=registration.pk,
            take_over_from=colleague_id,
        )
    except Refused as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The request for %(company)s is assigned to you.")
            % {"company": registration.company.name},
        )
    return _back_from_claim(request, registration.pk)


@login_required
@require_POST
def registration_release(request: HttpRequest, registration_id: int) -> HttpResponse:
    """ "Zuweisung aufheben": back to the queue for every colleague."""
    registration = chamber_queue.registration_for_staff(request.user, registration_id)
    try:
        release_registration(actor_from(request), registration_id=registration.pk)
    except Refused as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The request for %(company)s is no longer assigned to you.")
            % {"company": registration.company.name},
        )
    return _back_from_claim(request, registration.pk)


@login_required
@require_http_methods(["GET", "POST"])
def registration(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = chamber_queue.registration_for_staff(request.user, registration_id)
    reject_form = ReasonForm(prefix="reject")
    # A correction of the letter address that was refused, shown again on its card.
    draft: tuple[int, LetterAddress] | None = None
    if request.method == "POST":
        actor = actor_from(request)
        try:
            if "approve" in request.POST:
                approve_form = ApproveRegistrationForm(request.POST)
                if not approve_form.is_valid():
                    messages.error(
                        request,
                        " ".join(str(e) for e in approve_form.errors.get("directory_entry", [])),
                    )
                    return redirect("chambers:registration", registration.pk)
                letter_address = _letter_address(request)
                try:
                    approve_registration(
                        actor,
                        registration_id=registration.pk,
                        directory_entry_id=approve_form.cleaned_data["directory_entry"],
                        letter_address=letter_address,
                    )
                except Invalid as error:
                    if letter_address is None:
                        raise
                    # Shown again below, with what the clerk typed on the entry's card.
                    messages.error(request, error.message)
                    draft = (approve_form.cleaned_data["directory_entry"], letter_address)
                else:
                    messages.success(
                        request,
                        _("The registration is approved; the letter is in the print queue."),
                    )
                    return redirect("chambers:registrations")
            elif "reject" in request.POST:
                reject_form = ReasonForm(request.POST, prefix="reject")
                if reject_form.is_valid():
                    reject_registration(
                        actor,
                        registration_id=registration.pk,
                        reason=reject_form.cleaned_data["reason"],
                    )
                    messages.success(
                        request, _("The registration is rejected; the applicant has been informed.")
                    )
                    return redirect("chambers:registrations")
        except Refused as error:
            messages.error(request, error.message)
            return redirect("chambers:registration", registration.pk)
    query = _query(request)
    undecided = registration.state == RegistrationState.IN_REVIEW
    review = chamber_queue.registration_review(registration, query=query)
    return render(
        request,
        "chambers/registration.html",
        {
            "registration": registration,
            "company": registration.company,
            "rows": review.rows,
            "query": query,
            "search_results": review.search_results,
            "reject_form": reject_form,
            "undecided": undecided,
            "draft_entry": draft[0] if draft else None,
            "draft": draft[1] if draft else None,
            # A colleague holds it: no decision here until it is taken over.
            "decidable": undecided and registration.assignee_id in (None, request.user.pk),
        },
    )


LETTER_FIELDS = ("letter_name", "letter_street", "letter_postal_code", "letter_city")


def _letter_address(request: HttpRequest) -> LetterAddress | None:
    """The letter address as the clerk left it on the candidate's card; None where the form
    had none (an entry found by the search: its directory address)."""
    if not any(name in request.POST for name in LETTER_FIELDS):
        return None
    return LetterAddress(*(request.POST.get(name, "") for name in LETTER_FIELDS))


def _selected_ids(request: HttpRequest) -> list[int]:
    return [int(value) for value in request.POST.getlist("letter")[:500] if value.isdigit()]


@login_required
@require_GET
def letters(request: HttpRequest) -> HttpResponse:
    chamber = get_staff_chamber(request.user)
    queue = list(chamber_queue.print_queue(chamber))
    response = render(
        request,
        "chambers/letters.html",
        {
            "chamber": chamber,
            "queued": [letter for letter in queue if letter.state == LetterState.QUEUED],
            "printed": [letter for letter in queue if letter.state == LetterState.PRINTED],
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def letters_pdf(request: HttpRequest) -> HttpResponse:
    """Print the chosen letters (new passwords) as one PDF. The passwords exist in clear only in
    this response (DESIGN.md: stored only as a hash); the page's script (letters-download.js)
    saves the file and shows the updated page, without it a reload does."""
    ids = _selected_ids(request)
    if not ids:
        messages.error(request, _("Please choose at least one letter."))
        return redirect("chambers:letters")
    try:
        pdf = print_letters(actor_from(request), letter_ids=ids)
    except Refused as error:
        messages.error(request, error.message)
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
    count = mark_letters_sent(actor_from(request), letter_ids=ids) if ids else 0
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d letter is marked as sent; the recipient has been told.",
                "%(count)d letters are marked as sent; the recipients have been told.",
                count,
            )
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
            actor = actor_from(request)
            try:
                if "approve" in request.POST:
                    approve_password_request(actor, password_request_id=int(request_id))
                    messages.success(request, _("Approved: the new letter is in the print queue."))
                    return redirect("chambers:password_requests")
                reject_form = ReasonForm(request.POST, prefix="reject")
                if reject_form.is_valid():
                    refuse_password_request(
                        actor,
                        password_request_id=int(request_id),
                        reason=reject_form.cleaned_data["reason"],
                    )
                    messages.success(
                        request, _("Refused: the company administrator has been informed.")
                    )
                    return redirect("chambers:password_requests")
            except Refused as error:
                messages.error(request, error.message)
                return redirect("chambers:password_requests")
    return render(
        request,
        "chambers/password_requests.html",
        {
            "chamber": chamber,
            "requests": chamber_queue.password_requests(chamber)[:100],
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
        actor = actor_from(request)
        try:
            if "approve" in request.POST:
                deletion = approve_company_deletion(actor, deletion_id=int(deletion_id))
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
                refuse_company_deletion(
                    actor, deletion_id=int(deletion_id), reason=reject_form.cleaned_data["reason"]
                )
                messages.success(
                    request, _("Refused: the company stays active; its members have been told.")
                )
                return redirect("chambers:deletions")
        except Refused as error:
            messages.error(request, error.message)
            return redirect("chambers:deletions")
    return render(
        request,
        "chambers/deletions.html",
        {
            "chamber": chamber,
            "pending": chamber_queue.deletions(chamber)[:100],
            "scheduled": chamber_queue.deletions(chamber, state=DeletionState.SCHEDULED)[:100],
            "reject_form": reject_form,
        },
    )


@login_required
@require_GET
def companies(request: HttpRequest) -> HttpResponse:
    chamber = get_staff_chamber(request.user)
    query = _query(request)
    rows = chamber_queue.companies(chamber, query=query)
    page = _page(rows, request.GET.get("page"), searched=bool(query))
    return render(
        request, "chambers/companies.html", {"chamber": chamber, "page": page, "query": query}
    )
