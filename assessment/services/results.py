"""Use cases of results: a call's proposals ranked by weighted total, a page at a time, and the export of every score.

The arithmetic is ``assessment.scoring``'s. The ranking is read in the database from each
proposal's stored standing at the stage (``assessment.models.StageStanding``, kept by
``assessment.services.standings`` as reviews are submitted, reopened or set aside, to the
same last bit as the rows' own totals); only the page's rows read their scores, so the
page takes the same queries and about the same time whatever the number of proposals. Only
submitted reviews count. Staff only: the views check the role; nothing here is shown to
assessors or applicants.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, overload

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Collate

from assessment.choices import AssignmentState, ReviewState
from assessment.models import Assignment, CalibratedStanding, CalibrationFit, Criterion, Rubric, Score, StageStanding
from assessment.scoring import ProposalScores, Scale, proposal_scores
from assessment.services.standings import SCORE_COLUMNS
from intake.choices import STAGE_ORDER, VersionKind
from intake.models import Call, Proposal
from records.sql import rows_read_compiled, rows_read_compiled_for

#: Rows on a page of the ranking, as on the board's agenda.
PAGE_SIZE = 50


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
    #: Each criterion with its mean, for a page that lists them down rather than across.
    criterion_means: list[tuple[Criterion, float | None]] = field(default_factory=list)
    #: The calibrated total beside the raw one, its interval, why it kept raw, and its chance of funding.
    calibration: CalibratedStanding | None = None


@dataclass(frozen=True)
class Agreement:
    """The reliability of one criterion (or of the weighted total, ``criterion`` None) as stored by the fit."""

    criterion: Criterion | None
    proposals: int
    icc1: list[float | None]
    icck: list[float | None]
    k0: float | None
    alpha: list[float | None]
    assessors_needed: int | None
    target: float


@dataclass(frozen=True)
class CallResults:
    rubric: Rubric | None
    criteria: list[Criterion]
    #: The rows of ``page``, in the ranking's order.
    rows: list[ResultRow]
    stage: str = VersionKind.APPLICATION
    #: The page shown (None without a rubric): its paginator counts every proposal ranked.
    page: Page | None = None
    #: The rubric's calibration (None before its first fit) and its reliability, the total first.
    fit: CalibrationFit | None = None
    agreement: list[Agreement] = field(default_factory=list)


def _agreement(fit: CalibrationFit | None, criteria: list[Criterion]) -> list[Agreement]:
    """Return the stored reliability of the weighted total and of each criterion, in the rubric's order."""
    if fit is None:
        return []
    found = []
    for key, criterion in [("total", None), *((str(c.pk), c) for c in criteria)]:
        measured = fit.reliability.get(key)
        if measured:
            found.append(
                Agreement(
                    criterion=criterion,
                    proposals=measured["proposals"],
                    icc1=measured["icc1"],
                    icck=measured["icck"],
                    k0=measured["k0"],
                    alpha=measured["alpha"],
                    assessors_needed=measured["assessors_needed"],
                    target=measured["target"],
                )
            )
    return found


def results_stages(*, call: Call) -> list[tuple[str, str]]:
    """Return the stages of ``call`` whose results staff may read: its assessed stages (and the full application)."""
    kinds = {stage.kind for stage in call.stages.all() if stage.assessed} | {VersionKind.APPLICATION}
    return [(kind.value, str(kind.label)) for kind in STAGE_ORDER if kind in kinds]


def _title_as_python_sorts() -> Any:
    """Return the proposal's title ordered by code point, as Python compares strings (SQLite's default already is)."""
    title = F("proposal__title")
    return Collate(title, "C") if connection.vendor == "postgresql" else title


