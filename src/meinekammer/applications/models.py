"""Connected applications ("Fachanwendungen"), their role catalogue and who holds which role."""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication

role_key_validator = RegexValidator(
    r"^[a-z][a-z0-9_-]{0,63}$",
    _("Lower-case letters, digits, hyphen and underscore; starting with a letter."),
)


class ApplicationQuerySet(models.QuerySet["Application"]):
    def active(self) -> "ApplicationQuerySet":
        return self.filter(is_active=True)


class Application(models.Model):  # type: ignore[django-manager-missing]
    """A connected application; the operator keeps its data and role catalogue."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("address (URL)"), blank=True)
    logo = models.ImageField(
        _("logo"),
        upload_to="application-logos/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "webp"])],
        help_text=_("PNG, JPEG or WebP, shown at 48 × 48 pixels."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    requires_role = models.BooleanField(
        _("requires a role"),
        default=True,
        help_text=_("Users without a role of this application cannot use it."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("connected application")
        verbose_name_plural = _("connected applications")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        if self.pk:  # its clients carry it in the token endpoints' cache
            _forget_clients(self.clients.values_list("client_id", flat=True))


def assignable_filter(prefix: str = "") -> models.Q:
    """Roles that may be given, and that count: active roles of active applications (DESIGN.md).

    The one definition; `prefix` names the role from a related model, e.g.
    `RoleAssignment.objects.filter(assignable_filter("role__"))`.
    """
    return models.Q(**{f"{prefix}is_active": True, f"{prefix}application__is_active": True})


class AppRoleQuerySet(models.QuerySet["AppRole"]):
    def assignable(self) -> "AppRoleQuerySet":
        """Roles that may be given: active roles of active applications (DESIGN.md)."""
        return self.filter(assignable_filter())


class AppRole(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="roles")
    key = models.CharField(
        _("key"),
        max_length=64,
        validators=[role_key_validator],
        help_text=_("Sent to the application in the companies claim, e.g. ausbilder."),
    )
    name_de = models.CharField(_("name (German)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = AppRoleQuerySet.as_manager()

    class Meta:
        ordering = ["application__name", "position", "name_de"]
        verbose_name = _("application role")
        verbose_name_plural = _("application roles")
        constraints = [
            models.UniqueConstraint(fields=["application", "key"], name="one_role_key_per_app")
        ]

    def __str__(self) -> str:
        return f"{self.application.name}: {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "de").startswith("en") else self.name_de

    @property
    def is_assignable(self) -> bool:
        """The row-level twin of `AppRole.objects.assignable()` (DESIGN.md)."""
        return self.is_active and self.application.is_active


class RoleAssignment(models.Model):
    """A member holds a role of an application in one company."""

    membership = models.ForeignKey(
        "companies.Membership", on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.ForeignKey(AppRole, on_delete=models.CASCADE, related_name="assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["membership", "role"], name="one_assignment_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.membership} – {self.role}"


class OAuthClient(AbstractApplication):
    """A connected application's OpenID Connect client (django-oauth-toolkit's application).

    Redirect and post-logout URIs match exactly, character by character (RFC 9700 section 2.1,
    OpenID Connect Core 3.1.2.1): no loopback port exemption, no trailing-slash leniency.
    """

    connected_application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="clients",
        verbose_name=_("connected application"),
    )
    first_party = models.BooleanField(
        _("first party"),
        default=False,
        help_text=_(
            "Run by the operator or the chambers: no consent page. Third-party applications "
            "show the user which data they receive."
        ),
    )
    # ID tokens are signed with the installation's RSA key only, and the discovery document says
    # so (web/sso/views.py, ConnectDiscoveryInfoView); DOT's field also offers HS256 (the client
    # secret as the key) and no signing at all.
    algorithm = models.CharField(
        _("algorithm"),
        max_length=5,
        choices=[(AbstractApplication.RS256_ALGORITHM, _("RSA with SHA-2 256"))],
        default=AbstractApplication.RS256_ALGORITHM,
    )
    is_resource_server = models.BooleanField(
        _("resource server"),
        default=False,
        help_text=_(
            "May look up (introspect) the access tokens of every client of its connected "
            "application. Confidential clients only."
        ),
    )
    backchannel_logout_uri = models.URLField(
        _("back-channel logout URI"),
        max_length=500,
        blank=True,
        help_text=_(
            "OpenID Connect Back-Channel Logout 1.0: where the application is told that a "
            "user's session there ends (logout, lock, deletion, last role lost). Empty: never."
        ),
    )
    access_token_seconds = models.PositiveIntegerField(
        _("access token lifetime (seconds)"),
        null=True,
        blank=True,
        help_text=_("Empty: the installation's default (ACCESS_TOKEN_SECONDS, 5 minutes)."),
    )
    refresh_token_seconds = models.PositiveIntegerField(
        _("refresh token lifetime (seconds)"),
        null=True,
        blank=True,
        help_text=_("Empty: the installation's default (REFRESH_TOKEN_SECONDS, 30 days)."),
    )

    class Meta(AbstractApplication.Meta):
        verbose_name = _("OpenID Connect client")
        verbose_name_plural = _("OpenID Connect clients")

    def save(self, *args, **kwargs) -> None:
        self.skip_authorization = self.first_party
        super().save(*args, **kwargs)
        _forget_clients([self.client_id])

    def delete(self, *args, **kwargs):
        client_id = self.client_id
        result = super().delete(*args, **kwargs)
        _forget_clients([client_id])
        return result

    def clean(self) -> None:
        super().clean()
        # django-oauth-toolkit refuses every refresh token older than the installation's
        # lifetime, so a client's own can only be shorter; a longer one would silently not hold.
        longest = settings.REFRESH_TOKEN_SECONDS
        if self.refresh_token_seconds and self.refresh_token_seconds > longest:
            raise ValidationError(
                {
                    "refresh_token_seconds": _(
                        "At most the installation's refresh token lifetime "
                        "(REFRESH_TOKEN_SECONDS, %(seconds)d seconds)."
                    )
                    % {"seconds": longest}
                }
            )

    def may_introspect(self, token_client: "OAuthClient | None") -> bool:
        """Whether this client may learn what a token of `token_client` says (RFC 7662): the
        token's own client, and a resource server of the same connected application. Both only
        as confidential clients (a public client authenticates with nothing).

        The one home of the rule; the introspection endpoint answers `{"active": false}` to
        everyone else, as for an unknown token.
        """
        if token_client is None or self.client_type != self.CLIENT_CONFIDENTIAL:
            return False
        if self.pk == token_client.pk:
            return True
        return (
            self.is_resource_server
            and self.connected_application_id == token_client.connected_application_id
        )

    def redirect_uri_allowed(self, uri: str) -> bool:
        return uri in self.redirect_uris.split()

    def post_logout_redirect_uri_allowed(self, uri: str) -> bool:
        return uri in self.post_logout_redirect_uris.split()


class Consent(models.Model):
    """A user's consent for a third-party application to receive the listed data."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="consents")
    scopes = models.CharField(max_length=200)
    granted_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(fields=["user", "client"], name="one_consent_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.client}"

    def covers(self, scopes) -> bool:
        return set(scopes) <= set(self.scopes.split())


class UsedCode(models.Model):
    """An authorization code already exchanged: using it again revokes what it produced
    (RFC 6749 section 4.1.2). Only a digest of the code is kept."""

    code_digest = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="+")
    token_family = models.UUIDField(null=True)
    used_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code_digest[:12]


