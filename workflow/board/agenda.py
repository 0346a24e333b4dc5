"""The agenda of a board meeting: its proposals ranked by weighted score against what remains of the envelope.

Every read is set-based, a constant number of queries however long the agenda: the items
with their proposals, the rubric's criteria, the submitted scores, and the consortia and
eligibility inputs (``intake.services.call_lists``' prefetch, which the staff list uses).
The arithmetic is not here: scores are ``assessment.scoring``'s, the matching ratio and the
SME definition ``intake.eligibility``'s, the eligibility summary the staff list's.

A board member recused from a proposal (``workflow.selectors.board_recused``) gets its
title only; its figures are left out of their running total and chart too, since the
difference between two cumulative figures would tell its request.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import BooleanField, Case, ExpressionWrapper, F, OuterRef, Subquery, TextField, Value, When

from accounts.choices import Role
from accounts.models import User
from assessment.choices import ReviewState
from assessment.models import Criterion, Score
from assessment.scoring import ProposalScores, Scale, proposal_scores
from intake.choices import VersionKind
from intake.eligibility import Application, figures, is_sme
from intake.models import Proposal, ProposalVersion
from intake.selectors import APPLICATION_TEXTS, call_committed, call_rules
from intake.services.call_lists import EligibilitySummary, _prefetch_eligibility, _summary
from workflow.models import AgendaItem, BoardMeeting
from workflow.selectors import board_recused

ZERO = Decimal("0")


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

    item: AgendaItem
    proposal: Proposal
    recused: bool
    rank: int | None = None
    partners: list[Partner] = field(default_factory=list)
    funding_requested: Decimal = ZERO
    cumulative: Decimal = ZERO
    within_envelope: bool = True
    #: The envelope runs out on this row: the line is drawn above it.
    envelope_runs_out: bool = False
    matching_ratio: Decimal | None = None
    eligibility: EligibilitySummary | None = None
    scores: ProposalScores | None = None
    criteria: list[CriterionResult] = field(default_factory=list)
    reviews: list[ReviewComments] = field(default_factory=list)
    version_number: int | None = None


@dataclass(frozen=True)
class EnvelopeChart:
    """The envelope split into committed, proposed on this agenda and remaining, as shares of the bar's width."""

    envelope: Decimal
    committed: Decimal
    proposed: Decimal
    remaining: Decimal  # the envelope less what is committed (what the board may still approve)
    left_after: Decimal  # what would remain if every proposal were funded in full (negative: over)

    def _width(self) -> Decimal:
        return max(self.envelope, self.committed + self.proposed, Decimal("1"))

    def _share(self, amount: Decimal) -> Decimal:
        return (max(amount, ZERO) * 100 / self._width()).quantize(Decimal("0.01"))

    @property
    def committed_share(self) -> Decimal:
        return self._share(self.committed)

    @property
    def proposed_within_share(self) -> Decimal:
        return self._share(min(self.proposed, max(self.remaining, ZERO)))

    @property
    def proposed_over_share(self) -> Decimal:
        return self._share(self.proposed - max(self.remaining, ZERO))

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


@dataclass(frozen=True)
class Agenda:
    meeting: BoardMeeting
    criteria: list[Criterion]
    rows: list[AgendaRow]
    chart: EnvelopeChart
    #: How many proposals the viewer is recused from (left out of their figures).
    recused_count: int


def _viewer_is_recusable(user: User) -> bool:
    """Whether the viewer sees the agenda as a board member, whose conflicts hide proposals."""
    return user.has_role(Role.BOARD_MEMBER)


def _items(meeting: BoardMeeting, user: User) -> list[AgendaItem]:
    """The meeting's current items with their proposals, each with ``recused`` and ``version_number`` (1 query)."""
    last_application = (
        ProposalVersion.objects.filter(proposal_id=OuterRef("proposal_id"), kind=VersionKind.APPLICATION)
        .order_by("-number")
        .values("number")[:1]
    )
    recused = (
        ExpressionWrapper(board_recused(member=user.pk, proposal=OuterRef("proposal_id")), output_field=BooleanField())
        if _viewer_is_recusable(user)
        else Value(False, output_field=BooleanField())
    )
    # Only what the page and the eligibility engine read: the proposal's dates and other
    # texts would be parsed 2,000 times for nothing.
    fields = ("proposal__title", "proposal__state", "proposal__call_id", *(f"proposal__{n}" for n in APPLICATION_TEXTS))
    return list(
        AgendaItem.objects.filter(meeting=meeting, deferred_to__isnull=True)
        .select_related("proposal")
        .only("meeting_id", "proposal_id", *fields)
        .annotate(recused=recused, version_number=Subquery(last_application))
        .order_by("pk")
    )


