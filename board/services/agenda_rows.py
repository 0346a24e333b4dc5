"""The agenda's rows as the page shows them, shaped from what ``board.services.agenda_queries`` read.

Nothing here reads the database: the page's items come ranked, each with its running total
(``agenda_queries.agenda_page_read``; the lottery's band ranks them here, ``rows_ranked``),
and the page's rows get their consortium, eligibility summary, scores and comments from
the details read for them and the eligibility inputs prefetched on their proposals. The
arithmetic is not here either: totals, spread and outliers are ``assessment.scoring``'s,
the matching ratio and the SME definition ``intake.eligibility``'s, the eligibility
summary the staff list's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from assessment.models import Criterion
from assessment.scoring import ProposalScores, Scale, proposal_scores
from board.services.agenda_queries import ZERO, CalibratedScore, PageDetails, RankedItem
from intake.choices import VersionKind
from intake.eligibility import Application, figures, is_sme
from intake.formatting import ratio_of, ratios
from intake.models import Call, Proposal
from intake.services.call_lists import EligibilitySummary, eligibility_summary


@dataclass(frozen=True)
class Partner:
    """One consortium member as the agenda shows it."""

    name: str
    is_lead: bool
    sme: bool


@dataclass(frozen=True)
class CriterionResult:
    """One criterion's mean (on its own scale) for one proposal."""

    criterion: Criterion
    mean: float | None


@dataclass(frozen=True)
class ReviewComments:
    """One submitted review's comments, without the assessor's name: the overall one and each criterion's."""

    overall: str
    by_criterion: list[tuple[str, str]]


@dataclass
class AgendaRow:
    """One line of the agenda; a recused viewer gets ``recused`` True and nothing but the title."""

    item_pk: int
    proposal_pk: int
    title: str
    state: str
    recused: bool
    #: The proposal, for the page's rows only: building 2,000 model instances would cost the most.
    proposal: Proposal | None = None
    #: Ranking score (the weighted total, None when no complete review): the page's rows get ``scores`` too.
    total: float | None = None
    rank: int | None = None
    partners: list[Partner] = field(default_factory=list)
    funding_requested: Decimal = ZERO
    cumulative: Decimal = ZERO
    within_envelope: bool = True
    #: The envelope runs out on this row: the line is drawn above it.
    envelope_runs_out: bool = False
    matching_ratio: Decimal | None = None
    #: The matching ratio as every page shows it, beside the call's minimum (``intake.formatting``).
    matching_ratio_shown: str = ""
    eligibility: EligibilitySummary | None = None
    scores: ProposalScores | None = None
    criteria: list[CriterionResult] = field(default_factory=list)
    reviews: list[ReviewComments] = field(default_factory=list)
    version_number: int | None = None
    #: The stored calibrated score, interval and chance of funding (None when none is stored; never for a recused row).
    calibration: CalibratedScore | None = None
    #: The score that ranks the row: the raw total, or under the calibrated ranking its calibrated standing's score.
    ranking_score: float | None = None


@dataclass(frozen=True)
class EnvelopeChart:
    """The envelope split into committed, proposed on this agenda and remaining, as shares of the bar's width."""

    envelope: Decimal
    committed: Decimal
    proposed: Decimal
    remaining: Decimal  # the envelope less what is committed (what the board may still approve)
    left_after: Decimal  # what would remain of ``available`` if every proposal were funded in full (negative: over)
    #: The envelope staff set for this meeting (docs/portfolio.md), None: what remains of the call's.
    meeting_envelope: Decimal | None = None

    @property
    def available(self) -> Decimal:
        """What this meeting may approve: the meeting's envelope when set, never more than what remains."""
        if self.meeting_envelope is None:
            return self.remaining
        return min(self.meeting_envelope, self.remaining)

    def _width(self) -> Decimal:
        return max(self.envelope, self.committed + self.proposed, Decimal("1"))

    def _share(self, amount: Decimal) -> Decimal:
        return (max(amount, ZERO) * 100 / self._width()).quantize(Decimal("0.01"))

    @property
    def committed_share(self) -> Decimal:
        return self._share(self.committed)

    @property
    def proposed_within_share(self) -> Decimal:
        return self._share(min(self.proposed, max(self.available, ZERO)))

    @property
    def proposed_over_share(self) -> Decimal:
        return self._share(self.proposed - max(self.available, ZERO))

    @property
    def left_share(self) -> Decimal:
        return self._share(self.left_after)

    @property
    def proposed_start(self) -> Decimal:
        return self.committed_share

    @property
    def over_start(self) -> Decimal:
        return self.committed_share + self.proposed_within_share

    @property
    def envelope_at(self) -> Decimal:
        return self._share(self.envelope)

    @property
    def over(self) -> Decimal:
        return max(-self.left_after, ZERO)


