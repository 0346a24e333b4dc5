"""Staff's decision on a proposed plan: take pairs out or replace them, discard it, or accept it.

Accepting re-checks everything at that moment (conflicts, bans, capacity, duplicates, the
proposals' state) under row locks and writes all the assignments or none; each assessor
is told once, listing all their new proposals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.errors import DomainError, StaleAction
from accounts.models import User
from assessment.choices import AssignmentState, PairRuleKind, PlanState
from assessment.models import AssessorProfile, Assignment, AssignmentPlan, PairRule, PlannedPair, Rubric
from assessment.selectors import conflicted
from assessment.services.pair_checks import (
    LIVE,
    assessor_load,
    assessors_qs,
    at_its_stage,
    call_load,
    pair_affinity,
    pair_check,
    rubric_of,
)
from assessment.services.planning import names_listed
from assessment.services.standings import stage_standings_create
from intake.models import Call, Proposal
from intake.states import ProposalState
from records.events import Event
from records.notifications import notification_list_create, notification_rows


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
        profile = pair_check(proposal=pair.proposal, assessor=assessor, rubric=None)
        planned = PlannedPair.objects.filter(plan=locked, assessor=assessor).count()
        if assessor_load(assessor, pair.proposal.call_id) + planned >= profile.max_assignments_per_call:
            raise DomainError(
                _("%(name)s has no capacity left in this call once this plan is counted.") % {"name": assessor}
            )
        old = pair.affinity
        pair.assessor, pair.affinity = assessor, pair_affinity(pair.proposal, profile)
        pair.save(update_fields=["assessor", "affinity"])
        locked.total_affinity = F("total_affinity") - old + pair.affinity
        locked.save(update_fields=["total_affinity"])
    return pair


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
                        at_its_stage(),
                        proposal_id=OuterRef("proposal_id"),
                        assessor_id=OuterRef("assessor_id"),
                        state__in=LIVE,
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
                "proposal__stage__kind",
            )
        )
        if expected_pairs is not None and expected_pairs != len(rows):
            raise StaleAction(_("The plan was changed since you looked at it. Look at it again before accepting."))
        # Each pair under the rubric of the stage its proposal is in now, whose k it fills.
        rubrics = {kind: rubric_of(call=call, stage=kind) for kind in {row[-1] for row in rows}}
        problems = _plan_problems(rows, call=call, rubrics=rubrics)
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
                    rubric=rubrics[kind],
                    state=AssignmentState.OFFERED,
                    due_at=call.review_due_at,
                    assigned_by=by,
                    plan=locked,
                    created_at=now,
                )
                for p, a, *_rest, kind in rows
            ],
            batch_size=5000,
        )
        stage_standings_create((assignment.proposal_id, assignment.rubric.pk) for assignment in created)
        locked.state, locked.decided_at = PlanState.ACCEPTED, now
        locked.save(update_fields=["state", "decided_at"])
        titles: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for p, a, title, *_rest in rows:
            titles[a].append((p, title))
        _notify_offered(titles, call=call, occurrence=f"plan-{locked.pk}")
    return created


def _plan_problems(rows: list[tuple[Any, ...]], *, call: Call, rubrics: dict[str, Rubric]) -> list[str]:
    problems = []
    moved = {title for _p, _a, title, state, *_rest in rows if state != ProposalState.IN_ASSESSMENT}
    if moved:
        problems.append(_("Proposals no longer in assessment: %(list)s.") % {"list": names_listed(sorted(moved))})
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
        assessors_qs(program_id=call.program_id)
        .filter(pk__in=planned_per_assessor)
        .annotate(room=F("assessor_profile__max_assignments_per_call") - call_load(call))
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
    k_of = {p: rubrics[kind].assessors_per_proposal for p, *_rest, kind in rows}
    live = Counter(
        dict(
            Assignment.objects.filter(at_its_stage(), proposal_id__in=planned_per_proposal, state__in=LIVE)
            .order_by()
            .values("proposal_id")
            .annotate(n=Count("pk"))
            .values_list("proposal_id", "n")
        )
    )
    full = [p for p, planned in planned_per_proposal.items() if live[p] + planned > k_of[p]]
    if full:
        problems.append(
            ngettext(
                "%(count)d proposal would have more than %(k)d assessors.",
                "%(count)d proposals would have more than %(k)d assessors.",
                len(full),
            )
            % {"count": len(full), "k": min(k_of[p] for p in full)}
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
