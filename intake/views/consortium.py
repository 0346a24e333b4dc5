"""The full application's consortium (partners, contributions, co-applicants) and budget pages.

The pages are the lead applicant's and the co-applicants' (other applicants get a 404);
every save is one service call, and a refused one re-renders the page with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.form_handling import Submission, form_submit
from intake.choices import CostCategory
from intake.eligibility import ZERO
from intake.forms.consortium import (
    BudgetForm,
    CoApplicantInviteForm,
    ContributionsForm,
    PartnerAddForm,
    PartnerCreateForm,
)
from intake.models import Proposal
from intake.services import consortium as services
from intake.views.application import application_nav
from workflow import access


class _LoadedAtForm(forms.Form):
    """The ``loaded_at`` a remove button posts, for the optimistic-concurrency check."""

    loaded_at = forms.DateTimeField(required=False)


def _run(
    request: AuthenticatedRequest, form: forms.BaseForm, proposal: Proposal, save: Callable[[], Any]
) -> Submission:
    """Run ``save`` for a valid ``form``; on a refusal put the reason on the form, ready for a knowing retry."""
    return form_submit(request, form, save, current=lambda: Proposal.objects.get(pk=proposal.pk).updated_at)


def _context(request: AuthenticatedRequest, proposal: Proposal, section: str) -> dict[str, Any]:
    editable = services.application_section_editable(proposal)
    return {
        "proposal": proposal,
        "call": proposal.call,
        "can_edit": editable,
        "is_lead_applicant": request.user.pk == proposal.lead_applicant_id,
        **application_nav(proposal, section),
    }


def _consortium_page(
    request: AuthenticatedRequest,
    proposal: Proposal,
    *,
    status: int = 200,
    contributions_form: ContributionsForm | None = None,
    add_form: PartnerAddForm | None = None,
    create_form: PartnerCreateForm | None = None,
    invite_form: CoApplicantInviteForm | None = None,
    refusal: str = "",
) -> HttpResponse:
    members = services.consortium_members(proposal=proposal)
    if contributions_form is None:
        contributions_form = ContributionsForm(
            proposal=proposal, members=members, roles=services.consortium_roles_of(proposal=proposal)
        )
    if add_form is None:
        add_form = PartnerAddForm(proposal=proposal, organizations=services.organizations_to_add(proposal=proposal))
    context = {
        **_context(request, proposal, "consortium"),
        "members": members,
        "contributions_form": contributions_form,
        "add_form": add_form,
        "create_form": create_form or PartnerCreateForm(proposal=proposal),
        "invite_form": invite_form or CoApplicantInviteForm(proposal=proposal),
        "coapplicants": services.coapplicants_of(proposal=proposal),
        "refusal": refusal,
    }
    return render(request, "intake/application/consortium.html", context, status=status)


def _saved(request: AuthenticatedRequest, text: str, url_name: str, pk: int) -> HttpResponse:
    messages.success(request, text)
    return redirect(url_name, pk=pk)


@role_required(Role.APPLICANT)
def application_consortium(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show the consortium; a POST saves the members' contributions."""
    proposal = access.proposal_for_user(user=request.user, pk=pk)
    if request.method != "POST":
        return _consortium_page(request, proposal)
    form = ContributionsForm(
        request.POST,
        proposal=proposal,
        members=services.consortium_members(proposal=proposal),
        roles=services.consortium_roles_of(proposal=proposal),
    )
    done = _run(
        request,
        form,
        proposal,
        lambda: services.contributions_save(
            proposal=proposal,
            by=request.user,
            expected_updated_at=form.cleaned_data["loaded_at"],
            contributions=form.contributions(),
            roles=form.member_roles(),
        ),
    )
    if done.saved:
        saved = _("The contributions and roles are saved.") if form.roles else _("The contributions are saved.")
        return _saved(request, saved, "intake:application_consortium", pk)
    form.described()
    return _consortium_page(request, proposal, status=done.status, contributions_form=form)


