"""Who calls the REST API: service accounts of a chamber or of a company.

A service account is a system, not a person: a chamber's registry feeding its company
directory and reading its review queue, or a company's HR system reading its members. It
authenticates with the OAuth 2.0 client-credentials grant (`integration.credentials`) and sees
the data of exactly one chamber or one company (its *data scope*), within the *scopes* it was
given (`companies:read`, `members:write`, ...).
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ApiScope(models.TextChoices):
    COMPANIES_READ = "companies:read", _("Read companies")
    MEMBERS_READ = "members:read", _("Read members and their roles")
    MEMBERS_WRITE = "members:write", _("Grant and take away roles")
    REGISTRATIONS_READ = "registrations:read", _("Read the registration queue")
    REGISTRATIONS_WRITE = "registrations:write", _("Decide registrations")
    DIRECTORY_READ = "directory:read", _("Read the company directory")
    DIRECTORY_WRITE = "directory:write", _("Upload the company directory")
    DELETIONS_READ = "deletions:read", _("Read the company deletion requests")
    DELETIONS_WRITE = "deletions:write", _("Decide company deletion requests")
    AUDIT_READ = "audit:read", _("Read the audit log")


# What a service account of a company may be given: a company has no queue and no directory.
COMPANY_SCOPES = frozenset(
    {
        ApiScope.COMPANIES_READ,
        ApiScope.MEMBERS_READ,
        ApiScope.MEMBERS_WRITE,
        ApiScope.AUDIT_READ,
    }
)
CHAMBER_SCOPES = frozenset(ApiScope.values) - {ApiScope.MEMBERS_WRITE}

CLIENT_ID_PREFIX = "svc-"


def new_client_id() -> str:
    return CLIENT_ID_PREFIX + secrets.token_hex(12)


class ServiceAccount(models.Model):
    name = models.CharField(_("name"), max_length=100)
    client_id = models.CharField(
        _("client ID"), max_length=40, unique=True, default=new_client_id, editable=False
    )
    # The secret's hash (accounts.hashers.ClientSecretHasher); the secret is shown once.
    secret_hash = models.CharField(max_length=200, editable=False)
    chamber = models.ForeignKey(
        "chambers.Chamber",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_accounts",
        verbose_name=_("chamber"),
    )
    company = models.ForeignKey(
        "companies.Company",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_accounts",
        verbose_name=_("company"),
    )
    scopes = models.CharField(_("scopes"), max_length=300)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    secret_changed_at = models.DateTimeField(_("secret changed"), default=timezone.now)

    class Meta:
        verbose_name = _("service account")
        verbose_name_plural = _("service accounts")
        constraints = [
            # Exactly one data scope: one chamber or one company.
            models.CheckConstraint(
                condition=(
                    models.Q(chamber__isnull=False, company__isnull=True)
                    | models.Q(chamber__isnull=True, company__isnull=False)
                ),
                name="service_account_one_data_scope",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    @property
    def is_authenticated(self) -> bool:  # what ninja's and Django's code ask of a caller
        return True


# --- Change events to connected applications (Standard Webhooks) ------------------------------


def new_event_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64."""
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class EventEndpoint(models.Model):
    """Where a connected application receives its change events."""

    application = models.OneToOneField(
        "applications.Application",
        on_delete=models.CASCADE,
        related_name="event_endpoint",
        verbose_name=_("connected application"),
    )
    url = models.URLField(_("address (URL)"), max_length=500)
    # Signing needs the secret itself (HMAC); the application verifies with the same one.
    secret = models.CharField(max_length=100, default=new_event_secret, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    secret_changed_at = models.DateTimeField(_("secret changed"), default=timezone.now)

    class Meta:
        verbose_name = _("event endpoint")
        verbose_name_plural = _("event endpoints")

    def __str__(self) -> str:
        return f"{self.application} → {self.url}"

    def clean(self) -> None:
        super().clean()
        scheme = self.url.split(":", 1)[0].lower() if self.url else ""
        allowed = getattr(settings, "EVENT_ENDPOINT_SCHEMES", ["https"])
        if self.url and scheme not in allowed:
            raise ValidationError({"url": _("Events are sent to https addresses only.")})


class DeliveryState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("event delivery", "waiting")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class EventDelivery(models.Model):
    """One change event for one endpoint: the outbox row, written in the transaction of the
    change, and its delivery log. `event_id` is the idempotency key (`webhook-id`): a retry
    sends the same one."""

    endpoint = models.ForeignKey(EventEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(_("event ID"), unique=True, editable=False)
    event_type = models.CharField(_("event"), max_length=60)
    # Events about one account (or one company) are delivered in order: this names it.
    subject = models.CharField(max_length=80)
    payload = models.JSONField()
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_status = models.PositiveSmallIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        indexes = [
            models.Index(fields=["endpoint", "subject", "state"], name="delivery_queue_idx"),
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
