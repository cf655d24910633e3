"""A chamber's work: its registration queue (read, decide) and its company directory."""

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Path, Query, Router
from ninja.files import UploadedFile

from meinekammer.chambers.directory import search_directory
from meinekammer.chambers.imports import directory_import_for, start_directory_import
from meinekammer.chambers.models import DirectoryEntry, DirectoryImport
from meinekammer.companies import chamber_queue
from meinekammer.companies.models import (
    CompanyDeletion,
    CompanyRegistration,
    DeletionState,
    LetterAddress,
    RegistrationState,
)
from meinekammer.companies.services.deletion import (
    approve_company_deletion,
    refuse_company_deletion,
)
from meinekammer.companies.services.registration import approve_registration, reject_registration
from meinekammer.core.errors import NotFound
from meinekammer.core.text import clean_search
from meinekammer.integration.models import ApiScope

from .. import paging
from ..auth import actor, caller, chamber_for
from ..problems import ERRORS, Problem
from ..schemas import (
    MAX_ID,
    ApproveIn,
    CompanyOut,
    DeletionOut,
    DeletionPage,
    DirectoryEntryOut,
    DirectoryImportOut,
    DirectoryImportPage,
    DirectoryImportReport,
    DirectoryPage,
    PersonOut,
    RegistrationOut,
    RegistrationPage,
    RejectIn,
    RejectionOut,
)

router = Router(tags=["chamber"])

DECIDED = {**ERRORS, 409: Problem}


def registration_out(registration: CompanyRegistration) -> RegistrationOut:
    assignee = registration.assignee
    return RegistrationOut(
        id=registration.pk,
        state=registration.state,
        submitted_at=registration.submitted_at,
        decided_at=registration.decided_at,
        company=CompanyOut.of(registration.company),
        applicant=PersonOut.of(registration.applicant),
        assignee=(assignee.get_full_name() or assignee.email) if assignee is not None else None,
        rejection_reason=registration.rejection_reason,
    )


@router.get(
    "/chamber/registrations",
    response={200: RegistrationPage, **ERRORS},
    summary="The registration queue",
    description="Newest first. Without `state` every registration; `in_review` is the queue.",
)
def list_registrations(
    request: HttpRequest,
    state: RegistrationState | None = Query(None),
    q: str = Query("", max_length=200),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(paging.DEFAULT_LIMIT, ge=1, le=paging.MAX_LIMIT),
):
    found = caller(request, ApiScope.REGISTRATIONS_READ)
    rows = chamber_queue.registrations(
        chamber_for(request, found), state=state or "", query=clean_search(q)
    ).select_related("company__chamber")
    items, next_cursor = paging.page(rows, cursor=cursor, limit=limit, descending=True)
    return RegistrationPage(items=[registration_out(r) for r in items], next_cursor=next_cursor)


def _registration(request: HttpRequest, found, registration_id: int) -> CompanyRegistration:
    return chamber_queue.registration_of(chamber_for(request, found), registration_id)


@router.get(
    "/chamber/registrations/{registration_id}",
    response={200: RegistrationOut, **ERRORS},
    summary="A registration",
)
def read_registration(request: HttpRequest, registration_id: int = Path(..., ge=1, le=MAX_ID)):
    found = caller(request, ApiScope.REGISTRATIONS_READ)
    return registration_out(_registration(request, found, registration_id))


@router.post(
    "/chamber/registrations/{registration_id}/approve",
    response={200: RegistrationOut, **DECIDED},
    summary="Approve a registration",
    description="Against an entry of the chamber's directory; the activation letter goes to "
    "the entry's address, or to `letter_address`. A registration a clerk is working on, or one "
    "already decided, is a conflict (409) and nothing changes.",
)
def approve(
    request: HttpRequest, body: ApproveIn, registration_id: int = Path(..., ge=1, le=MAX_ID)
):
    found = caller(request, ApiScope.REGISTRATIONS_WRITE)
    address = body.letter_address
    approve_registration(
        actor(request, found),
        registration_id=registration_id,
        directory_entry_id=body.directory_entry_id,
        letter_address=LetterAddress(
            address.name, address.street, address.postal_code, address.city
        )
        if address is not None
        else None,
    )
    return registration_out(_registration(request, found, registration_id))


