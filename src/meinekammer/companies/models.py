from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from meinekammer.chambers.models import Chamber, DirectoryEntry, postal_code_validator


class CompanyState(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("in review by the chamber")
    REJECTED = "rejected", _("rejected")
    AWAITING_ACTIVATION = "awaiting_activation", _("awaiting activation")
    ACTIVE = "active", _("active")
    DELETION_REQUESTED = "deletion_requested", _("deletion requested")
    DELETION_SCHEDULED = "deletion_scheduled", _("deletion scheduled")
    DELETED = "deleted", _("deleted")


# States in which a company holds its member number: no second registration may take it.
HOLDS_MEMBER_NUMBER = [
    CompanyState.AWAITING_ACTIVATION,
    CompanyState.ACTIVE,
    CompanyState.DELETION_REQUESTED,
    CompanyState.DELETION_SCHEDULED,
]


class CompanyQuerySet(models.QuerySet["Company"]):
    def active(self) -> "CompanyQuerySet":
        return self.filter(state=CompanyState.ACTIVE)


class Company(models.Model):
    """A company as registered by its people, once per chamber district (DESIGN.md)."""

    chamber = models.ForeignKey(Chamber, on_delete=models.PROTECT, related_name="companies")
    name = models.CharField(_("company name"), max_length=300)
    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(
        _("postal code"), max_length=5, validators=[postal_code_validator]
    )
    city = models.CharField(_("city"), max_length=100)
    member_number = models.CharField(_("member number"), max_length=20, blank=True)
    register_court = models.CharField(_("register court"), max_length=100, blank=True)
    register_number = models.CharField(_("register number"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("telephone"), max_length=50, blank=True)
    state = models.CharField(
        _("state"), max_length=24, choices=CompanyState.choices, default=CompanyState.PENDING_REVIEW
    )
    directory_entry = models.ForeignKey(
        DirectoryEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="companies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    # "Require two-factor authentication for all members": None is off; else the date from
    # which every member must have a second factor (accounts.factors, companies/factors.py).
    members_factor_required_from = models.DateTimeField(
        _("second factor required for all members from"), null=True, blank=True
    )

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["chamber", "member_number"],
                condition=Q(state__in=HOLDS_MEMBER_NUMBER) & ~Q(member_number=""),
                name="one_live_company_per_member_number",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address_lines(self) -> list[str]:
        return [self.street, f"{self.postal_code} {self.city}"]


class Membership(models.Model):
    """A user's belonging to a company; the admin flag makes a company admin."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    is_admin = models.BooleanField(_("company admin"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the membership becomes admin: the end of the admin's notice period, from which
    # a second factor is required if the chamber asks for it (companies/factors.py).
    admin_factor_from = models.DateTimeField(null=True, blank=True, editable=False)
    # The member list's order and search, copied from the account (member_text) so that a
    # page of a company with 10,000 members reads 25 rows, not 10,000 accounts. Kept up to
    # date on save here and by companies/member_text.py when the account changes.
    sort_name = models.CharField(max_length=201, editable=False, default="")
    search_text = models.CharField(max_length=460, editable=False, default="")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="one_membership_per_company")
        ]
        indexes = [models.Index(fields=["company", "sort_name", "id"], name="membership_list_idx")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company}"

    def save(self, *args, **kwargs) -> None:
        self.sort_name, self.search_text = member_text(self.user)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "sort_name", "search_text"}
        super().save(*args, **kwargs)


def member_text(user) -> tuple[str, str]:
    """(sort name, search text) of a member: last name, then first name, as the list sorts;
    names and address casefolded, as the list's search compares (ß finds ss)."""
    return (
        f"{user.last_name}\t{user.first_name}",
        f"{user.first_name} {user.last_name} {user.email}".casefold(),
    )


class RegistrationState(models.TextChoices):
    IN_REVIEW = "in_review", _("in review")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class CompanyRegistration(models.Model):
    """The registration request ("Registrierungsantrag") a user sends to the chamber."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="registration")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="company_registrations"
    )
    state = models.CharField(
        max_length=12, choices=RegistrationState.choices, default=RegistrationState.IN_REVIEW
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(_("reason"), blank=True)
    # "Mir zuweisen" among the chamber's staff: the clerk working on the request; a colleague
    # decides it only after taking it over (services.registration).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("registration request")
        verbose_name_plural = _("registration requests")
        ordering = ["submitted_at"]
        # The chamber queue: the few in review among a chamber's many approved registrations.
        indexes = [models.Index(fields=["state", "submitted_at"], name="registration_state_idx")]

    def __str__(self) -> str:
        return f"{self.company} ({self.get_state_display()})"


class PasswordRequestState(models.TextChoices):
    OPEN = "open", _("open")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class NewPasswordRequest(models.Model):
    """A company admin asks for a new initial company password by post (manual ch. 9, item 5)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="password_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    state = models.CharField(
        max_length=10, choices=PasswordRequestState.choices, default=PasswordRequestState.OPEN
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(_("reason for the refusal"), blank=True)

    class Meta:
        verbose_name = _("request for a new company password")
        verbose_name_plural = _("requests for a new company password")
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["company"], condition=Q(state="open"), name="one_open_password_request"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} ({self.get_state_display()})"


class LetterState(models.TextChoices):
    QUEUED = "queued", _("waiting to be printed")
    PRINTED = "printed", _("printed")
    SENT = "sent", _("sent")
    USED = "used", _("used")
    VOID = "void", _("void")


class LetterReason(models.TextChoices):
    REGISTRATION = "registration", _("registration")
    NEW_PASSWORD = "new_password", _("new company password")


class AddressSource(models.TextChoices):
    """Where a letter's address comes from (issue 16: a letter proves the company only if it
    goes to the address the chamber holds)."""

    DIRECTORY = "directory", _("from the chamber's company directory")
    CORRECTED = "corrected", _("corrected by the chamber")
    COMPANY = "company", _("as the company gave it")


@dataclass(frozen=True)
class LetterAddress:
    """The window address of an activation letter: the company's name and postal address."""

    name: str
    street: str
    postal_code: str
    city: str

    @classmethod
    def of_entry(cls, entry: DirectoryEntry) -> "LetterAddress":
        return cls(entry.name, entry.street, entry.postal_code, entry.city)

    @classmethod
    def of_company(cls, company: "Company") -> "LetterAddress":
        return cls(company.name, company.street, company.postal_code, company.city)

    def cleaned(self) -> "LetterAddress":
        return LetterAddress(*(" ".join(value.split()) for value in self.fields()))

    def fields(self) -> tuple[str, str, str, str]:
        return (self.name, self.street, self.postal_code, self.city)

    @property
    def is_complete(self) -> bool:
        return all(value.strip() for value in self.fields())


class ActivationLetterQuerySet(models.QuerySet["ActivationLetter"]):
    def usable(self) -> "ActivationLetterQuerySet":
        """Letters whose password may still be entered (expiry is checked separately)."""
        return self.filter(state__in=[LetterState.PRINTED, LetterState.SENT])


class ActivationLetter(models.Model):
    """A letter with the activation password ("Registrierungsbrief"), in the print queue of
    the company's chamber. The password exists in clear only in the PDF; the row keeps its
    hash, its expiry and the count of wrong tries."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="letters")
    reason = models.CharField(max_length=14, choices=LetterReason.choices)
    state = models.CharField(max_length=8, choices=LetterState.choices, default=LetterState.QUEUED)
    recipient_name = models.CharField(max_length=300)
    # The address the letter goes to, fixed when it is queued: on approval the directory
    # entry's (or the clerk's correction of it), not what the applicant typed. Letters queued
    # before these fields existed have them empty and go to the company's address.
    address_name = models.CharField(_("company name"), max_length=300, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    address_source = models.CharField(
        _("address"), max_length=9, choices=AddressSource.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    password_hash = models.CharField(max_length=200, blank=True, editable=False)
    password_issued_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    printed_at = models.DateTimeField(null=True, blank=True)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    # "Erinnerung senden": the applicant was reminded of a sent letter not yet used (by the
    # chamber's staff or the job remind-unused-letters); reminders are throttled per company.
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)

    objects = ActivationLetterQuerySet.as_manager()

    class Meta:
        verbose_name = _("activation letter")
        verbose_name_plural = _("activation letters")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.company} ({self.get_state_display()})"

    def set_address(self, address: LetterAddress, source: str) -> None:
        self.address_name, self.street, self.postal_code, self.city = address.fields()
        self.address_source = source

    @property
    def address(self) -> LetterAddress:
        """Where the letter goes: its own address, else (older letters) the company's."""
        if self.address_source:
            return LetterAddress(self.address_name, self.street, self.postal_code, self.city)
        return LetterAddress.of_company(self.company)

    @property
    def source_of_address(self) -> str:
        return self.address_source or AddressSource.COMPANY

    @property
    def address_source_label(self) -> str:
        return str(AddressSource(self.source_of_address).label)


class InvitationState(models.TextChoices):
    PENDING = "pending", _("pending")
    ACCEPTED = "accepted", _("accepted")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")


class Invitation(models.Model):
    """ "Benutzer hinzufügen" (manual ch. 4): a join link mailed to one address.

    The link carries a random token; only its SHA-256 digest is stored. Following the link while
    logged in with the invited address creates a join request that an admin confirms.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    email_normalized = models.CharField(max_length=254, editable=False)
    # The invitee's name as the admin gave it (bulk invitations from a CSV file; optional for
    # a single invitation). Only shown to the company's admins; the account keeps its own.
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    roles = models.ManyToManyField("applications.AppRole", blank=True, related_name="+")
    make_admin = models.BooleanField(_("company admin"), default=False)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    state = models.CharField(
        _("state"), max_length=8, choices=InvitationState.choices, default=InvitationState.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    send_count = models.PositiveSmallIntegerField(default=1)
    expires_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "email_normalized"],
                condition=Q(state="pending"),
                name="one_pending_invitation_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.company}"

    def save(self, *args, **kwargs) -> None:
        self.email_normalized = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class InvitationBatchState(models.TextChoices):
    PREVIEW = "preview", _("checked, not yet sent")
    QUEUED = "queued", _("waiting to be sent")
    RUNNING = "running", _("being sent")
    DONE = "done", _("done")


class InvitationBatch(models.Model):
    """ "Mehrere Personen einladen": one uploaded CSV file, its checked rows and their sending.

    Created as a preview when the file is checked; "Einladungen versenden" makes it queued
    (once, under the company lock) and the job send-invitation-batch sends its good rows one
    by one (companies/services/bulk_invitations.py).
    """

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="invitation_batches"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        _("state"),
        max_length=8,
        choices=InvitationBatchState.choices,
        default=InvitationBatchState.PREVIEW,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitations from a file")
        verbose_name_plural = _("invitations from files")

    def __str__(self) -> str:
        return f"{self.company} {self.file_name} ({self.get_state_display()})"


class BatchRowState(models.TextChoices):
    READY = "ready", _("will be invited")
    REFUSED = "refused", _("skipped")  # a problem found when the file was checked
    SENT = "sent", _("invitation sent")
    SKIPPED = "skipped", _("skipped")  # a problem found when the invitation was to be sent


# What the bulk invitation says about a row it does not invite; `detail` completes it.
class RowProblem(models.TextChoices):
    UNREADABLE = "unreadable", _("the row cannot be read as CSV")
    EMAIL_MISSING = "email_missing", _("the e-mail address is missing")
    EMAIL_INVALID = "email_invalid", _("the e-mail address is not valid")
    FIRST_NAME_MISSING = "first_name_missing", _("the first name is missing")
    LAST_NAME_MISSING = "last_name_missing", _("the last name is missing")
    TOO_LONG = "too_long", _("a value is too long")
    FORMULA = "formula", _("a value starts with =, +, -, @ or a tab (a spreadsheet formula)")
    CONTROL = "control", _("a value contains control characters")
    ROLE_UNKNOWN = "role_unknown", _("unknown role")
    ROLE_AMBIGUOUS = "role_ambiguous", _("ambiguous role")
    DUPLICATE = "duplicate", _("the address appears more than once in the file")
    MEMBER = "member", _("already a member of the company")
    INVITED = "invited", _("already invited, the invitation is pending")
    REFUSED = "refused", _("not sent")


class InvitationBatchRow(models.Model):
    """One data row of the file: what it said (cut to the field sizes), what was found, what
    was done. A row leaves `ready` once, in the transaction that sends its invitation."""

    batch = models.ForeignKey(InvitationBatch, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    email = models.CharField(max_length=254, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    roles_text = models.CharField(max_length=500, blank=True)
    role_ids = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=8, choices=BatchRowState.choices)
    problem = models.CharField(max_length=20, choices=RowProblem.choices, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["line"]
        indexes = [models.Index(fields=["batch", "state"])]
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="one_batch_row_per_line")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line} {self.email}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def problem_text(self) -> str:
        """The reason in words, with its detail (a column, a role, a line, a refusal)."""
        if not self.problem:
            return ""
        if self.problem == RowProblem.REFUSED:
            return self.detail or str(RowProblem.REFUSED.label)
        label = str(RowProblem(self.problem).label)
        return f"{label}: {self.detail}" if self.detail else label


class RequestKind(models.TextChoices):
    JOIN = "join", _("join request")
    ROLE = "role", _("role request")


class RequestState(models.TextChoices):
    OPEN = "open", _("open")
    ASSIGNED = "assigned", _("assigned")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")
    CANCELLED = "cancelled", _("cancelled")


PENDING_REQUEST_STATES = [RequestState.OPEN, RequestState.ASSIGNED]


class MemberRequest(models.Model):
    """A join or role request (manual ch. 5, 6): open → assigned → approved | rejected."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="requests")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_requests"
    )
    kind = models.CharField(_("kind"), max_length=4, choices=RequestKind.choices)
    state = models.CharField(
        _("state"), max_length=9, choices=RequestState.choices, default=RequestState.OPEN
    )
    # Join: the roles the inviting admin chose. Role: the one role asked for (also in `role`,
    # which keeps a second pending request for the same role out at the database level).
    roles = models.ManyToManyField("applications.AppRole", blank=True, related_name="+")
    role = models.ForeignKey(
        "applications.AppRole", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    make_admin = models.BooleanField(_("company admin"), default=False)
    comment = models.TextField(_("comment"), blank=True)
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="join_request"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        indexes = [models.Index(fields=["company", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "requester"],
                condition=Q(kind="join", state__in=["open", "assigned"]),
                name="one_pending_join_request",
            ),
            models.UniqueConstraint(
                fields=["company", "requester", "role"],
                condition=Q(kind="role", state__in=["open", "assigned"]),
                name="one_pending_role_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.requester} → {self.company}"

    @property
    def is_pending(self) -> bool:
        return self.state in PENDING_REQUEST_STATES


class DeletionState(models.TextChoices):
    REQUESTED = "requested", _("requested")
    SCHEDULED = "scheduled", _("approved, scheduled")
    REFUSED = "refused", _("refused by the chamber")
    REVOKED = "revoked", _("revoked")
    EXECUTED = "executed", _("carried out")


class CompanyDeletion(models.Model):
    """ "Unternehmen löschen" (manual ch. 7, 8): requested by an admin, approved by the chamber,
    carried out 30 days after the request unless revoked."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="deletions")
    state = models.CharField(
        _("state"), max_length=9, choices=DeletionState.choices, default=DeletionState.REQUESTED
    )
    reason = models.TextField(_("reason for the deletion"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    delete_on = models.DateField(_("deletion date"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(_("reason for the refusal"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("company deletion")
        verbose_name_plural = _("company deletions")
        constraints = [
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(state__in=["requested", "scheduled"]),
                name="one_pending_deletion_per_company",
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} ({self.get_state_display()})"


class BlockKind(models.TextChoices):
    USER = "user", _("account")
    ADDRESS = "address", _("network address")


class ActivationBlock(models.Model):
    """ "Zu viele Aktivierungsversuche": an account or a network address that tried too many
    different companies in a day may not try again until `until` (services.activation).

    The counting stays in the cache; the block itself is a row, so that the chambers whose
    companies were tried can list it and lift it ("Sperre aufheben"), and a cache flush does
    not end it. One row per account or address, reused for its next block.
    """

    kind = models.CharField(max_length=7, choices=BlockKind.choices)
    # The account's id or the network address: what the next attempt is checked against.
    key = models.CharField(max_length=64)
    # The blocked account, or the one whose attempt blocked the address.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The chambers whose numbers were tried: their staff see and may lift the block.
    chambers = models.ManyToManyField(Chamber, blank=True, related_name="activation_blocks")
    tried = models.JSONField(default=list, blank=True)  # "chamber number/member number"
    started_at = models.DateTimeField()
    until = models.DateTimeField(db_index=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("activation block")
        verbose_name_plural = _("activation blocks")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="one_activation_block_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.user or ''} (until {self.until:%Y-%m-%d %H:%M})"
