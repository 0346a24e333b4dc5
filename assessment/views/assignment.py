"""Staff's assignment pages of a call: the proposals in assessment, the optimal plan, and assigning by hand."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import DomainError, StaleAction
from accounts.form_handling import form_submit
from assessment.forms.assignment import AcceptPlanForm, AssessorChoiceForm, PairRuleForm
from assessment.models import Assignment, AssignmentPlan, PairRule
from assessment.services import assignment as by_hand
from assessment.services import assignment_overview as overview
from assessment.services import pair_checks, pair_rules, plan_acceptance, planning
from intake.choices import VersionKind
from intake.models import Call, Proposal
from intake.selectors import call_for_staff

PAGE_SIZE = 50
PLAN_PAGE_SIZE = 150


def _page_url(call: Call) -> str:
    return reverse("assessment:assignments", kwargs={"pk": call.pk})


def _stale(error: StaleAction, call: Call) -> StaleAction:
    error.back_url, error.back_label = _page_url(call), _("Back to the assignments")
    return error


@role_required(Role.STAFF)
def assignments(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _assignments_page(request, call_for_staff(user=request.user, pk=pk))


def _assignments_page(
    request: AuthenticatedRequest, call: Call, *, outcome: planning.PlanOutcome | None = None, status: int = 200
) -> HttpResponse:
    """Render the call's proposals in assessment (50 to a page) with their assessors, and the proposed plan."""
    ks = overview.stage_ks(call=call)
    page = Paginator(overview.proposals_in_assessment(call=call), PAGE_SIZE).get_page(request.GET.get("page"))
    total, missing = overview.slots_missing(call=call, ks=ks)
    plan = overview.plan_latest(call=call)
    plan_page = None
    if plan is not None:
        plan_page = Paginator(overview.plan_pairs(plan=plan), PLAN_PAGE_SIZE).get_page(request.GET.get("plan_page"))
    return render(
        request,
        "assessment/staff/assignments.html",
        {
            "call": call,
            "stage_ks": [(VersionKind(kind).label, k) for kind, k in ks.items()],
            "page": page,
            "rows": overview.assignment_rows(call=call, ks=ks, proposals=page.object_list),
            "total": total,
            "missing": missing,
            "plan": plan,
            "plan_page": plan_page,
            "outcome": outcome,
        },
        status=status,
    )


