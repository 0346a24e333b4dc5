"""Views of the intake app: public calls, the applicant's proposals and dashboard, staff's programs and calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from intake import selectors, services
from intake.choices import CallPhase
from intake.completeness import SECTIONS, missing_by_section
from intake.forms import CallForm, ProgramForm, ProposalForm
from intake.models import Proposal
from intake.services.application import applications_prefetch
from intake.states import NEXT_STEP, ProposalState
from workflow import access, proposal_page


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/home.html", {"open_calls": selectors.calls_open()[:5]})


def calls_open(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "intake/calls_open.html",
        {"open_calls": selectors.calls_open(), "upcoming_calls": selectors.calls_upcoming()},
    )


def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_public(pk=pk)
    user = request.user
    can_start_loi = call.phase() == CallPhase.LOI_OPEN and isinstance(user, User) and user.has_role(Role.APPLICANT)
    return render(request, "intake/call_detail.html", {"call": call, "can_start_loi": can_start_loi})


@role_required(Role.APPLICANT)
def applicant_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """List the applicant's proposals by call, with their state and next deadline, and the open calls."""
    proposals = list(access.proposals_of_applicant(user=request.user))
    # Read for every proposal, not only those in preparation, so the page's queries never vary.
    applications_prefetch(proposals=proposals)
    rows = [
        {
            "proposal": proposal,
            "call": proposal.call,
            "next_step": NEXT_STEP.get(ProposalState(proposal.state), ""),
            "next": next_link(proposal),
            # How many sections of the full application are complete, while it is being prepared.
            "sections_complete": (
                sum(1 for lacking in missing_by_section(proposal).values() if not lacking)
                if proposal.state in APPLICATION_IN_PREPARATION
                else None
            ),
        }
        for proposal in proposals
    ]
    return render(
        request,
        "intake/applicant_dashboard.html",
        {
            "open_calls": selectors.calls_open(),
            "proposals": proposals,
            "rows": rows,
            "section_count": len(SECTIONS),
            "has_membership": request.user.memberships.exists(),
        },
    )


#: The states in which the applicant prepares the full application.
APPLICATION_IN_PREPARATION = (ProposalState.INVITED, ProposalState.CHANGES_REQUESTED)


def next_link(proposal: Proposal) -> tuple[str, str]:
    """Return the label and address of the page where the applicant does the next step on ``proposal``."""
    if proposal.state == ProposalState.DRAFT:
        return _("Complete the letter of intent"), reverse("intake:proposal_update", args=[proposal.pk])
    if proposal.state in APPLICATION_IN_PREPARATION:
        return _("Work on the full application"), reverse("intake:application", args=[proposal.pk])
    return _("See the proposal"), reverse("intake:proposal_detail", args=[proposal.pk])


# --- The applicant's proposals ----------------------------------------------------------------


@role_required(Role.APPLICANT)
def proposal_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Start a letter of intent in the call ``pk`` while its window is open."""
    call = selectors.call_public(pk=pk)
    form = ProposalForm(request.POST or None, user=request.user, call=call)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(
                call=call,
                by=request.user,
                title=form.cleaned_data["title"],
                lead_organization=form.cleaned_data["lead_organization"],
                **form.loi_fields(),
            )
        except ActionForbidden:
            raise
        except ValidationError as error:
            _show_validation_error(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
            status = error.status
        else:
            messages.success(
                request, _("Your letter of intent is started. Complete it and submit it before the deadline.")
            )
            return redirect("intake:proposal_detail", pk=proposal.pk)
    if form.is_bound and form.errors:
        status = max(status, 400)
    return render(
        request,
        "intake/proposal_form.html",
        {"form": form, "call": call, "window_open": call.phase() == CallPhase.LOI_OPEN},
        status=status,
    )


@role_required(Role.APPLICANT)
def proposal_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return proposal_page.applicant_proposal_page(request, access.proposal_for_user(user=request.user, pk=pk))


@role_required(Role.APPLICANT)
def proposal_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Edit the proposal while it is editable; a refused save keeps what was typed."""
    proposal = access.proposal_for_user(user=request.user, pk=pk)
    if request.method != "POST" and not proposal.is_editable:
        messages.info(
            request,
            _("This proposal is “%(state)s” and can no longer be edited.") % {"state": proposal.get_state_display()},
        )
        return redirect("intake:proposal_detail", pk=pk)
    form = ProposalForm(request.POST or None, user=request.user, call=proposal.call, proposal=proposal)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_update(
                proposal=proposal,
                by=request.user,
                title=form.cleaned_data["title"],
                lead_organization=form.cleaned_data["lead_organization"],
                expected_updated_at=form.cleaned_data["loaded_at"],
                **form.loi_fields(),
            )
        except ActionForbidden:
            raise
        except ValidationError as error:
            _show_validation_error(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
            status = error.status
            if isinstance(error, StaleAction):
                # The next save is made knowingly over the other version.
                form.data = data = cast(QueryDict, form.data).copy()
                data["loaded_at"] = Proposal.objects.get(pk=pk).updated_at.isoformat()
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("intake:proposal_detail", pk=pk)
    if form.is_bound and form.errors:
        status = max(status, 400)
    return render(
        request, "intake/proposal_form.html", {"form": form, "call": proposal.call, "proposal": proposal}, status=status
    )


@role_required(Role.STAFF)
def program_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "intake/staff/program_list.html", {"programs": selectors.programs_for_staff()})


