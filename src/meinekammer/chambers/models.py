from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .normalize import normalize_name, normalize_register_number

chamber_number_validator = RegexValidator(
    r"^\d{3}$", _("The chamber number has exactly three digits.")
)
postal_code_validator = RegexValidator(r"^\d{5}$", _("A German postal code has five digits."))


class Chamber(models.Model):
    """An IHK, HWK or similar body with its three-digit chamber number ("Kammernummer")."""

    number = models.CharField(
        _("chamber number"), max_length=3, unique=True, validators=[chamber_number_validator]
    )
    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(
        _("postal code"), max_length=5, validators=[postal_code_validator]
    )
    city = models.CharField(_("city"), max_length=100)
    phone = models.CharField(_("telephone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    # Letters: who signs them.
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    signatory_title = models.CharField(_("signatory's title"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Second factor for the company admins of this chamber (accounts.factors): required from
    # `admins_factor_required_from` on (set when switched on: a notice period ahead), and for
    # each admin from the end of their own notice period (Membership.admin_factor_from).
    admins_factor_required = models.BooleanField(
        _("second factor required for company administrators"),
        default=True,
        help_text=_(
            "Company administrators of this chamber must log in with a second factor after a "
            "notice period announced by e-mail."
        ),
    )
    admins_factor_required_from = models.DateTimeField(
        _("second factor required for company administrators from"),
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        verbose_name = _("chamber")
        verbose_name_plural = _("chambers")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    @property
    def sender_line(self) -> str:
        """The one-line return address above the window of a DIN 5008 letter."""
        return f"{self.name} · {self.street} · {self.postal_code} {self.city}"


class ChamberStaff(models.Model):
    """A user who works for one chamber ("IHK-Mitarbeiter") and sees only its work."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chamber_staff"
    )
    chamber = models.ForeignKey(Chamber, on_delete=models.CASCADE, related_name="staff")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chamber staff member")
        verbose_name_plural = _("chamber staff")

    def __str__(self) -> str:
        return f"{self.user} – {self.chamber}"


class DirectoryStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    INACTIVE = "inactive", _("inactive")


class DirectoryEntry(models.Model):
    """A company in the chamber's own company directory ("Unternehmensverzeichnis der IHK").

    Imported from the chamber's systems (`meinekammer import-directory`); registrations are
    checked against it. The normalized columns serve the matching and are kept by save() and
    by the importer.
    """

    chamber = models.ForeignKey(Chamber, on_delete=models.CASCADE, related_name="directory")
    member_number = models.CharField(_("member number"), max_length=20)
    name = models.CharField(_("name"), max_length=300)
    legal_form = models.CharField(_("legal form"), max_length=100, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    register_court = models.CharField(_("register court"), max_length=100, blank=True)
    register_number = models.CharField(_("register number"), max_length=30, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DirectoryStatus.choices, default=DirectoryStatus.ACTIVE
    )
    name_normalized = models.CharField(max_length=300, editable=False)
    register_court_normalized = models.CharField(max_length=100, editable=False, blank=True)
    register_number_normalized = models.CharField(max_length=30, editable=False, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("directory entry")
        verbose_name_plural = _("directory entries")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["chamber", "member_number"], name="one_directory_entry_per_member_number"
            )
        ]
        indexes = [
            models.Index(
                fields=["chamber", "register_number_normalized", "register_court_normalized"],
                name="directory_register_idx",
            ),
            models.Index(fields=["chamber", "postal_code"], name="directory_postal_code_idx"),
            models.Index(fields=["chamber", "name_normalized"], name="directory_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_number} {self.name}"

    def save(self, *args, **kwargs) -> None:
        self.name_normalized = normalize_name(self.name)
        self.register_court_normalized = normalize_name(self.register_court)
        self.register_number_normalized = normalize_register_number(self.register_number)
        super().save(*args, **kwargs)


class DirectoryImportState(models.TextChoices):
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


ACTIVE_IMPORT_STATES = (DirectoryImportState.QUEUED, DirectoryImportState.RUNNING)

# Why a file as a whole could not be imported, by the code of chambers.directory's
# DirectoryImportError (and chambers.imports' own checks of the bytes).
IMPORT_ERROR_MESSAGES = {
    "empty": _("The file is empty. Line 1 must name the columns."),
    "binary": _(
        'The file is not a CSV text file. Please save the directory as "CSV UTF-8" and '
        "upload it again."
    ),
    "encoding": _(
        'The file is not UTF-8 encoded. Please save it as "CSV UTF-8" and upload it again.'
    ),
    "no_header": _("Line 1 must name the columns, separated by semicolons: %(columns)s."),
    "missing_columns": _("Line 1 lacks the column(s): %(columns)s."),
    "doubled_columns": _("Line 1 names a column twice: %(columns)s."),
    "unreadable": _("The file could not be read."),
}


class DirectoryImport(models.Model):
    """ "Verzeichnis hochladen": one CSV file a chamber's staff uploaded, imported by a job.

    Queued by start_directory_import, run by the job import-directory-upload
    (chambers/imports.py): running, then done with its counts and rejected lines, or failed with
    the reason when the file as a whole was unusable. One import per chamber is queued or
    running at a time (the partial unique constraint). The file itself waits in
    DirectoryImportFile, in the database, so that a worker on any machine can read it.
    """

    chamber = models.ForeignKey(Chamber, on_delete=models.CASCADE, related_name="imports")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The interface it was started through (core.actor.Interface: web, api, cli …).
    via = models.CharField(max_length=10)
    file_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    state = models.CharField(
        _("state"),
        max_length=8,
        choices=DirectoryImportState.choices,
        default=DirectoryImportState.QUEUED,
    )
    # Lines below the header, counted at the upload (a quoted line break makes it more).
    rows_expected = models.PositiveIntegerField(_("rows expected"), default=0)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # [[line, reason], …] of the first REJECTIONS_KEPT rejected rows; `rejected` counts all.
    rejections = models.JSONField(default=list, blank=True)
    # Why the file as a whole could not be imported (state failed): a code of ERROR_MESSAGES
    # and the columns it names; `error_message` says it in the reader's language.
    error_code = models.CharField(max_length=20, blank=True)
    error_columns = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written with every progress step: a running import without one for a while has lost
    # its worker and may be run again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("directory import")
        verbose_name_plural = _("directory imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["chamber"],
                condition=models.Q(state__in=["queued", "running"]),
                name="one_active_directory_import_per_chamber",
            )
        ]

    def __str__(self) -> str:
        return f"{self.chamber.number} {self.file_name} ({self.get_state_display()})"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_IMPORT_STATES

    @property
    def error_message(self) -> str:
        """Why the import failed, in the active language; empty unless it failed."""
        if self.state != DirectoryImportState.FAILED:
            return ""
        message = IMPORT_ERROR_MESSAGES.get(self.error_code, IMPORT_ERROR_MESSAGES["unreadable"])
        return str(message) % {"columns": self.error_columns}


class DirectoryImportFile(models.Model):
    """The uploaded bytes of a DirectoryImport, until its job ends (then deleted)."""

    directory_import = models.OneToOneField(
        DirectoryImport, on_delete=models.CASCADE, primary_key=True, related_name="file"
    )
    content = models.BinaryField()

    def __str__(self) -> str:
        return f"file of directory import {self.directory_import_id}"