@role_required(Role.STAFF)
@require_POST
def plan_compute(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Compute the optimal assignment; show it, or why none exists (409, nothing stored)."""
    call = call_for_staff(user=request.user, pk=pk)
    try:
        outcome = planning.assignment_plan_compute(call=call, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_page_url(call))
    if outcome.plan is None:
        return _assignments_page(request, call, outcome=outcome, status=409)
    for note in outcome.notes:
        messages.warning(request, note)
    messages.success(request, _("The optimal assignment is computed. Check it, then accept or discard it."))
    return redirect(_page_url(call))


def _plan(call: Call, plan_pk: int) -> AssignmentPlan:
    return get_object_or_404(AssignmentPlan, pk=plan_pk, call=call)


@role_required(Role.STAFF)
@require_POST
def plan_accept(request: AuthenticatedRequest, pk: int, plan_pk: int) -> HttpResponse:
    call = call_for_staff(user=request.user, pk=pk)
    plan = _plan(call, plan_pk)
    form = AcceptPlanForm(request.POST)
    expected = form.cleaned_data["expected_pairs"] if form.is_valid() else None
    try:
        created = plan_acceptance.assignment_plan_accept(plan=plan, by=request.user, expected_pairs=expected)
    except StaleAction as error:
        raise _stale(error, call) from None
    offered = ngettext(
        "%(count)d assignment offered; each assessor is told once.",
        "%(count)d assignments offered; each assessor is told once.",
        len(created),
    )
    messages.success(request, offered % {"count": len(created)})
    return redirect(_page_url(call))


@role_required(Role.STAFF)
@require_POST
def plan_discard(request: AuthenticatedRequest, pk: int, plan_pk: int) -> HttpResponse:
    call = call_for_staff(user=request.user, pk=pk)
    try:
        plan_acceptance.assignment_plan_discard(plan=_plan(call, plan_pk), by=request.user)
    except StaleAction as error:
        raise _stale(error, call) from None
    messages.success(request, _("The plan is discarded; nothing was assigned."))
    return redirect(_page_url(call))


@role_required(Role.STAFF)
@require_POST
def plan_pair_remove(request: AuthenticatedRequest, pk: int, plan_pk: int, pair_pk: int) -> HttpResponse:
    call = call_for_staff(user=request.user, pk=pk)
    try:
        plan_acceptance.planned_pair_remove(plan=_plan(call, plan_pk), pair_pk=pair_pk, by=request.user)
    except StaleAction as error:
        raise _stale(error, call) from None
    messages.success(request, _("The pair is removed from the plan."))
    return redirect(_page_url(call))


def _proposal(call: Call, proposal_pk: int) -> Proposal:
    return get_object_or_404(Proposal.objects.select_related("call", "stage"), pk=proposal_pk, call=call)


@role_required(Role.STAFF)
def proposal_assign(request: AuthenticatedRequest, pk: int, proposal_pk: int) -> HttpResponse:
    """One proposal: its assessors, assign one by hand (only allowed assessors offered), pin or forbid."""
    call = call_for_staff(user=request.user, pk=pk)
    proposal = _proposal(call, proposal_pk)
    candidates = overview.candidate_assessors(proposal=proposal)
    choices = [
        (user.pk, _("%(name)s · affinity %(affinity)d · room for %(room)d")
         % {"name": user, "affinity": affinity, "room": room})
        for user, affinity, room in candidates
    ]  # fmt: skip
    form = AssessorChoiceForm(request.POST or None, choices=choices, prefix="assign")
    done = form_submit(
        request,
        form,
        lambda: by_hand.assignment_create(proposal=proposal, assessor=form.chosen_assessor(), by=request.user),
        field="assessor",
        raised=lambda error: isinstance(error, StaleAction),
        back=(_page_url(call), _("Back to the assignments")),
        status=400,
    )
    if done.saved:
        messages.success(request, _("The assessor is assigned and told."))
        return redirect(request.path)
    return _proposal_page(request, call, proposal, form=form, choices=choices, status=done.status)


def _pool_choices(call: Call) -> list[tuple[int, str]]:
    """The assessors a rule may name: the pool of the call's program."""
    return [
        (user.pk, str(user))
        for user in pair_checks.assessors_qs(program_id=call.program_id).order_by("display_name", "pk")
    ]


def _proposal_page(
    request: AuthenticatedRequest,
    call: Call,
    proposal: Proposal,
    *,
    form: AssessorChoiceForm,
    choices: list[tuple[int, str]],
    rule_form: PairRuleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    (row,) = overview.assignment_rows(call=call, ks=overview.stage_ks(call=call), proposals=[proposal])
    pool = _pool_choices(call)
    return render(
        request,
        "assessment/staff/assignment_proposal.html",
        {
            "call": call,
            "proposal": proposal,
            "row": row,
            "form": form,
            "has_candidates": bool(choices),
            "rule_form": rule_form or PairRuleForm(choices=pool, prefix="rule"),
            "rules": pair_rules.pair_rules(proposal=proposal),
        },
        status=status,
    )


@role_required(Role.STAFF)
@require_POST
def pair_rule_create(request: AuthenticatedRequest, pk: int, proposal_pk: int) -> HttpResponse:
    call = call_for_staff(user=request.user, pk=pk)
    proposal = _proposal(call, proposal_pk)
    pool = _pool_choices(call)
    rule_form = PairRuleForm(request.POST, choices=pool, prefix="rule")
    done = form_submit(
        request,
        rule_form,
        lambda: pair_rules.pair_rule_set(
            proposal=proposal,
            assessor=rule_form.chosen_assessor(),
            kind=rule_form.cleaned_data["kind"],
            by=request.user,
        ),
        field="assessor",
        raised=lambda error: False,
    )
    if done.saved:
        messages.success(request, _("The rule is saved; the next optimal assignment follows it."))
        return redirect(reverse("assessment:assignment_proposal", kwargs={"pk": call.pk, "proposal_pk": proposal.pk}))
    choices = [(user.pk, str(user)) for user, _a, _r in overview.candidate_assessors(proposal=proposal)]
    form = AssessorChoiceForm(choices=choices, prefix="assign")
    return _proposal_page(request, call, proposal, form=form, choices=choices, rule_form=rule_form, status=400)


@role_required(Role.STAFF)
@require_POST
def pair_rule_delete(request: AuthenticatedRequest, pk: int, proposal_pk: int, rule_pk: int) -> HttpResponse:
    call = call_for_staff(user=request.user, pk=pk)
    proposal = _proposal(call, proposal_pk)
    pair_rules.pair_rule_remove(rule=get_object_or_404(PairRule, pk=rule_pk, proposal=proposal), by=request.user)
    messages.success(request, _("The rule is removed."))
    return redirect(reverse("assessment:assignment_proposal", kwargs={"pk": call.pk, "proposal_pk": proposal.pk}))


@role_required(Role.STAFF)
@require_POST
def assignment_withdraw(request: AuthenticatedRequest, pk: int, assignment_pk: int) -> HttpResponse:
    call = call_for_staff(user=request.user, pk=pk)
    assignment = get_object_or_404(Assignment, pk=assignment_pk, proposal__call=call)
    try:
        by_hand.assignment_withdraw(assignment=assignment, by=request.user)
    except StaleAction as error:
        raise _stale(error, call) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The assignment is withdrawn; the slot is free."))
    return redirect(
        reverse("assessment:assignment_proposal", kwargs={"pk": call.pk, "proposal_pk": assignment.proposal_id})
    )
