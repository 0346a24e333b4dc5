"""What the board's agenda reads: two set-based queries whose cost does not grow with the agenda.

``ranking_read`` reads, for every current item, what ranks it (its proposal's title and
state, the viewer's recusal, the funding requested, the weighted total and the stored
calibrated standing), with the rubric's criteria and the amount the board has committed,
in one query. ``details_read`` reads, for the page's proposals only, their application
texts, the number of their last application version and their submitted scores with
comments, in one query. Each query is a UNION ALL of
parts that share one list of columns; the parts are built by the small functions below,
and each query's rows are decoded here into named records, so that the shaping of the
page's rows (``board.services.agenda_rows``) never sees a column by its position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
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
from assessment.models import CalibratedStanding, Criterion, Rubric, Score
from board.models import AgendaItem, BoardMeeting
from board.selectors import board_recused
from intake.choices import VersionKind
from intake.models import ConsortiumMember, Proposal, ProposalVersion
from intake.selectors import APPLICATION_TEXTS
from intake.states import FUNDED_STATES

ZERO = Decimal("0")
MONEY = DecimalField(max_digits=16, decimal_places=2)


@dataclass(frozen=True)
class RankedItem:
    """One current item of the agenda with what ranks it."""

    item_pk: int
    proposal_pk: int
    title: str
    state: str
    #: The viewer is recused from the proposal: the page shows its title only.
    recused: bool
    #: The sum of the consortium's requests.
    funding_requested: Decimal
    #: The standing's weighted total, None when no review is complete.
    total: float | None
    #: The stored calibrated standing under the application rubric, None when none is stored.
    calibration: CalibratedScore | None = None


@dataclass(frozen=True)
class CalibratedScore:
    """A proposal's stored calibrated standing as the agenda shows it (``assessment.models.CalibratedStanding``)."""

    #: The calibrated total, None where the raw total was kept (``fallback`` says why).
    calibrated: float | None
    raw: float | None
    low: float | None
    high: float | None
    fallback: str
    chance: float | None
    chance_label: str

    @property
    def ranking_score(self) -> float | None:
        """The score the calibrated ranking uses: calibrated where it could be, raw otherwise."""
        return self.calibrated if self.calibrated is not None else self.raw

    def get_fallback_display(self) -> str:
        return str(CalibratedStanding.Reason(self.fallback).label) if self.fallback else ""

    def get_chance_label_display(self) -> str:
        return str(CalibratedStanding.Chance(self.chance_label).label) if self.chance_label else ""


@dataclass(frozen=True)
class Ranking:
    """What ranks the agenda: the rubric's criteria in order, every current item and the committed amount."""

    criteria: list[Criterion]
    items: list[RankedItem]
    committed: Decimal


@dataclass(frozen=True)
class SubmittedScore:
    """One criterion's mark in a submitted review, with its comment; no assessor's name."""

    review_pk: int
    proposal_pk: int
    assessor_pk: int
    criterion_pk: int
    value: int | None
    comment: str
    #: The review's overall comment, on the row of the rubric's first criterion only (blank on the others).
    overall: str


@dataclass(frozen=True)
class PageDetails:
    """The page's proposals' application texts (by proposal, then by field name) and their submitted scores."""

    texts: dict[int, dict[str, str]]
    scores: list[SubmittedScore]
    #: The number of each proposal's last application version (None if it has none), for its link.
    versions: dict[int, int | None] = field(default_factory=dict)


# --- The ranking: every current item, the rubric's criteria and the committed amount ---------------

_CALIBRATION = ("cal", "cal_raw", "cal_low", "cal_high", "cal_reason", "cal_chance", "cal_label")

#: The columns of the ranking query, the same in each of its three parts (an SQL UNION ALL).
_COLUMNS = (
    "kind",
    "ref",
    "proposal_ref",
    "text_a",
    "text_b",
    "flag",
    "amount",
    "mean",
    "number",
    "low",
    "high",
    # The stored calibrated standing (items only): calibrated, raw, interval, fallback, chance and its label.
    *_CALIBRATION,
)
_ITEM, _CRITERION, _COMMITTED = 0, 1, 2


