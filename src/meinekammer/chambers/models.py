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
