"""Assigning assessors: the optimal plan from the database, accepting it, by hand, pair rules, and the staff pages."""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import DomainError, StaleAction
from accounts.models import Organization, User
from assessment.choices import AssignmentState, ConflictSource, PairRuleKind, PlanState
from assessment.models import (
    Affiliation,
    AssessorProfile,
    Assignment,
    AssignmentPlan,
    Conflict,
    PairRule,
    PlannedPair,
    Rubric,
    StageStanding,
)
from assessment.services.assignment import assignment_create, assignment_withdraw
from assessment.services.pair_rules import pair_rule_set
from assessment.services.plan_acceptance import assignment_plan_accept, assignment_plan_discard, planned_pair_remove
from assessment.services.planning import assignment_plan_compute, conflicted_pairs
from assessment.services.results import call_results
from intake.choices import VersionKind
from intake.models import Call, ConsortiumMember, Proposal
from intake.states import ProposalState
from records.events import Channel, Event
from records.models import Notification
from tests.conftest import client_for
from tests.factories import CallFactory, OrganizationFactory, ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call() -> Call:
    call = cast(Call, CallFactory())
    Rubric.objects.create(call=call, assessors_per_proposal=2)
    return call


def _proposal(call: Call, **fields: Any) -> Proposal:
    return cast(Proposal, ProposalFactory(call=call, state=ProposalState.IN_ASSESSMENT, application=False, **fields))


def _assessor(cap: int = 5, sectors: list[str] | None = None, keywords: list[str] | None = None) -> User:
    user = cast(User, UserFactory(role=Role.ASSESSOR))
    AssessorProfile.objects.create(
        user=user, sectors=sectors or [], keywords=keywords or [], max_assignments_per_call=cap
    )
    return user


def _pairs(plan: AssignmentPlan) -> set[tuple[int, int]]:
    return set(PlannedPair.objects.filter(plan=plan).values_list("proposal_id", "assessor_id"))


def test_plan_gives_k_distinct_unconflicted_assessors_by_affinity(call: Call, staff: User) -> None:
    ocean = _proposal(call, sectors=["ocean"], keywords=["sonar"])
    health = _proposal(call, sectors=["health"])
    sailor, medic, _other, conflicted = (
        _assessor(sectors=["ocean"], keywords=["Sonar"]),
        _assessor(sectors=["health"]),
        _assessor(),
        _assessor(sectors=["ocean", "health"], keywords=["sonar"]),
    )
    # Automatic conflict: a current affiliation with the ocean proposal's consortium; declared on the other.
    Affiliation.objects.create(assessor=conflicted, organization=ocean.lead_organization)
    Conflict.objects.create(assessor=conflicted, proposal=health, source=ConflictSource.DECLARED)
    _proposal(cast(Call, CallFactory()), sectors=["ocean"])  # Another call's proposal is not planned.

    outcome = assignment_plan_compute(call=call, by=staff)

    assert outcome.reasons == []
    assert outcome.plan is not None
    pairs = _pairs(outcome.plan)
    assert Counter(p for p, _a in pairs) == {ocean.pk: 2, health.pk: 2}
    assert {(ocean.pk, sailor.pk), (health.pk, medic.pk)} <= pairs
    assert outcome.plan.total_affinity == 10 + 3 + 10
    assert not any(a == conflicted.pk for _p, a in _pairs(outcome.plan))
    assert Assignment.objects.count() == 0


def test_plan_counts_live_assignments_against_k_and_cap(call: Call, staff: User) -> None:
    first, second = _proposal(call), _proposal(call)
    busy, _free_a, _free_b = _assessor(cap=1), _assessor(cap=5), _assessor(cap=5)
    rubric = Rubric.objects.get(call=call)
    Assignment.objects.create(proposal=first, assessor=busy, rubric=rubric, due_at=call.review_due_at)

    outcome = assignment_plan_compute(call=call, by=staff)

    assert outcome.plan is not None
    pairs = _pairs(outcome.plan)
    assert Counter(p for p, _a in pairs) == {first.pk: 1, second.pk: 2}
    assert busy.pk not in {a for _p, a in pairs}


def test_plan_honours_pins_and_bans(call: Call, staff: User) -> None:
    proposal = _proposal(call, sectors=["ocean"])
    expert, banned, pinned, spare = (
        _assessor(sectors=["ocean"]),
        _assessor(sectors=["ocean"]),
        _assessor(),
        _assessor(sectors=["ocean"]),
    )
    pair_rule_set(proposal=proposal, assessor=banned, kind=PairRuleKind.FORBID, by=staff)
    pair_rule_set(proposal=proposal, assessor=pinned, kind=PairRuleKind.PIN, by=staff)

    outcome = assignment_plan_compute(call=call, by=staff)

    assert outcome.plan is not None
    pairs = {a for _p, a in _pairs(outcome.plan)}
    assert pinned.pk in pairs
    assert banned.pk not in pairs
    assert len(pairs & {expert.pk, spare.pk}) == 1


