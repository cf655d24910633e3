from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # Account events; the ones in SECURITY_EVENTS are shown to the account's owner.
    ACCOUNT_REGISTERED = "account.registered", _("Account registered")
    EMAIL_CONFIRMED = "account.email_confirmed", _("E-mail address confirmed")
    LOGIN = "account.login", _("Login")
    LOGIN_FAILED = "account.login_failed", _("Failed login")
    LOGOUT = "account.logout", _("Logout")
    PROFILE_CHANGED = "account.profile_changed", _("Personal data changed")
    PASSWORD_CHANGED = "account.password_changed", _("Password changed")
    PASSWORD_RESET = "account.password_reset", _("Password reset")
    EMAIL_CHANGED = "account.email_changed", _("E-mail address changed")
    LANGUAGE_CHANGED = "account.language_changed", _("Language changed")
    LOCKED = "account.locked", _("Account locked")
    UNLOCK_REQUESTED = "account.unlock_requested", _("Unlock link requested")
    UNLOCKED = "account.unlocked", _("Account unlocked")
    DELETED = "account.deleted", _("Account deleted")
    DELETION_REFUSED = "account.deletion_refused", _("Account deletion refused")
    PRIVACY_ACCEPTED = "account.privacy_accepted", _("Privacy information accepted")
    APP_ACCESS_REVOKED = "account.app_access_revoked", _("Access of an application revoked")
    SESSION_ENDED = "account.session_ended", _("Device logged out")
    DATA_EXPORTED = "account.data_exported", _("Personal data downloaded")
    # Second factors (allauth.mfa).
    TOTP_ACTIVATED = "mfa.totp_activated", _("Authenticator app set up")
    WEBAUTHN_ADDED = "mfa.webauthn_added", _("Security key added")
    AUTHENTICATOR_REMOVED = "mfa.authenticator_removed", _("Second factor removed")
    RECOVERY_CODES_GENERATED = "mfa.recovery_codes_generated", _("Recovery codes generated")
    # Companies and their chamber (manual ch. 3, ch. 9 item 5).
    COMPANY_REGISTERED = "company.registered", _("Company registration submitted")
    REGISTRATION_APPROVED = "company.registration_approved", _("Registration approved")
    REGISTRATION_REJECTED = "company.registration_rejected", _("Registration rejected")
    REGISTRATION_ASSIGNED = "company.registration_assigned", _("Registration request assigned")
    REGISTRATION_TAKEN_OVER = (
        "company.registration_taken_over",
        _("Registration request taken over from a colleague"),
    )
    REGISTRATION_RELEASED = "company.registration_released", _("Registration request released")
    LETTER_QUEUED = "company.letter_queued", _("Activation letter queued")
    LETTER_PRINTED = "company.letter_printed", _("Activation letter printed")
    LETTER_SENT = "company.letter_sent", _("Activation letter sent")
    LETTER_VOIDED = "company.letter_voided", _("Activation password void")
    ACTIVATION_REMINDER_SENT = (
        "company.activation_reminder_sent",
        _("Reminder of the activation letter sent"),
    )
    COMPANY_ACTIVATED = "company.activated", _("Company activated")
    ACTIVATION_FAILED = "company.activation_failed", _("Failed activation")
    ACTIVATION_THROTTLED = "company.activation_throttled", _("Activation attempts throttled")
    ACTIVATION_BLOCK_LIFTED = "company.activation_block_lifted", _("Activation block lifted")
    ADMIN_APPOINTED = "company.admin_appointed", _("Company admin appointed")
    PASSWORD_REQUESTED = "company.password_requested", _("New company password requested")
    PASSWORD_REQUEST_APPROVED = (
        "company.password_request_approved",
        _("New company password approved"),
    )
    PASSWORD_REQUEST_REJECTED = (
        "company.password_request_rejected",
        _("New company password refused"),
    )
    # Members, invitations, join and role requests (manual ch. 4-6).
    INVITATION_SENT = "member.invitation_sent", _("Invitation sent")
    INVITATION_REVOKED = "member.invitation_revoked", _("Invitation revoked")
    INVITATION_ACCEPTED = "member.invitation_accepted", _("Invitation followed")
    BULK_INVITATIONS_CONFIRMED = (
        "member.bulk_invitations_confirmed",
        _("Invitations from a file confirmed"),
    )
    JOIN_REQUESTED = "member.join_requested", _("Join request sent")
    ROLE_REQUESTED = "member.role_requested", _("Role request sent")
    REQUEST_ASSIGNED = "member.request_assigned", _("Request assigned")
    REQUEST_RELEASED = "member.request_released", _("Request released")
    REQUEST_APPROVED = "member.request_approved", _("Request approved")
    REQUEST_REJECTED = "member.request_rejected", _("Request rejected")
    REQUEST_WITHDRAWN = "member.request_withdrawn", _("Request withdrawn")
    REQUEST_CANCELLED = "member.request_cancelled", _("Request cancelled")
    MEMBER_ADDED = "member.added", _("Member added")
    MEMBER_REMOVED = "member.removed", _("Member removed")
    MEMBER_LEFT = "member.left", _("Member left the company")
    ROLE_ASSIGNED = "member.role_assigned", _("Role assigned")
    ROLE_REMOVED = "member.role_removed", _("Role removed")
    ADMIN_REVOKED = "company.admin_revoked", _("Company admin rights removed")
    COMPANY_DATA_CHANGED = "company.data_changed", _("Company data changed")
    # Company deletion (manual ch. 7, 8).
    DELETION_REQUESTED = "company.deletion_requested", _("Company deletion requested")
    DELETION_APPROVED = "company.deletion_approved", _("Company deletion approved by the chamber")
    DELETION_REFUSED_BY_CHAMBER = (
        "company.deletion_refused",
        _("Company deletion refused by the chamber"),
    )
    DELETION_REVOKED = "company.deletion_revoked", _("Company deletion revoked")
    COMPANY_DELETED = "company.deleted", _("Company deleted")
    # Service accounts of the REST API (integration).
    SERVICE_ACCOUNT_CREATED = "integration.service_account_created", _("Service account created")
    SERVICE_ACCOUNT_SECRET_CHANGED = (
        "integration.service_account_secret_changed",
        _("Secret of a service account changed"),
    )
    SERVICE_ACCOUNT_DEACTIVATED = (
        "integration.service_account_deactivated",
        _("Service account deactivated"),
    )
    # The chamber's company directory ("Verzeichnis hochladen").
    DIRECTORY_IMPORT_STARTED = "chamber.directory_import_started", _("Directory upload started")
    DIRECTORY_IMPORTED = "chamber.directory_imported", _("Directory imported")
    DIRECTORY_IMPORT_FAILED = "chamber.directory_import_failed", _("Directory import failed")


