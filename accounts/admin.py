from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import FormerMembership, Membership, Organization, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: these rows change only through the application's use cases."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]


class FormerMembershipInline(admin.TabularInline):
    """Ended memberships, read only: they decide conflicts of interest for three years."""

    model = FormerMembership
    extra = 0
    can_delete = False
    fields = readonly_fields = ("organization", "title", "joined_at", "left_at")

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "preferred_language", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups", "preferred_language"]
    search_fields = ["email", "display_name"]
    inlines = [MembershipInline, FormerMembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal information"), {"fields": ("display_name", "preferred_language")}),
        (_("Roles and permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")}),)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "kind", "employee_count", "country", "province"]
    list_filter = ["kind", "country"]
    search_fields = ["legal_name"]
