"""Views of the intake app: public calls, the applicant's proposals and dashboard, staff's programs and calls."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.form_handling import form_submit
from accounts.models import User
from intake import selectors, services
from intake.choices import CallPhase, VersionKind
from intake.completeness import missing_by_section
from intake.forms import CallCreateForm, ProgramForm, ProposalForm
from intake.models import Call, Proposal
from intake.services.application import applications_prefetch
from intake.states import ProposalState, next_step
from workflow import access, proposal_page


def home(request: HttpRequest) -> HttpResponse:
    # Lists, not querysets: read before the template renders (a query while rendering is a lazy read).
    return render(request, "intake/home.html", {"open_calls": list(selectors.calls_open()[:5])})


def calls_open(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "intake/calls_open.html",
        {"open_calls": list(selectors.calls_open()), "upcoming_calls": list(selectors.calls_upcoming())},
    )


def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_public(pk=pk)
    user = request.user
    can_start_loi = call.phase() == CallPhase.LOI_OPEN and isinstance(user, User) and user.has_role(Role.APPLICANT)
    return render(
        request,
        "intake/call_detail.html",
        {"call": call, "can_start_loi": can_start_loi, "start_label": start_label(call)},
    )


#: How starting a proposal reads by the stage it starts at, and what is said once it is started.
_STARTS: dict[str, tuple[Promise, Promise]] = {
    VersionKind.QUESTIONNAIRE: (
        gettext_lazy("Start the eligibility questionnaire"),
        gettext_lazy("Your eligibility questionnaire is started. Answer it and submit it before the deadline."),
    ),
    VersionKind.LOI: (
        gettext_lazy("Start a letter of intent"),
        gettext_lazy("Your letter of intent is started. Complete it and submit it before the deadline."),
    ),
    VersionKind.APPLICATION: (
        gettext_lazy("Start a full application"),
        gettext_lazy("Your proposal is started. Complete its full application and submit it before the deadline."),
    ),
}


def start_label(call: Call) -> str:
    """Return how starting a proposal in ``call`` reads: by its first stage, or neutral when a figure chooses it."""
    if call.path_figure:
        return _("Start a proposal")
    first = next(iter(call.stages.all()), None)
    return str(_STARTS[first.kind][0] if first is not None else _STARTS[VersionKind.LOI][0])


def _sections_complete(proposal: Proposal) -> tuple[int, int]:
    """Return how many of the sections its call uses ``proposal``'s full application has complete, and of how many."""
    missing = missing_by_section(proposal)
    return sum(1 for lacking in missing.values() if not lacking), len(missing)


@role_required(Role.APPLICANT)
def applicant_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """List the applicant's proposals by call, with their state and next deadline, and the open calls."""
    proposals = list(access.proposals_of_applicant(user=request.user))
    # What the sections' completeness reads, for the applications in preparation only: as many
    # queries for one as for fifty, and none for a dashboard without one (drafts of a letter of intent).
    applications_prefetch(proposals=[proposal for proposal in proposals if _application_in_preparation(proposal)])
    rows = [
        {
            "proposal": proposal,
            "call": proposal.call,
            "next_step": next_step(proposal.state, proposal.stage.kind),
            "next": next_link(proposal),
            # How many sections of the full application are complete, while it is being prepared.
            "sections": _sections_complete(proposal) if _application_in_preparation(proposal) else None,
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
            "has_membership": request.user.memberships.exists(),
        },
    )


#: The states in which the applicant prepares the full application.
APPLICATION_IN_PREPARATION = (ProposalState.INVITED, ProposalState.CHANGES_REQUESTED)


def _application_in_preparation(proposal: Proposal) -> bool:
    """Say whether the applicant is preparing ``proposal``'s full application (its sections count on the dashboard)."""
    return proposal.state in APPLICATION_IN_PREPARATION and proposal.stage.kind == VersionKind.APPLICATION


