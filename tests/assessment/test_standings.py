"""Each proposal's standing: kept by submitting and reopening reviews, equal to the results' total."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from assessment.models import Assignment, Rubric, StageStanding, Standing
from assessment.scoring import Scale, proposal_scores
from assessment.services import reviews
from assessment.services.standings import stage_standings_refresh, standings_refresh
from intake.choices import VersionKind
from intake.models import Proposal
from intake.states import ProposalState
from tests.assessment.reviewing import assessor_make, assignment_make, review_make, rubric_make
from tests.factories import ProposalFactory
from workflow import reviews as review_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal() -> Proposal:
    return ProposalFactory(state=ProposalState.IN_ASSESSMENT, title="Shared quantum testbed")


@pytest.fixture
def rubric(proposal: Proposal) -> Rubric:
    return rubric_make(proposal.call, k=3)


def _submit(assignment: Assignment, values: list[int]) -> None:
    criteria = list(assignment.rubric.criteria.order_by("position"))
    data = reviews.ReviewInput(
        scores={c.pk: reviews.ScoreInput(value, "Fine.") for c, value in zip(criteria, values, strict=True)},
        recommendation="fund",
        confidence="high",
        overall_comment="",
    )
    review_actions.review_submit(assignment=assignment, by=assignment.assessor, data=data, expected_updated_at=None)


def _results_total(proposal: Proposal, rubric: Rubric) -> float | None:
    """The total as the results page computes it: the mean of the submitted reviews' totals."""
    criteria = list(rubric.criteria.order_by("position"))
    scales = [Scale(key=c.pk, weight=c.weight, low=c.scale_min, high=c.scale_max) for c in criteria]
    marks = {
        review.assignment.assessor_id: {score.criterion_id: score.value for score in review.scores.all()}
        for review in reviews.Review.objects.filter(assignment__proposal=proposal, state="submitted")
    }
    return proposal_scores(marks, scales, threshold=float(settings.ASSESSMENT_OUTLIER_POINTS)).total


def _standing(proposal: Proposal) -> tuple[float | None, int]:
    standing = Standing.objects.get(proposal=proposal)
    return standing.total, standing.reviews


def test_each_submitted_review_updates_the_standing_to_the_results_total(proposal: Proposal, rubric: Rubric) -> None:
    first, second = (assignment_make(proposal, rubric=rubric, assessor=assessor_make()) for _ in range(2))

    _submit(first, [criterion.scale_max for criterion in rubric.criteria.order_by("position")])
    assert _standing(proposal) == (pytest.approx(100.0), 1)

    _submit(second, [criterion.scale_min for criterion in rubric.criteria.order_by("position")])
    total, count = _standing(proposal)
    assert count == 2
    assert total == pytest.approx(50.0)
    assert total == pytest.approx(_results_total(proposal, rubric))


def test_an_unequal_pair_of_reviews_gives_the_mean_of_their_weighted_totals(proposal: Proposal, rubric: Rubric) -> None:
    criteria = list(rubric.criteria.order_by("position"))
    for values in ([c.scale_max for c in criteria], [c.scale_min + index for index, c in enumerate(criteria)]):
        _submit(assignment_make(proposal, rubric=rubric, assessor=assessor_make()), values)

    assert _standing(proposal)[0] == pytest.approx(_results_total(proposal, rubric))


def test_reopening_a_review_takes_it_out_of_the_standing(staff: User, proposal: Proposal, rubric: Rubric) -> None:
    high = review_make(assignment_make(proposal, rubric=rubric))
    review_make(assignment_make(proposal, rubric=rubric), values=[c.scale_min for c in rubric.criteria.all()])
    assert _standing(proposal) == (pytest.approx(50.0), 2)

    review_actions.review_reopen(review=high, by=staff, reason="The comments contradict the scores.")

    assert _standing(proposal) == (pytest.approx(0.0), 1)


def test_a_proposal_without_submitted_reviews_stands_unscored(proposal: Proposal, rubric: Rubric) -> None:
    review_make(assignment_make(proposal, rubric=rubric), submitted=False)

    standings_refresh([proposal.pk])

    assert _standing(proposal) == (None, 0)


