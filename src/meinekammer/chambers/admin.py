from django.contrib import admin

from .factors import apply_admins_factor_setting
from .models import Chamber, ChamberStaff, DirectoryEntry, DirectoryImport


class ChamberStaffInline(admin.TabularInline):
    model = ChamberStaff
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Chamber)
class ChamberAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "city", "is_active", "admins_factor_required")
    search_fields = ("number", "name", "city")
    readonly_fields = ("admins_factor_required_from",)
    inlines = [ChamberStaffInline]

    def save_model(self, request, obj, form, change) -> None:
        # Switching the second factor for company admins on starts a notice period.
        apply_admins_factor_setting(obj, required=obj.admins_factor_required)
        super().save_model(request, obj, form, change)


@admin.register(ChamberStaff)
class ChamberStaffAdmin(admin.ModelAdmin):
    list_display = ("user", "chamber", "created_at")
    list_filter = ("chamber",)
    autocomplete_fields = ["user"]
    search_fields = ("user__email", "user__last_name")


@admin.register(DirectoryEntry)
class DirectoryEntryAdmin(admin.ModelAdmin):
    list_display = ("member_number", "name", "postal_code", "city", "status", "chamber")
    list_filter = ("chamber", "status")
    search_fields = ("member_number", "name", "register_number")
    show_full_result_count = False


@admin.register(DirectoryImport)
class DirectoryImportAdmin(admin.ModelAdmin):
    """Read-only: imports are started by the chamber's staff and changed only by their job."""

    list_display = ("created_at", "chamber", "file_name", "state", "rows_read", "rejected")
    list_filter = ("state", "chamber")
    exclude = ("rejections",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