def call_results(
    *, call: Call, stage: str = VersionKind.APPLICATION, page_number: str | int | None = 1, per_page: int | None = None
) -> CallResults:
    """Return page ``page_number`` of ``call``'s proposals assessed at ``stage``, ranked by weighted total.

    The ranking: highest total first, ties by title then key; proposals without a complete
    review last, by title then key. A rank is the place among the scored. Each stage is ranked
    under its own rubric, from the reviews of that stage only. ``per_page`` rows a page
    (``PAGE_SIZE`` unless told); an invalid page number gives the nearest page. Six queries,
    each reading one page's rows or an index, whatever the number of proposals.
    """
    # The rubric comes with its criteria; a rubric without any is read alone.
    criteria = rows_read_compiled(Criterion, ("results_criteria", stage), lambda key: _criteria(key, stage), call.pk)
    rubric = (
        criteria[0].rubric
        if criteria
        else Rubric.objects.filter(call=call, stage=stage).select_related("calibration").first()
    )
    if rubric is None:
        return CallResults(rubric=None, criteria=[], rows=[], stage=stage)
    page = Paginator(_Ranking(rubric.pk), per_page or PAGE_SIZE).get_page(page_number)
    proposals = [standing.proposal for standing in page.object_list]
    rows = _rows(proposals, rubric, criteria, first_rank=page.start_index())
    fit = getattr(rubric, "calibration", None)
    return CallResults(
        rubric=rubric,
        criteria=criteria,
        rows=rows,
        stage=stage,
        page=page,
        fit=fit,
        agreement=_agreement(fit, criteria),
    )


def _criteria(call_id: int, stage: str) -> QuerySet[Criterion]:
    """Return the criteria of the rubric of call ``call_id`` at ``stage``, in order, each with its rubric and fit."""
    return (
        Criterion.objects.filter(rubric__call_id=call_id, rubric__stage=stage)
        .select_related("rubric", "rubric__calibration")
        .order_by("position", "pk")
    )


def _proposal_criteria(pk: int) -> QuerySet[Criterion]:
    """Return the criteria of the rubrics under which proposal ``pk`` is assigned, with the count of its reviews.

    A rubric of the proposal's call (the assignment's proposal's, so that ``pk`` is the read's one
    key), each criterion with its rubric and ``rubric_submitted``: the proposal's accepted
    assignments under it whose review is submitted. The filter and the count share one join to the
    proposal's assignments, so the count sees only those.
    """
    return (
        Criterion.objects.filter(
            rubric__assignments__proposal_id=pk, rubric__assignments__proposal__call_id=F("rubric__call_id")
        )
        .select_related("rubric")
        .annotate(
            rubric_submitted=Count(
                "rubric__assignments",
                filter=Q(
                    rubric__assignments__state=AssignmentState.ACCEPTED,
                    rubric__assignments__review__state=ReviewState.SUBMITTED,
                ),
                distinct=True,
            )
        )
        .order_by("position", "pk")
    )


def _ranking(rubric_id: int) -> QuerySet[StageStanding]:
    """Return the standings under rubric ``rubric_id`` in the ranking's order, each with its proposal's title."""
    # Every proposal assigned under the rubric has a standing (``stage_standings_create``): read
    # down the ranking's index, so a page sorts only the ties on a total, not every proposal.
    return (
        StageStanding.objects.filter(rubric_id=rubric_id)
        .select_related("proposal")
        .order_by("-scored", "-total", _title_as_python_sorts(), "proposal_id")
        # The lifecycle reads the state as each proposal loads.
        .only("proposal_id", "rubric_id", "total", "proposal__title", "proposal__state")
    )