@router.post(
    "/chamber/registrations/{registration_id}/reject",
    response={200: RegistrationOut, **DECIDED},
    summary="Reject a registration",
    description="The applicant is told the reason by mail.",
)
def reject(request: HttpRequest, body: RejectIn, registration_id: int = Path(..., ge=1, le=MAX_ID)):
    found = caller(request, ApiScope.REGISTRATIONS_WRITE)
    reject_registration(actor(request, found), registration_id=registration_id, reason=body.reason)
    return registration_out(_registration(request, found, registration_id))


def entry_out(entry: DirectoryEntry) -> DirectoryEntryOut:
    return DirectoryEntryOut(
        id=entry.pk,
        member_number=entry.member_number,
        name=entry.name,
        legal_form=entry.legal_form,
        street=entry.street,
        postal_code=entry.postal_code,
        city=entry.city,
        register_court=entry.register_court,
        register_number=entry.register_number,
        status=entry.status,
        updated_at=entry.updated_at,
    )


@router.get(
    "/chamber/directory",
    response={200: DirectoryPage, **ERRORS},
    summary="Search the company directory",
)
def list_directory(
    request: HttpRequest,
    q: str = Query(
        "", max_length=200, description="Name contains it, or member number or postal code is it."
    ),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(paging.DEFAULT_LIMIT, ge=1, le=paging.MAX_LIMIT),
):
    found = caller(request, ApiScope.DIRECTORY_READ)
    chamber = chamber_for(request, found)
    term = clean_search(q)
    rows = search_directory(chamber, term)
    items, next_cursor = paging.page(rows, cursor=cursor, limit=limit)
    return DirectoryPage(items=[entry_out(e) for e in items], next_cursor=next_cursor)


@router.get(
    "/chamber/directory/entries/{entry_id}",
    response={200: DirectoryEntryOut, **ERRORS},
    summary="A directory entry",
)
def read_directory_entry(request: HttpRequest, entry_id: int = Path(..., ge=1, le=MAX_ID)):
    found = caller(request, ApiScope.DIRECTORY_READ)
    entry = DirectoryEntry.objects.filter(chamber=chamber_for(request, found), pk=entry_id).first()
    if entry is None:
        raise NotFound
    return entry_out(entry)


def import_out(directory_import: DirectoryImport) -> DirectoryImportOut:
    return DirectoryImportOut(
        id=directory_import.pk,
        state=directory_import.state,
        file_name=directory_import.file_name,
        size=directory_import.size,
        rows_expected=directory_import.rows_expected,
        rows_read=directory_import.rows_read,
        created=directory_import.created,
        updated=directory_import.updated,
        unchanged=directory_import.unchanged,
        rejected=directory_import.rejected,
        error=directory_import.error_message or None,
        created_at=directory_import.created_at,
        started_at=directory_import.started_at,
        finished_at=directory_import.finished_at,
    )


@router.post(
    "/chamber/directory/imports",
    response={202: DirectoryImportOut, **ERRORS, 409: Problem, 413: Problem},
    summary="Upload the company directory",
    description="A CSV file (docs/directory-csv.md) as `file` (multipart/form-data). It is "
    "imported by a background job: follow `rows_read` and `state` at the import's address. "
    "One import per chamber at a time (409 while one is queued or running); an unusable file "
    "(empty, not UTF-8, wrong header, too large) is refused at once (422) and nothing changes.",
)
def upload_directory(request: HttpRequest, file: UploadedFile = File(...)):
    found = caller(request, ApiScope.DIRECTORY_WRITE)
    # One byte more than allowed is enough for the use case to refuse it as too large.
    limit = int(getattr(settings, "DIRECTORY_UPLOAD_MAX_BYTES", 200 * 1024 * 1024))
    content = file.read(limit + 1)
    started = start_directory_import(
        actor(request, found),
        chamber=chamber_for(request, found),
        file_name=(file.name or "verzeichnis.csv")[:200],
        content=content,
    )
    return 202, import_out(started)


