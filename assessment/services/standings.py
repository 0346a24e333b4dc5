"""Each proposal's standings: its weighted totals over its submitted reviews, kept up to date.

The reviews' services call ``standings_refresh`` in the transaction that submits, reopens or
sets aside a review. It keeps two things: ``Standing``, the total over the application's
reviews that the board's agenda ranks by, and ``StageStanding``, the total under each of the
call's rubrics that staff's results rank by (``stage_standings_refresh``).

For ``Standing`` the arithmetic is ``assessment.scoring``'s: each criterion's mean over the
submitted reviews (averaged in the database) gives the total through ``total_from_means``,
which is the mean of the reviews' totals since a submitted review scores every criterion
(``review_missing`` refuses it otherwise, and the rubric locks at its first submitted review).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from statistics import fmean

from django.db.models import Avg, Count, FloatField

from assessment.choices import ReviewState
from assessment.models import Assignment, Score, StageStanding, Standing
from assessment.scoring import Scale, review_total, total_from_means
from assessment.services.calibration import calibration_refresh
from intake.choices import VersionKind
from intake.models import Proposal


def standings_refresh(proposal_ids: Iterable[int]) -> None:
    """Recompute and store the standings of each of ``proposal_ids`` (4 queries and 2 writes, however many).

    Then refit the calibration of the rubrics they are assessed under (``calibration_refresh``).
    """
    ids = list(proposal_ids)
    if not ids:
        return
    rubric_ids = stage_standings_refresh(ids)
    # The calibration is fitted over the whole rubric: beside the raw standings, never instead of them.
    calibration_refresh(rubric_ids=rubric_ids)
    # Each proposal with its call's application criteria (a proposal without a rubric gets no row).
    scales: dict[int, list[Scale]] = defaultdict(list)
    for pk, criterion, weight, low, high in Proposal.objects.filter(
        pk__in=ids, call__rubrics__stage=VersionKind.APPLICATION, call__rubrics__criteria__isnull=False
    ).values_list(
        "pk",
        "call__rubrics__criteria__pk",
        "call__rubrics__criteria__weight",
        "call__rubrics__criteria__scale_min",
        "call__rubrics__criteria__scale_max",
    ):
        scales[pk].append(Scale(key=criterion, weight=weight, low=low, high=high))
    means: dict[int, dict[int, float]] = defaultdict(dict)
    reviews: dict[int, int] = defaultdict(int)
    for proposal_id, criterion_id, mean, count in (
        Score.objects.filter(
            review__state=ReviewState.SUBMITTED,
            review__assignment__rubric__stage=VersionKind.APPLICATION,
            review__assignment__proposal_id__in=ids,
            value__isnull=False,
        )
        .order_by()
        .values_list("review__assignment__proposal_id", "criterion_id")
        .annotate(mean=Avg("value", output_field=FloatField()), count=Count("review_id"))
    ):
        means[proposal_id][criterion_id] = mean
        reviews[proposal_id] = max(reviews[proposal_id], count)
    rows = []
    for pk in ids:
        call_scales = scales.get(pk, [])
        by_criterion = means.get(pk, {})
        complete = bool(call_scales) and all(scale.key in by_criterion for scale in call_scales)
        total = total_from_means(by_criterion, call_scales) if complete else None
        rows.append(Standing(proposal_id=pk, total=total, reviews=reviews.get(pk, 0)))
    Standing.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["proposal"], update_fields=["total", "reviews", "updated_at"]
    )


#: Each score of a submitted review as the results read it: (proposal, rubric, assessor, review, criterion, value).
SCORE_COLUMNS = (
    "review__assignment__proposal_id",
    "review__assignment__rubric_id",
    "review__assignment__assessor_id",
    "review_id",
    "criterion_id",
    "value",
)


def results_total(marks: Mapping[int, Mapping[int, int]], scales: Sequence[Scale]) -> float | None:
    """Return a proposal's total as the results compute it: the mean of its complete reviews' totals, or None.

    ``marks`` is each assessor's scores by criterion; ``scales`` are the rubric's criteria in
    their order. A review missing a criterion's score does not count.
    """
    totals = [review_total(scores, scales) for scores in marks.values() if len(scores) == len(scales)]
    return fmean(totals) if totals else None


def stage_standings_create(pairs: Iterable[tuple[int, int]]) -> None:
    """Give each (proposal, rubric) of ``pairs`` a standing if it has none yet: unscored, as an assignment starts.

    The assignments' services call it as they assign a proposal under a rubric, so the
    results rank every assigned proposal; a standing already there keeps its total.
    """
    StageStanding.objects.bulk_create(
        [StageStanding(proposal_id=proposal_id, rubric_id=rubric_id) for proposal_id, rubric_id in set(pairs)],
        ignore_conflicts=True,
        batch_size=5000,
    )


def stage_standings_refresh(proposal_ids: Sequence[int]) -> set[int]:
    """Recompute and store each proposal's standing under every rubric it is assigned under (2 queries, the write).

    Return the rubrics' keys.

    The total is the results page's own (``results_total`` over the scores read in the same
    order), so ranking by it in the database gives the order the page would compute.
    """
    scales: dict[int, list[Scale]] = defaultdict(list)
    pairs: set[tuple[int, int]] = set()
    for proposal_id, rubric_id, criterion, weight, low, high in (
        Assignment.objects.filter(proposal_id__in=proposal_ids)
        .order_by("rubric_id", "rubric__criteria__position", "rubric__criteria__pk", "proposal_id")
        .values_list(
            "proposal_id",
            "rubric_id",
            "rubric__criteria__pk",
            "rubric__criteria__weight",
            "rubric__criteria__scale_min",
            "rubric__criteria__scale_max",
        )
        .distinct()
    ):
        pairs.add((proposal_id, rubric_id))
        if criterion is not None and (not scales[rubric_id] or scales[rubric_id][-1].key != criterion):
            scales[rubric_id].append(Scale(key=criterion, weight=weight, low=low, high=high))
    marks: dict[tuple[int, int], dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for proposal_id, rubric_id, assessor_id, _review, criterion_id, value in (
        Score.objects.filter(
            review__state=ReviewState.SUBMITTED, review__assignment__proposal_id__in=proposal_ids, value__isnull=False
        )
        .order_by("review_id", "criterion_id")
        .values_list(*SCORE_COLUMNS)
    ):
        marks[(proposal_id, rubric_id)][assessor_id][criterion_id] = value
    rows = []
    for proposal_id, rubric_id in sorted(pairs):
        total = results_total(marks[(proposal_id, rubric_id)], scales[rubric_id])
        rows.append(StageStanding(proposal_id=proposal_id, rubric_id=rubric_id, total=total, scored=total is not None))
    StageStanding.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["proposal", "rubric"],
        update_fields=["total", "scored", "updated_at"],
        batch_size=5000,
    )
    return {rubric_id for _proposal_id, rubric_id in pairs}