class _Ranking(Sequence[StageStanding]):
    """The ranking under one rubric as the paginator counts and slices it, each read compiled once (ADR 0051).

    Building and compiling the count and a page's read cost more than the database takes to
    run them; each is compiled once per connection (a page's read once per place of the page)
    and run with the rubric's key swapped in (``records.sql.rows_read_compiled``).
    """

    def __init__(self, rubric_id: int) -> None:
        self.rubric_id = rubric_id

    def count(self) -> int:  # type: ignore[override]  # the paginator's count, as a queryset's
        """Return how many proposals the rubric ranks (reading the ranking's index)."""
        found: list[Any] = rows_read_compiled(StageStanding, "results_count", _ranked_count, self.rubric_id)
        return int(found[0]) if found else 0

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, rows: int) -> StageStanding: ...

    @overload
    def __getitem__(self, rows: slice) -> list[StageStanding]: ...

    def __getitem__(self, rows: int | slice) -> StageStanding | list[StageStanding]:
        if isinstance(rows, int):
            found = self[rows : rows + 1]
            if not found:
                raise IndexError(rows)
            return found[0]
        start, stop = rows.start or 0, rows.stop
        if stop is not None and stop <= start:
            return []  # an empty ranking's only page
        return rows_read_compiled(
            StageStanding, ("results_page", start, stop), lambda key: _ranking(key)[start:stop], self.rubric_id
        )


def _ranked_count(rubric_id: int) -> QuerySet[Any]:
    return (
        StageStanding.objects.filter(rubric_id=rubric_id)
        .order_by()
        .values("rubric_id")
        .annotate(ranked=Count("pk"))
        .values_list("ranked", flat=True)
    )


def _proposal_scores(pk: int) -> QuerySet[Any]:
    """Return the scores of proposal ``pk``'s submitted reviews (``SCORE_COLUMNS`` and the assessor's name).

    Under every rubric it is assigned under: ``proposal_results`` reads those of its call's rubrics.
    """
    return (
        Score.objects.filter(
            review__state=ReviewState.SUBMITTED, review__assignment__proposal_id=pk, value__isnull=False
        )
        .order_by("review_id", "criterion_id")
        .values_list(*SCORE_COLUMNS, "review__assignment__assessor__display_name")
    )


def proposal_results(*, proposal: Proposal) -> list[CallResults]:
    """Return ``proposal``'s results at each stage it was assessed at, as the call's results show them (staff only).

    Its criteria's means, weighted total, spread and reviews per stage, earliest stage first,
    unranked (a rank among one would say nothing); a stage without a rubric or an assignment of
    the proposal is left out. Two queries whatever its stages (the second only if it has a rubric):
    the criteria of its rubrics, each with its rubric and the count of the proposal's submitted
    reviews under it (a rubric has at least one criterion, ``assessment.services.rubrics``), and its
    scores. Each is compiled once per connection and run with the proposal's key swapped in
    (``records.sql.rows_read_compiled``, ADR 0051): building them cost ten times their run. The
    calibrated standing is not read (its page does not show it): the rows' ``calibration`` is None.
    """
    rubrics: dict[int, Rubric] = {}
    criteria: dict[int, list[Criterion]] = defaultdict(list)
    for criterion in rows_read_compiled(Criterion, "proposal_results_criteria", _proposal_criteria, proposal.pk):
        of = rubrics.setdefault(criterion.rubric_id, criterion.rubric)
        of.submitted = criterion.rubric_submitted  # type: ignore[attr-defined]
        criterion.rubric = of
        criteria[of.pk].append(criterion)
    if not rubrics:
        return []
    scores: list[Any] = rows_read_compiled(Score, "proposal_results_scores", _proposal_scores, proposal.pk)
    read = _ScoresRead(scores, by_rubric=True)
    by_stage = {rubric.stage: rubric for rubric in rubrics.values()}
    found = []
    for kind in STAGE_ORDER:
        rubric = by_stage.get(kind)
        if rubric is None:
            continue
        row = _row(
            proposal,
            rubric,
            criteria[rubric.pk],
            read.of(rubric.pk),
            scales=_scales(criteria[rubric.pk]),
            submitted=rubric.submitted,  # type: ignore[attr-defined]
            rank=None,
        )
        found.append(CallResults(rubric=rubric, criteria=criteria[rubric.pk], rows=[row], stage=kind))
    return found


