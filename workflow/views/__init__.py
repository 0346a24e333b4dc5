"""Views of the workflow app: the staff dashboard and the proposals' lifecycle."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from accounts.selectors import join_requests_to_decide
from assessment.services.results import proposal_results
from intake.choices import IntakeMode
from intake.lifecycle import ActionsOffered, actions_for, unmet_conditions
from intake.models import Proposal
from intake.selectors import (
    call_for_staff_list,
    eligibility_overrides_of,
    proposal_eligibility,
    proposal_state_counts,
    proposal_versions_listed,
)
from intake.services.call_lists import call_proposals_page, sort_columns, stage_choices
from intake.services.overrides import overrides_record_lapses
from intake.states import ProposalState
from registry.selectors.ip_reviews import ip_review_of, ip_review_prefill
from workflow.access import proposal_for_staff_or_board, proposal_for_user, proposal_to_act_on
from workflow.actions import history_details, history_text
from workflow.actions.base import EXTEND_DEADLINE, ConditionsNotMet, proposal_action_precheck
from workflow.forms import ACTION_FORMS, ActionForm
from workflow.forms.written import action_forms
from workflow.proposal_page import applicant_proposal_page
from workflow.selectors import audit_records_for, open_calls_for_staff
from workflow.views.call_list_rows import (
    CallProposalRowWriter,
    call_proposals_filters,
    call_proposals_pagination,
    call_proposals_table_head,
)
from workflow.views.proposal_page_rows import ProposalPageRows
from workflow.work_queue import staff_work_queue


@role_required(Role.STAFF)
def staff_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """Show staff their work queue across the calls of their programs, the open calls, and the requests to join.

    Organizations are not of a program (``accounts.selectors.join_requests_to_decide``).
    """
    return render(
        request,
        "workflow/staff_dashboard.html",
        {
            "work": staff_work_queue(user=request.user),
            "open_calls": open_calls_for_staff(user=request.user),
            "join_requests": join_requests_to_decide(user=request.user).count(),
        },
    )


# --- Proposals: staff's list per call, the staff and board page, and the one action endpoint ------


def _require_staff_or_board(user: User) -> None:
    if not (user.has_role(Role.STAFF) or user.has_role(Role.BOARD_MEMBER)):
        raise PermissionDenied(_("This page is for program staff and board members."))


def _available_forms(proposal: Proposal, user: User, offered: ActionsOffered | None = None) -> list[type[ActionForm]]:
    """Return the forms of what ``user`` may do to ``proposal`` now, as staff or board (conditions aside).

    The chair's decisions are offered only on a proposal read with ``board_facts``
    (``proposal_for_staff_or_board``); the call's list reads without them, so a staff member
    who also chairs a meeting decides from the proposal's page, not from the list. A list
    passes ``offered`` (``ActionsOffered`` of ``user``), which checks each shape of row once.
    """
    actions = offered(proposal) if offered is not None else actions_for(proposal, user)
    available = [ACTION_FORMS[action] for action in actions if not ACTION_FORMS[action].by_applicant]
    if proposal.deadline is not None and user.acts_in(Role.STAFF, proposal.call.program_id):
        available.append(ACTION_FORMS[EXTEND_DEADLINE])
    return available


@role_required(Role.STAFF)
def call_proposals(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List a call's proposals, 60 to a page: filtered by state or stage, sorted, each with its eligibility summary."""
    call = call_for_staff_list(user=request.user, pk=pk)
    counts = proposal_state_counts(call=call)
    listing = call_proposals_page(
        call=call,
        state=request.GET.get("state", ""),
        stage=request.GET.get("stage", ""),
        sort=request.GET.get("sort", ""),
        page_number=request.GET.get("page"),
        state_counts=counts,
        batch=request.GET.get("batch", ""),
    )
    offered = ActionsOffered(request.user)
    rows = [(proposal, _available_forms(proposal, request.user, offered)) for proposal in listing.page.object_list]
    rolling = call.intake_mode == IntakeMode.ROLLING
    states = [(value, label, counts.get(value, 0)) for value, label in ProposalState.choices]
    stages = stage_choices()
    columns = sort_columns(listing.sort)
    total = sum(counts.values())
    page, state, stage, sort, batch = listing.page, listing.state, listing.stage, listing.sort, listing.batch
    return render(
        request,
        "workflow/call_proposals.html",
        {
            "call": call,
            "page": page,
            "rows": rows,
            # The rows, the filters, the table's caption and header and the pages' links written in
            # Python (ADR 0048, ADR 0064): the template keeps the page's heading around them.
            "table_rows": CallProposalRowWriter(call, rolling=rolling).rows(rows),
            "filters": call_proposals_filters(
                call=call,
                rolling=rolling,
                stages=stages,
                stage=stage,
                batch=batch,
                states=states,
                state=state,
                total=total,
                sort=sort,
            ),
            "table_head": call_proposals_table_head(
                page=page, columns=columns, state=state, stage=stage, batch=batch, rolling=rolling
            ),
            "pagination": call_proposals_pagination(page=page, state=state, stage=stage, batch=batch, sort=sort),
            "state": state,
            "stage": stage,
            "sort": sort,
            "batch": batch,
            "rolling": rolling,
            "states": states,
            "stages": stages,
            "columns": columns,
            "total": total,
        },
    )