def _scores(
    meeting: BoardMeeting, criteria: list[Criterion]
) -> tuple[dict[int, dict[int, dict[int, int]]], dict[int, dict[int, ReviewComments]]]:
    """Read every submitted score of the agenda's proposals, with its comments (1 query).

    Returns the scores by proposal, assessor and criterion (as ``assessment.scoring`` takes
    them) and the comments by proposal and review. No assessor's name is read. A review's
    overall comment comes with its first criterion's row only, not repeated on each.
    """
    on_agenda = AgendaItem.objects.filter(meeting=meeting, deferred_to__isnull=True).values("proposal_id")
    names = {criterion.pk: criterion.name for criterion in criteria}
    first = criteria[0].pk if criteria else None
    reviews: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    comments: dict[int, dict[int, ReviewComments]] = defaultdict(dict)
    rows = (
        Score.objects.filter(
            review__state=ReviewState.SUBMITTED,
            review__assignment__rubric__call_id=meeting.call_id,
            review__assignment__rubric__stage=VersionKind.APPLICATION,
            review__assignment__proposal_id__in=on_agenda,
        )
        .annotate(
            overall=Case(
                When(criterion_id=first, then=F("review__overall_comment")),
                default=Value(""),
                output_field=TextField(),
            )
        )
        .order_by("review_id", "criterion__position")
        .values_list(
            "review__assignment__proposal_id",
            "review__assignment__assessor_id",
            "review_id",
            "criterion_id",
            "value",
            "comment",
            "overall",
        )
    )
    for proposal_id, assessor_id, review_id, criterion_id, value, comment, overall in rows:
        if value is not None:
            reviews[proposal_id][assessor_id][criterion_id] = value
        by_proposal = comments[proposal_id]
        review = by_proposal.get(review_id)
        if review is None:
            review = by_proposal[review_id] = ReviewComments(overall=overall, by_criterion=[])
        if comment:
            review.by_criterion.append((names.get(criterion_id, ""), comment))
    return reviews, comments


def meeting_agenda(*, meeting: BoardMeeting, user: User) -> Agenda:
    """Return ``meeting``'s current items ranked by weighted score, with the running total against the envelope.

    Unscored proposals rank last (by title), as on the results page. The running total
    goes down the ranking from what remains of the call's envelope after its approvals.
    """
    call = meeting.call
    items = _items(meeting, user)
    criteria = list(
        Criterion.objects.filter(rubric__call_id=call.pk, rubric__stage=VersionKind.APPLICATION).order_by("position")
    )
    scales = [Scale(key=c.pk, weight=c.weight, low=c.scale_min, high=c.scale_max) for c in criteria]
    visible = [item for item in items if not item.recused]  # type: ignore[attr-defined]
    proposals = [item.proposal for item in visible]
    for proposal in proposals:
        proposal.call = call
    _prefetch_eligibility(proposals)
    reviews, comments = _scores(meeting, criteria)
    rules = call_rules(call=call, stage=VersionKind.APPLICATION)
    threshold = float(settings.ASSESSMENT_OUTLIER_POINTS)

    scored: list[AgendaRow] = []
    for item in visible:
        proposal = item.proposal
        partners = proposal.engine_partners  # type: ignore[attr-defined]
        complete = {who: marks for who, marks in reviews[proposal.pk].items() if len(marks) == len(scales)}
        scores = proposal_scores(complete, scales, threshold=threshold) if scales else None
        budget = figures(Application(partners=partners))
        scored.append(
            AgendaRow(
                item=item,
                proposal=proposal,
                recused=False,
                partners=[Partner(name=p.name, is_lead=p.is_lead, sme=is_sme(p, rules)) for p in partners],
                funding_requested=budget.cluster_funding,
                matching_ratio=budget.matching_ratio,
                eligibility=_summary(proposal, rules),
                scores=scores,
                criteria=[CriterionResult(criterion=c, mean=scores.means[c.pk] if scores else None) for c in criteria],
                reviews=list(comments[proposal.pk].values()),
                version_number=item.version_number,  # type: ignore[attr-defined]
            )
        )
    scored.sort(
        key=lambda row: (
            row.scores is None or row.scores.total is None,
            -((row.scores.total if row.scores else None) or 0),
            row.proposal.title,
            row.proposal.pk,
        )
    )
    committed = call_committed(call=call)
    remaining = call.funding_envelope - committed
    cumulative = ZERO
    line_drawn = False
    for rank, row in enumerate(scored, start=1):
        row.rank = rank if row.scores is not None and row.scores.total is not None else None
        cumulative += row.funding_requested
        row.cumulative = cumulative
        row.within_envelope = cumulative <= remaining
        if not row.within_envelope and not line_drawn:
            row.envelope_runs_out = line_drawn = True
    recused_rows = [
        AgendaRow(item=item, proposal=item.proposal, recused=True)
        for item in items
        if item.recused  # type: ignore[attr-defined]
    ]
    chart = EnvelopeChart(
        envelope=call.funding_envelope,
        committed=committed,
        proposed=cumulative,
        remaining=remaining,
        left_after=remaining - cumulative,
    )
    return Agenda(
        meeting=meeting,
        criteria=criteria,
        rows=scored + sorted(recused_rows, key=lambda row: (row.proposal.title, row.proposal.pk)),
        chart=chart,
        recused_count=len(recused_rows),
    )
