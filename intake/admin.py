"""The admin of programs, calls and proposals, and of who holds which role for which program."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from accounts.admin import ReadOnlyAdmin, UserAdmin
from accounts.models import User
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
    ProgramRole,
    Proposal,
    ProposalVersion,
)
from intake.services.program_roles import program_role_grant, program_role_revoke


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name_en", "slug"]
    search_fields = ["name_en", "name_fr", "slug"]


@admin.register(ProgramRole)
class ProgramRoleAdmin(admin.ModelAdmin):
    """Grant and revoke program roles, a funder's too (no program: every program); superusers only.

    A grant is added or deleted, never changed: adding and deleting go through the service, which
    also puts the user in (or takes them out of) the role's group.
    """

    list_display = ["user", "role", "program", "granted_by", "granted_at"]
    list_filter = ["role", "program"]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user", "program", "granted_by"]
    autocomplete_fields = ["user"]
    fields = ["user", "program", "role"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def save_model(self, request: HttpRequest, obj: ProgramRole, form: ModelForm, change: bool) -> None:
        granted = program_role_grant(by=_user(request), user=obj.user, program=obj.program, role=obj.role)
        obj.pk, obj.granted_by, obj.granted_at = granted.pk, granted.granted_by, granted.granted_at

    def delete_model(self, request: HttpRequest, obj: ProgramRole) -> None:
        program_role_revoke(by=_user(request), grant=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ProgramRole]) -> None:
        for grant in queryset.select_related("user", "program"):
            program_role_revoke(by=_user(request), grant=grant)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class _GrantFormSet(BaseInlineFormSet):
    """Add and delete a user's grants through the service (the groups follow); existing ones never change."""

    granted_by: User

    def save_new(self, form: ModelForm, commit: bool = True) -> ProgramRole:
        data = form.cleaned_data
        return program_role_grant(by=self.granted_by, user=self.instance, program=data["program"], role=data["role"])

    def delete_existing(self, obj: ProgramRole, commit: bool = True) -> None:
        if commit:
            program_role_revoke(by=self.granted_by, grant=obj)


class ProgramRoleInline(admin.TabularInline):
    """The user's program roles on their admin page; a grant is added or deleted, never changed."""

    model = ProgramRole
    fk_name = "user"
    formset = _GrantFormSet
    extra = 0
    fields = ["program", "role", "granted_by", "granted_at"]
    readonly_fields = ["granted_by", "granted_at"]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"granted_by": _user(request)})

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


# The accounts app is below intake and cannot name this model: intake adds its inline to the user's page.
UserAdmin.inlines = [*UserAdmin.inlines, ProgramRoleInline]


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
    list_display = ["check_code", "stage", "figure", "limit", "proposal", "by", "at", "lapsed_at", "revoked_at"]
    list_select_related = ["proposal", "by"]