def next_link(proposal: Proposal) -> tuple[str, str]:
    """Return the label and address of the page where the applicant does the next step on ``proposal``."""
    stage = proposal.stage.kind
    if proposal.state == ProposalState.DRAFT and stage == VersionKind.QUESTIONNAIRE:
        return _("Answer the eligibility questionnaire"), reverse("intake:questions", args=[proposal.pk])
    if proposal.state == ProposalState.DRAFT or (proposal.state == ProposalState.INVITED and stage == VersionKind.LOI):
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
    done = form_submit(
        request,
        form,
        lambda: services.proposal_create(
            call=call,
            by=request.user,
            title=form.cleaned_data["title"],
            lead_organization=form.cleaned_data["lead_organization"],
            **form.loi_fields(),
        ),
    )
    if done.saved and done.result is not None:
        messages.success(request, str(_STARTS[done.result.stage.kind][1]))
        return redirect("intake:proposal_detail", pk=done.result.pk)
    return render(
        request,
        "intake/proposal_form.html",
        {
            "form": form,
            "call": call,
            "window_open": call.phase() == CallPhase.LOI_OPEN,
            "start_label": start_label(call),
        },
        status=done.status,
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
    done = form_submit(
        request,
        form,
        lambda: services.proposal_update(
            proposal=proposal,
            by=request.user,
            title=form.cleaned_data["title"],
            lead_organization=form.cleaned_data["lead_organization"],
            expected_updated_at=form.cleaned_data["loaded_at"],
            **form.loi_fields(),
        ),
        current=lambda: Proposal.objects.get(pk=pk).updated_at,
    )
    if done.saved:
        messages.success(request, _("Your changes are saved."))
        return redirect("intake:proposal_detail", pk=pk)
    return render(
        request,
        "intake/proposal_form.html",
        {"form": form, "call": proposal.call, "proposal": proposal},
        status=done.status,
    )


@role_required(Role.STAFF)
def program_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request, "intake/staff/program_list.html", {"programs": selectors.programs_for_staff(user=request.user)}
    )


@role_required(Role.STAFF)
def program_create(request: AuthenticatedRequest) -> HttpResponse:
    form = ProgramForm(request.POST or None)
    done = form_submit(request, form, lambda: services.program_create(by=request.user, **form.model_fields()))
    if done.saved and done.result is not None:
        messages.success(request, _("The program is created."))
        return redirect("intake:program_detail", pk=done.result.pk)
    return render(request, "intake/staff/program_form.html", {"form": form}, status=done.status)


@role_required(Role.STAFF)
def program_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    program = selectors.program_for_staff(user=request.user, pk=pk)
    return render(
        request,
        "intake/staff/program_detail.html",
        {"program": program, "calls": list(selectors.calls_for_staff(program=program))},
    )


@role_required(Role.STAFF)
def program_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    program = selectors.program_for_staff(user=request.user, pk=pk)
    return _staff_edit(
        request,
        ProgramForm(request.POST or None, instance=program),
        "intake/staff/program_form.html",
        {"program": program},
        saved=_("The program is saved."),
        next_url=reverse("intake:program_detail", args=[pk]),
    )


@role_required(Role.STAFF)
def call_create(request: AuthenticatedRequest, program_pk: int) -> HttpResponse:
    program = selectors.program_for_staff(user=request.user, pk=program_pk)
    form = CallCreateForm(request.POST or None)
    done = form_submit(
        request, form, lambda: services.call_create(program=program, by=request.user, **form.model_fields())
    )
    if done.saved and done.result is not None:
        messages.success(request, _("The call is created."))
        return redirect("intake:call_staff_detail", pk=done.result.pk)
    return render(request, "intake/staff/call_form.html", {"form": form, "program": program}, status=done.status)


@role_required(Role.STAFF)
def call_staff_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return render(
        request, "intake/staff/call_detail.html", {"call": selectors.call_for_staff(user=request.user, pk=pk)}
    )


def _staff_edit(
    request: AuthenticatedRequest,
    form: ProgramForm,
    template: str,
    context: dict[str, Any],
    *,
    saved: str,
    next_url: str,
) -> HttpResponse:
    """Save staff's edit of a program unless somebody saved it first; then say so, keeping what was typed.

    The refused save answers 400 like an invalid form, and the next one is made knowingly over the other version.
    """
    instance = form.instance
    done = form_submit(
        request,
        form,
        lambda: services.staff_edit_save(
            instance=instance,
            by=request.user,
            expected_updated_at=form.cleaned_data["loaded_at"],
            **form.model_fields(),
        ),
        current=lambda: type(instance).objects.get(pk=instance.pk).updated_at,
        status=400,
    )
    if done.saved:
        messages.success(request, saved)
        return redirect(next_url)
    return render(request, template, {**context, "form": form}, status=done.status)
