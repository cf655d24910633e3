import secrets
import uuid

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 100


class Salutation(models.TextChoices):
    MS = "ms", _("Ms")
    MR = "mr", _("Mr")
    NONE = "none", _("No salutation")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        email = self.normalize_email(email)
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


def new_security_stamp() -> str:
    return secrets.token_hex(16)


class User(AbstractUser):  # type: ignore[django-manager-missing]
    """A personal account ("Nutzerkonto"). Global: one person, many companies."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    salutation = models.CharField(
        _("salutation"), max_length=8, choices=Salutation.choices, default=Salutation.NONE
    )
    first_name = models.CharField(_("first name"), max_length=NAME_MAX_LENGTH)
    last_name = models.CharField(_("last name"), max_length=NAME_MAX_LENGTH)
    language = models.CharField(_("language"), max_length=8, default="de")
    # Changing the stamp ends every session of the account at once (see get_session_auth_hash).
    security_stamp = models.CharField(max_length=32, default=new_security_stamp, editable=False)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    # The OpenID Connect `sub`: stable and opaque; a new account (even for the same person and
    # address after a deletion) gets a new one.
    subject = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    objects = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def greeting(self) -> str:
        """The opening line of letters and e-mails, in the active language."""
        from django.utils.translation import gettext

        if self.salutation == Salutation.MS and self.last_name:
            return gettext("Dear Ms %(last_name)s,") % {"last_name": self.last_name}
        if self.salutation == Salutation.MR and self.last_name:
            return gettext("Dear Mr %(last_name)s,") % {"last_name": self.last_name}
        if self.first_name or self.last_name:
            return gettext("Hello %(name)s,") % {"name": self.get_full_name()}
        return gettext("Hello,")

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def get_session_auth_hash(self) -> str:
        # Django ends a session whose stored hash no longer matches. Mixing the stamp into the
        # password-based hash lets locking and deletion end all sessions without a password change.
        return salted_hmac(
            "meinekammer.accounts.User.session",
            f"{self.password}:{self.security_stamp}",
            algorithm="sha256",
        ).hexdigest()

    def rotate_security_stamp(self) -> None:
        self.security_stamp = new_security_stamp()


class PrivacyNoticeQuerySet(models.QuerySet["PrivacyNotice"]):
    def published(self) -> "PrivacyNoticeQuerySet":
        """The versions in force or superseded, the current one first."""
        return self.filter(published_at__lte=timezone.now()).order_by("-published_at")

    def current(self) -> "PrivacyNotice | None":
        return self.published().first()


class PrivacyNotice(models.Model):
    """A version of the privacy information ("Informationspflichten") users accept."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    text_de = models.TextField(_("text (German)"))
    text_en = models.TextField(_("text (English)"))

    objects = PrivacyNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.version

    def text_for(self, language: str) -> str:
        return self.text_en if language.startswith("en") else self.text_de


class PrivacyConsent(models.Model):
    """Which version of the privacy notice a user accepted, and when."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="privacy_consents")
    notice = models.ForeignKey(PrivacyNotice, on_delete=models.PROTECT, related_name="consents")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("privacy consent")
        verbose_name_plural = _("privacy consents")
        constraints = [
            models.UniqueConstraint(fields=["user", "notice"], name="unique_consent_per_notice")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} / {self.notice}"