def _staff_page(
    request: AuthenticatedRequest, proposal: Proposal, *, bound: ActionForm | None = None, status: int = 200
) -> HttpResponse:
    # Read first: the versions come with the rules they froze, which the actions' conditions and
    # the eligibility below then read without a query of their own.
    versions = proposal_versions_listed(proposal=proposal)
    forms = []
    ip_review = ip_review_of(proposal=proposal)
    # "Needs changes" offers staff the request for changes, its message written from the IP review.
    prefill = ip_review_prefill(review=ip_review) if request.GET.get("prefill") == "ip_review" else None
    for form_class in _available_forms(proposal, request.user):
        if bound is not None and bound.action == form_class.action:
            form = bound
        elif prefill is not None and form_class.action == "request_changes":
            form = form_class(proposal=proposal, initial=prefill)
        else:
            form = form_class(proposal=proposal)
        unmet = unmet_conditions(proposal, form_class.action) if form_class.declared.transition else []
        forms.append((form, unmet))
    # Shown a lapsed override, the history records its lapse (once) before it is read below.
    found = proposal.eligibility_checks()
    overrides = eligibility_overrides_of(proposal=proposal)
    if overrides_record_lapses(proposal=proposal, found=found, overrides=overrides):
        overrides = eligibility_overrides_of(proposal=proposal)  # as the lapses just recorded left them
    staff = request.user.acts_in(Role.STAFF, proposal.call.program_id)
    # The versions, the eligibility's table and the rows of the history and of the scores written
    # in Python (ADR 0048); the template keeps the rest.
    rows = ProposalPageRows(proposal.call)
    eligibility = proposal_eligibility(proposal=proposal, found=found, overrides=overrides)
    records = [
        (record, history_text(record.action, record.data), history_details(record.data, zone=proposal.call.timezone))
        for record in audit_records_for(proposal=proposal)
    ]
    # The scores are the program staff's: a board member reads the standing the agenda shows, no more.
    assessment = (
        [(results, results.rows[0], rows.scores(results.rows[0])) for results in proposal_results(proposal=proposal)]
        if staff
        else []
    )
    return render(
        request,
        "workflow/proposal_detail.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "action_forms": forms,
            "action_forms_html": action_forms(request, proposal.pk, ((form, unmet, ()) for form, unmet in forms)),
            "ip_review": ip_review,
            "may_request_changes": any(form.action == "request_changes" for form, _unmet in forms),
            "list_url": reverse("workflow:call_proposals", kwargs={"pk": proposal.call_id}) if staff else "",
            "assessment": assessment,
            "eligibility": eligibility,
            "eligibility_table": rows.eligibility(eligibility),
            "versions": versions,
            "versions_section": rows.versions(proposal.pk, versions, compare=staff),
            "records": records,
            "history_rows": rows.history(records),
        },
        status=status,
    )


