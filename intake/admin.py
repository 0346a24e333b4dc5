from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from intake.models import Call, Program, Proposal


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name_en", "slug"]
    search_fields = ["name_en", "name_fr", "slug"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title_en", "program", "loi_opens_at", "loi_closes_at", "application_closes_at", "funding_envelope"]
    list_filter = ["program"]
    search_fields = ["title_en", "title_fr", "slug"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Read-only: the state changes only through the lifecycle's actions."""

    list_display = ["title", "call", "state", "lead_organization", "lead_applicant", "updated_at"]
    list_filter = ["state", "call__program"]
    search_fields = ["title", "lead_organization__legal_name", "lead_applicant__email"]
    list_select_related = ["call", "lead_organization", "lead_applicant"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