def test_plan_explains_proposals_short_of_candidates(call: Call, staff: User) -> None:
    proposal = _proposal(call, title="Sea lice sensing")
    only = _assessor()
    _assessor(cap=0)
    Conflict.objects.create(assessor=_assessor(), proposal=proposal, source=ConflictSource.RECORDED)

    outcome = assignment_plan_compute(call=call, by=staff)

    assert outcome.plan is None
    assert AssignmentPlan.objects.count() == 0
    assert outcome.reasons[0].startswith(
        "1 proposal has fewer than 2 unconflicted assessors with capacity: “Sea lice sensing (1 of 2)”."
    )
    assert only.pk


def test_plan_explains_total_capacity(call: Call, staff: User) -> None:
    for _ in range(3):
        _proposal(call)
    _assessor(cap=2), _assessor(cap=2)

    outcome = assignment_plan_compute(call=call, by=staff)

    assert outcome.plan is None
    assert any("total remaining capacity, 4, is below the 6 assignments needed" in r for r in outcome.reasons)


def test_plan_of_a_call_without_a_rubric_uses_the_default_one(staff: User) -> None:
    call = cast(Call, CallFactory())

    assignment_plan_compute(call=call, by=staff)

    assert Rubric.objects.get(call=call, stage=VersionKind.APPLICATION).assessors_per_proposal == 3


def test_conflicted_pairs_agree_with_the_definition(call: Call) -> None:
    proposals = [_proposal(call) for _ in range(3)]
    assessors = [_assessor() for _ in range(3)]
    partner = cast(Organization, OrganizationFactory())
    ConsortiumMember.objects.create(proposal=proposals[1], organization=partner)
    Affiliation.objects.create(assessor=assessors[0], organization=partner)
    Affiliation.objects.create(
        assessor=assessors[1],
        organization=proposals[2].lead_organization,
        ended_on=timezone.localdate().replace(year=2000),
    )
    Conflict.objects.create(assessor=assessors[2], proposal=proposals[0], source=ConflictSource.DECLARED)

    found = conflicted_pairs(proposals=Proposal.objects.filter(call=call))

    assert found == {(proposals[1].pk, assessors[0].pk), (proposals[0].pk, assessors[2].pk)}


def _planned(call: Call, staff: User) -> AssignmentPlan:
    outcome = assignment_plan_compute(call=call, by=staff)
    assert outcome.plan is not None
    return outcome.plan


def test_accept_writes_offered_assignments_and_tells_each_assessor_once(call: Call, staff: User) -> None:
    proposals = [_proposal(call) for _ in range(3)]
    assessors = [_assessor(cap=2) for _ in range(3)]
    plan = _planned(call, staff)

    created = assignment_plan_accept(plan=plan, by=staff, expected_pairs=6)

    assert len(created) == 6
    rows = Assignment.objects.filter(plan=plan)
    assert set(rows.values_list("state", flat=True)) == {AssignmentState.OFFERED}
    assert set(rows.values_list("due_at", flat=True)) == {call.review_due_at}
    assert {p.pk for p in proposals} == set(rows.values_list("proposal_id", flat=True))
    sent = Notification.objects.filter(event=Event.ASSIGNMENTS_OFFERED, channel=Channel.EMAIL)
    assert Counter(sent.values_list("recipient_id", flat=True)) == {a.pk: 1 for a in assessors}
    for notification in sent:
        assert len(notification.context["assignments"]) == 2
    plan.refresh_from_db()
    assert plan.state == PlanState.ACCEPTED
    # The results rank every assigned proposal, unscored until a review is in.
    standings = StageStanding.objects.filter(proposal__in=proposals)
    assert sorted(standings.values_list("proposal_id", "total", "scored")) == sorted(
        (p.pk, None, False) for p in proposals
    )


def test_assign_by_hand_puts_the_proposal_in_the_results_unscored(call: Call, staff: User) -> None:
    proposal = _proposal(call)

    assignment = assignment_create(proposal=proposal, assessor=_assessor(), by=staff)

    (row,) = call_results(call=call, stage=assignment.rubric.stage).rows
    assert (row.proposal.pk, row.rank, row.submitted, row.scores.total) == (proposal.pk, None, 0, None)


