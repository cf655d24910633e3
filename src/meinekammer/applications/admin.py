from django.contrib import admin
from django.db import models

from .models import Application, AppRole


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
