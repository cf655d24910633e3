"""What the API's resources look like (the OpenAPI document is generated from these)."""

from datetime import date, datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field

# The largest id a row can have (PostgreSQL's bigint): a larger one names nothing and is
# refused as invalid input before any query.
MAX_ID = 2**63 - 1


class CompanyOut(Schema):
    id: int
    name: str
    chamber_number: str
    member_number: str
    state: str
    street: str
    postal_code: str
    city: str
    register_court: str
    register_number: str
    email: str
    phone: str

    @staticmethod
    def of(company) -> "CompanyOut":
        return CompanyOut(
            id=company.pk,
            name=company.name,
            chamber_number=company.chamber.number,
            member_number=company.member_number,
            state=company.state,
            street=company.street,
            postal_code=company.postal_code,
            city=company.city,
            register_court=company.register_court,
            register_number=company.register_number,
            email=company.email,
            phone=company.phone,
        )


class CompanyPage(Schema):
    items: list[CompanyOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: last.")


class RoleOut(Schema):
    id: int
    application: str
    key: str
    name: str


class PersonOut(Schema):
    sub: UUID = Field(description="The account's OpenID Connect subject.")
    email: str
    first_name: str
    last_name: str

    @staticmethod
    def of(user) -> "PersonOut":
        return PersonOut(
            sub=user.subject, email=user.email, first_name=user.first_name, last_name=user.last_name
        )


class MemberOut(Schema):
    id: int
    person: PersonOut
    is_admin: bool
    roles: list[RoleOut]


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None


class RoleChangeOut(Schema):
    member: MemberOut
    changed: bool


class RegistrationOut(Schema):
    id: int
    state: str
    submitted_at: datetime
    decided_at: datetime | None
    company: CompanyOut
    applicant: PersonOut
    assignee: str | None = Field(description="The clerk holding the request, if any.")
    rejection_reason: str


class RegistrationPage(Schema):
    items: list[RegistrationOut]
    next_cursor: str | None


class LetterAddressIn(Schema):
    name: str = Field(max_length=300)
    street: str = Field(max_length=200)
    postal_code: str = Field(max_length=5)
    city: str = Field(max_length=100)


class ApproveIn(Schema):
    directory_entry_id: int = Field(ge=1, le=MAX_ID)
    letter_address: LetterAddressIn | None = Field(
        default=None, description="Where the letter goes, if not to the directory's address."
    )


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class DeletionOut(Schema):
    id: int
    state: str = Field(description="requested, scheduled, refused, revoked or executed")
    company: CompanyOut
    reason: str
    requested_at: datetime
    delete_on: date = Field(description="The day the company is deleted once approved.")
    decided_at: datetime | None
    refusal_reason: str


class DeletionPage(Schema):
    items: list[DeletionOut]
    next_cursor: str | None


class DirectoryEntryOut(Schema):
    id: int
    member_number: str
    name: str
    legal_form: str
    street: str
    postal_code: str
    city: str
    register_court: str
    register_number: str
    status: str
    updated_at: datetime


class DirectoryPage(Schema):
    items: list[DirectoryEntryOut]
    next_cursor: str | None


class AuditEventOut(Schema):
    id: int
    occurred_at: datetime
    action: str
    who: str
    what: str
    whom: str
    company_id: int | None
    details: str


class AuditEventPage(Schema):
    items: list[AuditEventOut]
    next_cursor: str | None


class RejectionOut(Schema):
    line: int
    reason: str


class DirectoryImportOut(Schema):
    id: int
    state: str = Field(description="queued, running, done or failed")
    file_name: str
    size: int
    rows_expected: int
    rows_read: int = Field(description="Progress: rows read so far.")
    created: int
    updated: int
    unchanged: int
    rejected: int
    error: str | None = Field(description="Why the whole file could not be imported.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class DirectoryImportReport(DirectoryImportOut):
    rejections: list[RejectionOut] = Field(description="The first 1,000 rejected lines.")


class DirectoryImportPage(Schema):
    items: list[DirectoryImportOut]
    next_cursor: str | None
