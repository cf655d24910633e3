from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from meinekammer.core.actor import Actor, Interface

from .models import ServiceAccount
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