def rows_ranked(items: list[RankedItem], *, calibrated: bool = False) -> tuple[list[AgendaRow], list[AgendaRow]]:
    """Return the rows of ``items`` the viewer may see, ranked, and those they are recused from, by title.

    The visible rows rank by weighted total, highest first, the unscored last (by title), as
    on the results page; ``calibrated``, by their stored calibrated standing's score
    (calibrated, or raw where kept raw; the raw total where none is stored). A recused row
    gets the title only. The agenda's page ranks in SQL the same way
    (``agenda_queries.agenda_page_read``); the lottery's band ranks here.
    """
    rows = [row_of(item, calibrated=calibrated) for item in items]
    visible = [row for row in rows if not row.recused]
    recused = [row for row in rows if row.recused]
    visible.sort(key=lambda row: (row.ranking_score is None, -(row.ranking_score or 0), row.title, row.proposal_pk))
    recused.sort(key=lambda row: (row.title, row.proposal_pk))
    return visible, recused


def row_of(item: RankedItem, *, calibrated: bool = False) -> AgendaRow:
    """Return the row of ``item``: its figures and the score that ranks it, or its title only when recused."""
    if item.recused:
        return AgendaRow(
            item_pk=item.item_pk, proposal_pk=item.proposal_pk, title=item.title, state=item.state, recused=True
        )
    return AgendaRow(
        item_pk=item.item_pk,
        proposal_pk=item.proposal_pk,
        title=item.title,
        state=item.state,
        recused=False,
        total=item.total,
        funding_requested=item.funding_requested,
        calibration=item.calibration,
        ranking_score=(
            item.calibration.ranking_score
            if calibrated and item.calibration is not None and item.calibration.ranking_score is not None
            else item.total
        ),
    )


def rows_placed(
    items: list[RankedItem], *, calibrated: bool, available: Decimal, runs_out_at: int | None
) -> list[AgendaRow]:
    """Return the rows of a page's ``items``, placed in the agenda by ``agenda_queries.agenda_page_read``.

    A visible row's rank is its position when it has a score (the unscored are not ranked);
    its ``cumulative`` is the running total of the requests down to it, within ``available``
    or beyond it, and the row at ``runs_out_at`` is where the envelope runs out (the line is
    drawn above it). A recused row keeps its title only.
    """
    rows = []
    for item in items:
        row = row_of(item, calibrated=calibrated)
        if not row.recused:
            row.rank = item.position if row.ranking_score is not None else None
            row.cumulative = item.cumulative
            row.within_envelope = item.cumulative <= available
            row.envelope_runs_out = item.position == runs_out_at
        rows.append(row)
    return rows


def rows_give_proposals(rows: list[AgendaRow], call: Call) -> None:
    """Give each of ``rows`` its proposal, built from what the ranking read (title, state) rather than read again.

    Built as ``Proposal(pk=..., title=..., state=..., call_id=...)`` builds it, every other field at
    its default, but with its values in the order of the fields: given by name, the model looks
    each of its 47 fields up in them, which cost more than the rest of the row's shaping. A default
    that is a function (a list, a new UUID) is called for each proposal, as by name.
    """
    fields = Proposal._meta.concrete_fields
    called = [(index, f) for index, f in enumerate(fields) if f.has_default() and callable(f.default)]
    defaults = [f.get_default() for f in fields]
    place = {f.attname: index for index, f in enumerate(fields)}
    pk, title, state, call_id = place[Proposal._meta.pk.attname], place["title"], place["state"], place["call_id"]
    for row in rows:
        values = list(defaults)
        for index, f in called:
            values[index] = f.get_default()
        values[pk], values[title], values[state], values[call_id] = row.proposal_pk, row.title, row.state, call.pk
        row.proposal = Proposal(*values)
        row.proposal.call = call


