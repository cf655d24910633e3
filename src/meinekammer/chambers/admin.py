from django.contrib import admin

from .models import Chamber, ChamberStaff, DirectoryEntry


class ChamberStaffInline(admin.TabularInline):
    model = ChamberStaff
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Chamber)
class ChamberAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "city", "is_active")
    search_fields = ("number", "name", "city")
    inlines = [ChamberStaffInline]


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
