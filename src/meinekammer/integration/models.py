"""Who calls the REST API: service accounts of a chamber or of a company.

A service account is a system, not a person: a chamber's registry feeding its company
directory and reading its review queue, or a company's HR system reading its members. It
authenticates with the OAuth 2.0 client-credentials grant (`integration.credentials`) and sees
the data of exactly one chamber or one company (its *data scope*), within the *scopes* it was
given (`companies:read`, `members:write`, ...).
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiScope(models.TextChoices):
    COMPANIES_READ = "companies:read", _("Read companies")
    MEMBERS_READ = "members:read", _("Read members and their roles")
    MEMBERS_WRITE = "members:write", _("Grant and take away roles")
    REGISTRATIONS_READ = "registrations:read", _("Read the registration queue")
    REGISTRATIONS_WRITE = "registrations:write", _("Decide registrations")
    DIRECTORY_READ = "directory:read", _("Read the company directory")
    DIRECTORY_WRITE = "directory:write", _("Upload the company directory")
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