def ranking_read(*, meeting: BoardMeeting, user: User) -> Ranking:
    """Read what ranks every current item of ``meeting`` for ``user``, with the criteria and the committed amount.

    One query, a UNION ALL of three parts: the items (``_items_part``), the rubric's
    criteria (``_criteria_part``) and the approved amounts of the call's earlier decisions
    (``_committed_part``, no row when nothing is approved yet). The items come in no order: ranking them is the
    caller's.
    """
    parts = _items_part(meeting, user).union(_criteria_part(meeting.call_id), _committed_part(meeting), all=True)
    committed = ZERO
    criteria: list[Criterion] = []
    items: list[RankedItem] = []
    for kind, ref, proposal_ref, text_a, text_b, flag, amount, mean, _number, low, high, *stored in parts:
        if kind == _ITEM:
            cal, cal_raw, cal_low, cal_high, reason, chance, label = stored
            # The reason is NULL only where no standing is stored ("" when calibrated).
            calibration = (
                None
                if reason is None
                else CalibratedScore(cal, cal_raw, cal_low, cal_high, reason, chance, label or "")
            )
            items.append(RankedItem(ref, proposal_ref, text_a, text_b, flag, amount, mean, calibration))
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
    return Ranking(criteria=criteria, items=items, committed=committed)


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
        **dict.fromkeys(("cal", "cal_raw", "cal_low", "cal_high", "cal_chance"), Cast(Value(None), FloatField())),
        "cal_reason": Cast(Value(None), output_field=CharField()),
        "cal_label": Cast(Value(None), output_field=CharField()),
    }
    return {name: given.get(name, blanks.get(name)) for name in _COLUMNS}


def _items_part(meeting: BoardMeeting, user: User) -> QuerySet[Any]:
    """The current items: each with its proposal's id, title and state, the viewer's recusal and its figures.

    The figures: the funding requested (the sum over the consortium), the standing's
    weighted total (``assessment.models.Standing``, kept as reviews are submitted); and the
    stored calibrated standing under the call's application rubric
    (``assessment.models.CalibratedStanding``, one LEFT JOIN), NULLs where none is stored.
    Nothing is read here that only the page's rows show (their last version's number is
    ``details_read``'s): every column is computed for every item.
    Only a member of the program's board can be recused.
    """
    # The stored calibrated standing under the call's application rubric, joined once (at most one row a
    # proposal: one standing per rubric) rather than read by a correlated subquery per column.
    standing = FilteredRelation(
        "proposal__calibrated_standings",
        condition=Q(
            proposal__calibrated_standings__rubric_id=Subquery(
                Rubric.objects.filter(call_id=meeting.call_id, stage=VersionKind.APPLICATION).values("pk")[:1]
            )
        ),
    )

    recused = (
        ExpressionWrapper(board_recused(member=user.pk, proposal=OuterRef("proposal_id")), output_field=BooleanField())
        if user.acts_in(Role.BOARD_MEMBER, meeting.call.program_id)
        else Value(False, output_field=BooleanField())
    )
    funding = (
        ConsortiumMember.objects.filter(proposal_id=OuterRef("proposal_id"))
        .order_by()
        .values("proposal_id")
        .annotate(total=Sum("funding_requested"))
        .values("total")
    )
    return (
        AgendaItem.objects.filter(meeting=meeting, deferred_to__isnull=True)
        .order_by()
        .annotate(standing=standing)
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
                cal=F("standing__calibrated"),
                cal_raw=F("standing__raw"),
                cal_low=F("standing__low"),
                cal_high=F("standing__high"),
                cal_reason=F("standing__fallback"),
                cal_chance=F("standing__chance"),
                cal_label=F("standing__chance_label"),
            )
        )
        .values_list(*_COLUMNS)
    )


