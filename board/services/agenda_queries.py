"""What the board's agenda reads: set-based queries whose number does not grow with the agenda.

``agenda_page_read`` ranks every current item in SQL (its proposal's title and state, the
viewer's recusal, the funding requested, the weighted total and the stored calibrated
standing), runs the total of the requests down the ranking against the envelope, and
returns only one page's items, with what the envelope's chart needs over all of them
(their number, the total requested, where the envelope runs out) and the rubric's criteria
and the amount the board has committed, in one query. ``ranking_read`` reads what ranks
every current item into Python, for the lottery's band, which needs them all.
``details_read`` reads, for the page's proposals only, their application
texts, the number of their last application version and their submitted scores with
comments, in one query. Each query is a UNION ALL of
parts that share one list of columns; the parts are built by the small functions below,
and each query's rows are decoded here into named records, so that the shaping of the
page's rows (``board.services.agenda_rows``) never sees a column by its position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connections
from django.db.models import (
    BigIntegerField,
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
from assessment.selectors import conflict_moments
from board.models import AgendaItem, BoardMeeting
from board.selectors import board_recused
from intake.choices import VersionKind
from intake.models import ConsortiumMember, Proposal, ProposalVersion
from intake.selectors import APPLICATION_TEXTS
from intake.states import FUNDED_STATES
from records.sql import planned_at_each_run, statement_compiled

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
    #: Its place in the agenda's order (1-based; ``agenda_page_read`` only): the ranked rows, then the recused ones.
    position: int = 0
    #: The requests' running total down the ranking to this item (``agenda_page_read`` only; zero when recused).
    cumulative: Decimal = ZERO


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


class SubmittedScore(NamedTuple):
    """One criterion's mark in a submitted review, with its comment; no assessor's name.

    A named tuple: a page holds some 750 of them, and a frozen dataclass cost several times more to make.
    """

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
#: What ``agenda_page_read`` computes on each item it returns: its position, the running total of the requests
#: down to it (in cents), and over the whole agenda the number of items, of recused ones, the total requested
#: (in cents) and the position where the running total first goes beyond what the meeting may approve.
_PAGED = ("paged_position", "paged_running", "paged_count", "paged_recused", "paged_proposed", "paged_runs_out")

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
    # Filled by ``agenda_page_read`` on its items only (NULL elsewhere): see ``_PAGED``.
    *_PAGED,
)
_ITEM, _CRITERION, _COMMITTED = 0, 1, 2


def ranking_read(*, meeting: BoardMeeting, user: User) -> Ranking:
    """Read what ranks every current item of ``meeting`` for ``user``, with the criteria and the committed amount.

    One query, a UNION ALL of three parts: the items (``_items_part``), the rubric's
    criteria (``_criteria_part``) and the approved amounts of the call's earlier decisions
    (``_committed_part``, no row when nothing is approved yet). The items come in no order: ranking them is the
    caller's.
    """
    member = user.pk if _recusing(meeting, user) else None
    parts = _items_part(meeting_id=meeting.pk, call_id=meeting.call_id, member_id=member).union(
        _criteria_part(meeting.call_id), _committed_part(meeting.pk, meeting.call_id), all=True
    )
    committed = ZERO
    criteria: list[Criterion] = []
    items: list[RankedItem] = []
    for row in parts:
        named = dict(zip(_COLUMNS, row, strict=True))
        if named["kind"] == _ITEM:
            items.append(_ranked_item(named))
        elif named["kind"] == _COMMITTED:
            committed = named["amount"] or ZERO
        else:
            criteria.append(_criterion(named))
    criteria.sort(key=lambda criterion: criterion.position)
    return Ranking(criteria=criteria, items=items, committed=committed)


def _ranked_item(named: dict[str, Any], **placed: Any) -> RankedItem:
    """The item of a row of the items' part, by column name; ``placed``, its position and running total."""
    # The reason is NULL only where no standing is stored ("" when calibrated).
    calibration = (
        None
        if named["cal_reason"] is None
        else CalibratedScore(
            named["cal"],
            named["cal_raw"],
            named["cal_low"],
            named["cal_high"],
            named["cal_reason"],
            named["cal_chance"],
            named["cal_label"] or "",
        )
    )
    return RankedItem(
        item_pk=named["ref"],
        proposal_pk=named["proposal_ref"],
        title=named["text_a"],
        state=named["text_b"],
        recused=named["flag"],
        funding_requested=named["amount"],
        total=named["mean"],
        calibration=calibration,
        **placed,
    )


