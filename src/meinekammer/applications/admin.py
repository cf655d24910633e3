"""The operator's catalogue in the Django admin. Deactivating an application or a role goes
through the catalogue's use cases (services/catalogue.py): its assignments and tokens end."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from meinekammer.core.actor import Actor, Interface

from .models import Application, AppRole, TokenFamily
from .services.catalogue import deactivate_application, deactivate_role
from .services.consents import end_token_families


def admin_actor(request) -> Actor:
    """The operator acting in the admin (REMOTE_ADDR as set by the WSGI server)."""
    return Actor(
        user=request.user,
        via=Interface.ADMIN,
        ip=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


class AppRoleInline(admin.TabularInline):
    model = AppRole
    fields = ("key", "name_de", "name_en", "description", "position", "is_active")
    extra = 1


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "is_active", "requires_role")
    list_filter = ("is_active", "requires_role")
    search_fields = ("name",)
    inlines = [AppRoleInline]
    # A URL typed without a scheme is https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and not obj.is_active:
            deactivate_application(admin_actor(request), application_id=obj.pk)

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is not AppRole:
            return
        # A new role has no assignments yet; an application saved inactive ended all of its own
        # in save_model.
        for role, _fields in formset.changed_objects:
            if not role.is_active:
                deactivate_role(admin_actor(request), role_id=role.pk)


@admin.register(TokenFamily)
class TokenFamilyAdmin(admin.ModelAdmin):
    """Who is logged in to which application (one row per login at an application, with its
    refreshes); read only, with "Beenden" to end selected ones. Never a token."""

    list_display = ("user", "client", "created", "refreshed", "generation", "expires", "revoked")
    list_filter = (("revoked", admin.EmptyFieldListFilter), "client")
    search_fields = ("user__email", "client__name", "client__client_id")
    list_select_related = ("user", "client")
    ordering = ("-refreshed",)
    exclude = ("refresh_digest", "claims")
    actions = ["end_families"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("End the selected logins at applications"))
    def end_families(self, request, queryset) -> None:
        ended = end_token_families(
            admin_actor(request), family_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d login at an application ended.",
                "%(count)d logins at applications ended.",
                ended,
            )
            % {"count": ended},
        )


# django-oauth-toolkit's access and refresh token tables are no longer written (the lean token
# path, docs/decisions/0006-lean-token-store.md); their pages would only show old rows.
for _model in (get_access_token_model(), get_refresh_token_model()):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