def _save_form(request: HttpRequest, form: ProgramForm | CallForm, save: Callable[[dict[str, Any]], Model]) -> Any:
    """Run ``save`` on a valid form; on a refusal keep what was typed and say why beside it."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(form.model_fields())
    except StaleAction as error:
        form.add_error(None, error.message)
        # The next save is made knowingly over the other person's version.
        form.data = data = cast(QueryDict, form.data).copy()
        data["loaded_at"] = type(form.instance).objects.get(pk=form.instance.pk).updated_at.isoformat()
    except ValidationError as error:
        _show_validation_error(form, error)
    return None


@role_required(Role.STAFF)
def program_create(request: AuthenticatedRequest) -> HttpResponse:
    form = ProgramForm(request.POST or None)
    program = _save_form(request, form, lambda fields: services.program_create(by=request.user, **fields))
    if program:
        messages.success(request, _("The program is created."))
        return redirect("intake:program_detail", pk=program.pk)
    return render(request, "intake/staff/program_form.html", {"form": form}, status=_status(form))


@role_required(Role.STAFF)
def program_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    program = selectors.program_for_staff(pk=pk)
    return render(
        request,
        "intake/staff/program_detail.html",
        {"program": program, "calls": selectors.calls_for_staff(program=program)},
    )


@role_required(Role.STAFF)
def program_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    program = selectors.program_for_staff(pk=pk)
    form = ProgramForm(request.POST or None, instance=program)
    saved = _save_form(
        request,
        form,
        lambda fields: services.program_update(
            program=program, by=request.user, expected_updated_at=form.cleaned_data["loaded_at"], **fields
        ),
    )
    if saved:
        messages.success(request, _("The program is saved."))
        return redirect("intake:program_detail", pk=pk)
    return render(request, "intake/staff/program_form.html", {"form": form, "program": program}, status=_status(form))


@role_required(Role.STAFF)
def call_create(request: AuthenticatedRequest, program_pk: int) -> HttpResponse:
    program = selectors.program_for_staff(pk=program_pk)
    form = CallForm(request.POST or None)
    call = _save_form(request, form, lambda fields: services.call_create(program=program, by=request.user, **fields))
    if call:
        messages.success(request, _("The call is created."))
        return redirect("intake:call_staff_detail", pk=call.pk)
    return render(request, "intake/staff/call_form.html", {"form": form, "program": program}, status=_status(form))


@role_required(Role.STAFF)
def call_staff_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return render(request, "intake/staff/call_detail.html", {"call": selectors.call_for_staff(pk=pk)})


@role_required(Role.STAFF)
def call_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    call = selectors.call_for_staff(pk=pk)
    form = CallForm(request.POST or None, instance=call)
    saved = _save_form(
        request,
        form,
        lambda fields: services.call_update(
            call=call, by=request.user, expected_updated_at=form.cleaned_data["loaded_at"], **fields
        ),
    )
    if saved:
        messages.success(request, _("The call is saved."))
        return redirect("intake:call_staff_detail", pk=pk)
    return render(
        request,
        "intake/staff/call_form.html",
        {"form": form, "program": call.program, "call": call},
        status=_status(form),
    )


def _status(form: ProgramForm | CallForm) -> int:
    return 400 if form.is_bound and form.errors else 200


def _show_validation_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's validation errors beside their fields, or at the top for the others."""
    for field, field_errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)
