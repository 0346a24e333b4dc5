"""What staff's assignment page of a call reads: proposals and their slots, candidates, the proposed plan."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from assessment.choices import AssignmentState, PairRuleKind, PlanState
from assessment.models import Assignment, AssignmentPlan, PairRule, PlannedPair
from assessment.selectors import conflicted
from assessment.services.pair_checks import LIVE, assessors_qs, at_its_stage, call_load, pair_affinity, rubric_of
from intake.choices import VersionKind
from intake.models import Call, Proposal
from intake.states import ProposalState


@dataclass
class ProposalRow:
    proposal: Proposal
    #: The live and past assignments of the stage the proposal is in.
    assignments: list[Assignment]
    missing: int
    #: The k of its stage's rubric.
    k: int


def stage_ks(*, call: Call) -> dict[str, int]:
    """Return the k of each assessed stage of ``call``'s path by kind, in order (the full application's always)."""
    kinds = list(call.stages.filter(assessed=True).values_list("kind", flat=True))
    if VersionKind.APPLICATION not in kinds:
        kinds.append(VersionKind.APPLICATION)
    return {kind: rubric_of(call=call, stage=kind).assessors_per_proposal for kind in kinds}


def assignment_rows(*, call: Call, ks: dict[str, int], proposals: Iterable[Proposal]) -> list[ProposalRow]:
    """Return each proposal with its live and past assignments at its stage (one query) and the slots it still lacks.

    ``ks`` is ``stage_ks``: a proposal's slots are the k of the stage it is in.
    """
    chosen = list(proposals)
    by_proposal: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in (
        Assignment.objects.filter(at_its_stage(), proposal__in=[p.pk for p in chosen])
        .exclude(state=AssignmentState.WITHDRAWN)
        .select_related("assessor")
        .order_by("created_at", "pk")
    ):
        by_proposal[assignment.proposal_id].append(assignment)
    rows = []
    for p in chosen:
        k = ks.get(p.stage.kind) or rubric_of(call=call, stage=p.stage.kind).assessors_per_proposal
        live = sum(1 for a in by_proposal[p.pk] if a.state in LIVE)
        rows.append(ProposalRow(proposal=p, assignments=by_proposal[p.pk], missing=max(0, k - live), k=k))
    return rows


def proposals_in_assessment(*, call: Call) -> QuerySet[Proposal]:
    return (
        Proposal.objects.filter(call=call, state=ProposalState.IN_ASSESSMENT)
        .select_related("stage")
        .order_by("title", "pk")
    )


def slots_missing(*, call: Call, ks: dict[str, int]) -> tuple[int, int]:
    """Return how many proposals are in assessment and how many assignments they still lack, in one query."""
    live = (
        Assignment.objects.filter(proposal=OuterRef("pk"), rubric__stage=OuterRef("stage__kind"), state__in=LIVE)
        .order_by()
        .values("proposal")
    )
    counts = list(
        proposals_in_assessment(call=call)
        .annotate(live=Coalesce(Subquery(live.annotate(n=Count("pk")).values("n")), Value(0)))
        .values_list("stage__kind", "live")
    )
    return len(counts), sum(
        max(0, (ks.get(kind) or rubric_of(call=call, stage=kind).assessors_per_proposal) - n) for kind, n in counts
    )


def candidate_assessors(*, proposal: Proposal) -> list[tuple[User, int, int]]:
    """Return the assessors who may be assigned to ``proposal`` now, best affinity first, with load and cap.

    Assessors of the proposal's program, not conflicted, not banned, not already assigned at its stage,
    with capacity left in the call: one query (``proposal.call`` read with it).
    """
    call_pk = proposal.call_id
    candidates = (
        assessors_qs(program_id=proposal.call.program_id)
        .exclude(
            Exists(
                Proposal.objects.filter(pk=proposal.pk).filter(
                    conflicted(assessor=OuterRef(OuterRef("pk")), proposal=OuterRef("pk"))
                )
            )
        )
        .exclude(Exists(PairRule.objects.filter(proposal=proposal, assessor=OuterRef("pk"), kind=PairRuleKind.FORBID)))
        .exclude(
            Exists(
                Assignment.objects.filter(
                    proposal=proposal, assessor=OuterRef("pk"), rubric__stage=proposal.stage.kind, state__in=LIVE
                )
            )
        )
        .annotate(load=call_load(Call(pk=call_pk)))
        .filter(assessor_profile__max_assignments_per_call__gt=F("load"))
        .select_related("assessor_profile")
    )
    rows = [(user, user.load, user.assessor_profile.max_assignments_per_call) for user in candidates]  # type: ignore[attr-defined]
    scored = [(pair_affinity(proposal, user.assessor_profile), user, load, cap) for user, load, cap in rows]
    scored.sort(key=lambda item: (-item[0], str(item[1])))
    return [(user, score, cap - load) for score, user, load, cap in scored]


def plan_latest(*, call: Call) -> AssignmentPlan | None:
    """Return the call's proposed plan, if any."""
    return AssignmentPlan.objects.filter(call=call, state=PlanState.PROPOSED).order_by("-created_at").first()


def plan_pairs(*, plan: AssignmentPlan) -> QuerySet[PlannedPair]:
    return (
        PlannedPair.objects.filter(plan=plan)
        .select_related("proposal", "assessor")
        .order_by("proposal__title", "proposal_id", "-affinity", "pk")
    )