def _criteria_part(call_id: int) -> QuerySet[Any]:
    """The criteria of the call's application rubric: names, weight and scale (position in ``proposal_ref``)."""
    rubric = Q(rubric__call_id=call_id, rubric__stage=VersionKind.APPLICATION)
    return (
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


def _committed_part(meeting: BoardMeeting) -> QuerySet[Any]:
    """What earlier decisions committed of the envelope: the approved amounts of the call's approved proposals
    that are not on ``meeting``'s current agenda.

    ``intake.selectors.call_committed``'s sum less this agenda's approvals, read here to spare a
    query: a proposal approved at this meeting still runs in the agenda's requests, and counting it
    in both would take its amount twice from the envelope.
    """
    on_this_agenda = AgendaItem.objects.filter(proposal_id=OuterRef("pk"), meeting=meeting, deferred_to__isnull=True)
    return (
        Proposal.objects.filter(call_id=meeting.call_id, state__in=FUNDED_STATES)
        .filter(~Exists(on_this_agenda))
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


# --- The page's details: its proposals' texts and their submitted scores ---------------------------

#: The IP review's verdict, findings and changes needed (``registry.models.IPReview``, read by its relation's
#: name so that the board imports nothing of the registry above it): the page's proposals get them as texts.
IP_REVIEW_TEXTS = {
    "ip_verdict": "ip_review__verdict",
    "ip_findings": "ip_review__findings",
    "ip_changes_needed": "ip_review__changes_needed",
}
#: The texts each of the page's proposals gets, by attribute name, in the order of the text columns.
_PROPOSAL_TEXTS = (*APPLICATION_TEXTS, *IP_REVIEW_TEXTS)
#: The columns of the page's details query: its proposals' texts and its scores (an SQL UNION ALL).
_TEXTS = tuple(f"text_{index}" for index in range(max(len(_PROPOSAL_TEXTS), 2)))
_DETAIL_COLUMNS = ("kind", "proposal_ref", "assessor", "review", "criterion", "value", *_TEXTS)
_PROPOSAL, _SCORE = 0, 1
_BLANK = Value("", output_field=TextField())


def details_read(*, proposal_ids: list[int], call_id: int, first_criterion: int | None) -> PageDetails:
    """Read the page's proposals' application texts and their submitted scores with comments, in one query.

    A UNION ALL of two parts: the proposals' texts (``_texts_part``, as ``APPLICATION_TEXTS``
    lists them) and the scores (``_scores_part``), the review's overall comment on the row
    of the rubric's first criterion, ``first_criterion``.
    """
    parts = _texts_part(proposal_ids).union(_scores_part(proposal_ids, call_id, first_criterion), all=True)
    texts: dict[int, dict[str, str]] = {}
    versions: dict[int, int | None] = {}
    scores: list[SubmittedScore] = []
    for kind, proposal_id, assessor_id, review_id, criterion_id, value, *columns in parts:
        if kind == _PROPOSAL:
            texts[proposal_id] = dict(zip(_PROPOSAL_TEXTS, columns, strict=False))
            versions[proposal_id] = value
        else:
            scores.append(
                SubmittedScore(review_id, proposal_id, assessor_id, criterion_id, value, columns[0], columns[1])
            )
    return PageDetails(texts=texts, scores=scores, versions=versions)


def _texts_part(proposal_ids: list[int]) -> QuerySet[Any]:
    """The proposals' application texts and IP review, in the text columns, and the number of their last application
    version in ``value``; the other score columns NULL."""
    number = Cast(Value(None), output_field=IntegerField())
    last_application = (
        ProposalVersion.objects.filter(proposal_id=OuterRef("pk"), kind=VersionKind.APPLICATION)
        .order_by("-number")
        .values("number")[:1]
    )
    texts = dict.fromkeys(_TEXTS, _BLANK)
    return (
        Proposal.objects.filter(pk__in=proposal_ids)
        .order_by()
        .annotate(
            kind=Value(_PROPOSAL, output_field=IntegerField()),
            proposal_ref=F("pk"),
            assessor=number,
            review=number,
            criterion=number,
            value=Subquery(last_application, output_field=IntegerField()),
            **{**texts, **{column: _text(name) for column, name in zip(_TEXTS, _PROPOSAL_TEXTS, strict=False)}},
        )
        .values_list(*_DETAIL_COLUMNS)
    )


def _text(name: str) -> Any:
    """The column of the proposal's text ``name``: its field, or its IP review's (blank when it has none)."""
    if name in IP_REVIEW_TEXTS:
        return Coalesce(F(IP_REVIEW_TEXTS[name]), _BLANK, output_field=TextField())
    return F(name)


def _scores_part(proposal_ids: list[int], call_id: int, first_criterion: int | None) -> QuerySet[Any]:
    """The submitted scores of the proposals under the call's application rubric: comment, then overall comment."""
    texts = dict.fromkeys(_TEXTS, _BLANK)
    return (
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
                    default=_BLANK,
                    output_field=TextField(),
                ),
            },
        )
        .values_list("kind", "proposal_ref", "assessor", "review_ref", "criterion_ref", "value_ref", *_TEXTS)
    )