def test_accept_refuses_whole_plan_when_a_conflict_appeared(call: Call, staff: User) -> None:
    proposal = _proposal(call)
    first, _second = _assessor(), _assessor()
    plan = _planned(call, staff)
    Conflict.objects.create(assessor=first, proposal=proposal, source=ConflictSource.DECLARED)

    with pytest.raises(StaleAction, match="Pairs now conflicted: 1"):
        assignment_plan_accept(plan=plan, by=staff)

    assert Assignment.objects.count() == 0
    assert Notification.objects.filter(event=Event.ASSIGNMENTS_OFFERED).count() == 0


def test_accept_refuses_when_someone_assigned_meanwhile_or_caps_fell(call: Call, staff: User) -> None:
    proposal = _proposal(call)
    first, _second = _assessor(), _assessor()
    plan = _planned(call, staff)
    assignment_create(proposal=proposal, assessor=first, by=staff)

    with pytest.raises(StaleAction, match="already assigned meanwhile: 1"):
        assignment_plan_accept(plan=plan, by=staff)
    assert Assignment.objects.count() == 1


def test_accept_refuses_a_changed_or_decided_plan(call: Call, staff: User) -> None:
    _proposal(call)
    _assessor(), _assessor(), _assessor()
    plan = _planned(call, staff)
    pair = PlannedPair.objects.filter(plan=plan).first()
    assert pair is not None
    planned_pair_remove(plan=plan, pair_pk=pair.pk, by=staff)

    with pytest.raises(StaleAction, match="changed since you looked"):
        assignment_plan_accept(plan=plan, by=staff, expected_pairs=2)
    assignment_plan_discard(plan=plan, by=staff)
    with pytest.raises(StaleAction, match="already accepted or discarded"):
        assignment_plan_accept(plan=plan, by=staff, expected_pairs=1)


def test_a_new_plan_discards_the_previous_proposal(call: Call, staff: User) -> None:
    _proposal(call)
    _assessor(), _assessor()
    old = _planned(call, staff)

    new = _planned(call, staff)

    old.refresh_from_db()
    assert (old.state, new.state) == (PlanState.DISCARDED, PlanState.PROPOSED)


def test_assign_by_hand_checks_conflict_duplicate_capacity_and_k(call: Call, staff: User) -> None:
    proposal, other = _proposal(call), _proposal(call)
    tight, conflicted, a, b = _assessor(cap=1), _assessor(), _assessor(), _assessor()
    Conflict.objects.create(assessor=conflicted, proposal=proposal, source=ConflictSource.DECLARED)

    assignment_create(proposal=other, assessor=tight, by=staff)
    with pytest.raises(DomainError, match="conflict of interest"):
        assignment_create(proposal=proposal, assessor=conflicted, by=staff)
    with pytest.raises(DomainError, match="already has 1 assignments in this call"):
        assignment_create(proposal=proposal, assessor=tight, by=staff)
    assignment_create(proposal=proposal, assessor=a, by=staff)
    with pytest.raises(DomainError, match="already assigned"):
        assignment_create(proposal=proposal, assessor=a, by=staff)
    assignment_create(proposal=proposal, assessor=b, by=staff)
    with pytest.raises(DomainError, match="already has its 2 assessors"):
        assignment_create(proposal=proposal, assessor=_assessor(), by=staff)
    assert Notification.objects.filter(event=Event.ASSIGNMENTS_OFFERED, channel=Channel.INBOX).count() == 3


def test_withdraw_frees_the_slot_once(call: Call, staff: User) -> None:
    proposal = _proposal(call)
    assessor = _assessor(cap=1)
    assignment = assignment_create(proposal=proposal, assessor=assessor, by=staff)

    assignment_withdraw(assignment=assignment, by=staff)

    with pytest.raises(StaleAction):
        assignment_withdraw(assignment=assignment, by=staff)
    assignment_create(proposal=proposal, assessor=assessor, by=staff)  # Cap and pair are free again.


def test_pin_refused_on_a_conflicted_pair(call: Call, staff: User) -> None:
    proposal = _proposal(call)
    assessor = _assessor()
    Affiliation.objects.create(assessor=assessor, organization=proposal.lead_organization)

    with pytest.raises(DomainError, match="cannot be pinned"):
        pair_rule_set(proposal=proposal, assessor=assessor, kind=PairRuleKind.PIN, by=staff)
    assert PairRule.objects.count() == 0


# --- Pages ------------------------------------------------------------------------------------------


def _page(call: Call) -> str:
    return reverse("assessment:assignments", kwargs={"pk": call.pk})