class GrantAuthentication(models.Model):
    """How the user logged in for an authorization code (`amr`, `acr`, `auth_time` of its ID
    tokens), kept from the authorization step, where the browser's session tells it, to the code
    exchange, which copies it into the token family it starts (sso/authentication.py).
    Refreshed ID tokens keep the original login's values."""

    code_digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    amr = models.JSONField(default=list)
    acr = models.CharField(max_length=64)
    auth_time = models.DateTimeField(null=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.acr} {self.code_digest[:12]}"


class TokenFamily(models.Model):
    """What one code exchange gave a client: its refresh-token chain and the access tokens
    minted from it (sso/tokens.py; docs/decisions/0006-lean-token-store.md).

    One row per grant, not per token: the current refresh token's SHA-256, its generation and
    whether the family was revoked. Rotation is a compare-and-set on the digest, so a refresh
    token used twice (a replay, or the same token sent twice at once) finds the digest moved on
    and ends the family (RFC 9700). Access tokens are signed JWTs that name the family (`fam`);
    userinfo and introspection answer only while it is live. `claims` holds the claims computed
    for the family (userinfo), cleared whenever something about the user changes."""

    id = models.UUIDField(primary_key=True)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The user's `sub`, kept so that access tokens are minted without reading the account.
    subject = models.CharField(max_length=64)
    scope = models.TextField()
    refresh_digest = models.CharField(max_length=64)
    generation = models.PositiveIntegerField(default=1)
    created = models.DateTimeField()
    refreshed = models.DateTimeField()
    # The current refresh token is refused from this moment (the client's lifetime, else the
    # installation's, counted from its issue).
    expires = models.DateTimeField()
    revoked = models.DateTimeField(null=True, blank=True)
    # How the user logged in for the code that started the family (sso/authentication.py).
    amr = models.JSONField(default=list)
    acr = models.CharField(max_length=64, blank=True)
    auth_time = models.DateTimeField(null=True, blank=True)
    # The ID token of the code exchange, for RP-initiated logout with id_token_hint.
    id_token_jti = models.UUIDField(null=True, blank=True)
    claims = models.JSONField(null=True, blank=True)
    claims_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("token family")
        verbose_name_plural = _("token families")
        indexes = [
            models.Index(fields=["user", "client"], name="tokenfamily_user_client"),
            models.Index(fields=["expires"], name="tokenfamily_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}/{self.user_id} #{self.generation}"


def client_cache_key(client_id: str) -> str:
    """Where client_cache.py keeps a client; here, so that saving one forgets it."""
    return f"mk:oauth-client:{client_id}"


def _forget_clients(client_ids) -> None:
    """The token endpoints' cached copies (client_cache.py) of changed clients."""
    keys = [client_cache_key(client_id) for client_id in client_ids if client_id]
    if keys:
        cache.delete_many(keys)


class BackchannelLogout(models.Model):
    """A logout token to send to a client (the outbox of back-channel logout, written in the
    transaction that ends the user's session there; sent by applications.backchannel)."""

    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=64)
    jti = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    reason = models.CharField(max_length=40)
    sent = models.BooleanField(default=False)
    failed = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["sent", "failed", "next_attempt_at"], name="logout_due_idx")
        ]

    def __str__(self) -> str:
        return f"{self.client} – {self.subject}"
