"""What the eligibility engine reads of proposals' applications, in one query however many proposals.

A union of five parts (``eligibility_inputs_query``): the consortium members with their
organizations and budget lines, the current attachments' types, the overrides in force, the
roles each member takes and each member's memberships of the call's program. Staff's list of
a call and the board's agenda read it for a page of proposals at once
(``intake.services.call_lists.prefetch_eligibility``); ``Proposal.eligibility_application``
reads it for one proposal, in one query rather than one per relation.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Aggregate,
    BooleanField,
    CharField,
    DateTimeField,
    DecimalField,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Cast, DenseRank
from django.db.models.sql.compiler import SQLCompiler

from intake.eligibility import ZERO, Partner
from intake.models.attachments import Attachment
from intake.models.consortium import BudgetLine, ConsortiumMember
from intake.models.eligibility import EligibilityOverride
from intake.models.proposals import Proposal, membership_day
from intake.states import EDITABLE_STATES
from records.sql import Joined


class EligibilityInputs(NamedTuple):
    """One proposal's application as the engine reads it: partners, attachments' types, overrides' bindings."""

    partners: tuple[Partner, ...]
    attachment_kinds: frozenset[str]
    override_bindings: set[tuple[str, str, str, str]]


#: The columns of the eligibility inputs' query, the same in its three parts (an SQL UNION ALL).
_INPUT_COLUMNS = (
    "input_source", "input_proposal", "input_member", "input_created", "input_lead", "input_cash", "input_in_kind",
    "input_funding", "input_name", "input_kind", "input_employees", "input_country", "input_province", "input_code",
    "input_stage", "input_figure", "input_limit", "input_rank",
)  # fmt: skip
_MEMBER, _ATTACHMENT, _OVERRIDE, _ROLE, _MEMBERSHIP = 0, 1, 2, 3, 4


def _input_part(queryset: QuerySet[Any], source: int, **given: Any) -> QuerySet[Any]:
    """One part of the eligibility inputs' query: ``given`` columns, and typed NULLs for the rest.

    The NULLs are cast: PostgreSQL would otherwise take a column of untyped NULLs for text.
    """
    money = DecimalField(max_digits=16, decimal_places=2)
    types: dict[str, Any] = {
        "input_member": IntegerField(), "input_created": DateTimeField(), "input_lead": BooleanField(),
        "input_cash": money, "input_in_kind": money, "input_funding": money, "input_name": CharField(),
        "input_kind": CharField(), "input_employees": IntegerField(), "input_country": CharField(),
        "input_province": CharField(), "input_code": CharField(), "input_stage": CharField(),
        "input_figure": CharField(), "input_limit": CharField(), "input_rank": IntegerField(),
    }  # fmt: skip
    columns = {name: given.get(name, Cast(Value(None), output_field=field)) for name, field in types.items()}
    proposal = given.get("input_proposal", F("proposal_id"))
    return (
        queryset.order_by()
        .annotate(input_source=Value(source, output_field=IntegerField()), input_proposal=proposal, **columns)
        .values_list(*_INPUT_COLUMNS)
    )


def _bound_as_array(connection: BaseDatabaseWrapper, count: int) -> bool:
    """Whether ``count`` ids are bound as one array: on PostgreSQL, for a page of them.

    One proposal's (its staff page, a submission) reads by its key: PostgreSQL's plan of a prepared
    statement over an array of unknown length suits a page's, not one proposal's.
    """
    return connection.vendor == "postgresql" and count > 1


class _AmongIds(Func):
    """``column`` among the ``ids``: ``= ANY(%s)`` with the ids bound as one array on PostgreSQL.

    ``__in`` binds each id apart: a page's 60 proposals in each of the five parts made a statement
    of 300 parameters, each adapted on every run, and too long for psycopg to keep what it parsed
    of it. As one array, the statement is the same for any number of ids. Elsewhere, and for one
    id (its own prepared plan reads by the key, ``_inputs_rows``), ``IN``.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, ids: list[int]) -> None:
        super().__init__(F(column))
        self.ids = ids

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> Any:
        column, params = compiler.compile(self.get_source_expressions()[0])
        return f"{column} IN ({', '.join(['%s'] * len(self.ids))})", (*params, *self.ids)

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Any:
        if not _bound_as_array(connection, len(self.ids)):
            return self.as_sql(compiler, connection, **extra)
        column, params = compiler.compile(self.get_source_expressions()[0])
        return f"{column} = ANY(%s)", (*params, self.ids)


class _TextsJoined(Aggregate):
    """A group's texts joined by ``;``: ``STRING_AGG`` on PostgreSQL, ``GROUP_CONCAT`` on SQLite."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ';')"
    output_field = CharField()

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


