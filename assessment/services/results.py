"""Use cases of results: a call's proposals ranked by weighted total, and the export of every score, per stage.

The arithmetic is ``assessment.scoring``'s; here are only the reads, a constant number of
queries whatever the number of proposals. Only submitted reviews count. Staff only: the
views check the role; nothing here is shown to assessors or applicants.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q

from assessment.choices import AssignmentState, ReviewState
from assessment.models import Criterion, Rubric, Score
from assessment.scoring import ProposalScores, Scale, proposal_scores
from intake.choices import STAGE_ORDER, VersionKind
from intake.models import Call, Proposal


@dataclass(frozen=True)
class ResultRow:
    """One proposal's line of the ranking."""

    rank: int | None
    proposal: Proposal
    scores: ProposalScores
    submitted: int
    required: int
    passed: bool | None
    outlier_names: list[str]
    means: list[float | None]
    #: (assessor's name, review id) of each submitted review, for staff to reopen one.
    reviews: list[tuple[str, int]]


@dataclass(frozen=True)
class CallResults:
    rubric: Rubric | None
    criteria: list[Criterion]
    rows: list[ResultRow]
    stage: str = VersionKind.APPLICATION


def results_stages(*, call: Call) -> list[tuple[str, str]]:
    """Return the stages of ``call`` whose results staff may read: its assessed stages (and the full application)."""
    kinds = set(call.stages.filter(assessed=True).values_list("kind", flat=True)) | {VersionKind.APPLICATION}
    return [(kind.value, str(kind.label)) for kind in STAGE_ORDER if kind in kinds]


def call_results(*, call: Call, stage: str = VersionKind.APPLICATION) -> CallResults:
    """Return ``call``'s proposals assessed at ``stage`` ranked by weighted total (unscored last), in four queries.

    Each stage is ranked under its own rubric, from the reviews of that stage only.
    """
    rubric = Rubric.objects.filter(call=call, stage=stage).first()
    if rubric is None:
        return CallResults(rubric=None, criteria=[], rows=[], stage=stage)
    criteria = list(rubric.criteria.order_by("position"))
    scales = [Scale(key=c.pk, weight=c.weight, low=c.scale_min, high=c.scale_max) for c in criteria]
    reviews: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    names: dict[int, str] = {}
    review_ids: dict[int, dict[int, int]] = defaultdict(dict)
    for proposal_id, assessor_id, name, review_id, criterion_id, value in Score.objects.filter(
        review__state=ReviewState.SUBMITTED, review__assignment__rubric=rubric, value__isnull=False
    ).values_list(
        "review__assignment__proposal_id",
        "review__assignment__assessor_id",
        "review__assignment__assessor__display_name",
        "review_id",
        "criterion_id",
        "value",
    ):
        review_ids[proposal_id][assessor_id] = review_id
        if value is not None:  # filtered out, but the column is nullable
            reviews[proposal_id][assessor_id][criterion_id] = value
        names[assessor_id] = name
    proposals = (
        Proposal.objects.filter(assessment_assignments__rubric=rubric)
        .annotate(
            submitted=Count(
                "assessment_assignments",
                filter=Q(
                    assessment_assignments__rubric=rubric,
                    assessment_assignments__state=AssignmentState.ACCEPTED,
                    assessment_assignments__review__state=ReviewState.SUBMITTED,
                ),
                distinct=True,
            )
        )
        .order_by("pk")
        .distinct()
    )
    threshold = float(settings.ASSESSMENT_OUTLIER_POINTS)
    unranked = []
    for proposal in proposals:
        complete = {who: scores for who, scores in reviews[proposal.pk].items() if len(scores) == len(scales)}
        scores = proposal_scores(complete, scales, threshold=threshold)
        unranked.append((proposal, scores))
    unranked.sort(key=lambda pair: (pair[1].total is None, -(pair[1].total or 0), pair[0].title, pair[0].pk))
    rows = []
    for index, (proposal, scores) in enumerate(unranked, start=1):
        rows.append(
            ResultRow(
                rank=index if scores.total is not None else None,
                proposal=proposal,
                scores=scores,
                submitted=proposal.submitted,
                required=rubric.assessors_per_proposal,
                passed=None if scores.total is None else Decimal(str(round(scores.total, 2))) >= rubric.pass_threshold,
                outlier_names=sorted(names[who] for who in scores.outliers),
                means=[scores.means[criterion.pk] for criterion in criteria],
                reviews=sorted((names[who], review) for who, review in review_ids[proposal.pk].items()),
            )
        )
    return CallResults(rubric=rubric, criteria=criteria, rows=rows, stage=stage)


# --- The export -----------------------------------------------------------------------------

#: Characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Return ``value`` with a quote in front if a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file that hands back what is written, for ``csv.writer`` to feed a streamed response."""

    def write(self, value: str) -> str:
        return value


EXPORT_HEADER = ("proposal", "assessor", "criterion", "score", "comment", "recommendation", "confidence")


def call_scores_csv(*, call: Call, stage: str = VersionKind.APPLICATION) -> Iterator[str]:
    """Yield the CSV lines of every score of the submitted reviews of ``call`` at ``stage``, one per score."""
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_HEADER)
    scores = (
        Score.objects.filter(
            review__state=ReviewState.SUBMITTED,
            review__assignment__proposal__call=call,
            review__assignment__rubric__stage=stage,
        )
        .order_by(
            "review__assignment__proposal__title", "review__assignment__proposal_id", "review_id", "criterion__position"
        )
        .values_list(
            "review__assignment__proposal__title",
            "review__assignment__assessor__display_name",
            "criterion__name_en",
            "value",
            "comment",
            "review__recommendation",
            "review__confidence",
        )
    )
    for row in scores.iterator(chunk_size=2000):
        yield writer.writerow([csv_safe(cell) for cell in row])
