from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin import ReadOnlyAdmin
from intake.models import (
    Attachment,
    BudgetLine,
    Call,
    CoApplicant,
    ConsortiumMember,
    EligibilityOverride,
    ForegroundIP,
    Milestone,
    Program,
    Proposal,
    ProposalVersion,
)


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


@admin.register(ProposalVersion)
class ProposalVersionAdmin(ReadOnlyAdmin):
    """A submitted version is immutable (see ADR 0009): no add, change or delete, not even for superusers."""

    list_display = ["proposal", "number", "kind", "submitted_by", "submitted_at"]
    list_filter = ["kind"]
    search_fields = ["proposal__title"]
    list_select_related = ["proposal", "submitted_by"]
    actions = None


@admin.register(ConsortiumMember)
class ConsortiumMemberAdmin(ReadOnlyAdmin):
    list_display = ["organization", "proposal", "is_lead", "cash_contribution", "in_kind_contribution"]
    list_select_related = ["organization", "proposal"]
    search_fields = ["organization__legal_name", "proposal__title"]


@admin.register(BudgetLine)
class BudgetLineAdmin(ReadOnlyAdmin):
    list_display = ["member", "category", "amount"]
    list_select_related = ["member__organization"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ["title", "proposal", "month"]
    list_select_related = ["proposal"]


@admin.register(ForegroundIP)
class ForegroundIPAdmin(ReadOnlyAdmin):
    list_display = ["kind", "proposal", "owner"]
    list_select_related = ["proposal", "owner__organization"]


@admin.register(CoApplicant)
class CoApplicantAdmin(ReadOnlyAdmin):
    list_display = ["user", "proposal", "invited_by", "created_at"]
    list_select_related = ["user", "proposal", "invited_by"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """The file itself is served only through the permission-checked download view."""

    list_display = ["original_name", "kind", "proposal", "size", "uploaded_at", "removed_at"]
    list_select_related = ["proposal"]
    exclude = ["file"]


@admin.register(EligibilityOverride)
class EligibilityOverrideAdmin(ReadOnlyAdmin):
    list_display = ["check_code", "proposal", "by", "at"]
    list_select_related = ["proposal", "by"]