def _costs_text() -> Subquery:
    """A member's budget lines as one text, ``category:amount`` joined by ``;`` (NULL for none).

    Read with each member by its key (the budget lines' index on their member), rather than
    joined: the join made PostgreSQL hash every budget line of the database for a page's few
    hundred (a sequential scan that grows with the whole table, about two thirds of the
    statement's time at 16,000 lines); and each member comes as one row, not one per line.
    """
    lines = (
        BudgetLine.objects.filter(member=OuterRef("pk"))
        .order_by()
        .values("member")
        .annotate(text=_TextsJoined(Joined(F("category"), Value(":"), F("amount"))))
        .values("text")
    )
    return Subquery(lines, output_field=CharField())


#: The amounts' cents: a budget line's amount read as text is given the two places the ORM gives it.
_CENT = Decimal("0.01")


def _costs_read(text: str | None) -> dict[str, Decimal]:
    """Return the costs that ``_costs_text`` wrote, by category."""
    if not text:
        return {}
    costs = {}
    for line in text.split(";"):
        category, _colon, amount = line.partition(":")
        costs[category] = Decimal(amount).quantize(_CENT)
    return costs


#: The order of a proposal's partners: the lead first, then in the order they joined. Ranked in
#: the query: reading each line's moment of
#: joining to sort them in Python cost a fifth of the read.
_PARTNERS_ORDER = (F("is_lead").desc(), F("created_at").asc(), F("pk").asc())


def eligibility_inputs_query(ids: list[int]) -> QuerySet[Any]:
    """Return one query of what the engine reads for the proposals ``ids``: ``_INPUT_COLUMNS`` rows.

    A union of five parts: the consortium members with their organizations and budget lines
    (one row a member, its lines as one text: ``_costs_text``), each member with its rank in the proposal's consortium
    (lead first, then in the order they joined: ``_PARTNERS_ORDER``), the current attachments'
    types, the overrides in force, each with what it is bound to (check, stage, figure, limit), the
    consortium roles each member takes (their slugs) and each member's memberships of the call's
    program (their first and last days, with the proposal's state and last submission).
    """
    members = _input_part(
        ConsortiumMember.objects.filter(_AmongIds("proposal_id", ids)),
        _MEMBER,
        input_member=F("pk"),
        input_rank=Window(DenseRank(), partition_by=F("proposal_id"), order_by=_PARTNERS_ORDER),
        input_lead=F("is_lead"),
        input_cash=F("cash_contribution"),
        input_in_kind=F("in_kind_contribution"),
        input_funding=F("funding_requested"),
        input_name=F("organization__legal_name"),
        input_kind=F("organization__kind"),
        input_employees=F("organization__employee_count"),
        input_country=F("organization__country"),
        input_province=F("organization__province"),
        input_code=_costs_text(),
    )
    attachments = _input_part(
        Attachment.objects.filter(_AmongIds("proposal_id", ids), removed_at__isnull=True),
        _ATTACHMENT,
        input_code=F("kind"),
    )
    overrides = _input_part(
        EligibilityOverride.objects.filter(
            _AmongIds("proposal_id", ids), revoked_at__isnull=True, lapsed_at__isnull=True
        ),
        _OVERRIDE,
        input_code=F("check_code"),
        input_stage=F("stage"),
        input_figure=Cast("figure", output_field=CharField()),
        input_limit=Cast("limit", output_field=CharField()),
    )
    roles = _input_part(
        ConsortiumMember.roles.through.objects.filter(_AmongIds("consortiummember__proposal_id", ids)),
        _ROLE,
        input_proposal=F("consortiummember__proposal_id"),
        input_member=F("consortiummember_id"),
        input_code=F("consortiumrole__slug"),
    )
    # Each member's memberships of its call's program, with what decides the day they are read on:
    # the proposal's state and its last submission (``Proposal.membership_day``).
    memberships = _input_part(
        ConsortiumMember.objects.filter(
            _AmongIds("proposal_id", ids), organization__program_memberships__program=F("proposal__call__program")
        ),
        _MEMBERSHIP,
        input_member=F("pk"),
        input_created=F("proposal__submitted_at"),
        input_stage=F("proposal__state"),
        input_figure=Cast("organization__program_memberships__starts_on", output_field=CharField()),
        input_limit=Cast("organization__program_memberships__ends_on", output_field=CharField()),
    )
    return members.union(attachments, overrides, roles, memberships, all=True)


#: Stand-ins for the proposals' ids in the query compiled once per number of ids: far below any key.
_STAND_IN = -(10**15)


