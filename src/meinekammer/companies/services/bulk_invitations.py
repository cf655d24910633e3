""" "Mehrere Personen einladen": invitations from a CSV file (issue 16, item 4).

Three steps. `check_invitation_file` reads the file (core.csvfiles: UTF-8 with or without byte
order mark, Windows-1252, `;` or `,`) and stores a preview batch with every data row checked;
a row with a problem is kept with its reason and never sent. `confirm_invitation_batch`
("Einladungen versenden") turns the preview into a queued batch once, under the company lock,
within the company's hourly limit, and enqueues the job in the same transaction (the task
queue is the outbox). `send_invitations` (the job) sends the good rows one by one through
`invite_member`, so every invitee gets the same mail and the same two steps as after
"Benutzer hinzufügen" (manual ch. 4): each row's invitation, its audit event, its mail and the
row's new state commit together, so a second run of the job sends no row twice.
"""

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from meinekammer.applications.models import AppRole
from meinekammer.audit.events import emit
from meinekammer.audit.models import AuditAction, AuditEvent
from meinekammer.core.actor import Actor, Interface
from meinekammer.core.csvfiles import NotText, decode_upload, is_formula, split_header
from meinekammer.core.errors import Conflict, Invalid, NotFound, Refused, Throttled

from ..models import (
    BatchRowState,
    Company,
    CompanyState,
    Invitation,
    InvitationBatch,
    InvitationBatchRow,
    InvitationBatchState,
    InvitationState,
    Membership,
    RowProblem,
)
from ..rules import lock_company
from .invitations import invite_member
from .members import NotAccepting, require_admin

EMAIL, FIRST_NAME, LAST_NAME, ROLES = "email", "first_name", "last_name", "roles"
# The header names understood, compared without case, blanks, hyphens and underscores.
HEADER_NAMES = {
    EMAIL: {"emailadresse", "email", "emailaddress", "mail", "mailadresse"},
    FIRST_NAME: {"vorname", "firstname", "givenname"},
    LAST_NAME: {"nachname", "lastname", "familyname", "familienname", "surname"},
    ROLES: {"rollen", "rolle", "roles", "role"},
}
EXAMPLE_HEADER = ("E-Mail-Adresse", "Vorname", "Nachname", "Rollen")
MAX_LENGTHS = {EMAIL: 254, FIRST_NAME: 100, LAST_NAME: 100, ROLES: 500}
ROLE_SEPARATORS = re.compile(r"[,;|\n]")
RUNNING_STATES = (InvitationBatchState.QUEUED, InvitationBatchState.RUNNING)


def _header_key(name: str) -> str:
    return re.sub(r"[\s_\-*]+", "", name.lower())


def _column_of(name: str) -> str | None:
    key = _header_key(name)
    return next((column for column, names in HEADER_NAMES.items() if key in names), None)


def _column_labels() -> dict[str, str]:
    return {
        EMAIL: _("e-mail address"),
        FIRST_NAME: _("first name"),
        LAST_NAME: _("last name"),
        ROLES: _("roles"),
    }


# --- Reading and checking the file ---------------------------------------------------------------


def _role_key(text: str) -> str:
    return re.sub(r"\s*:\s*", ":", " ".join(text.lower().split()))


def _role_lookup() -> dict[str, set[int]]:
    """Every way a role may be named in the file: its key, its German or English name, each
    also as "Anwendung: Rolle"; a name that several roles share is ambiguous."""
    lookup: dict[str, set[int]] = {}
    for role in AppRole.objects.assignable().select_related("application"):
        application = role.application.name
        for name in (role.key, role.name_de, role.name_en):
            for spelling in (name, f"{application}: {name}"):
                lookup.setdefault(_role_key(spelling), set()).add(role.pk)
    return lookup


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    problem: str = ""
    detail: str = ""
    role_ids: tuple[int, ...] = ()


