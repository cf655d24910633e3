from django.contrib import admin

from .models import ActivationLetter, Company, CompanyRegistration, Membership, NewPasswordRequest


class MembershipInline(admin.TabularInline):
    model = Membership
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "member_number", "chamber", "state", "created_at")
    list_filter = ("state", "chamber")
    search_fields = ("name", "member_number", "city")
    readonly_fields = ("state", "created_at", "activated_at")
    inlines = [MembershipInline]


@admin.register(CompanyRegistration)
class CompanyRegistrationAdmin(admin.ModelAdmin):
    list_display = ("company", "applicant", "state", "submitted_at", "decided_by")
    list_filter = ("state",)
    readonly_fields = [f.name for f in CompanyRegistration._meta.fields]


@admin.register(ActivationLetter)
class ActivationLetterAdmin(admin.ModelAdmin):
    list_display = (
        "company",
        "reason",
        "state",
        "created_at",
        "printed_at",
        "sent_at",
        "expires_at",
    )
    list_filter = ("state", "reason")
    readonly_fields = [f.name for f in ActivationLetter._meta.fields]


@admin.register(NewPasswordRequest)
class NewPasswordRequestAdmin(admin.ModelAdmin):
    list_display = ("company", "requested_by", "state", "requested_at")
    list_filter = ("state",)
    readonly_fields = [f.name for f in NewPasswordRequest._meta.fields]
