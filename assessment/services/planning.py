"""Compute the optimal assignment plan of a call with the solver, or say why none exists.

The plan reads a call in a handful of set-based queries, hands the numbers to
``assessment.solver`` and stores the result as a proposed ``AssignmentPlan``; nothing is
assigned until staff accept it (``plan_acceptance``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import FormerMembership, Membership, User
from assessment import solver
from assessment.choices import PairRuleKind, PlanState
from assessment.models import Affiliation, Assignment, AssignmentPlan, Conflict, PairRule, PlannedPair
from assessment.selectors import conflicted
from assessment.services.pair_checks import LIVE, assessors_qs, at_its_stage, call_load, rubric_of
from intake.choices import VersionKind
from intake.models import Call, Proposal
from intake.states import ProposalState

#: How many names an explanation lists before it says "and N more".
NAMES_SHOWN = 10


def conflicted_pairs(*, proposals: QuerySet[Proposal]) -> set[tuple[int, int]]:
    """Return the ``(proposal id, assessor id)`` pairs among ``proposals`` that are conflicted.

    A conflict is ``assessment.selectors.conflicted``; asking it of every proposal and
    assessor would be a cross join of millions of rows, so it is asked only of the pairs
    that can be conflicted: those with a ``Conflict`` row, those where the assessor has an
    affiliation or a membership (current or former) with an organization of the proposal's
    consortium, and those where the assessor leads another proposal of the same call (the
    definition's sources). ``conflicted`` then decides each, dates included.
    """
    recorded = Conflict.objects.filter(proposal__in=proposals).values_list("proposal_id", "assessor_id")
    by_affiliation = (
        Affiliation.objects.filter(organization__consortium_memberships__proposal__in=proposals)
        .annotate(proposal_pk=F("organization__consortium_memberships__proposal_id"))
        .filter(conflicted(assessor=OuterRef("assessor_id"), proposal=OuterRef("proposal_pk")))
        .values_list("proposal_pk", "assessor_id")
        .distinct()
    )
    pairs = set(recorded) | set(by_affiliation)
    for model in (Membership, FormerMembership):
        pairs |= set(
            model.objects.filter(organization__consortium_memberships__proposal__in=proposals)
            .annotate(proposal_pk=F("organization__consortium_memberships__proposal_id"))
            .filter(conflicted(assessor=OuterRef("user_id"), proposal=OuterRef("proposal_pk")))
            .values_list("proposal_pk", "user_id")
            .distinct()
        )
    competitors = (
        Proposal.objects.filter(call__proposals__in=proposals, lead_applicant__assessor_profile__isnull=False)
        .annotate(proposal_pk=F("call__proposals__pk"))
        .exclude(proposal_pk=F("pk"))
        .values_list("proposal_pk", "lead_applicant_id")
        .distinct()
    )
    return pairs | set(competitors)


@dataclass
class PlanOutcome:
    """A computed plan, or why none exists (nothing stored then)."""

    plan: AssignmentPlan | None = None
    reasons: list[str] = field(default_factory=list)
    #: Rules the plan could not honour, e.g. a pin on a pair since found conflicted.
    notes: list[str] = field(default_factory=list)


def assignment_plan_compute(*, call: Call, by: User) -> PlanOutcome:
    """Compute the optimal assignment of the call's proposals in assessment and store it as a proposal.

    Each proposal gets what it still needs (the k of its stage's rubric minus its live assignments
    under that rubric: proposals at different stages share one plan and one pool), each assessor up
    to their cap minus their live assignments in this call; conflicted, banned and already
    assigned pairs are excluded and pinned pairs forced. Only the assessors of the call's
    program are candidates. Earlier proposed plans of the call
    are discarded: only the newest one can be accepted.
    """
    in_assessment = Proposal.objects.filter(call=call, state=ProposalState.IN_ASSESSMENT)
    proposals = list(
        in_assessment.order_by("pk").values_list("pk", "title", "technology", "sectors", "keywords", "stage__kind")
    )
    # Each proposal needs the k of its stage's rubric, filled by live assignments under that rubric.
    kinds = {VersionKind.APPLICATION.value} | {row[-1] for row in proposals}
    ks = {kind: rubric_of(call=call, stage=kind).assessors_per_proposal for kind in kinds}
    k_of = {pk: ks[kind] for pk, *_rest, kind in proposals}
    assessors = list(
        assessors_qs(program_id=call.program_id)
        .annotate(load=call_load(call))
        .order_by("pk")
        .values_list(
            "pk",
            "display_name",
            "email",
            "assessor_profile__sectors",
            "assessor_profile__keywords",
            "assessor_profile__max_assignments_per_call",
            "load",
        )
    )
    live = list(
        Assignment.objects.filter(at_its_stage(), proposal__in=in_assessment, state__in=LIVE).values_list(
            "proposal_id", "assessor_id"
        )
    )
    rules = list(PairRule.objects.filter(proposal__in=in_assessment).values_list("proposal_id", "assessor_id", "kind"))
    excluded = conflicted_pairs(proposals=in_assessment) | set(live)
    excluded |= {(p, a) for p, a, kind in rules if kind == PairRuleKind.FORBID}

    row = {pk: index for index, (pk, *_rest) in enumerate(proposals)}
    column = {pk: index for index, (pk, *_rest) in enumerate(assessors)}
    live_count = Counter(p for p, _a in live)
    needs = [max(0, k_of[pk] - live_count[pk]) for pk, *_rest in proposals]
    capacities = [max(0, cap - load) for *_rest, cap, load in assessors]
    scores = solver.affinity_matrix(
        [solver.Topic(sectors or [], solver.proposal_text(keywords=keywords or [], title=title, technology=technology))
         for _pk, title, technology, sectors, keywords, _kind in proposals],
        [solver.Expertise(sectors or [], keywords or []) for _pk, _n, _e, sectors, keywords, _c, _l in assessors],
    )  # fmt: skip
    for p, a in excluded:
        if p in row and a in column:
            scores[row[p], column[a]] = solver.NOT_ALLOWED
    notes = []
    pins = []
    already = set(live)
    for p, a, kind in rules:
        if kind != PairRuleKind.PIN or (p, a) in already:  # A pin already assigned is honoured.
            continue
        if a not in column:
            notes.append(_("A pinned assessor is no longer in the assessor pool; the pin was left out."))
            continue
        pins.append((p, a))

    result = solver.assignment_solve(
        proposals=[pk for pk, *_rest in proposals],
        needs=needs,
        assessors=[pk for pk, *_rest in assessors],
        capacities=capacities,
        affinity=scores,
        pinned=pins,
    )
    if isinstance(result, solver.Infeasible):
        titles = {pk: title for pk, title, *_rest in proposals}
        names = {pk: name or email for pk, name, email, *_rest in assessors}
        return PlanOutcome(reasons=[_explain(reason, titles, names, k_of) for reason in result.reasons], notes=notes)
    with transaction.atomic():
        AssignmentPlan.objects.filter(call=call, state=PlanState.PROPOSED).update(
            state=PlanState.DISCARDED, decided_at=timezone.now()
        )
        plan = AssignmentPlan.objects.create(call=call, total_affinity=result.total_affinity, created_by=by)
        PlannedPair.objects.bulk_create(
            [
                PlannedPair(plan=plan, proposal_id=p.proposal, assessor_id=p.assessor, affinity=p.affinity)
                for p in result.pairs
            ],
            batch_size=5000,
        )
    return PlanOutcome(plan=plan, notes=notes)


def names_listed(names: list[str]) -> str:
    shown = ", ".join(f"“{name}”" for name in names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        more = len(names) - NAMES_SHOWN
        shown += ngettext(" and %(count)d more", " and %(count)d more", more) % {"count": more}
    return shown


def _explain(reason: solver.Reason, titles: dict[int, str], names: dict[int, str], k_of: dict[int, int]) -> str:
    """Say in a sentence staff can act on why no assignment exists (``k_of``: each proposal's k at its stage)."""
    code = solver.Shortfall
    if reason.code == code.TOO_FEW_CANDIDATES:
        count = len(reason.proposals)
        k = max(k_of[s.proposal] for s in reason.proposals)
        return ngettext(
            "%(count)d proposal has fewer than %(k)d unconflicted assessors with capacity: %(list)s. "
            "Add assessors to the pool, raise caps, or lift bans.",
            "%(count)d proposals have fewer than %(k)d unconflicted assessors with capacity: %(list)s. "
            "Add assessors to the pool, raise caps, or lift bans.",
            count,
        ) % {
            "count": count,
            "k": k,
            "list": names_listed(
                [
                    _("%(title)s (%(available)d of %(needed)d)")
                    % {"title": titles[s.proposal], "available": s.available, "needed": s.needed}
                    for s in reason.proposals
                ]
            ),
        }
    if reason.code == code.TOTAL_CAPACITY:
        return _(
            "The assessors' total remaining capacity, %(available)d, is below the %(needed)d assignments needed. "
            "Add assessors or raise their caps."
        ) % {"available": reason.available, "needed": reason.needed}
    if reason.code == code.PINS_ABOVE_CAPACITY:
        return _("Some assessors are pinned to more proposals than their cap allows: %(list)s. Remove some pins.") % {
            "list": names_listed(
                [
                    _("%(name)s (%(pinned)d pins, room for %(capacity)d)")
                    % {"name": names[a.assessor], "pinned": a.pinned, "capacity": a.capacity}
                    for a in reason.assessors
                ]
            )
        }
    if reason.code == code.PINS_ABOVE_NEED:
        return _("Some proposals have more pinned assessors than they still need: %(list)s. Remove some pins.") % {
            "list": names_listed([titles[s.proposal] for s in reason.proposals])
        }
    if reason.code == code.PIN_NOT_ALLOWED:
        return _("Some pinned pairs are conflicted: %(list)s. Remove these pins.") % {
            "list": names_listed([f"{names[a]} · {titles[p]}" for p, a in reason.pairs])
        }
    return _(
        "Each proposal has enough candidates on its own, but they compete for the same assessors: "
        "no assignment covers every proposal within the caps (at most %(available)d of the %(needed)d "
        "assignments needed). Left short: %(list)s. Add assessors with these proposals' expertise or raise caps."
    ) % {
        "available": reason.available,
        "needed": reason.needed,
        "list": names_listed([titles[s.proposal] for s in reason.proposals]),
    }