@login_required
def proposal_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show one proposal to staff (or to the board, once before it) with its full history and actions."""
    _require_staff_or_board(request.user)
    return _staff_page(request, proposal_for_staff_or_board(user=request.user, pk=pk, page=True))


def _proposal_to_act_on(*, user: User, pk: int) -> Proposal:
    """Return the proposal ``pk`` for a staff's or the board's action (``workflow.access.proposal_to_act_on``)."""
    try:
        return proposal_to_act_on(user=user, pk=pk)
    except ActionForbidden as error:
        error.back_url = reverse("intake:proposal_detail", kwargs={"pk": pk})
        error.back_label = _("Back to the proposal")
        raise


def _page_url(pk: int, form_class: type[ActionForm]) -> str:
    name = "intake:proposal_detail" if form_class.by_applicant else "workflow:proposal_detail"
    return reverse(name, kwargs={"pk": pk})


@login_required
@require_POST
def proposal_act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    """Perform one action on one proposal: parse its form, call its one action function, redirect.

    A form error re-renders the page with what was typed (400); an unmet condition says which
    (409, typed values kept); a stale post (409) and a forbidden one (403) are rendered by the
    domain-error middleware, with a link back to the proposal.
    """
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    # A form that needs nothing of the proposal is read first; then the action reads the
    # proposal once, locked and permission-checked (404 if not visible). A form that needs it
    # (the board's, whose chair's guards read the board's facts; one whose fields read the call)
    # reads it first, as staff's or the board's page reads it for staff's and the board's actions.
    fetch = proposal_for_user if form_class.by_applicant else _proposal_to_act_on
    proposal = fetch(user=request.user, pk=pk) if form_class.needs_proposal else None
    form = form_class(request.POST, proposal=proposal)

    def render_page(status: int, error: str | None = None) -> HttpResponse:
        shown = proposal or fetch(user=request.user, pk=pk)
        bound = form_class(request.POST, proposal=shown)
        bound.is_valid()
        if error:
            bound.add_error(None, error)
        if form_class.by_applicant:
            return applicant_proposal_page(request, shown, bound=bound, status=status)
        return _staff_page(request, shown, bound=bound, status=status)

    try:
        if proposal is not None or not form.is_valid():
            # Nobody is asked to correct a form for an action that is no longer theirs.
            proposal_action_precheck(
                proposal=proposal or fetch(user=request.user, pk=pk),
                action=action,
                by=request.user,
                expected_state=request.POST.get(f"{action}-expected_state"),
            )
        if not form.is_valid():
            return render_page(400)
        arguments = form.arguments()
        if form_class.declared.transition:
            arguments["expected_state"] = form.cleaned_data["expected_state"]
        done = form_class.declared.perform(proposal=proposal or Proposal(pk=pk), by=request.user, **arguments)
    except (StaleAction, ActionForbidden) as error:
        if proposal is None:  # Read by the action alone: say nothing of a proposal the user may not see.
            proposal_for_user(user=request.user, pk=pk)
            if not form_class.by_applicant:  # 404 or, on a proposal they read otherwise, 403 with its page
                _proposal_to_act_on(user=request.user, pk=pk)
        error.back_url = _page_url(pk, form_class)
        error.back_label = _("Back to the proposal")
        raise
    except ConditionsNotMet as error:
        return render_page(error.status, error.message)
    except DomainError as error:
        return render_page(400, error.message)
    messages.success(
        request,
        _("Done: %(action)s. The proposal is now “%(state)s”.")
        % {"action": form_class.label, "state": done.get_state_display()},
    )
    return redirect(_page_url(pk, form_class))