def _criterion(named: dict[str, Any]) -> Criterion:
    """The criterion of a row of the criteria's part, by column name."""
    return Criterion(
        pk=named["ref"],
        position=named["proposal_ref"],
        name_en=named["text_a"],
        name_fr=named["text_b"],
        weight=named["amount"],
        scale_min=named["low"],
        scale_max=named["high"],
    )


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
        **dict.fromkeys(_PAGED, Cast(Value(None), output_field=BigIntegerField())),
    }
    return {name: given.get(name, blanks.get(name)) for name in _COLUMNS}


def _recusing(meeting: BoardMeeting, user: User) -> bool:
    """Say whether ``user`` may be recused from ``meeting``'s items: only a member of the program's board can be."""
    return user.acts_in(Role.BOARD_MEMBER, meeting.call.program_id)


def _items_part(*, meeting_id: int, call_id: int, member_id: int | None, funding: bool = True) -> QuerySet[Any]:
    """The current items of meeting ``meeting_id`` of call ``call_id``: each with its proposal's id, title and state,
    the recusal of board member ``member_id`` (None: nobody is recused, ``_recusing``) and its figures.

    The figures: the funding requested (the sum over the consortium; NULL when not
    ``funding``, for a query that joins the sums itself), the standing's
    weighted total (``assessment.models.Standing``, kept as reviews are submitted); and the
    stored calibrated standing under the call's application rubric
    (``assessment.models.CalibratedStanding``, one LEFT JOIN), NULLs where none is stored.
    Nothing is read here that only the page's rows show (their last version's number is
    ``details_read``'s): every column is computed for every item. Nothing is read either
    while it is built: ``agenda_page_read`` compiles it once, with stand-ins for the ids.
    """
    # The stored calibrated standing under the call's application rubric, joined once (at most one row a
    # proposal: one standing per rubric) rather than read by a correlated subquery per column.
    standing = FilteredRelation(
        "proposal__calibrated_standings",
        condition=Q(
            proposal__calibrated_standings__rubric_id=Subquery(
                Rubric.objects.filter(call_id=call_id, stage=VersionKind.APPLICATION).values("pk")[:1]
            )
        ),
    )

    recused = (
        ExpressionWrapper(
            board_recused(member=member_id, proposal=OuterRef("proposal_id")), output_field=BooleanField()
        )
        if member_id is not None
        else Value(False, output_field=BooleanField())
    )
    requested = (
        Coalesce(
            Subquery(_funding(proposal_id=OuterRef("proposal_id")).values("total"), output_field=MONEY),
            Value(ZERO, MONEY),
        )
        if funding
        else Cast(Value(None), output_field=MONEY)
    )
    return (
        AgendaItem.objects.filter(meeting_id=meeting_id, deferred_to__isnull=True)
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
                amount=requested,
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


def _committed_part(meeting_id: int, call_id: int) -> QuerySet[Any]:
    """What earlier decisions committed of the envelope: the approved amounts of call ``call_id``'s approved
    proposals that are not on meeting ``meeting_id``'s current agenda.

    ``intake.selectors.call_committed``'s sum less this agenda's approvals, read here to spare a
    query: a proposal approved at this meeting still runs in the agenda's requests, and counting it
    in both would take its amount twice from the envelope.
    """
    on_this_agenda = AgendaItem.objects.filter(
        proposal_id=OuterRef("pk"), meeting_id=meeting_id, deferred_to__isnull=True
    )
    return (
        Proposal.objects.filter(call_id=call_id, state__in=FUNDED_STATES)
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


def _funding(**condition: Any) -> QuerySet[Any]:
    """The sum of the consortium's requests (``total``) of each proposal ``condition`` selects (by ``proposal_id``)."""
    return (
        ConsortiumMember.objects.filter(**condition)
        .order_by()
        .values("proposal_id")
        .annotate(total=Sum("funding_requested"))
    )


# --- One page of the agenda: ranked, totalled and cut in SQL ---------------------------------------


@dataclass(frozen=True)
class AgendaPage:
    """One page of the agenda's items, with what the envelope's chart needs over all of them."""

    criteria: list[Criterion]
    committed: Decimal
    #: The page's items in the agenda's order, each with its position and running total.
    items: list[RankedItem]
    #: The page read: the one asked for, the first when not a number, the last when below 1 or past the end.
    number: int
    #: How many current items the agenda has, and how many of them the viewer is recused from.
    count: int
    recused_count: int
    #: The proposals the viewer is recused from, on this page or not.
    recused_ids: frozenset[int]
    #: The total requested by the items the viewer is not recused from (the ranking's last running total).
    proposed: Decimal
    #: The position of the first item whose running total goes beyond what the meeting may approve, None if all fit.
    runs_out_at: int | None


def agenda_page_read(
    *,
    meeting: BoardMeeting,
    user: User,
    page_number: str | int | None,
    per_page: int,
    calibrated: bool,
    envelope: Decimal | None = None,
) -> AgendaPage:
    """Read page ``page_number`` of ``meeting``'s items ranked for ``user``, with the running total, in one query.

    The database ranks every item (``_page_sql``), as ``agenda_rows.rows_ranked`` ranks them
    in Python: the items the viewer may see by score, highest first (``calibrated``: their
    stored calibrated standing's score where they have one), the unscored after them, then
    the items the viewer is recused from; ties by title, in the order of its characters, then
    by proposal. It runs the total of the visible items' requests down that order, finds the
    first position where it goes beyond what the meeting may approve (what remains of the
    call's envelope after its earlier decisions, or the meeting's ``envelope`` when staff set
    one and it is less), counts the items and the recused ones and sums the requests; then
    returns the page's items only, and the recused ones wherever they stand (their titles are
    all the viewer gets; their ids hide them from the portfolio's suggestion and the lottery).
    The page is chosen as ``Paginator.get_page`` chooses it, ``per_page`` items to a page.
    The rubric's criteria and the committed amount come in the same query.
    """
    connection = connections[AgendaItem.objects.db]
    wanted = _page_wanted(page_number)
    member = user.pk if _recusing(meeting, user) else None
    # Built and compiled once per shape and connection, then run with the ids, amounts and page swapped in
    # (``records.sql.statement_compiled``, ADR 0061). The shape: whether anyone is recused, the ranking, whether
    # the meeting has an envelope of its own, the page's size, and the moments of the recusal's years (the day's:
    # the statement is compiled again when they change).
    key = (
        "agenda_page_read",
        member is not None,
        calibrated,
        envelope is None,
        per_page,
        *(conflict_moments() if member is not None else ()),
    )
    values = [meeting.pk, meeting.call_id, _cents(meeting.call.funding_envelope), wanted]
    values += [] if envelope is None else [_cents(envelope)]
    values += [] if member is None else [member]

    def build(keys: Sequence[int]) -> tuple[str, list[Any], Any]:
        meeting_id, call_id, call_envelope, page, *rest = keys
        meeting_envelope = None if envelope is None else rest.pop(0)
        compiler = _items_part(
            meeting_id=meeting_id, call_id=call_id, member_id=rest[0] if member is not None else None, funding=False
        ).query.get_compiler(connection=connection)
        sql, params = _page_sql(
            compiler,
            funding=_funding(
                proposal_id__in=AgendaItem.objects.filter(meeting_id=meeting_id, deferred_to__isnull=True).values(
                    "proposal_id"
                )
            ),
            criteria=_criteria_part(call_id),
            committed=_committed_part(meeting_id, call_id),
            calibrated=calibrated,
            available=(call_envelope, meeting_envelope),
            wanted=page,
            per_page=per_page,
        )
        return sql, params, compiler

    sql, params, compiler = statement_compiled(connection, key, build, values, clock_in_key=True)
    # Its plan depends on the meeting's and the viewer's values: a generic one took seconds (ADR 0058).
    with planned_at_each_run(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    committed = ZERO
    criteria: list[Criterion] = []
    read: list[RankedItem] = []
    count, recused_count, proposed, runs_out_at = 0, 0, ZERO, None
    for row in compiler.results_iter(results=[found], tuple_expected=True):
        named = dict(zip(_COLUMNS, row, strict=True))
        if named["kind"] == _ITEM:
            running = ZERO if named["flag"] else _dollars(named["paged_running"])
            read.append(_ranked_item(named, position=named["paged_position"], cumulative=running))
            count, recused_count = named["paged_count"], named["paged_recused"]
            proposed, runs_out_at = _dollars(named["paged_proposed"]), named["paged_runs_out"]
        elif named["kind"] == _COMMITTED:
            committed = named["amount"] or ZERO
        else:
            criteria.append(_criterion(named))
    criteria.sort(key=lambda criterion: criterion.position)
    pages = max(1, -(-count // per_page))
    number = wanted if 1 <= wanted <= pages else pages
    first = (number - 1) * per_page
    read.sort(key=lambda item: item.position)
    return AgendaPage(
        criteria=criteria,
        committed=committed,
        items=[item for item in read if first < item.position <= first + per_page],
        number=number,
        count=count,
        recused_count=recused_count,
        recused_ids=frozenset(item.proposal_pk for item in read if item.recused),
        proposed=proposed,
        runs_out_at=runs_out_at,
    )


#: The highest page number asked of the database: any beyond reads the last page, as a number past the end does.
_PAGE_MOST = 2**31 - 1


def _page_wanted(number: str | int | None) -> int:
    """The page asked for, as ``Paginator.get_page`` reads it: 1 when not a whole number, 0 (the last) when below 1."""
    if isinstance(number, float) and not number.is_integer():
        return 1
    try:
        wanted = int(number)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1
    return wanted if 1 <= wanted <= _PAGE_MOST else 0


def _cents(amount: Decimal) -> int:
    """``amount`` in whole cents: the running total is summed in cents, exact on SQLite too (its decimals are REAL)."""
    return int((amount * 100).to_integral_value())


def _dollars(cents: Any) -> Decimal:
    """The dollars of a sum in ``cents`` as the database returns it (an integer; None for no sum: zero)."""
    return Decimal(int(cents or 0)).scaleb(-2)


def _page_sql(
    compiler: Any,
    *,
    funding: QuerySet[Any],
    criteria: QuerySet[Any],
    committed: QuerySet[Any],
    calibrated: bool,
    available: tuple[int, int | None],
    wanted: int,
    per_page: int,
) -> tuple[str, list[Any]]:
    """The SQL of ``agenda_page_read`` and its parameters, around the items' query that ``compiler`` compiles.

    Common table expressions in steps, with window functions (PostgreSQL and SQLite both have
    them): the items, materialized; their consortium's requests joined (one grouped sum rather
    than a subquery for each item), in cents, and the score that ranks them; their position
    and running total in the agenda's order (``ROW_NUMBER`` and ``SUM`` over one window); one
    aggregate over all of them: their number, the recused ones', the total requested and the
    first position beyond ``available`` (the call's envelope and the meeting's, in cents; the
    call's less the committed amount); the page chosen from their number; then the page's
    items and the recused ones, their other columns joined back from the items, and the
    criteria and the committed amount as in ``ranking_read``. The columns are the items
    query's, so its compiler converts the rows (decimals and booleans on SQLite).
    """
    connection = compiler.connection
    quote = connection.ops.quote_name
    items_sql, items_params = compiler.as_sql()
    funding_sql, funding_params = funding.query.get_compiler(connection=connection).as_sql()
    criteria_sql, criteria_params = criteria.query.get_compiler(connection=connection).as_sql()
    committed_sql, committed_params = committed.query.get_compiler(connection=connection).as_sql()
    flag, score = quote("flag"), f"i.{quote('mean')}"
    if calibrated:
        score = f"COALESCE(i.{quote('cal')}, i.{quote('cal_raw')}, {score})"
    # Ties by title in the order of its characters, as Python compares them: SQLite's default
    # collation does so; PostgreSQL's "C" one compares the bytes of UTF-8, in the same order.
    collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    envelope, meeting_envelope = available
    remaining = f"(%s - COALESCE((SELECT ROUND(c.{quote('amount')} * 100) FROM agenda_committed c), 0))"  # noqa: S608
    limit, limit_params = remaining, [envelope]
    if meeting_envelope is not None:
        limit = f"(CASE WHEN %s < {remaining} THEN %s ELSE {remaining} END)"
        limit_params = [meeting_envelope, envelope, meeting_envelope, envelope]
    pages = f"(CASE WHEN m.agenda_count = 0 THEN 1 ELSE (m.agenda_count + {per_page - 1}) / {per_page} END)"
    computed = {
        "amount": "r.agenda_requested",
        "paged_position": "r.agenda_position",
        "paged_running": "CAST(r.agenda_running AS BIGINT)",
        "paged_count": "g.agenda_count",
        "paged_recused": "g.agenda_recused",
        "paged_proposed": "CAST(g.agenda_proposed AS BIGINT)",
        "paged_runs_out": "g.agenda_runs_out",
    }
    columns = ", ".join(f"{computed.get(name, 'p.' + quote(name))} AS {quote(name)}" for name in _COLUMNS)
    ref, proposal_ref, title = quote("ref"), quote("proposal_ref"), quote("text_a")
    # Every name is a column of the parts or an alias made here; the values are parameters. The
    # ranking's steps carry the few columns they need; the page's rows take the rest from the items.
    sql = (
        f"WITH agenda_committed AS ({committed_sql}), "  # noqa: S608
        f"agenda_funding AS ({funding_sql}), "
        # Materialized: each item's recusal is computed once, however many steps read it.
        f"agenda_items AS MATERIALIZED ({items_sql}), "
        "agenda_scored AS ("
        f"SELECT i.{ref}, i.{flag}, i.{title}, i.{proposal_ref}, COALESCE(f.{quote('total')}, 0) AS agenda_requested, "
        f"CASE WHEN i.{flag} THEN 0 ELSE ROUND(COALESCE(f.{quote('total')}, 0) * 100) END AS agenda_cents, "
        f"CASE WHEN i.{flag} THEN NULL ELSE {score} END AS agenda_score "
        f"FROM agenda_items i LEFT JOIN agenda_funding f ON f.{quote('proposal_id')} = i.{proposal_ref}), "
        "agenda_ranked AS ("
        f"SELECT s.{ref}, s.{flag}, s.agenda_requested, s.agenda_cents, ROW_NUMBER() OVER agenda AS agenda_position, "
        "SUM(s.agenda_cents) OVER (agenda ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS agenda_running "
        "FROM agenda_scored s WINDOW agenda AS ("
        f"ORDER BY s.{flag}, s.agenda_score IS NULL, s.agenda_score DESC, s.{title}{collate}, s.{proposal_ref})), "
        "agenda_summary AS ("
        f"SELECT COUNT(*) AS agenda_count, SUM(CASE WHEN r.{flag} THEN 1 ELSE 0 END) AS agenda_recused, "
        "SUM(r.agenda_cents) AS agenda_proposed, "
        f"MIN(CASE WHEN NOT r.{flag} AND r.agenda_running > {limit} THEN r.agenda_position END) AS agenda_runs_out "
        "FROM agenda_ranked r), "
        "agenda_paging AS ("
        f"SELECT m.*, CASE WHEN %s < 1 OR %s > {pages} THEN {pages} ELSE %s END AS agenda_page FROM agenda_summary m) "
        f"SELECT {columns} FROM agenda_ranked r INNER JOIN agenda_items p ON p.{ref} = r.{ref} "
        "CROSS JOIN agenda_paging g "
        f"WHERE r.{flag} OR (r.agenda_position > (g.agenda_page - 1) * {per_page} "
        f"AND r.agenda_position <= g.agenda_page * {per_page}) "
        f"UNION ALL {criteria_sql} "
        "UNION ALL SELECT * FROM agenda_committed"
    )
    params = [
        *committed_params,
        *funding_params,
        *items_params,
        *limit_params,
        wanted,
        wanted,
        wanted,
        *criteria_params,
    ]
    return sql, params


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
    of the rubric's first criterion, ``first_criterion``. Built and compiled once per number of
    proposals and connection, then run with the ids swapped in (``records.sql.statement_compiled``).
    """
    texts: dict[int, dict[str, str]] = {}
    versions: dict[int, int | None] = {}
    scores: list[SubmittedScore] = []
    proposal_ids = list(dict.fromkeys(proposal_ids))  # each once, as the IN list the ORM writes
    if not proposal_ids:
        return PageDetails(texts=texts, scores=scores, versions=versions)
    connection = connections[Proposal.objects.db]
    key = ("details_read", len(proposal_ids), first_criterion is None)
    values = [*proposal_ids, call_id, *([] if first_criterion is None else [first_criterion])]

    def build(keys: Sequence[int]) -> tuple[str, list[Any], Any]:
        ids, (call, *first) = list(keys[: len(proposal_ids)]), keys[len(proposal_ids) :]
        parts = _texts_part(ids).union(_scores_part(ids, call, first[0] if first else None), all=True)
        compiler = parts.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        return sql, list(params), compiler

    sql, params, compiler = statement_compiled(connection, key, build, values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    rows = compiler.results_iter(results=[found], tuple_expected=True)
    for kind, proposal_id, assessor_id, review_id, criterion_id, value, *columns in rows:
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
