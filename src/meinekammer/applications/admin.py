"""The operator's catalogue in the Django admin. Deactivating an application or a role goes
through the catalogue's use cases (services/catalogue.py): its assignments and tokens end."""

from django.contrib import admin
from django.db import models

from meinekammer.core.actor import Actor, Interface

from .models import Application, AppRole
from .services.catalogue import deactivate_application, deactivate_role


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