def _cut(value: str, column: str) -> str:
    limit = MAX_LENGTHS[column]
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _read_rows(data: bytes) -> list[_Row]:
    """The file's data rows with their raw values; Invalid when the file as a whole is not
    usable (nothing is stored then)."""
    if not data.strip():
        raise Invalid(_("The file is empty. Line 1 must name the columns."))
    try:
        text = decode_upload(data)
    except NotText as error:
        raise Invalid(
            _(
                "The file is not a CSV text file. Please save it from your spreadsheet as "
                '"CSV UTF-8" and upload it again.'
            )
        ) from error
    lines = io.StringIO(text, newline="")
    header_line = lines.readline()
    header = split_header(header_line, lambda names: any(_column_of(n) == EMAIL for n in names))
    if header is None:
        raise Invalid(
            _("Line 1 must name the columns, separated by semicolons: %(columns)s.")
            % {"columns": ";".join(EXAMPLE_HEADER)}
        )
    delimiter, names = header
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        column = _column_of(name)
        if column is not None and column not in positions:
            positions[column] = index
    labels = _column_labels()
    missing = [labels[c] for c in (FIRST_NAME, LAST_NAME) if c not in positions]
    if missing:
        raise Invalid(
            _("Line 1 lacks the column(s): %(columns)s.") % {"columns": ", ".join(missing)}
        )
    reader = csv.reader(lines, delimiter=delimiter)
    rows: list[_Row] = []
    while True:
        # The header was line 1; a record may span lines when a quoted field holds a newline.
        line = reader.line_num + 2
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error:
            rows.append(_Row(line, {}, RowProblem.UNREADABLE))
            continue
        if not any(value.strip() for value in raw):
            continue  # blank lines and the ";;;" rows spreadsheets leave at the end
        # A no-break space (spreadsheets like them) is a space.
        values = {
            column: (raw[index] if index < len(raw) else "").replace("\xa0", " ")
            for column, index in positions.items()
        }
        rows.append(_Row(line, values))
    if not rows:
        raise Invalid(_("The file has no rows below the header."))
    limit = settings.BULK_INVITATION_MAX_ROWS
    if len(rows) > limit:
        raise Invalid(
            ngettext(
                "The file has %(count)s rows; at most %(limit)s person can be invited from one "
                "file. Please split it into several files. Nothing was stored.",
                "The file has %(count)s rows; at most %(limit)s people can be invited from one "
                "file. Please split it into several files. Nothing was stored.",
                limit,
            )
            % {"count": len(rows), "limit": limit}
        )
    return rows


def _check_row(row: _Row, lookup: dict[str, set[int]]) -> None:
    """The first problem of the row by itself (the file and the company are checked after)."""
    labels = _column_labels()
    raw = row.values
    for column, value in raw.items():
        if is_formula(value):
            row.problem, row.detail = RowProblem.FORMULA, labels[column]
            return
        if any(not ch.isprintable() for ch in value.strip()):
            row.problem, row.detail = RowProblem.CONTROL, labels[column]
            return
    for column, value in raw.items():
        if len(value.strip()) > MAX_LENGTHS[column]:
            row.problem = RowProblem.TOO_LONG
            row.detail = _("%(column)s, more than %(limit)s characters") % {
                "column": labels[column],
                "limit": MAX_LENGTHS[column],
            }
            return
    email = raw[EMAIL].strip()
    if not email:
        row.problem = RowProblem.EMAIL_MISSING
        return
    try:
        validate_email(email)
    except ValidationError:
        row.problem = RowProblem.EMAIL_INVALID
        return
    if not raw[FIRST_NAME].strip():
        row.problem = RowProblem.FIRST_NAME_MISSING
        return
    if not raw[LAST_NAME].strip():
        row.problem = RowProblem.LAST_NAME_MISSING
        return
    role_ids: list[int] = []
    for token in ROLE_SEPARATORS.split(raw.get(ROLES, "")):
        if not token.strip():
            continue
        found = lookup.get(_role_key(token), set())
        if len(found) != 1:
            row.problem = RowProblem.ROLE_UNKNOWN if not found else RowProblem.ROLE_AMBIGUOUS
            row.detail = token.strip()[:100]
            return
        if (pk := next(iter(found))) not in role_ids:
            role_ids.append(pk)
    row.role_ids = tuple(role_ids)