def _inputs_rows(ids: list[int]) -> list[tuple[Any, ...]]:
    """Run ``eligibility_inputs_query(ids)`` and return its rows, converted as the ORM converts them.

    Building and compiling the union of five annotated parts costs several times what the
    database takes to run it, so it is compiled once per connection (each thread has its own)
    with stand-ins for the ids, and run again with the ids in their place: on PostgreSQL once
    for any number of ids (they are one array, ``_AmongIds``), elsewhere once per number of ids.
    Elsewhere than on PostgreSQL the rows go through the compiler's own converters (decimals,
    dates, booleans), as the queryset's would; PostgreSQL gives them converted.
    """
    if not ids:
        return []
    connection = connections[Proposal.objects.db]
    compiled: dict[int, tuple[Any, str, tuple[Any, ...], list[int]]] = connection.__dict__.setdefault(
        "_eligibility_inputs_compiled", {}
    )
    arrays = _bound_as_array(connection, len(ids))
    shape = 0 if arrays else len(ids)
    if shape not in compiled:
        stand_ins = [_STAND_IN - index for index in range(len(ids))]
        compiler = eligibility_inputs_query(stand_ins).query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        compiled[shape] = (compiler, sql, tuple(params), stand_ins)
    compiler, sql, params, stand_ins = compiled[shape]
    if arrays:
        # The array of ids stands where the list of stand-ins stood, in each part.
        given_params = [ids if param is stand_ins else param for param in params]
    else:
        given = {_STAND_IN - index: pk for index, pk in enumerate(ids)}
        given_params = [given.get(param, param) if type(param) is int else param for param in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, given_params)
        found = cursor.fetchall()
    if arrays:
        # psycopg gives each column as the converters would (its integers, decimals, booleans and
        # texts; the two converters, of the part's number and the rank, would make each int again):
        # a page's few hundred rows go through as they come.
        return found
    return list(compiler.results_iter(results=[found], tuple_expected=True))


def eligibility_inputs(rows: list[Proposal], *, days: dict[int, date] | None = None) -> dict[int, EligibilityInputs]:
    """Read what the engine reads of each of ``rows`` (1 query, whatever their number), by proposal id.

    The partners come lead first, then in the order they joined, each with its costs, the
    roles it takes and whether it is a member of the program on the proposal's membership
    day (``Proposal.membership_day``): the day given in ``days`` for that proposal, else the
    one its stored state and last submission give.
    """
    ids = [proposal.pk for proposal in rows]
    days = days or {}
    kinds: dict[int, set[str]] = {pk: set() for pk in ids}
    overridden: dict[int, set[tuple[str, str, str, str]]] = {pk: set() for pk in ids}
    members: dict[int, tuple[tuple[Any, ...], dict[str, object], dict[str, Decimal]]] = {}
    taken: dict[int, set[str]] = {}
    holding: set[int] = set()
    zones = {proposal.pk: proposal.call.zone for proposal in rows if proposal.pk not in days}
    for (
        source,
        proposal_id,
        pk,
        created,
        is_lead,
        cash,
        in_kind,
        funding,
        name,
        kind,
        employees,
        country,
        province,
        code,
        stage,
        figure,
        limit,
        rank,
    ) in _inputs_rows(ids):
        if source == _ATTACHMENT:
            kinds[proposal_id].add(code)
        elif source == _OVERRIDE:
            overridden[proposal_id].add((code, stage, figure or "", limit or ""))
        elif source == _ROLE:
            taken.setdefault(pk, set()).add(code)
        elif source == _MEMBERSHIP:
            day = days.get(proposal_id) or membership_day(
                editable=stage in EDITABLE_STATES, submitted_at=created, zone=zones[proposal_id]
            )
            starts, ends = date.fromisoformat(str(figure)[:10]), limit and date.fromisoformat(str(limit)[:10])
            if starts <= day and (not ends or day <= ends):
                holding.add(pk)
        else:
            # One row a member, its budget lines in ``code`` (``_costs_text``).
            members[pk] = (
                (proposal_id, rank),
                {
                    "name": name,
                    "kind": kind,
                    "employees": employees,
                    "country": str(country),
                    "province": province,
                    "is_lead": is_lead,
                    "cash": ZERO if cash is None else cash,
                    "in_kind": ZERO if in_kind is None else in_kind,
                    "funding_requested": funding,
                },
                _costs_read(code),
            )
    partners: dict[int, list[Partner]] = {pk: [] for pk in ids}
    for pk, ((proposal_id, _rank), fields, costs) in sorted(members.items(), key=lambda member: member[1][0]):
        partners[proposal_id].append(
            Partner(
                **fields,  # type: ignore[arg-type]
                costs=dict(sorted(costs.items())),
                roles=frozenset(taken.get(pk, ())),
                member=pk in holding,
            )
        )
    return {pk: EligibilityInputs(tuple(partners[pk]), frozenset(kinds[pk]), overridden[pk]) for pk in ids}
