from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from meinekammer.core.actor import Actor, Interface

from .delivery import send_again
from .models import EventDelivery, EventEndpoint, ServiceAccount, new_event_secret
from .services import deactivate_service_account


@admin.register(ServiceAccount)
class ServiceAccountAdmin(admin.ModelAdmin):
    """The operator's list of service accounts. New accounts and secrets come from the command
    `meinekammer create-service-account` (it prints the secret once); here they are seen and
    deactivated."""

    list_display = ("name", "client_id", "chamber", "company", "scopes", "is_active", "created_at")
    list_filter = ("is_active", "chamber")
    search_fields = ("name", "client_id")
    readonly_fields = (
        "name",
        "client_id",
        "chamber",
        "company",
        "scopes",
        "is_active",
        "created_at",
        "created_by",
        "secret_changed_at",
    )
    actions = ["deactivate"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivated, never deleted: the audit log names them

    @admin.action(description=_("Deactivate the selected service accounts"))
    def deactivate(self, request, queryset) -> None:
        actor = Actor(
            user=request.user,
            via=Interface.ADMIN,
            ip=request.META.get("REMOTE_ADDR"),
            user_agent=request.headers.get("User-Agent", ""),
        )
        count = 0
        for account in queryset.filter(is_active=True):
            deactivate_service_account(actor, account_id=account.pk)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d service account deactivated.",
                "%(count)d service accounts deactivated.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(EventEndpoint)
class EventEndpointAdmin(admin.ModelAdmin):
    """Where connected applications receive change events. The signing secret is shown once,
    when it is made (on creation and with "Neues Geheimnis")."""

    list_display = ("application", "url", "is_active", "secret_changed_at")
    list_filter = ("is_active",)
    readonly_fields = ("created_at", "secret_changed_at")
    fields = ("application", "url", "is_active", "created_at", "secret_changed_at")
    actions = ["new_secret"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            self._show_secret(request, obj)

    def _show_secret(self, request, endpoint: EventEndpoint) -> None:
        self.message_user(
            request,
            _("Signing secret for %(application)s (shown only now): %(secret)s")
            % {"application": endpoint.application, "secret": endpoint.secret},
            messages.WARNING,
        )

    @admin.action(description=_("New signing secret"))
    def new_secret(self, request, queryset) -> None:
        for endpoint in queryset:
            endpoint.secret = new_event_secret()
            endpoint.secret_changed_at = timezone.now()
            endpoint.save(update_fields=["secret", "secret_changed_at"])
            self._show_secret(request, endpoint)


@admin.register(EventDelivery)
class EventDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: every change event, its answer and attempts; "Erneut senden" for
    failed ones."""

    list_display = (
        "created_at",
        "event_type",
        "endpoint",
        "state",
        "attempts",
        "last_status",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("state", "event_type", "endpoint")
    search_fields = ("event_id", "subject")
    readonly_fields = [f.name for f in EventDelivery._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Send again"), permissions=["view"])
    def send_again(self, request, queryset) -> None:
        count = send_again(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%(count)d failed event will be sent again.",
                "%(count)d failed events will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