def _check_against_company(rows: list[_Row], company: Company) -> None:
    """Duplicates in the file, addresses already members or with a pending invitation."""
    good = [row for row in rows if not row.problem]
    addresses = {row.values[EMAIL].strip().lower() for row in good}
    members = set(
        Membership.objects.filter(company=company, user__is_active=True)
        .annotate(address=Lower("user__email"))
        .filter(address__in=addresses)
        .values_list("address", flat=True)
    )
    invited = set(
        Invitation.objects.filter(
            company=company,
            state=InvitationState.PENDING,
            expires_at__gt=timezone.now(),
            email_normalized__in=addresses,
        ).values_list("email_normalized", flat=True)
    )
    first_line: dict[str, int] = {}
    for row in good:
        address = row.values[EMAIL].strip().lower()
        if address in first_line:
            row.problem = RowProblem.DUPLICATE
            row.detail = _("also on line %(line)s") % {"line": first_line[address]}
            continue
        first_line[address] = row.line
        if address in members:
            row.problem = RowProblem.MEMBER
        elif address in invited:
            row.problem = RowProblem.INVITED


def _stored(row: _Row, batch: InvitationBatch) -> InvitationBatchRow:
    values = {column: row.values.get(column, "").strip() for column in MAX_LENGTHS}
    return InvitationBatchRow(
        batch=batch,
        line=row.line,
        email=_cut(values[EMAIL], EMAIL),
        first_name=_cut(values[FIRST_NAME], FIRST_NAME),
        last_name=_cut(values[LAST_NAME], LAST_NAME),
        roles_text=_cut(values[ROLES], ROLES),
        role_ids=list(row.role_ids),
        state=BatchRowState.REFUSED if row.problem else BatchRowState.READY,
        problem=row.problem,
        detail=row.detail,
    )