@dataclass
class _Reviews:
    """The submitted scores of some proposals under one rubric, as read: per proposal, per assessor."""

    #: proposal → assessor → criterion → value.
    values: dict[int, dict[int, dict[int, int]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(dict)))
    #: proposal → assessor → review.
    review_ids: dict[int, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    #: assessor → name.
    names: dict[int, str] = field(default_factory=dict)


class _ScoresRead:
    """The rows of a read of scores (``SCORE_COLUMNS`` and the assessor's name), by rubric if asked."""

    def __init__(self, rows: Iterable[tuple[int, int, int, int, int, int, str]], *, by_rubric: bool = False) -> None:
        self._reviews: dict[int | None, _Reviews] = defaultdict(_Reviews)
        for proposal_id, rubric_id, assessor_id, review_id, criterion_id, value, name in rows:
            reviews = self._reviews[rubric_id if by_rubric else None]
            reviews.review_ids[proposal_id][assessor_id] = review_id
            reviews.values[proposal_id][assessor_id][criterion_id] = value
            reviews.names[assessor_id] = name

    def of(self, rubric_id: int | None = None) -> _Reviews:
        return self._reviews[rubric_id]


def _rows(proposals: list[Proposal], rubric: Rubric, criteria: list[Criterion], *, first_rank: int) -> list[ResultRow]:
    """Return the rows of ``proposals`` (in the ranking's order) with scores, flags, reviews, calibration (3 reads)."""
    ids = [proposal.pk for proposal in proposals]
    # Each read is compiled once per number of rows and run with their keys swapped in (ADR 0051).
    keys = (rubric.pk, *ids)
    reviews = _ScoresRead(rows_read_compiled_for(Score, "results_scores", _page_scores, keys) if ids else []).of()
    submitted = dict(rows_read_compiled_for(Assignment, "results_submitted", _page_submitted, keys) if ids else [])
    calibrated = {
        standing.proposal_id: standing
        for standing in (
            rows_read_compiled_for(CalibratedStanding, "results_calibrated", _page_calibrated, keys) if ids else []
        )
    }
    scales = _scales(criteria)
    return [
        _row(
            proposal,
            rubric,
            criteria,
            reviews,
            scales=scales,
            submitted=submitted.get(proposal.pk, 0),
            rank=first_rank + index,
            calibration=calibrated.get(proposal.pk),
        )
        for index, proposal in enumerate(proposals)
    ]


def _page_scores(keys: tuple[int, ...]) -> QuerySet[Any]:
    """Return the submitted scores under rubric ``keys[0]`` of the proposals ``keys[1:]``, for ``_ScoresRead``."""
    return (
        Score.objects.filter(
            review__state=ReviewState.SUBMITTED,
            review__assignment__rubric_id=keys[0],
            review__assignment__proposal_id__in=keys[1:],
            value__isnull=False,
        )
        .order_by("review_id", "criterion_id")
        .values_list(*SCORE_COLUMNS, "review__assignment__assessor__display_name")
    )


def _page_submitted(keys: tuple[int, ...]) -> QuerySet[Any]:
    """Return (proposal, submitted reviews) under rubric ``keys[0]`` of those of the proposals ``keys[1:]`` with any."""
    return (
        Assignment.objects.filter(
            proposal_id__in=keys[1:],
            rubric_id=keys[0],
            state=AssignmentState.ACCEPTED,
            review__state=ReviewState.SUBMITTED,
        )
        .order_by()
        .values_list("proposal_id")
        .annotate(count=Count("pk", distinct=True))
    )


def _page_calibrated(keys: tuple[int, ...]) -> QuerySet[CalibratedStanding]:
    """Return the calibrated standings under rubric ``keys[0]`` of the proposals ``keys[1:]``."""
    return CalibratedStanding.objects.filter(rubric_id=keys[0], proposal_id__in=keys[1:])


def _scales(criteria: list[Criterion]) -> list[Scale]:
    return [Scale(key=c.pk, weight=c.weight, low=c.scale_min, high=c.scale_max) for c in criteria]


def _row(
    proposal: Proposal,
    rubric: Rubric,
    criteria: list[Criterion],
    reviews: _Reviews,
    *,
    scales: list[Scale],
    submitted: int,
    rank: int | None,
    calibration: CalibratedStanding | None = None,
) -> ResultRow:
    """Return the row of ``proposal`` from its submitted scores (``rank`` kept only if it has a total)."""
    names = reviews.names
    complete = {who: scores for who, scores in reviews.values[proposal.pk].items() if len(scores) == len(scales)}
    scores = proposal_scores(complete, scales, threshold=float(settings.ASSESSMENT_OUTLIER_POINTS))
    return ResultRow(
        rank=rank if scores.total is not None else None,
        proposal=proposal,
        scores=scores,
        submitted=submitted,
        required=rubric.assessors_per_proposal,
        passed=None if scores.total is None else Decimal(str(round(scores.total, 2))) >= rubric.pass_threshold,
        outlier_names=sorted(names[who] for who in scores.outliers),
        means=[scores.means[criterion.pk] for criterion in criteria],
        criterion_means=[(criterion, scores.means[criterion.pk]) for criterion in criteria],
        reviews=sorted((names[who], review) for who, review in reviews.review_ids[proposal.pk].items()),
        calibration=calibration,
    )


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


EXPORT_HEADER = (
    "proposal",
    "assessor",
    "criterion",
    "score",
    "comment",
    "recommendation",
    "confidence",
    "raw total",
    "calibrated total",
    "interval low (90%)",
    "interval high (90%)",
    "kept raw because",
    "chance of funding",
    "funded",
)
#: The header of the export's second table: the agreement of the assessors, after a blank line.
RELIABILITY_HEADER = (
    "reliability of",
    "proposals",
    "ICC(1,1)",
    "ICC(1,1) low",
    "ICC(1,1) high",
    "ICC(1,k)",
    "ICC(1,k) low",
    "ICC(1,k) high",
    "k0",
    "alpha",
    "alpha low",
    "alpha high",
    "target",
    "assessors needed",
)


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def call_scores_csv(*, call: Call, stage: str = VersionKind.APPLICATION) -> Iterator[str]:
    """Yield the CSV lines of every score of the submitted reviews of ``call`` at ``stage``, one per score.

    Each row carries its proposal's raw and calibrated totals, the interval, why it kept its
    raw score, and its chance of funding; after a blank line, the assessors' agreement on the
    weighted total and on each criterion.
    """
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_HEADER)
    rubric = Rubric.objects.filter(call=call, stage=stage).select_related("calibration").first()
    calibrated = (
        {standing.proposal_id: standing for standing in CalibratedStanding.objects.filter(rubric=rubric)}
        if rubric is not None
        else {}
    )
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
            "review__assignment__proposal_id",
            "review__assignment__proposal__title",
            "review__assignment__assessor__display_name",
            "criterion__name_en",
            "value",
            "comment",
            "review__recommendation",
            "review__confidence",
        )
    )
    for proposal_id, *row in scores.iterator(chunk_size=2000):
        standing = calibrated.get(proposal_id)
        extra = (
            [
                _figure(standing.raw),
                _figure(standing.calibrated),
                _figure(standing.low),
                _figure(standing.high),
                standing.fallback,
                _figure(standing.chance),
                standing.chance_label,
            ]
            if standing is not None
            else [""] * 7
        )
        yield writer.writerow([csv_safe(cell) for cell in [*row, *extra]])
    if rubric is None:
        return
    fit = getattr(rubric, "calibration", None)
    criteria = list(rubric.criteria.order_by("position", "pk"))
    agreement = _agreement(fit, criteria)
    if not agreement:
        return
    yield writer.writerow([])
    yield writer.writerow(RELIABILITY_HEADER)
    for measured in agreement:
        yield writer.writerow(
            [
                csv_safe(measured.criterion.name_en if measured.criterion else "weighted total"),
                measured.proposals,
                *map(_figure, measured.icc1),
                *map(_figure, measured.icck),
                _figure(measured.k0),
                *map(_figure, measured.alpha),
                measured.target,
                "" if measured.assessors_needed is None else measured.assessors_needed,
            ]
        )
