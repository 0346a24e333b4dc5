"""The agenda of a board meeting: its proposals ranked by weighted score against what remains of the envelope.

The page shows one page of rows (``PAGE_SIZE``), but the ranking, the running total and the
chart cover every current item, so they are read for all of them in one set-based query of
small numbers: each item with its proposal's title, state, the viewer's recusal, the
funding requested (a sum over the consortium) and its weighted total (the proposal's
``Standing``, which the reviews' services keep), and the rubric's criteria. Only the page's rows then get
their details: consortia and eligibility inputs (``intake.services.call_lists``' prefetch,
which the staff list uses) and the submitted scores with their comments. The number of
queries does not depend on the agenda's length.

The arithmetic is not here: totals, spread and outliers are ``assessment.scoring``'s (the
stored totals from the means through ``total_from_means``), the matching ratio and the
SME definition ``intake.eligibility``'s, the eligibility summary the staff list's.

A board member recused from a proposal (``board.selectors.board_recused``) gets its
title only; its figures are left out of their running total and chart too, since the
difference between two cumulative figures would tell its request.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from accounts.choices import Role
from accounts.models import User
from assessment.choices import ReviewState
from assessment.models import Criterion, Score
from assessment.scoring import ProposalScores, Scale, proposal_scores
from board.models import AgendaItem, BoardMeeting
from board.selectors import board_recused
from intake.choices import VersionKind
from intake.eligibility import Application, figures, is_sme
from intake.models import ConsortiumMember, Proposal, ProposalVersion
from intake.selectors import APPLICATION_TEXTS, call_rules
from intake.services.call_lists import EligibilitySummary, eligibility_summary, prefetch_eligibility
from intake.states import ProposalState

ZERO = Decimal("0")
PAGE_SIZE = 50
MONEY = DecimalField(max_digits=16, decimal_places=2)


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
    #: Every current item in the agenda's order; only ``page``'s rows carry their details.
    rows: list[AgendaRow]
    #: The page shown: its ``object_list`` is the detailed rows.
    page: Page
    chart: EnvelopeChart
    #: How many proposals the viewer is recused from (left out of their figures).
    recused_count: int
    #: The position (1-based, in ``rows``) of the first row beyond the envelope, None if all fit.
    runs_out_at: int | None


def _viewer_is_recusable(user: User) -> bool:
    """Whether the viewer sees the agenda as a board member, whose conflicts hide proposals."""
    return user.has_role(Role.BOARD_MEMBER)


#: The columns of the ranking query, the same in each of its three parts (an SQL UNION ALL).
_COLUMNS = ("kind", "ref", "proposal_ref", "text_a", "text_b", "flag", "amount", "mean", "number", "low", "high")
_ITEM, _CRITERION, _COMMITTED = 0, 1, 2


def _nulls(**given: Any) -> dict[str, Any]:
    """The annotations of one part of the ranking query: ``given``, and typed NULLs (or blanks) for the rest.

    The NULLs are cast: PostgreSQL would otherwise take two untyped NULLs in a column for text.
    """
    blanks: dict[str, Any] = {
        "ref": Cast(Value(None), output_field=IntegerField()),
        "proposal_ref": Cast(Value(None), output_field=IntegerField()),
        "text_a": Value("", output_field=CharField()),
        "text_b": Value("", output_field=CharField()),
        "flag": Value(False, output_field=BooleanField()),
        "amount": Cast(Value(None), output_field=MONEY),
        "mean": Cast(Value(None), output_field=FloatField()),
        "number": Cast(Value(None), output_field=IntegerField()),
        "low": Cast(Value(None), output_field=IntegerField()),
        "high": Cast(Value(None), output_field=IntegerField()),
    }
    return {name: given.get(name, blanks.get(name)) for name in _COLUMNS}


def _ranking_rows(meeting: BoardMeeting, user: User) -> list[tuple[Any, ...]]:
    """Read what ranks every current item and the committed amount, in one query (a UNION ALL of three parts).

    Items: the item, its proposal's id, title and state, the viewer's recusal, the funding
    requested (the sum over the consortium), its standing's weighted total
    (``assessment.models.Standing``, kept as reviews are submitted) and the last application
    version's number. Criteria: the rubric's. Committed: the approved amounts of the call (no
    row when nothing is approved yet).
    """
    call_id = meeting.call_id
    on_agenda = AgendaItem.objects.filter(meeting=meeting, deferred_to__isnull=True)
    recused = (
        ExpressionWrapper(board_recused(member=user.pk, proposal=OuterRef("proposal_id")), output_field=BooleanField())
        if _viewer_is_recusable(user)
        else Value(False, output_field=BooleanField())
    )
    funding = (
        ConsortiumMember.objects.filter(proposal_id=OuterRef("proposal_id"))
        .order_by()
        .values("proposal_id")
        .annotate(total=Sum("funding_requested"))
        .values("total")
    )
    last_application = (
        ProposalVersion.objects.filter(proposal_id=OuterRef("proposal_id"), kind=VersionKind.APPLICATION)
        .order_by("-number")
        .values("number")[:1]
    )
    items = (
        on_agenda.order_by()
        .annotate(
            **_nulls(
                kind=Value(_ITEM, output_field=IntegerField()),
                ref=F("pk"),
                proposal_ref=F("proposal_id"),
                text_a=F("proposal__title"),
                text_b=F("proposal__state"),
                flag=recused,
                amount=Coalesce(Subquery(funding, output_field=MONEY), Value(ZERO, output_field=MONEY)),
                mean=F("proposal__standing__total"),
                number=Subquery(last_application, output_field=IntegerField()),
            )
        )
        .values_list(*_COLUMNS)
    )
    rubric = Q(rubric__call_id=call_id, rubric__stage=VersionKind.APPLICATION)
    criteria = (
        Criterion.objects.filter(rubric)
        .order_by()
        .annotate(
            **_nulls(
                kind=Value(_CRITERION, output_field=IntegerField()),
                ref=F("pk"),
                proposal_ref=F("position"),
                text_a=F("name_en"),
                text_b=F("name_fr"),
                amount=F("weight"),
                low=F("scale_min"),
                high=F("scale_max"),
            )
        )
        .values_list(*_COLUMNS)
    )
    # What the board has committed of the envelope: ``intake.selectors.call_committed``'s sum
    # (the approved amounts of the call's approved proposals), read here to spare a query.
    committed = (
        Proposal.objects.filter(call_id=call_id, state=ProposalState.APPROVED)
        .order_by()
        .values("call_id")
        .annotate(
            **_nulls(
                kind=Value(_COMMITTED, output_field=IntegerField()),
                ref=F("call_id"),
                amount=Sum("approved_amount", output_field=MONEY),
            )
        )
        .values_list(*_COLUMNS)
    )
    return list(items.union(criteria, committed, all=True))


def _rank(meeting: BoardMeeting, user: User) -> tuple[list[Criterion], list[AgendaRow], list[AgendaRow], Decimal]:
    """Return the criteria, the visible items ranked, the recused ones and the committed amount.

    The visible rows get their weighted total; rank and running total are the caller's.
    """
    committed = ZERO
    criteria: list[Criterion] = []
    items: list[tuple[Any, ...]] = []
    for kind, ref, proposal_ref, text_a, text_b, flag, amount, mean, number, low, high in _ranking_rows(meeting, user):
        if kind == _ITEM:
            items.append((ref, proposal_ref, text_a, text_b, flag, amount, mean, number))
        elif kind == _COMMITTED:
            committed = amount or ZERO
        else:
            criteria.append(
                Criterion(
                    pk=ref,
                    position=proposal_ref,
                    name_en=text_a,
                    name_fr=text_b,
                    weight=amount,
                    scale_min=low,
                    scale_max=high,
                )
            )
    criteria.sort(key=lambda criterion: criterion.position)
    visible: list[AgendaRow] = []
    recused: list[AgendaRow] = []
    for item_pk, proposal_pk, title, state, is_recused, funding, total, version in items:
        if is_recused:
            recused.append(AgendaRow(item_pk=item_pk, proposal_pk=proposal_pk, title=title, state=state, recused=True))
            continue
        visible.append(
            AgendaRow(
                item_pk=item_pk,
                proposal_pk=proposal_pk,
                title=title,
                state=state,
                recused=False,
                total=total,
                funding_requested=funding,
                version_number=version,
            )
        )
    visible.sort(key=lambda row: (row.total is None, -(row.total or 0), row.title, row.proposal_pk))
    recused.sort(key=lambda row: (row.title, row.proposal_pk))
    return criteria, visible, recused, committed


#: The columns of the page's details query: its proposals' texts and its scores (an SQL UNION ALL).
_TEXTS = tuple(f"text_{index}" for index in range(max(len(APPLICATION_TEXTS), 2)))
_DETAIL_COLUMNS = ("kind", "proposal_ref", "assessor", "review", "criterion", "value", *_TEXTS)
_PROPOSAL, _SCORE = 0, 1


def _detail_rows(proposal_ids: list[int], call_id: int, first_criterion: int | None) -> list[tuple[Any, ...]]:
    """Read the page's proposals' application texts and their submitted scores with comments, in one query.

    A proposal's row holds its texts (as ``APPLICATION_TEXTS`` lists them); a score's row its
    proposal, assessor, review, criterion, value, comment and, for the review's first
    criterion only, the review's overall comment. No assessor's name is read.
    """
    blank = Value("", output_field=TextField())
    number = Cast(Value(None), output_field=IntegerField())
    texts = dict.fromkeys(_TEXTS, blank)
    proposals = (
        Proposal.objects.filter(pk__in=proposal_ids)
        .order_by()
        .annotate(
            kind=Value(_PROPOSAL, output_field=IntegerField()),
            proposal_ref=F("pk"),
            assessor=number,
            review=number,
            criterion=number,
            value=number,
            **{**texts, **{column: F(name) for column, name in zip(_TEXTS, APPLICATION_TEXTS, strict=False)}},
        )
        .values_list(*_DETAIL_COLUMNS)
    )
    scores = (
        Score.objects.filter(
            review__state=ReviewState.SUBMITTED,
            review__assignment__rubric__call_id=call_id,
            review__assignment__rubric__stage=VersionKind.APPLICATION,
            review__assignment__proposal_id__in=proposal_ids,
        )
        .order_by()
        .annotate(
            kind=Value(_SCORE, output_field=IntegerField()),
            proposal_ref=F("review__assignment__proposal_id"),
            assessor=F("review__assignment__assessor_id"),
            review_ref=F("review_id"),
            criterion_ref=F("criterion_id"),
            value_ref=F("value"),
            **{
                **texts,
                _TEXTS[0]: F("comment"),
                _TEXTS[1]: Case(
                    When(criterion_id=first_criterion, then=F("review__overall_comment")),
                    default=blank,
                    output_field=TextField(),
                ),
            },
        )
        .values_list("kind", "proposal_ref", "assessor", "review_ref", "criterion_ref", "value_ref", *_TEXTS)
    )
    return list(proposals.union(scores, all=True))


def _detail(rows: list[AgendaRow], meeting: BoardMeeting, criteria: list[Criterion]) -> None:
    """Give the page's rows their proposal, and the visible ones their details (3 queries).

    The details: consortium, eligibility, scores and comments; a recused row keeps its title
    only. The proposals' texts and scores come in one query, the eligibility inputs in two
    (``intake.services.call_lists``' prefetch).
    """
    call = meeting.call
    for row in rows:
        row.proposal = Proposal(pk=row.proposal_pk, title=row.title, state=row.state, call_id=call.pk)
        row.proposal.call = call
    wanted = {row.proposal_pk: row for row in rows if not row.recused}
    if not wanted:
        return
    position = {criterion.pk: criterion.position for criterion in criteria}
    names = {criterion.pk: criterion.name for criterion in criteria}
    reviews: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    comments: dict[int, dict[int, ReviewComments]] = defaultdict(dict)
    score_rows = []
    for kind, proposal_id, assessor_id, review_id, criterion_id, value, *texts in _detail_rows(
        list(wanted), call.pk, criteria[0].pk if criteria else None
    ):
        if kind == _PROPOSAL:
            for name, text in zip(APPLICATION_TEXTS, texts, strict=False):
                setattr(wanted[proposal_id].proposal, name, text)
        else:
            score_rows.append(
                (review_id, position.get(criterion_id, 0), proposal_id, assessor_id, criterion_id, value, texts)
            )
    # Each review's comments in the rubric's order, the reviews in the order they were written.
    for review_id, _position, proposal_id, assessor_id, criterion_id, value, texts in sorted(score_rows):
        comment, overall = texts[0], texts[1]
        if value is not None:
            reviews[proposal_id][assessor_id][criterion_id] = value
        by_proposal = comments[proposal_id]
        review = by_proposal.get(review_id)
        if review is None:
            review = by_proposal[review_id] = ReviewComments(overall=overall, by_criterion=[])
        if comment:
            review.by_criterion.append((names.get(criterion_id, ""), comment))
    proposals = [row.proposal for row in wanted.values() if row.proposal is not None]
    prefetch_eligibility(proposals)
    rules = call_rules(call=call, stage=VersionKind.APPLICATION)
    scales = [Scale(key=c.pk, weight=c.weight, low=c.scale_min, high=c.scale_max) for c in criteria]
    threshold = float(settings.ASSESSMENT_OUTLIER_POINTS)
    for proposal in proposals:
        row = wanted[proposal.pk]
        partners = proposal.engine_partners  # type: ignore[attr-defined]
        complete = {who: marks for who, marks in reviews[proposal.pk].items() if len(marks) == len(scales)}
        scores = proposal_scores(complete, scales, threshold=threshold) if scales else None
        row.partners = [Partner(name=p.name, is_lead=p.is_lead, sme=is_sme(p, rules)) for p in partners]
        row.matching_ratio = figures(Application(partners=partners)).matching_ratio
        row.eligibility = eligibility_summary(proposal, rules)
        row.scores = scores
        row.criteria = [CriterionResult(criterion=c, mean=scores.means[c.pk] if scores else None) for c in criteria]
        row.reviews = list(comments[proposal.pk].values())


def meeting_agenda(*, meeting: BoardMeeting, user: User, page_number: str | int | None = 1) -> Agenda:
    """Return ``meeting``'s current items ranked by weighted score, with the running total against the envelope.

    Unscored proposals rank last (by title), as on the results page; the proposals the
    viewer is recused from come after them, title only. The running total goes down the
    whole ranking from what remains of the call's envelope after its approvals; only the
    rows of page ``page_number`` (an invalid number gives the nearest page) get details.
    """
    call = meeting.call
    criteria, scored, recused_rows, committed = _rank(meeting, user)
    remaining = call.funding_envelope - committed
    cumulative = ZERO
    runs_out_at: int | None = None
    for position, row in enumerate(scored, start=1):
        row.rank = position if row.total is not None else None
        cumulative += row.funding_requested
        row.cumulative = cumulative
        row.within_envelope = cumulative <= remaining
        if not row.within_envelope and runs_out_at is None:
            row.envelope_runs_out = True
            runs_out_at = position
    rows = scored + recused_rows
    page = Paginator(rows, PAGE_SIZE).get_page(page_number)
    _detail(list(page.object_list), meeting, criteria)
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
        rows=rows,
        page=page,
        chart=chart,
        recused_count=len(recused_rows),
        runs_out_at=runs_out_at,
    )
