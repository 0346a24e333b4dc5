"""Any stage may be assessed: the rubric of the stage a proposal is in sets its k, its assessors and its reviews.

Two paths end to end through the services: NGen's technology assessment of a small project (the
full application alone, one assessor) and the screening of expressions of interest (an assessed
letter of intent with two assessors, then the full application).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import DomainError
from accounts.models import User
from assessment.choices import Confidence, Recommendation
from assessment.models import AssessorProfile, Assignment, Review, Rubric, Standing
from assessment.services.assignment import assignment_create
from assessment.services.conflicts import conflict_declare_none
from assessment.services.plan_acceptance import assignment_plan_accept
from assessment.services.planning import assignment_plan_compute
from assessment.services.results import call_results, call_scores_csv
from assessment.services.reviews import ReviewInput, ScoreInput, assignment_accept, review_page_for_assessor
from assessment.services.rubrics import rubric_for
from board.models import BoardMeeting
from intake.choices import VersionKind
from intake.models import Call, Proposal
from intake.services.stages import StagePlan
from intake.states import ProposalState
from tests.assessment.reviewing import assignment_make, review_make, rubric_make
from tests.factories import CallFactory, ProposalFactory, UserFactory, fill_application
from workflow import actions
from workflow.actions.base import ConditionsNotMet
from workflow.reviews import review_submit

pytestmark = pytest.mark.django_db


def _assessor() -> User:
    user = cast(User, UserFactory(role=Role.ASSESSOR))
    AssessorProfile.objects.create(user=user, max_assignments_per_call=5)
    return user


def _call(*plans: tuple[str, bool]) -> Call:
    """A call open now whose path is ``plans`` as (kind, assessed), each stage open for 30 days more."""
    now = timezone.now()
    return cast(
        Call,
        CallFactory(
            stages=[
                StagePlan(kind, now - timedelta(days=1), now + timedelta(days=30 + index), assessed=assessed)
                for index, (kind, assessed) in enumerate(plans)
            ]
        ),
    )


def _review(assignment: Assignment, assessor: User, value: int) -> Review:
    """The assessor declares no conflict, accepts and submits a review scoring every criterion ``value``."""
    conflict_declare_none(assignment=assignment, by=assessor)
    assignment_accept(assignment=assignment, by=assessor)
    criteria = list(assignment.rubric.criteria.all())
    data = ReviewInput(
        scores={criterion.pk: ScoreInput(value, "Because.") for criterion in criteria},
        recommendation=Recommendation.FUND,
        confidence=Confidence.HIGH,
        overall_comment="",
    )
    return review_submit(assignment=assignment, by=assessor, data=data, expected_updated_at=None)


def _state(proposal: Proposal) -> tuple[str, str]:
    stored = Proposal.objects.select_related("stage").get(pk=proposal.pk)
    return stored.state, stored.stage.kind


def test_small_project_single_stage_technology_assessment_by_one_assessor(staff: User) -> None:
    call = _call((VersionKind.APPLICATION, True))
    rubric_make(call, k=1, criteria=((Decimal("1"), 0, 5),))
    proposal = cast(Proposal, ProposalFactory(call=call, application=True))
    lead, expert = proposal.lead_applicant, _assessor()
    assert _state(proposal) == (ProposalState.DRAFT, VersionKind.APPLICATION)

    actions.proposal_submit_application(proposal=proposal, by=lead)
    actions.proposal_start_assessment(proposal=proposal, by=staff)
    assignment = assignment_create(proposal=proposal, assessor=expert, by=staff)
    with pytest.raises(DomainError, match="already has its 1 assessors"):
        assignment_create(proposal=proposal, assessor=_assessor(), by=staff)
    _review(assignment, expert, 4)

    assert _state(proposal) == (ProposalState.ASSESSED, VersionKind.APPLICATION)
    assert assignment.rubric.stage == VersionKind.APPLICATION
    assert review_page_for_assessor(user=expert, pk=assignment.pk).version.kind == VersionKind.APPLICATION
    (row,) = call_results(call=call).rows
    assert (row.proposal.pk, row.submitted, row.required, row.scores.total) == (proposal.pk, 1, 1, 80.0)
    assert Standing.objects.get(proposal=proposal).total == 80.0


def test_expressions_of_interest_screened_by_two_assessors_then_the_application(staff: User) -> None:
    call = _call((VersionKind.LOI, True), (VersionKind.APPLICATION, True))
    rubric_make(call, k=2, stage=VersionKind.LOI, criteria=((Decimal("1"), 0, 10),))
    rubric_make(call, k=1, criteria=((Decimal("1"), 0, 5),))
    proposal = cast(Proposal, ProposalFactory(call=call))
    lead, first, second = proposal.lead_applicant, _assessor(), _assessor()

    actions.proposal_submit_loi(proposal=proposal, by=lead)
    actions.proposal_start_assessment(proposal=proposal, by=staff)
    assert _state(proposal) == (ProposalState.IN_ASSESSMENT, VersionKind.LOI)
    # The optimal plan gives the letter of intent the k of its own rubric: two assessors.
    outcome = assignment_plan_compute(call=call, by=staff)
    assert outcome.plan is not None
    screening = assignment_plan_accept(plan=outcome.plan, by=staff)
    assert sorted(a.assessor_id for a in screening) == sorted([first.pk, second.pk])
    assert {a.rubric.stage for a in screening} == {VersionKind.LOI}
    by_assessor = {a.assessor_id: a for a in screening}
    _review(by_assessor[first.pk], first, 8)
    # One review of two: the assessment is not complete, and staff cannot complete it either.
    assert _state(proposal) == (ProposalState.IN_ASSESSMENT, VersionKind.LOI)
    with pytest.raises(ConditionsNotMet):
        actions.proposal_complete_assessment(proposal=proposal, by=staff)
    page = review_page_for_assessor(user=first, pk=by_assessor[first.pk].pk)
    assert page.version is not None
    assert page.version.kind == VersionKind.LOI
    _review(by_assessor[second.pk], second, 6)
    assert _state(proposal) == (ProposalState.ASSESSED, VersionKind.LOI)

    # The early stage never goes to the board; staff invite it to the full application.
    with pytest.raises(ConditionsNotMet):
        actions.proposal_send_to_board(
            proposal=proposal, by=staff, meeting=BoardMeeting(call=call, held_at=timezone.now() + timedelta(days=40))
        )
    actions.proposal_invite(proposal=proposal, by=staff)
    assert _state(proposal) == (ProposalState.INVITED, VersionKind.APPLICATION)
    (loi_row,) = call_results(call=call, stage=VersionKind.LOI).rows
    assert (loi_row.submitted, loi_row.required, loi_row.scores.total, loi_row.passed) == (2, 2, 70.0, True)
    assert call_results(call=call).rows == []
    assert Standing.objects.get(proposal=proposal).total is None  # the board's standing is the application's

    fill_application(proposal)
    actions.proposal_submit_application(proposal=proposal, by=lead)
    actions.proposal_start_assessment(proposal=proposal, by=staff)
    # The application needs its own k = 1; a screener of the letter of intent may assess it too.
    assert Proposal.objects.get(pk=proposal.pk).required_reviews_missing() == 1
    application = assignment_create(proposal=proposal, assessor=first, by=staff)
    assert application.rubric == Rubric.objects.get(call=call, stage=VersionKind.APPLICATION)
    _review(application, first, 5)

    assert _state(proposal) == (ProposalState.ASSESSED, VersionKind.APPLICATION)
    (row,) = call_results(call=call).rows
    assert (row.submitted, row.required, row.scores.total) == (1, 1, 100.0)
    assert Standing.objects.get(proposal=proposal).total == 100.0
    csv_loi = list(call_scores_csv(call=call, stage=VersionKind.LOI))
    # The header and one score per screening review, then after a blank line the reliability table.
    assert len(csv_loi[: csv_loi.index("\r\n")]) == 3


def test_required_reviews_missing_counts_the_current_stages_rubric() -> None:
    call = _call((VersionKind.LOI, True), (VersionKind.APPLICATION, True))
    loi = rubric_make(call, k=2, stage=VersionKind.LOI)
    rubric_make(call, k=3)
    proposal = cast(Proposal, ProposalFactory(call=call, state=ProposalState.IN_ASSESSMENT))
    Proposal.objects.filter(pk=proposal.pk).update(stage=call.stages.get(kind=VersionKind.LOI))
    proposal = Proposal.objects.get(pk=proposal.pk)
    review_make(assignment_make(proposal, rubric=loi))

    assert proposal.required_reviews_missing() == 1
    Proposal.objects.filter(pk=proposal.pk).update(stage=call.stages.get(kind=VersionKind.APPLICATION))
    assert Proposal.objects.get(pk=proposal.pk).required_reviews_missing() == 3


def test_assignment_by_hand_at_the_letter_of_intent_uses_its_rubric(staff: User) -> None:
    call = _call((VersionKind.LOI, True), (VersionKind.APPLICATION, True))
    proposal = cast(Proposal, ProposalFactory(call=call))
    actions.proposal_submit_loi(proposal=proposal, by=proposal.lead_applicant)
    actions.proposal_start_assessment(proposal=proposal, by=staff)

    assignment = assignment_create(proposal=proposal, assessor=_assessor(), by=staff)

    assert assignment.rubric == rubric_for(call=call, stage=VersionKind.LOI)


def test_results_page_shows_the_chosen_stage(staff_client: Client) -> None:
    call = _call((VersionKind.LOI, True), (VersionKind.APPLICATION, True))
    loi = rubric_make(call, k=1, stage=VersionKind.LOI)
    proposal = cast(Proposal, ProposalFactory(call=call, state=ProposalState.ASSESSED, title="Screened idea"))
    review_make(assignment_make(proposal, rubric=loi))
    url = reverse("assessment:results", kwargs={"pk": call.pk})

    at_loi = staff_client.get(url, {"stage": VersionKind.LOI}).content.decode()
    at_application = staff_client.get(url).content.decode()
    unknown = staff_client.get(url, {"stage": "nonsense"}).content.decode()

    assert "Screened idea" in at_loi
    assert 'aria-current="page" href="?stage=loi"' in at_loi
    assert "Screened idea" not in at_application
    assert "This call has no rubric for its full applications yet" in unknown
    csv = staff_client.get(reverse("assessment:results_csv", kwargs={"pk": call.pk}), {"stage": VersionKind.LOI})
    assert csv["Content-Disposition"] == f'attachment; filename="call-{call.pk}-scores-loi.csv"'
    assert b"Screened idea" in b"".join(csv.streaming_content)  # type: ignore[attr-defined]
