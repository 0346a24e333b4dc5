"""Each proposal's standing: its weighted total over its submitted application reviews, kept up to date.

The reviews' services call ``standings_refresh`` in the transaction that submits or reopens
a review; the board's agenda ranks by the stored totals. The arithmetic is
``assessment.scoring``'s: each criterion's mean over the submitted reviews (averaged in the
database) gives the total through ``total_from_means``, which is the mean of the reviews'
totals since a submitted review scores every criterion (``review_missing`` refuses it
otherwise, and the rubric locks at its first submitted review).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Avg, Count, FloatField

from assessment.choices import ReviewState
from assessment.models import Score, Standing
from assessment.scoring import Scale, total_from_means
from intake.choices import VersionKind
from intake.models import Proposal


def standings_refresh(proposal_ids: Iterable[int]) -> None:
    """Recompute and store the standing of each of ``proposal_ids`` (2 queries and the write, however many)."""
    ids = list(proposal_ids)
    if not ids:
        return
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