@role_required(Role.APPLICANT)
@require_POST
def member_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Add an existing organization to the consortium."""
    proposal = access.proposal_for_user(user=request.user, pk=pk)
    form = PartnerAddForm(
        request.POST, proposal=proposal, organizations=services.organizations_to_add(proposal=proposal)
    )
    done = _run(
        request,
        form,
        proposal,
        lambda: services.member_add(
            proposal=proposal,
            by=request.user,
            organization=form.cleaned_data["organization"],
            expected_updated_at=form.cleaned_data["loaded_at"],
        ),
    )
    if done.saved:
        return _saved(request, _("The partner is added."), "intake:application_consortium", pk)
    return _consortium_page(request, proposal, status=done.status, add_form=form)


@role_required(Role.APPLICANT)
@require_POST
def member_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Create a partner organization that does not exist yet and add it to the consortium."""
    proposal = access.proposal_for_user(user=request.user, pk=pk)
    form = PartnerCreateForm(request.POST, proposal=proposal)
    done = _run(
        request,
        form,
        proposal,
        lambda: services.member_add_new_organization(
            proposal=proposal,
            by=request.user,
            expected_updated_at=form.cleaned_data["loaded_at"],
            legal_name=form.cleaned_data["legal_name"],
            kind=form.cleaned_data["kind"],
            employee_count=form.cleaned_data["employee_count"],
            country=str(form.cleaned_data["country"]),
            province=form.cleaned_data["province"],
        ),
    )
    if done.saved:
        return _saved(
            request, _("The organization is created and added as a partner."), "intake:application_consortium", pk
        )
    return _consortium_page(request, proposal, status=done.status, create_form=form)


@role_required(Role.APPLICANT)
@require_POST
def member_remove(request: AuthenticatedRequest, pk: int, member_pk: int) -> HttpResponse:
    """Remove a partner (not the lead) from the consortium."""
    proposal = access.proposal_for_user(user=request.user, pk=pk)
    form = _LoadedAtForm(request.POST)
    done = _run(
        request,
        form,
        proposal,
        lambda: services.member_remove(
            proposal=proposal,
            by=request.user,
            member_id=member_pk,
            expected_updated_at=form.cleaned_data["loaded_at"],
        ),
    )
    if done.saved:
        return _saved(request, _("The partner is removed."), "intake:application_consortium", pk)
    return _consortium_page(
        request, proposal, status=done.status, refusal=" ".join(str(error) for error in form.non_field_errors())
    )


@role_required(Role.APPLICANT)
@require_POST
def coapplicant_invite(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Let an applicant of a consortium organization edit the proposal (the lead applicant only)."""
    proposal = access.proposal_for_user(user=request.user, pk=pk)
    form = CoApplicantInviteForm(request.POST, proposal=proposal)
    done = _run(
        request,
        form,
        proposal,
        lambda: services.coapplicant_invite(
            proposal=proposal,
            by=request.user,
            email=form.cleaned_data["email"],
            expected_updated_at=form.cleaned_data["loaded_at"],
        ),
    )
    if done.saved:
        return _saved(request, _("The co-applicant can now edit this proposal."), "intake:application_consortium", pk)
    return _consortium_page(request, proposal, status=done.status, invite_form=form)


@role_required(Role.APPLICANT)
@require_POST
def coapplicant_remove(request: AuthenticatedRequest, pk: int, coapplicant_pk: int) -> HttpResponse:
    """Take back a co-applicant's right to edit the proposal (the lead applicant only)."""
    proposal = access.proposal_for_user(user=request.user, pk=pk)
    form = _LoadedAtForm(request.POST)
    done = _run(
        request,
        form,
        proposal,
        lambda: services.coapplicant_remove(
            proposal=proposal,
            by=request.user,
            coapplicant_id=coapplicant_pk,
            expected_updated_at=form.cleaned_data["loaded_at"],
        ),
    )
    if done.saved:
        return _saved(request, _("The co-applicant is removed."), "intake:application_consortium", pk)
    return _consortium_page(
        request, proposal, status=done.status, refusal=" ".join(str(error) for error in form.non_field_errors())
    )


@role_required(Role.APPLICANT)
def application_budget(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show the budget grid with its computed figures; a POST saves the grid in one transaction."""
    proposal = access.proposal_for_user(user=request.user, pk=pk)
    budget = services.proposal_budget(proposal=proposal)
    members = [row.member for row in budget.rows]
    status = 200
    if request.method == "POST":
        form = BudgetForm(request.POST, proposal=proposal, members=members)
        done = _run(
            request,
            form,
            proposal,
            lambda: services.budget_save(
                proposal=proposal,
                by=request.user,
                expected_updated_at=form.cleaned_data["loaded_at"],
                costs=form.costs(),
                funding=form.funding(),
            ),
        )
        if done.saved:
            return _saved(request, _("The budget is saved."), "intake:application_budget", pk)
        status = done.status
        form.described()
    else:
        form = BudgetForm(proposal=proposal, members=members)
    context = {
        **_context(request, proposal, "budget"),
        "form": form,
        "budget": budget,
        "categories": CostCategory.choices,
        "grid": [
            (
                member,
                [
                    (field, row.costs.get(category, ZERO))
                    for field, category in zip(fields, CostCategory.values, strict=True)
                ],
                funding,
                row,
            )
            for (member, fields, funding), row in zip(form.rows(), budget.rows, strict=True)
        ],
        "category_totals": [budget.category_totals[value] for value in CostCategory.values],
    }
    return render(request, "intake/application/budget.html", context, status=status)
