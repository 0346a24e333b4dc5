"""Who assesses which proposal: the optimal plan, its acceptance, manual assignments and staff's pair rules.

The plan reads a call in a handful of set-based queries, hands the numbers to
``assessment.solver`` and stores the result as a proposed ``AssignmentPlan``; nothing is
assigned until staff accept it. Accepting re-checks everything at that moment (conflicts,
bans, capacity, duplicates, the proposals' state) under row locks and writes all the
assignments or none; each assessor is told once, listing all their new proposals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.choices import Role
from accounts.errors import DomainError, StaleAction
from accounts.models import FormerMembership, Membership, User
from assessment import solver
from assessment.choices import ACTIVE_ASSIGNMENT_STATES, AssignmentState, PairRuleKind, PlanState, ReviewState
from assessment.models import (
    Affiliation,
    AssessorProfile,
    Assignment,
    AssignmentPlan,
    Conflict,
    PairRule,
    PlannedPair,
    Review,
    Rubric,
)
from assessment.selectors import conflicted
from assessment.services.rubrics import rubric_for
from intake.choices import VersionKind
from intake.models import Call, Proposal
from intake.states import ProposalState
from records.events import Event
from records.notifications import notification_list_create, notification_rows

LIVE = [str(state) for state in ACTIVE_ASSIGNMENT_STATES]
#: How many names an explanation lists before it says "and N more".
NAMES_SHOWN = 10


def rubric_of(*, call: Call) -> Rubric:
    """Return the call's rubric for full applications, which sets k: the default one until staff change it."""
    return rubric_for(call=call, stage=VersionKind.APPLICATION)


def assessors_qs() -> QuerySet[User]:
    """Return the active users who hold the assessor role and have a profile."""
    return User.objects.filter(is_active=True, groups__name=Role.ASSESSOR, assessor_profile__isnull=False)