def rows_detail(rows: Iterable[AgendaRow], *, details: PageDetails, criteria: list[Criterion]) -> None:
    """Give the visible ``rows`` their texts, consortium, eligibility summary, scores and comments.

    Their proposals carry the eligibility inputs and their frozen rules
    (``intake.services.call_lists.prefetch_eligibility``): each is checked, and its SMEs
    counted, by the rules frozen at its submission.
    A review's scores count once it has a mark for every criterion.
    """
    wanted = {row.proposal_pk: row for row in rows}
    for proposal_id, texts in details.texts.items():
        for name, text in texts.items():
            setattr(wanted[proposal_id].proposal, name, text)
    marks, comments = _marks_and_comments(details, criteria)
    scales = [Scale(key=c.pk, weight=c.weight, low=c.scale_min, high=c.scale_max) for c in criteria]
    threshold = float(settings.ASSESSMENT_OUTLIER_POINTS)
    ratio = ratios()
    for row in wanted.values():
        proposal = row.proposal
        if proposal is None:
            continue
        partners = proposal.engine_partners  # type: ignore[attr-defined]
        rules = proposal.eligibility_rules(VersionKind.APPLICATION)
        complete = {
            who: by_criterion for who, by_criterion in marks[proposal.pk].items() if len(by_criterion) == len(scales)
        }
        scores = proposal_scores(complete, scales, threshold=threshold) if scales else None
        sme_cap = rules.sme_max_employees  # the rules' SME definition, read once for the row's partners
        row.partners = [Partner(name=p.name, is_lead=p.is_lead, sme=is_sme(p, sme_cap)) for p in partners]
        computed = figures(Application(partners=partners), rules)
        row.matching_ratio = computed.matching_ratio
        matching = rules.first("matching_ratio")
        row.matching_ratio_shown = ratio(
            ratio_of(computed.industry_contribution, computed.cluster_funding),
            *([] if matching is None else [matching.param("ratio")]),
        )
        # Only the full application goes to the board: every agenda row is at that stage.
        row.eligibility = eligibility_summary(proposal, rules, at_application=True)
        row.scores = scores
        row.criteria = [CriterionResult(criterion=c, mean=scores.means[c.pk] if scores else None) for c in criteria]
        row.reviews = list(comments[proposal.pk].values())
        row.version_number = details.versions.get(proposal.pk)


def _marks_and_comments(
    details: PageDetails, criteria: list[Criterion]
) -> tuple[dict[int, dict[int, dict[int, int]]], dict[int, dict[int, ReviewComments]]]:
    """Return each proposal's marks by assessor and criterion, and its reviews' comments by review.

    Each review's comments come in the rubric's order, the reviews in the order they were written.
    """
    position = {criterion.pk: criterion.position for criterion in criteria}
    names = {criterion.pk: criterion.name for criterion in criteria}
    marks: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    comments: dict[int, dict[int, ReviewComments]] = defaultdict(dict)
    ordered = sorted(
        details.scores,
        key=lambda s: (s.review_pk, position.get(s.criterion_pk, 0), s.proposal_pk, s.assessor_pk, s.criterion_pk),
    )
    for score in ordered:
        if score.value is not None:
            marks[score.proposal_pk][score.assessor_pk][score.criterion_pk] = score.value
        by_proposal = comments[score.proposal_pk]
        review = by_proposal.get(score.review_pk)
        if review is None:
            review = by_proposal[score.review_pk] = ReviewComments(overall=score.overall, by_criterion=[])
        if score.comment:
            review.by_criterion.append((names.get(score.criterion_pk, ""), score.comment))
    return marks, comments