def check_invitation_file(
    actor: Actor, *, company_id: int, file_name: str, data: bytes
) -> InvitationBatch:
    """The upload: a preview batch with every row checked; Invalid if the file is unusable.

    The admin's earlier previews for this company are replaced by this one.
    """
    if len(data) > settings.BULK_INVITATION_MAX_BYTES:
        raise Invalid(
            _("The file is larger than %(size)s KB. Please split it into several files.")
            % {"size": settings.BULK_INVITATION_MAX_BYTES // 1024}
        )
    rows = _read_rows(data)
    lookup = _role_lookup()
    for row in rows:
        if not row.problem:
            _check_row(row, lookup)
    with transaction.atomic():
        company = lock_company(company_id)
        require_admin(actor, company)
        if company.state != CompanyState.ACTIVE:
            raise NotAccepting(company)
        _check_against_company(rows, company)
        InvitationBatch.objects.filter(
            company=company, created_by=actor.user, state=InvitationBatchState.PREVIEW
        ).delete()
        batch = InvitationBatch.objects.create(
            company=company, created_by=actor.user, file_name=file_name.strip()[:200]
        )
        InvitationBatchRow.objects.bulk_create(_stored(row, batch) for row in rows)
        return batch


# --- Reading a batch ------------------------------------------------------------------------------


def get_batch(company: Company, batch_id: int) -> InvitationBatch:
    """A batch of this company (the caller fetched the company through its guard)."""
    batch = InvitationBatch.objects.filter(pk=batch_id, company=company).first()
    if batch is None:
        raise NotFound
    batch.company = company
    return batch


@dataclass(frozen=True)
class Progress:
    total: int  # rows to be sent (checked good)
    done: int  # of them sent or skipped
    sent: int
    skipped: int  # at sending, and refused when checked
    refused: int

    @property
    def finished(self) -> bool:
        return self.done >= self.total


def progress_of(batch: InvitationBatch) -> Progress:
    """The counts of the progress bar, in one query."""
    counts = Counter(
        dict(
            batch.rows.values("state").annotate(n=Count("pk")).order_by().values_list("state", "n")
        )
    )
    sent, skipped = counts[BatchRowState.SENT], counts[BatchRowState.SKIPPED]
    return Progress(
        total=counts[BatchRowState.READY] + sent + skipped,
        done=sent + skipped,
        sent=sent,
        skipped=skipped,
        refused=counts[BatchRowState.REFUSED],
    )


def invitations_left_this_hour(company: Company | int) -> int:
    """What the company may still send in this hour (INVITATIONS_PER_COMPANY_PER_HOUR): the
    invitations of the last hour, single or from a file, and the rows of batches on their way
    count."""
    since = timezone.now() - timedelta(hours=1)
    sent = AuditEvent.objects.filter(
        company=company, action=AuditAction.INVITATION_SENT, occurred_at__gte=since
    ).count()
    reserved = InvitationBatchRow.objects.filter(
        batch__company=company, batch__state__in=RUNNING_STATES, state=BatchRowState.READY
    ).count()
    return max(0, settings.INVITATIONS_PER_COMPANY_PER_HOUR - sent - reserved)


# --- "Einladungen versenden" ------------------------------------------------------------------------


def confirm_invitation_batch(actor: Actor, *, company_id: int, batch_id: int) -> InvitationBatch:
    """Queue the good rows for sending, once: a second confirmation (a double click, a second
    tab) gets the same batch and sends nothing more."""
    from ..tasks import send_invitation_batch

    with transaction.atomic():
        company = lock_company(company_id)
        require_admin(actor, company)
        batch = (
            InvitationBatch.objects.select_for_update().filter(pk=batch_id, company=company).first()
        )
        if batch is None:
            raise NotFound
        if batch.state != InvitationBatchState.PREVIEW:
            return batch
        if company.state != CompanyState.ACTIVE:
            raise NotAccepting(company)
        ready = batch.rows.filter(state=BatchRowState.READY).count()
        if not ready:
            raise Conflict(_("No row of the file can be invited. Nothing was sent."))
        left = invitations_left_this_hour(company)
        if ready > left:
            raise Throttled(
                _(
                    "%(company)s may send %(left)s more invitations in this hour, the file has "
                    "%(count)s. Please try again later or split the file. Nothing was sent."
                )
                % {"company": company.name, "left": left, "count": ready}
            )
        batch.state = InvitationBatchState.QUEUED
        batch.confirmed_at = timezone.now()
        batch.confirmed_by = actor.user
        batch.save(update_fields=["state", "confirmed_at", "confirmed_by"])
        emit(
            AuditAction.BULK_INVITATIONS_CONFIRMED,
            actor=actor,
            company=company,
            batch=batch.pk,
            rows=ready,
        )
        # In the same transaction: with the database task queue the job commits with the batch.
        send_invitation_batch.enqueue(batch.pk)
        return batch


# --- The job ----------------------------------------------------------------------------------------


def _pending_invitation_exists(company: Company, email: str) -> bool:
    return Invitation.objects.filter(
        company=company,
        state=InvitationState.PENDING,
        expires_at__gt=timezone.now(),
        email_normalized=email.strip().lower(),
    ).exists()


def _send_row(actor: Actor, batch: InvitationBatch, row_id: int) -> bool:
    """One row in one transaction; True if its invitation was sent now."""
    with transaction.atomic():
        try:
            company = lock_company(batch.company_id)
        except NotFound:
            company = None
        row = InvitationBatchRow.objects.select_for_update().filter(pk=row_id).first()
        if row is None or row.state != BatchRowState.READY:
            return False  # done by an earlier or a parallel run
        row.done_at = timezone.now()
        try:
            if company is None:
                raise Conflict(_("The company accepts no new members at the moment."))
            # invite_member would renew a pending invitation; a file never does (as checked).
            if _pending_invitation_exists(company, row.email):
                row.state, row.problem = BatchRowState.SKIPPED, RowProblem.INVITED
                row.save(update_fields=["state", "problem", "done_at"])
                return False
            roles = list(AppRole.objects.filter(pk__in=row.role_ids).select_related("application"))
            if len(roles) != len(row.role_ids):
                raise Conflict(_("This role can no longer be assigned."))
            with transaction.atomic():
                row.invitation = invite_member(
                    actor,
                    company_id=company.pk,
                    email=row.email,
                    roles=roles,
                    first_name=row.first_name,
                    last_name=row.last_name,
                )
        except Refused as refusal:
            row.state, row.problem, row.detail = (
                BatchRowState.SKIPPED,
                RowProblem.REFUSED,
                refusal.message[:300],
            )
            row.save(update_fields=["state", "problem", "detail", "done_at"])
            return False
        row.state = BatchRowState.SENT
        row.save(update_fields=["state", "invitation", "done_at"])
        return True


def send_invitations(batch_id: int) -> int:
    """The job: send every row still ready; returns how many were sent by this run.

    Idempotent and safe in parallel: each row is locked and its state checked again, and it
    leaves `ready` in the transaction that sends its invitation.
    """
    batch = InvitationBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.state not in RUNNING_STATES:
        return 0
    InvitationBatch.objects.filter(pk=batch.pk, state=InvitationBatchState.QUEUED).update(
        state=InvitationBatchState.RUNNING
    )
    actor = Actor(user=batch.confirmed_by, via=Interface.JOB)
    sent = 0
    ready: Iterable[int] = list(
        batch.rows.filter(state=BatchRowState.READY).order_by("line").values_list("pk", flat=True)
    )
    for row_id in ready:
        sent += _send_row(actor, batch, row_id)
    with transaction.atomic():
        locked = InvitationBatch.objects.select_for_update().get(pk=batch.pk)
        if (
            locked.state != InvitationBatchState.DONE
            and not locked.rows.filter(state=BatchRowState.READY).exists()
        ):
            locked.state = InvitationBatchState.DONE
            locked.finished_at = timezone.now()
            locked.save(update_fields=["state", "finished_at"])
    return sent


def result_rows(batch: InvitationBatch):
    """The rows of the preview or of the result list, in file order."""
    return batch.rows.order_by("line")


def rows_with_problems(batch: InvitationBatch):
    return batch.rows.filter(Q(state=BatchRowState.REFUSED) | Q(state=BatchRowState.SKIPPED))


def example_rows() -> list[tuple[str, str, str, str]]:
    """The example file: the columns and three made-up trainees with real role names."""
    role = (
        AppRole.objects.assignable()
        .select_related("application")
        .order_by("application__name", "-position")
        .first()
    )
    roles = f"{role.application.name}: {role.name}" if role is not None else ""
    return [
        EXAMPLE_HEADER,
        ("lena.beispiel@example.com", "Lena", "Beispiel", roles),
        ("jonas.muster@example.com", "Jonas", "Muster", roles),
        ("aylin.probe@example.com", "Aylin", "Probe", ""),
    ]


# --- Looking after batches (the job tidy-invitation-batches) ------------------------------------

STALLED_AFTER = timedelta(minutes=10)
PREVIEW_KEPT = timedelta(days=1)


def tidy_invitation_batches() -> dict[str, int]:
    """Scheduled: a batch whose job went missing (a worker killed, a message the queue lost) is
    sent on, which sends no row twice; previews nobody confirmed within a day and finished
    batches older than BULK_INVITATION_KEEP_DAYS (their rows name people) are deleted."""
    now = timezone.now()
    resumed = 0
    stalled = InvitationBatch.objects.filter(
        state__in=RUNNING_STATES, confirmed_at__lt=now - STALLED_AFTER
    ).exclude(rows__done_at__gte=now - STALLED_AFTER)
    for batch_id in stalled.values_list("pk", flat=True).distinct():
        send_invitations(batch_id)
        resumed += 1
    old = Q(state=InvitationBatchState.PREVIEW, created_at__lt=now - PREVIEW_KEPT) | Q(
        state=InvitationBatchState.DONE,
        finished_at__lt=now - timedelta(days=settings.BULK_INVITATION_KEEP_DAYS),
    )
    _total, per_model = InvitationBatch.objects.filter(old).delete()
    return {"resumed": resumed, "deleted": per_model.get(InvitationBatch._meta.label, 0)}