def _call_load(call: Call) -> Coalesce:
    """The number of live assignments of the outer user in ``call``, as an expression."""
    live = (
        Assignment.objects.filter(assessor_id=OuterRef("pk"), proposal__call=call, state__in=LIVE)
        .order_by()
        .values("assessor_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(live, output_field=IntegerField()), Value(0))


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


# --- The optimal plan ----------------------------------------------------------------------------


@dataclass
class PlanOutcome:
    """A computed plan, or why none exists (nothing stored then)."""

    plan: AssignmentPlan | None = None
    reasons: list[str] = field(default_factory=list)
    #: Rules the plan could not honour, e.g. a pin on a pair since found conflicted.
    notes: list[str] = field(default_factory=list)


def assignment_plan_compute(*, call: Call, by: User) -> PlanOutcome:
    """Compute the optimal assignment of the call's proposals in assessment and store it as a proposal.

    Each proposal gets what it still needs (k minus its live assignments), each assessor up
    to their cap minus their live assignments in this call; conflicted, banned and already
    assigned pairs are excluded and pinned pairs forced. Earlier proposed plans of the call
    are discarded: only the newest one can be accepted.
    """
    k = rubric_of(call=call).assessors_per_proposal
    in_assessment = Proposal.objects.filter(call=call, state=ProposalState.IN_ASSESSMENT)
    proposals = list(in_assessment.order_by("pk").values_list("pk", "title", "technology", "sectors", "keywords"))
    assessors = list(
        assessors_qs()
        .annotate(load=_call_load(call))
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
        Assignment.objects.filter(proposal__in=in_assessment, state__in=LIVE).values_list("proposal_id", "assessor_id")
    )
    rules = list(PairRule.objects.filter(proposal__in=in_assessment).values_list("proposal_id", "assessor_id", "kind"))
    excluded = conflicted_pairs(proposals=in_assessment) | set(live)
    excluded |= {(p, a) for p, a, kind in rules if kind == PairRuleKind.FORBID}

    row = {pk: index for index, (pk, *_rest) in enumerate(proposals)}
    column = {pk: index for index, (pk, *_rest) in enumerate(assessors)}
    live_count = Counter(p for p, _a in live)
    needs = [max(0, k - live_count[pk]) for pk, *_rest in proposals]
    capacities = [max(0, cap - load) for *_rest, cap, load in assessors]
    scores = solver.affinity_matrix(
        [solver.Topic(sectors or [], solver.proposal_text(keywords=keywords or [], title=title, technology=technology))
         for _pk, title, technology, sectors, keywords in proposals],
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
        return PlanOutcome(reasons=[_explain(reason, titles, names, k) for reason in result.reasons], notes=notes)
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


def _listed(names: list[str]) -> str:
    shown = ", ".join(f"“{name}”" for name in names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        more = len(names) - NAMES_SHOWN
        shown += ngettext(" and %(count)d more", " and %(count)d more", more) % {"count": more}
    return shown


def _explain(reason: solver.Reason, titles: dict[int, str], names: dict[int, str], k: int) -> str:
    """Say in a sentence staff can act on why no assignment exists."""
    code = solver.Shortfall
    if reason.code == code.TOO_FEW_CANDIDATES:
        count = len(reason.proposals)
        return ngettext(
            "%(count)d proposal has fewer than %(k)d unconflicted assessors with capacity: %(list)s. "
            "Add assessors to the pool, raise caps, or lift bans.",
            "%(count)d proposals have fewer than %(k)d unconflicted assessors with capacity: %(list)s. "
            "Add assessors to the pool, raise caps, or lift bans.",
            count,
        ) % {
            "count": count,
            "k": k,
            "list": _listed(
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
            "list": _listed(
                [
                    _("%(name)s (%(pinned)d pins, room for %(capacity)d)")
                    % {"name": names[a.assessor], "pinned": a.pinned, "capacity": a.capacity}
                    for a in reason.assessors
                ]
            )
        }
    if reason.code == code.PINS_ABOVE_NEED:
        return _("Some proposals have more pinned assessors than they still need: %(list)s. Remove some pins.") % {
            "list": _listed([titles[s.proposal] for s in reason.proposals])
        }
    if reason.code == code.PIN_NOT_ALLOWED:
        return _("Some pinned pairs are conflicted: %(list)s. Remove these pins.") % {
            "list": _listed([f"{names[a]} · {titles[p]}" for p, a in reason.pairs])
        }
    return _(
        "Each proposal has enough candidates on its own, but they compete for the same assessors: "
        "no assignment covers every proposal within the caps (at most %(available)d of the %(needed)d "
        "assignments needed). Left short: %(list)s. Add assessors with these proposals' expertise or raise caps."
    ) % {
        "available": reason.available,
        "needed": reason.needed,
        "list": _listed([titles[s.proposal] for s in reason.proposals]),
    }


def _proposed_plan_locked(plan: AssignmentPlan) -> AssignmentPlan:
    locked = AssignmentPlan.objects.select_for_update().filter(pk=plan.pk).first()
    if locked is None or locked.state != PlanState.PROPOSED:
        raise StaleAction(_("This plan was already accepted or discarded by someone else. Look at the page again."))
    return locked


def assignment_plan_discard(*, plan: AssignmentPlan, by: User) -> AssignmentPlan:
    """Discard a proposed plan: nothing was assigned from it, nothing is."""
    with transaction.atomic():
        locked = _proposed_plan_locked(plan)
        locked.state, locked.decided_at = PlanState.DISCARDED, timezone.now()
        locked.save(update_fields=["state", "decided_at"])
    return locked


def planned_pair_remove(*, plan: AssignmentPlan, pair_pk: int, by: User) -> None:
    """Take one pair out of a proposed plan (the proposal is then one assessor short in it)."""
    with transaction.atomic():
        locked = _proposed_plan_locked(plan)
        pair = PlannedPair.objects.filter(plan=locked, pk=pair_pk).first()
        if pair is None:
            raise StaleAction(_("This pair is no longer in the plan."))
        pair.delete()
        locked.total_affinity = F("total_affinity") - pair.affinity
        locked.save(update_fields=["total_affinity"])


def planned_pair_replace(*, plan: AssignmentPlan, pair_pk: int, assessor: User, by: User) -> PlannedPair:
    """Put ``assessor`` in the place of one pair's assessor, with the same checks as a manual assignment."""
    with transaction.atomic():
        locked = _proposed_plan_locked(plan)
        pair = PlannedPair.objects.select_related("proposal").filter(plan=locked, pk=pair_pk).first()
        if pair is None:
            raise StaleAction(_("This pair is no longer in the plan."))
        if PlannedPair.objects.filter(plan=locked, proposal_id=pair.proposal_id, assessor=assessor).exists():
            raise DomainError(_("This assessor is already in the plan for this proposal."))
        profile = _check_pair(proposal=pair.proposal, assessor=assessor, rubric=None)
        planned = PlannedPair.objects.filter(plan=locked, assessor=assessor).count()
        if _load(assessor, pair.proposal.call_id) + planned >= profile.max_assignments_per_call:
            raise DomainError(
                _("%(name)s has no capacity left in this call once this plan is counted.") % {"name": assessor}
            )
        old = pair.affinity
        pair.assessor, pair.affinity = assessor, _pair_affinity(pair.proposal, profile)
        pair.save(update_fields=["assessor", "affinity"])
        locked.total_affinity = F("total_affinity") - old + pair.affinity
        locked.save(update_fields=["total_affinity"])
    return pair


def _pair_affinity(proposal: Proposal, profile: AssessorProfile) -> int:
    return solver.affinity(
        proposal_sectors=proposal.sectors or [],
        text=solver.proposal_text(
            keywords=proposal.keywords or [], title=proposal.title, technology=proposal.technology
        ),
        assessor_sectors=profile.sectors or [],
        assessor_keywords=profile.keywords or [],
    )


def assignment_plan_accept(*, plan: AssignmentPlan, by: User, expected_pairs: int | None = None) -> list[Assignment]:
    """Turn a proposed plan into offered assignments, all or none, after checking it still holds.

    Someone may have assigned, recorded a conflict, banned a pair, moved a proposal on or
    changed a cap since the plan was computed: the proposals and assessors are locked, every
    rule checked again over the plan's pairs in SQL, and any break refuses the whole plan
    with what broke. ``expected_pairs`` is the number of pairs the accepting user saw.
    """
    with transaction.atomic():
        locked = _proposed_plan_locked(plan)
        call = Call.objects.get(pk=locked.call_id)
        rubric = rubric_of(call=call)
        pairs = PlannedPair.objects.filter(plan=locked)
        # Lock what the checks read, in a fixed order, so a concurrent manual assignment waits.
        list(
            Proposal.objects.select_for_update()
            .filter(pk__in=pairs.values("proposal_id"))
            .order_by("pk")
            .values_list("pk")
        )
        list(
            AssessorProfile.objects.select_for_update()
            .filter(user_id__in=pairs.values("assessor_id"))
            .order_by("pk")
            .values_list("pk")
        )
        rows = list(
            pairs.annotate(
                is_conflicted=Exists(
                    Proposal.objects.filter(pk=OuterRef("proposal_id")).filter(
                        conflicted(assessor=OuterRef(OuterRef("assessor_id")), proposal=OuterRef("pk"))
                    )
                ),
                is_forbidden=Exists(
                    PairRule.objects.filter(
                        proposal_id=OuterRef("proposal_id"),
                        assessor_id=OuterRef("assessor_id"),
                        kind=PairRuleKind.FORBID,
                    )
                ),
                is_live=Exists(
                    Assignment.objects.filter(
                        proposal_id=OuterRef("proposal_id"), assessor_id=OuterRef("assessor_id"), state__in=LIVE
                    )
                ),
            ).values_list(
                "proposal_id",
                "assessor_id",
                "proposal__title",
                "proposal__state",
                "is_conflicted",
                "is_forbidden",
                "is_live",
            )
        )
        if expected_pairs is not None and expected_pairs != len(rows):
            raise StaleAction(_("The plan was changed since you looked at it. Look at it again before accepting."))
        problems = _plan_problems(rows, call=call, k=rubric.assessors_per_proposal)
        if problems:
            raise StaleAction(
                _("The plan no longer holds, nothing was assigned: %(problems)s Compute a new plan.")
                % {"problems": " ".join(problems)}
            )
        now = timezone.now()
        created = Assignment.objects.bulk_create(
            [
                Assignment(
                    proposal_id=p,
                    assessor_id=a,
                    rubric=rubric,
                    state=AssignmentState.OFFERED,
                    due_at=call.review_due_at,
                    assigned_by=by,
                    plan=locked,
                    created_at=now,
                )
                for p, a, *_rest in rows
            ],
            batch_size=5000,
        )
        locked.state, locked.decided_at = PlanState.ACCEPTED, now
        locked.save(update_fields=["state", "decided_at"])
        titles: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for p, a, title, *_rest in rows:
            titles[a].append((p, title))
        _notify_offered(titles, call=call, occurrence=f"plan-{locked.pk}")
    return created


def _plan_problems(rows: list[tuple[Any, ...]], *, call: Call, k: int) -> list[str]:
    problems = []
    moved = {title for _p, _a, title, state, *_rest in rows if state != ProposalState.IN_ASSESSMENT}
    if moved:
        problems.append(_("Proposals no longer in assessment: %(list)s.") % {"list": _listed(sorted(moved))})
    for index, message in (
        (4, _("Pairs now conflicted: %(count)d.")),
        (5, _("Pairs now forbidden by a rule: %(count)d.")),
        (6, _("Pairs already assigned meanwhile: %(count)d.")),
    ):
        count = sum(1 for row in rows if row[index])
        if count:
            problems.append(message % {"count": count})
    planned_per_assessor = Counter(a for _p, a, *_rest in rows)
    room = dict(
        assessors_qs()
        .filter(pk__in=planned_per_assessor)
        .annotate(room=F("assessor_profile__max_assignments_per_call") - _call_load(call))
        .values_list("pk", "room")
    )
    over = [a for a, planned in planned_per_assessor.items() if planned > room.get(a, 0)]
    if over:
        problems.append(
            ngettext(
                "%(count)d assessor no longer has the capacity (or left the pool).",
                "%(count)d assessors no longer have the capacity (or left the pool).",
                len(over),
            )
            % {"count": len(over)}
        )
    planned_per_proposal = Counter(p for p, _a, *_rest in rows)
    live = Counter(
        dict(
            Assignment.objects.filter(proposal_id__in=planned_per_proposal, state__in=LIVE)
            .order_by()
            .values("proposal_id")
            .annotate(n=Count("pk"))
            .values_list("proposal_id", "n")
        )
    )
    full = [p for p, planned in planned_per_proposal.items() if live[p] + planned > k]
    if full:
        problems.append(
            ngettext(
                "%(count)d proposal would have more than %(k)d assessors.",
                "%(count)d proposals would have more than %(k)d assessors.",
                len(full),
            )
            % {"count": len(full), "k": k}
        )
    return problems


def _notify_offered(titles: dict[int, list[tuple[int, str]]], *, call: Call, occurrence: str) -> None:
    """Tell each assessor once about all their new assignments (after commit, by email too)."""
    due = call.review_due_at.isoformat()
    rows = []
    for assessor_pk, items in titles.items():
        items.sort(key=lambda item: item[1])
        rows += notification_rows(
            event=Event.ASSIGNMENTS_OFFERED,
            recipients=[User(pk=assessor_pk)],
            occurrence=occurrence,
            proposal=Proposal(pk=items[0][0], call=call),
            context={"assignments": [{"id": p, "title": title} for p, title in items], "due_at": due},
        )
    notification_list_create(rows)


# --- By hand ---------------------------------------------------------------------------------------


def _load(assessor: User, call_pk: int) -> int:
    return Assignment.objects.filter(assessor=assessor, proposal__call_id=call_pk, state__in=LIVE).count()


def _check_pair(*, proposal: Proposal, assessor: User, rubric: Rubric | None) -> AssessorProfile:
    """Refuse, with a reason staff can act on, a pair that may not be assigned; return the assessor's profile."""
    profile = AssessorProfile.objects.select_for_update().filter(user=assessor).first()
    if profile is None or not assessor.is_active or not assessor.has_role(Role.ASSESSOR):
        raise DomainError(_("%(name)s is not in the assessor pool.") % {"name": assessor})
    if proposal.state != ProposalState.IN_ASSESSMENT:
        raise StaleAction(_("This proposal is no longer in assessment."))
    if (
        Proposal.objects.filter(pk=proposal.pk)
        .filter(conflicted(assessor=assessor.pk, proposal=OuterRef("pk")))
        .exists()
    ):
        raise DomainError(_("%(name)s has a conflict of interest with this proposal.") % {"name": assessor})
    if PairRule.objects.filter(proposal=proposal, assessor=assessor, kind=PairRuleKind.FORBID).exists():
        raise DomainError(
            _("A rule forbids assigning %(name)s to this proposal; remove it first.") % {"name": assessor}
        )
    if Assignment.objects.filter(proposal=proposal, assessor=assessor, state__in=LIVE).exists():
        raise DomainError(_("%(name)s is already assigned to this proposal.") % {"name": assessor})
    return profile


def assignment_create(*, proposal: Proposal, assessor: User, by: User, due_at: datetime | None = None) -> Assignment:
    """Assign one assessor to one proposal by hand, with the same checks as the optimal plan."""
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
        rubric = rubric_of(call=locked.call)
        profile = _check_pair(proposal=locked, assessor=assessor, rubric=rubric)
        if _load(assessor, locked.call_id) >= profile.max_assignments_per_call:
            raise DomainError(
                _("%(name)s already has %(cap)d assignments in this call, their most.")
                % {"name": assessor, "cap": profile.max_assignments_per_call}
            )
        if Assignment.objects.filter(proposal=locked, state__in=LIVE).count() >= rubric.assessors_per_proposal:
            raise DomainError(
                _("This proposal already has its %(k)d assessors.") % {"k": rubric.assessors_per_proposal}
            )
        due = due_at or locked.call.review_due_at
        if due <= timezone.now():
            raise DomainError(_("The due date must be in the future."))
        assignment = Assignment.objects.create(
            proposal=locked, assessor=assessor, rubric=rubric, due_at=due, assigned_by=by
        )
        notification_list_create(
            notification_rows(
                event=Event.ASSIGNMENTS_OFFERED,
                recipients=[assessor],
                occurrence=f"assignment-{assignment.pk}",
                proposal=locked,
                context={"assignments": [{"id": locked.pk, "title": locked.title}], "due_at": due.isoformat()},
            )
        )
    return assignment


def assignment_withdraw(*, assignment: Assignment, by: User) -> Assignment:
    """Withdraw an offered or accepted assignment, freeing the slot; a submitted review cannot be withdrawn."""
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
        if locked is None or locked.state not in LIVE:
            raise StaleAction(_("This assignment was already withdrawn or declined."))
        if Review.objects.filter(assignment=locked, state=ReviewState.SUBMITTED).exists():
            raise DomainError(_("The assessor has submitted the review; it cannot be withdrawn."))
        locked.state = AssignmentState.WITHDRAWN
        locked.save(update_fields=["state", "updated_at"])
    return locked


# --- Pair rules -------------------------------------------------------------------------------------


def pair_rule_set(*, proposal: Proposal, assessor: User, kind: str, by: User) -> PairRule:
    """Pin or forbid one assessor for one proposal in the optimal assignment (replacing an earlier rule)."""
    if kind not in PairRuleKind.values:
        raise DomainError(_("Choose whether to pin or forbid."))
    if not AssessorProfile.objects.filter(user=assessor).exists():
        raise DomainError(_("%(name)s is not in the assessor pool.") % {"name": assessor})
    if (
        kind == PairRuleKind.PIN
        and Proposal.objects.filter(pk=proposal.pk)
        .filter(conflicted(assessor=assessor.pk, proposal=OuterRef("pk")))
        .exists()
    ):
        raise DomainError(
            _("%(name)s has a conflict of interest with this proposal: they cannot be pinned.") % {"name": assessor}
        )
    rule, _created = PairRule.objects.update_or_create(
        proposal=proposal, assessor=assessor, defaults={"kind": kind, "created_by": by, "created_at": timezone.now()}
    )
    return rule


def pair_rule_remove(*, rule: PairRule, by: User) -> None:
    """Remove a pin or a ban."""
    PairRule.objects.filter(pk=rule.pk).delete()


# --- Reads for the staff page -----------------------------------------------------------------------


@dataclass
class ProposalRow:
    proposal: Proposal
    assignments: list[Assignment]
    missing: int


def assignment_rows(*, call: Call, k: int, proposals: Iterable[Proposal]) -> list[ProposalRow]:
    """Return each proposal with its live and past assignments (one query) and the slots it still lacks."""
    chosen = list(proposals)
    by_proposal: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in (
        Assignment.objects.filter(proposal__in=[p.pk for p in chosen])
        .exclude(state=AssignmentState.WITHDRAWN)
        .select_related("assessor")
        .order_by("created_at", "pk")
    ):
        by_proposal[assignment.proposal_id].append(assignment)
    return [
        ProposalRow(
            proposal=p,
            assignments=by_proposal[p.pk],
            missing=max(0, k - sum(1 for a in by_proposal[p.pk] if a.state in LIVE)),
        )
        for p in chosen
    ]


def proposals_in_assessment(*, call: Call) -> QuerySet[Proposal]:
    return Proposal.objects.filter(call=call, state=ProposalState.IN_ASSESSMENT).order_by("title", "pk")


def slots_missing(*, call: Call, k: int) -> tuple[int, int]:
    """Return how many proposals are in assessment and how many assignments they still lack, in one query."""
    live = Assignment.objects.filter(proposal=OuterRef("pk"), state__in=LIVE).order_by().values("proposal")
    counts = list(
        proposals_in_assessment(call=call)
        .annotate(live=Coalesce(Subquery(live.annotate(n=Count("pk")).values("n")), Value(0)))
        .values_list("live", flat=True)
    )
    return len(counts), sum(max(0, k - n) for n in counts)


def candidate_assessors(*, proposal: Proposal) -> list[tuple[User, int, int]]:
    """Return the assessors who may be assigned to ``proposal`` now, best affinity first, with load and cap.

    Not conflicted, not banned, not already assigned, with capacity left in the call: one query.
    """
    call_pk = proposal.call_id
    candidates = (
        assessors_qs()
        .exclude(
            Exists(
                Proposal.objects.filter(pk=proposal.pk).filter(
                    conflicted(assessor=OuterRef(OuterRef("pk")), proposal=OuterRef("pk"))
                )
            )
        )
        .exclude(Exists(PairRule.objects.filter(proposal=proposal, assessor=OuterRef("pk"), kind=PairRuleKind.FORBID)))
        .exclude(Exists(Assignment.objects.filter(proposal=proposal, assessor=OuterRef("pk"), state__in=LIVE)))
        .annotate(load=_call_load(Call(pk=call_pk)))
        .filter(assessor_profile__max_assignments_per_call__gt=F("load"))
        .select_related("assessor_profile")
    )
    rows = [(user, user.load, user.assessor_profile.max_assignments_per_call) for user in candidates]  # type: ignore[attr-defined]
    scored = [(_pair_affinity(proposal, user.assessor_profile), user, load, cap) for user, load, cap in rows]
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


def pair_rules(*, proposal: Proposal) -> list[PairRule]:
    return list(PairRule.objects.filter(proposal=proposal).select_related("assessor").order_by("kind", "pk"))