@router.get(
    "/chamber/directory/imports",
    response={200: DirectoryImportPage, **ERRORS},
    summary="The directory's imports",
)
def list_directory_imports(
    request: HttpRequest,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(paging.DEFAULT_LIMIT, ge=1, le=paging.MAX_LIMIT),
):
    found = caller(request, ApiScope.DIRECTORY_READ)
    rows = DirectoryImport.objects.filter(chamber=chamber_for(request, found))
    items, next_cursor = paging.page(rows, cursor=cursor, limit=limit, descending=True)
    return DirectoryImportPage(items=[import_out(i) for i in items], next_cursor=next_cursor)


@router.get(
    "/chamber/directory/imports/{import_id}",
    response={200: DirectoryImportReport, **ERRORS},
    summary="An import: progress, counts and the rejected lines",
)
def read_directory_import(request: HttpRequest, import_id: int = Path(..., ge=1, le=MAX_ID)):
    found = caller(request, ApiScope.DIRECTORY_READ)
    directory_import = directory_import_for(chamber_for(request, found), import_id)
    return DirectoryImportReport(
        **import_out(directory_import).model_dump(),
        rejections=[
            RejectionOut(line=int(line), reason=str(reason))
            for line, reason in directory_import.rejections
        ],
    )


# --- Company deletions ("Löschanträge", manual ch. 7) -------------------------------------------


def deletion_out(deletion: CompanyDeletion) -> DeletionOut:
    return DeletionOut(
        id=deletion.pk,
        state=deletion.state,
        company=CompanyOut.of(deletion.company),
        reason=deletion.reason,
        requested_at=deletion.requested_at,
        delete_on=deletion.delete_on,
        decided_at=deletion.decided_at,
        refusal_reason=deletion.refusal_reason,
    )


def _deletion(request: HttpRequest, found, deletion_id: int) -> CompanyDeletion:
    deletion = (
        chamber_queue.deletions(chamber_for(request, found), state="")
        .select_related("company__chamber")
        .filter(pk=deletion_id)
        .first()
    )
    if deletion is None:
        raise NotFound
    return deletion


@router.get(
    "/chamber/deletions",
    response={200: DeletionPage, **ERRORS},
    summary="The company deletion requests",
    description="Oldest first. Without `state` the open ones (`requested`).",
)
def list_deletions(
    request: HttpRequest,
    state: DeletionState = Query(DeletionState.REQUESTED),
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(paging.DEFAULT_LIMIT, ge=1, le=paging.MAX_LIMIT),
):
    found = caller(request, ApiScope.DELETIONS_READ)
    rows = chamber_queue.deletions(chamber_for(request, found), state=state).select_related(
        "company__chamber"
    )
    items, next_cursor = paging.page(rows, cursor=cursor, limit=limit)
    return DeletionPage(items=[deletion_out(d) for d in items], next_cursor=next_cursor)


@router.get(
    "/chamber/deletions/{deletion_id}",
    response={200: DeletionOut, **ERRORS},
    summary="A company deletion request",
)
def read_deletion(request: HttpRequest, deletion_id: int = Path(..., ge=1, le=MAX_ID)):
    found = caller(request, ApiScope.DELETIONS_READ)
    return deletion_out(_deletion(request, found, deletion_id))


@router.post(
    "/chamber/deletions/{deletion_id}/approve",
    response={200: DeletionOut, **DECIDED},
    summary="Approve a company deletion",
    description="The company is deleted on `delete_on` (30 days after the request) unless it "
    "revokes the request first; its members are told. Decided already, or revoked: 409.",
)
def approve_deletion(request: HttpRequest, deletion_id: int = Path(..., ge=1, le=MAX_ID)):
    found = caller(request, ApiScope.DELETIONS_WRITE)
    approve_company_deletion(actor(request, found), deletion_id=deletion_id)
    return deletion_out(_deletion(request, found, deletion_id))


@router.post(
    "/chamber/deletions/{deletion_id}/refuse",
    response={200: DeletionOut, **DECIDED},
    summary="Refuse a company deletion",
    description="The company is active again; its members are told the reason.",
)
def refuse_deletion(
    request: HttpRequest, body: RejectIn, deletion_id: int = Path(..., ge=1, le=MAX_ID)
):
    found = caller(request, ApiScope.DELETIONS_WRITE)
    refuse_company_deletion(actor(request, found), deletion_id=deletion_id, reason=body.reason)
    return deletion_out(_deletion(request, found, deletion_id))
