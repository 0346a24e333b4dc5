"""The arithmetic of results: criterion means, the weighted total out of 100, the spread and outliers."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.scoring import Scale, criterion_means, outliers, proposal_scores, review_total

SCALES = [
    Scale(key="impact", weight=Decimal("2"), low=0, high=5),
    Scale(key="team", weight=Decimal("1"), low=0, high=10),
]


def test_review_total_places_each_score_on_its_scale_then_weights() -> None:
    # impact 5/5 = 1.0 (weight 2), team 5/10 = 0.5 (weight 1): (2 + 0.5) / 3.
    assert review_total({"impact": 5, "team": 5}, SCALES) == pytest.approx(100 * 2.5 / 3)


def test_review_total_is_zero_and_hundred_at_the_ends_of_the_scales() -> None:
    scales = [Scale(key="a", weight=1, low=1, high=7)]

    assert review_total({"a": 1}, scales) == 0
    assert review_total({"a": 7}, scales) == 100


def test_criterion_means_skip_what_nobody_scored() -> None:
    means = criterion_means([{"impact": 4, "team": 6}, {"impact": 3}], SCALES)

    assert means == {"impact": 3.5, "team": 6}
    assert criterion_means([], SCALES) == {"impact": None, "team": None}


def test_outlier_is_far_from_the_others_mean() -> None:
    totals = {"ann": 80.0, "bob": 78.0, "cy": 40.0}

    # cy is 39 from the others' 79 (ann is 21 from 59, bob 18 from 60, but cy drags their mean).
    assert outliers(totals, threshold=20) == {"cy"}
    assert outliers(totals, threshold=38) == {"cy"}
    assert outliers(totals, threshold=40) == set()


def test_two_assessors_who_disagree_are_both_flagged() -> None:
    assert outliers({"ann": 20.0, "bob": 70.0}, threshold=20) == {"ann", "bob"}


def test_outlier_needs_somebody_to_differ_from() -> None:
    assert outliers({"ann": 10.0}, threshold=1) == set()


def test_outlier_at_exactly_the_threshold_is_not_flagged() -> None:
    assert outliers({"ann": 50.0, "bob": 70.0}, threshold=20) == set()


def test_proposal_scores_give_mean_total_spread_and_flags() -> None:
    result = proposal_scores(
        {"ann": {"impact": 5, "team": 10}, "bob": {"impact": 5, "team": 10}, "cy": {"impact": 0, "team": 0}},
        SCALES,
        threshold=20,
    )

    assert result.totals == {"ann": 100, "bob": 100, "cy": 0}
    assert result.total == pytest.approx(200 / 3)
    assert result.spread == 100
    assert result.outliers == {"cy"}
    assert result.flagged
    assert result.means == {"impact": pytest.approx(10 / 3), "team": pytest.approx(20 / 3)}


def test_proposal_scores_without_reviews_have_no_total() -> None:
    result = proposal_scores({}, SCALES, threshold=20)

    assert (result.total, result.spread, result.flagged) == (None, None, False)


# --- Properties ----------------------------------------------------------------------------------


@st.composite
def rubric_and_reviews(draw: st.DrawFn) -> tuple[list[Scale], dict[int, dict[int, int]]]:
    count = draw(st.integers(min_value=1, max_value=5))
    scales = []
    for key in range(count):
        low = draw(st.integers(min_value=0, max_value=5))
        high = draw(st.integers(min_value=low + 1, max_value=low + 10))
        weight = draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2))
        scales.append(Scale(key=key, weight=weight, low=low, high=high))
    assessors = draw(st.integers(min_value=1, max_value=6))
    reviews = {
        who: {scale.key: draw(st.integers(min_value=scale.low, max_value=scale.high)) for scale in scales}
        for who in range(assessors)
    }
    return scales, reviews


@given(rubric_and_reviews())
def test_every_mean_lies_within_its_scale(case: tuple[list[Scale], dict[int, dict[int, int]]]) -> None:
    scales, reviews = case
    means = proposal_scores(reviews, scales, threshold=20).means

    for scale in scales:
        assert scale.low <= means[scale.key] <= scale.high


@given(rubric_and_reviews())
def test_every_total_lies_within_zero_and_hundred(case: tuple[list[Scale], dict[int, dict[int, int]]]) -> None:
    scales, reviews = case
    result = proposal_scores(reviews, scales, threshold=20)

    assert all(-1e-9 <= total <= 100 + 1e-9 for total in result.totals.values())
    assert result.total is not None
    assert -1e-9 <= result.total <= 100 + 1e-9
    assert result.spread is not None
    assert 0 <= result.spread <= 100 + 1e-9


@given(rubric_and_reviews(), st.randoms())
def test_results_do_not_depend_on_the_order_of_assessors_or_criteria(
    case: tuple[list[Scale], dict[int, dict[int, int]]], shuffler: random.Random
) -> None:
    scales, reviews = case
    assessors = list(reviews.items())
    shuffler.shuffle(assessors)
    shuffled_scales = list(scales)
    shuffler.shuffle(shuffled_scales)

    before = proposal_scores(reviews, scales, threshold=20)
    after = proposal_scores(dict(assessors), shuffled_scales, threshold=20)

    assert after.total == pytest.approx(before.total)
    assert after.spread == pytest.approx(before.spread)
    assert after.means == before.means
    assert after.totals == pytest.approx(before.totals)
    assert after.outliers == before.outliers