def test_refreshing_many_proposals_takes_the_same_queries_as_one(rubric: Rubric) -> None:
    def proposals(count: int) -> list[int]:
        made = [ProposalFactory(call=rubric.call, state=ProposalState.IN_ASSESSMENT) for _ in range(count)]
        for proposal in made:
            review_make(assignment_make(proposal, rubric=rubric))
        return [proposal.pk for proposal in made]

    one, many = proposals(1), proposals(12)
    with CaptureQueriesContext(connection) as single:
        standings_refresh(one)
    with CaptureQueriesContext(connection) as several:
        standings_refresh(many)

    assert len(several) == len(single)
    assert (
        sorted(Standing.objects.filter(proposal__in=many).values_list("total", flat=True))
        == [pytest.approx(100.0)] * 12
    )


def test_the_migration_gives_existing_reviews_the_standing_that_the_services_keep(
    proposal: Proposal, rubric: Rubric
) -> None:
    criteria = list(rubric.criteria.order_by("position"))
    for values in ([c.scale_max for c in criteria], [c.scale_min + 1 for c in criteria]):
        review_make(assignment_make(proposal, rubric=rubric), values=values)
    kept = _standing(proposal)
    Standing.objects.all().delete()

    migration = importlib.import_module("assessment.migrations.0003_standing")
    migration.standings_backfill(apps, None)

    assert _standing(proposal) == (pytest.approx(kept[0]), kept[1])


# --- The standing at each stage, which staff's results rank by ---------------------------------------


def _stage_totals(proposal: Proposal) -> dict[int, float | None]:
    return dict(StageStanding.objects.filter(proposal=proposal).values_list("rubric_id", "total"))


def test_the_stage_standing_is_the_results_total_to_the_last_bit(proposal: Proposal, rubric: Rubric) -> None:
    criteria = list(rubric.criteria.order_by("position"))
    for values in ([c.scale_max for c in criteria], [c.scale_min + 1 for c in criteria], [3, 7]):
        _submit(assignment_make(proposal, rubric=rubric, assessor=assessor_make()), values)

    assert _stage_totals(proposal) == {rubric.pk: _results_total(proposal, rubric)}


def test_each_stage_has_its_own_standing(proposal: Proposal, rubric: Rubric) -> None:
    loi = rubric_make(proposal.call, k=1, stage=VersionKind.LOI, criteria=((Decimal("1"), 0, 10),))
    review_make(assignment_make(proposal, rubric=loi), values=[5])

    assert _stage_totals(proposal) == {loi.pk: 50.0}  # not assigned at the application yet

    review_make(assignment_make(proposal, rubric=rubric))

    assert _stage_totals(proposal) == {loi.pk: 50.0, rubric.pk: 100.0}


def test_reopening_and_setting_aside_update_the_stage_standing(staff: User, proposal: Proposal, rubric: Rubric) -> None:
    high = review_make(assignment_make(proposal, rubric=rubric))
    low = review_make(assignment_make(proposal, rubric=rubric), values=[c.scale_min for c in rubric.criteria.all()])
    assert _stage_totals(proposal) == {rubric.pk: 50.0}

    review_actions.review_reopen(review=high, by=staff, reason="The comments contradict the scores.")
    assert _stage_totals(proposal) == {rubric.pk: 0.0}

    review_actions.conflict_record(by=staff, assessor=low.assignment.assessor, proposal=proposal, nature="Spouse.")
    assert _stage_totals(proposal) == {rubric.pk: None}


def test_refreshing_many_stage_standings_takes_the_same_queries_as_one(rubric: Rubric) -> None:
    made = [ProposalFactory(call=rubric.call, state=ProposalState.IN_ASSESSMENT) for _ in range(8)]
    for proposal in made:
        review_make(assignment_make(proposal, rubric=rubric))

    with CaptureQueriesContext(connection) as single:
        stage_standings_refresh([made[0].pk])
    with CaptureQueriesContext(connection) as several:
        stage_standings_refresh([proposal.pk for proposal in made])

    assert len(several) == len(single)


def test_the_migration_gives_existing_reviews_the_stage_standing_that_the_services_keep(
    proposal: Proposal, rubric: Rubric
) -> None:
    criteria = list(rubric.criteria.order_by("position"))
    for values in ([c.scale_max for c in criteria], [c.scale_min + 1 for c in criteria]):
        review_make(assignment_make(proposal, rubric=rubric), values=values)
    unscored = ProposalFactory(call=rubric.call, state=ProposalState.IN_ASSESSMENT)
    review_make(assignment_make(unscored, rubric=rubric), submitted=False)
    kept = _stage_totals(proposal)
    StageStanding.objects.all().delete()

    migration = importlib.import_module("assessment.migrations.0008_stage_standing")
    migration.stage_standings_backfill(apps, None)

    assert _stage_totals(proposal) == kept
    assert _stage_totals(unscored) == {rubric.pk: None}