SECURITY_EVENTS = (
    AuditAction.LOGIN,
    AuditAction.LOGIN_FAILED,
    AuditAction.PASSWORD_CHANGED,
    AuditAction.PASSWORD_RESET,
    AuditAction.EMAIL_CHANGED,
    AuditAction.LOCKED,
    AuditAction.UNLOCKED,
    AuditAction.APP_ACCESS_REVOKED,
    AuditAction.DATA_EXPORTED,
    AuditAction.TOTP_ACTIVATED,
    AuditAction.WEBAUTHN_ADDED,
    AuditAction.AUTHENTICATOR_REMOVED,
    AuditAction.RECOVERY_CODES_GENERATED,
)


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def security_events_for(self, user) -> "AuditEventQuerySet":
        return self.filter(subject_user=user, action__in=SECURITY_EVENTS).order_by("-occurred_at")


class AuditEvent(models.Model):
    """One thing that happened, written in the same transaction as the change itself.

    Events point at accounts by foreign key; when an account is deleted its personal data is
    erased from the account row, so the events that remain are pseudonymous.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=64, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    company = models.ForeignKey(
        "companies.Company",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    # The service account that acted through the REST API (then `actor` is empty).
    service_account = models.ForeignKey(
        "integration.ServiceAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # The interface the change came through (meinekammer.core.actor.Interface).
    via = models.CharField(max_length=8, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["subject_user", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action}"