def test_page_compute_then_accept_through_the_buttons(call: Call, staff: User, staff_client: Client) -> None:
    _proposal(call, title="Sea lice sensing")
    _assessor(), _assessor()

    response = staff_client.post(reverse("assessment:assignment_plan_compute", kwargs={"pk": call.pk}))
    assert response.status_code == 302
    plan = AssignmentPlan.objects.get()
    page = staff_client.get(_page(call))
    assert "Sea lice sensing" in page.content.decode()
    accept = reverse("assessment:assignment_plan_accept", kwargs={"pk": call.pk, "plan_pk": plan.pk})
    response = staff_client.post(accept, {"expected_pairs": "2"})

    assert response.status_code == 302
    assert Assignment.objects.count() == 2
    assert staff_client.post(accept, {"expected_pairs": "2"}).status_code == 409


@pytest.mark.parametrize(("slots", "message"), [
    (1, "1 assignment offered; each assessor is told once."),
    (2, "2 assignments offered; each assessor is told once."),
])  # fmt: skip
def test_page_accept_counts_the_assignments_offered_in_words(
    call: Call, staff_client: Client, slots: int, message: str
) -> None:
    Rubric.objects.filter(call=call).update(assessors_per_proposal=slots)
    _proposal(call, title="Sea lice sensing")
    _assessor(), _assessor()
    staff_client.post(reverse("assessment:assignment_plan_compute", kwargs={"pk": call.pk}))
    plan = AssignmentPlan.objects.get()

    accept = reverse("assessment:assignment_plan_accept", kwargs={"pk": call.pk, "plan_pk": plan.pk})
    page = staff_client.post(accept, {"expected_pairs": str(slots)}, follow=True)

    assert [str(shown) for shown in page.context["messages"]][-1] == message


def test_page_shows_the_reasons_when_no_plan_exists(call: Call, staff_client: Client) -> None:
    _proposal(call, title="Sea lice sensing")

    response = staff_client.post(reverse("assessment:assignment_plan_compute", kwargs={"pk": call.pk}))

    assert response.status_code == 409
    assert "fewer than 2 unconflicted assessors" in response.content.decode()


def test_page_of_a_call_without_a_rubric_uses_the_default_k(staff_client: Client) -> None:
    response = staff_client.get(_page(cast(Call, CallFactory())))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Assessors per proposal, by the rubric of the stage it is in: Full application 3." in text


def test_assign_by_hand_form_offers_only_allowed_assessors_and_says_why_not(
    call: Call, staff: User, staff_client: Client
) -> None:
    proposal = _proposal(call)
    allowed, conflicted = _assessor(), _assessor()
    Conflict.objects.create(assessor=conflicted, proposal=proposal, source=ConflictSource.DECLARED)
    url = reverse("assessment:assignment_proposal", kwargs={"pk": call.pk, "proposal_pk": proposal.pk})

    # The assign form comes before the rules' form, which lists the whole pool (a ban needs no capacity).
    page = staff_client.get(url).content.decode().split('id="rules-heading"')[0]
    refused = staff_client.post(url, {"assign-assessor": str(conflicted.pk)})
    bad = staff_client.post(url, {"assign-assessor": "nope"})
    done = staff_client.post(url, {"assign-assessor": str(allowed.pk)})

    assert f'value="{allowed.pk}"' in page
    assert f'value="{conflicted.pk}"' not in page
    assert refused.status_code == 400
    assert bad.status_code == 400
    assert done.status_code == 302
    assert Assignment.objects.get().assessor == allowed


def test_pages_refuse_other_roles(call: Call, assessor: User, applicant: User) -> None:
    for user in (assessor, applicant):
        assert client_for(user).get(_page(call)).status_code == 403
        assert (
            client_for(user).post(reverse("assessment:assignment_plan_compute", kwargs={"pk": call.pk})).status_code
            == 403
        )


@pytest.mark.parametrize("rows", [1, 50])
def test_page_queries_do_not_grow(
    call: Call, staff: User, staff_client: Client, rows: int, django_assert_max_num_queries: Any
) -> None:
    assessors = [_assessor(cap=100) for _ in range(3)]
    for _ in range(rows):
        _proposal(call)
    plan = _planned(call, staff)
    assignment_plan_accept(plan=plan, by=staff)
    for assessor in assessors:
        assert assessor.pk
    _planned_again = assignment_plan_compute(call=call, by=staff)

    with django_assert_max_num_queries(14):  # each stage's rubric, and the stages
        response = staff_client.get(_page(call))

    assert response.status_code == 200
