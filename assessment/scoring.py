"""The arithmetic of results (a leaf: pure functions over numbers, no models).

A review's **total** is the weighted mean of its scores, each first placed between 0 and 1
within its criterion's scale, times 100: ``100 * sum(w * (s - low) / (high - low)) / sum(w)``.
So a criterion scored 0 to 10 weighs no more than one scored 0 to 5 unless staff give it a
larger weight, and every total lies between 0 and 100 whatever the scales.

A proposal's **weighted total** is the mean of its assessors' totals (the same as the
total of the criteria's means, the formula being linear). Its **spread** is the range of
the assessors' totals (highest minus lowest, in points out of 100): with three assessors
a range says more plainly than a standard deviation how far apart they are. An assessor
is an **outlier** when their total is the furthest from the mean of the others' totals and
more than the threshold (points out of 100) from it; with a single assessor there is
nobody to differ from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import fmean
from typing import Any

#: Gaps this close (in points out of 100) are a tie: float sums differ in their last digits.
TIE = 1e-9


@dataclass(frozen=True)
class Scale:
    """One criterion as the arithmetic sees it: its key, weight and lowest and highest score."""

    key: Any
    weight: Decimal | float
    low: int
    high: int


@dataclass(frozen=True)
class ProposalScores:
    """The results of one proposal: each criterion's mean, the weighted total, spread and outliers."""

    means: dict[Any, float | None]
    totals: dict[Any, float]
    total: float | None
    spread: float | None
    outliers: frozenset[Any]

    @property
    def flagged(self) -> bool:
        return bool(self.outliers)


def review_total(scores: Mapping[Any, float], scales: Sequence[Scale]) -> float:
    """Return the total of one review out of 100; every criterion of ``scales`` must be scored."""
    weights = sum(float(scale.weight) for scale in scales)
    if weights <= 0:
        raise ValueError("The criteria's weights must add up to more than zero.")
    placed = sum(float(scale.weight) * (scores[scale.key] - scale.low) / (scale.high - scale.low) for scale in scales)
    return 100 * placed / weights


def total_from_means(means: Mapping[Any, float], scales: Sequence[Scale]) -> float:
    """Return a proposal's weighted total from each criterion's mean over its complete reviews.

    The total is linear in the scores, so the mean of the reviews' totals is the total of the
    criteria's means: a long list (the board's agenda) can average the scores in the database,
    a few numbers per proposal, and still rank by this module's arithmetic.
    """
    return review_total(means, scales)


def criterion_means(reviews: Sequence[Mapping[Any, int]], scales: Sequence[Scale]) -> dict[Any, float | None]:
    """Return each criterion's mean score on its own scale (None where nobody scored it)."""
    return {
        scale.key: (fmean(values) if (values := [r[scale.key] for r in reviews if scale.key in r]) else None)
        for scale in scales
    }


def outliers(totals: Mapping[Any, float], *, threshold: float) -> frozenset[Any]:
    """Return the assessor furthest from the mean of the others' totals, if more than ``threshold`` from it.

    Only the furthest is flagged (all of them on a tie, as two assessors who disagree are):
    one low total drags down the others' mean, so with three assessors the two who agree
    would otherwise be flagged too.
    """
    if len(totals) < 2:
        return frozenset()
    whole = sum(totals.values())
    count = len(totals)
    gaps = {who: abs(total - (whole - total) / (count - 1)) for who, total in totals.items()}
    furthest = max(gaps.values())
    if furthest <= threshold + TIE:
        return frozenset()
    return frozenset(who for who, gap in gaps.items() if gap >= furthest - TIE)


def proposal_scores(
    reviews: Mapping[Any, Mapping[Any, int]], scales: Sequence[Scale], *, threshold: float
) -> ProposalScores:
    """Return the results of one proposal from its submitted reviews, keyed by assessor."""
    totals = {who: review_total(scores, scales) for who, scores in reviews.items()}
    return ProposalScores(
        means=criterion_means(list(reviews.values()), scales),
        totals=totals,
        total=fmean(totals.values()) if totals else None,
        spread=(max(totals.values()) - min(totals.values())) if totals else None,
        outliers=outliers(totals, threshold=threshold),
    )
