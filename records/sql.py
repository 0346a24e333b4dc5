"""Set-based writes of the deadline sweeps: the one place in the workflow with raw SQL.

The sweeps build the rows they insert as ORM querysets (keys, JSON and all), so the rules
stay in Django expressions; only ``INSERT … SELECT`` itself, which the ORM lacks, is
written here. Works on PostgreSQL and on SQLite (3.35 or later, for ``RETURNING``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar, cast

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Func, QuerySet, Value
from django.db.models.functions import Cast
from django.db.models.sql.compiler import SQLCompiler
from django.http import Http404

M = TypeVar("M", bound=models.Model)


class IsoFormat(Func):
    """Format a datetime as Python's ``datetime.isoformat()`` of its UTC value does.

    ``2026-11-21T02:37:21.721108+00:00``, without the fraction when it is zero: the text of
    a deadline that the actions write into audit data and notification context.
    """

    output_field = models.CharField()

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template=(
                "(REGEXP_REPLACE(TO_CHAR((%(expressions)s) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'),"
                " '\\.000000$', '') || '+00:00')"
            ),
            **extra,
        )

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Any:
        # Django stores a UTC datetime on SQLite as ``str(value)``: "2026-11-21 02:37:21[.721108]".
        return self.as_sql(compiler, connection, template="(REPLACE(%(expressions)s, ' ', 'T') || '+00:00')", **extra)


class Joined(Func):
    """Join texts with SQL's ``||``, casting each part that is not a string to text.

    ``Concat`` guards every part against NULL with ``COALESCE``; keys are never NULL, and
    this compiles several times faster, which a request that notifies pays on each insert.
    """

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = models.TextField()

    def __init__(self, *parts: Any) -> None:
        super().__init__(
            *(part if isinstance(part, Value) and isinstance(part.value, str) else Cast(part, models.TextField())
              for part in parts)
        )  # fmt: skip


class JSONRows(models.Aggregate):
    """A group's rows as a JSON array, one element per row (PostgreSQL's ``JSONB_AGG``, SQLite's ``JSON_GROUP_ARRAY``).

    Give it a ``JSONObject`` of the row's columns, each JSON column wrapped in ``JSONColumn``.
    The array's order is not SQL's to keep: a reader sorts the rows itself.
    """

    function = "JSONB_AGG"
    output_field = models.JSONField()

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra)


class JSONColumn(Func):
    """A JSON column inside ``JSONObject``: SQLite keeps JSON as text, which would be nested as a string."""

    template = "%(expressions)s"
    output_field = models.JSONField()

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="JSON(%(expressions)s)", **extra)


def insert_from_select(
    model: type[models.Model],
    *,
    source: QuerySet[Any],
    values: dict[str, Any],
    ignore_conflicts: bool = False,
    returning: tuple[str, ...] = (),
) -> list[tuple[Any, ...]]:
    """Insert into ``model`` one row per row of ``source``, its fields given by ``values``; return ``returning``.

    ``values`` maps each field of ``model`` to an expression over ``source`` (``F``,
    ``Value``, ``Concat``…). With ``ignore_conflicts``, rows whose unique key exists already
    are skipped (``ON CONFLICT DO NOTHING``) and not returned.
    """
    # Aliased, so a field of the new row may share its name with one of the source's.
    selected = source.order_by().values(**{f"new_{name}": expression for name, expression in values.items()})
    try:
        select_sql, params = selected.query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:  # ``none()``: nothing to insert.
        return []
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(model, name)) for name in values)
    chosen = ", ".join(f"selected.{quote('new_' + name)}" for name in values)
    # Every name above is a model's table or column, or an alias made here; the values are
    # parameters. "WHERE true" keeps SQLite from reading "ON CONFLICT" as a join's ON clause.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) SELECT {chosen} FROM ({select_sql}) selected"  # noqa: S608
    sql += " WHERE true"
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += " RETURNING " + ", ".join(quote(_column(model, name)) for name in returning)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if returning else []


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    assert field.column is not None
    return field.column


def insert_rows_per_user(
    model: type[models.Model],
    *,
    parts: Sequence[tuple[QuerySet[Any], dict[str, Any], tuple[str, str]]],
    user_field: str,
    key_field: str,
    returning: tuple[str, ...] = (),
) -> list[tuple[Any, ...]]:
    """Insert into ``model`` one row per user of each part's queryset, in one statement; return ``returning``.

    Each part is ``(users, values, (prefix, suffix))``: ``values`` are plain values of
    ``model``'s fields, the same for every user of the part; ``user_field`` takes the user's
    id, and ``key_field`` the text ``prefix + id + suffix``. Only the users' ids are compiled
    by the ORM (once per queryset: parts that share one share its SQL); the rest is parameters,
    so a request that tells several audiences pays little to build its statement.
    """
    if not parts:
        return []
    quote = connection.ops.quote_name
    names = [key_field, user_field, *parts[0][1]]
    selects, params = [], []
    compiled: dict[int, tuple[str, Any] | None] = {}  # by queryset: parts may share one (an audience's channels)
    for users, values, (prefix, suffix) in parts:
        if list(values) != names[2:]:
            raise ValueError("Every part must give the same fields, in the same order.")
        if id(users) not in compiled:
            try:
                ids = users.order_by().values(audience_id=F("pk"))
                compiled[id(users)] = ids.query.get_compiler(connection=connection).as_sql()
            except EmptyResultSet:
                compiled[id(users)] = None
        found = compiled[id(users)]
        if found is None:
            continue
        ids_sql, ids_params = found
        placeholders = ", ".join("%s" for _name in values)
        selects.append(
            f"SELECT %s || CAST(audience.audience_id AS TEXT) || %s, audience.audience_id, {placeholders}"  # noqa: S608
            f" FROM ({ids_sql}) audience"
        )
        # In the order they stand in the text: the key's ends, the values, then the users' query.
        params += [prefix, suffix, *(_prepared(model, name, value) for name, value in values.items()), *ids_params]
    if not selects:
        return []
    columns = ", ".join(quote(_column(model, name)) for name in names)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) " + " UNION ALL ".join(selects)
    if returning:
        sql += " RETURNING " + ", ".join(quote(_column(model, name)) for name in returning)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if returning else []


def _prepared(model: type[models.Model], name: str, value: Any) -> Any:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.get_db_prep_save(value, connection)


# --- Statements PostgreSQL plans at each run (ADR 0058) ------------------------------------


@contextmanager
def planned_at_each_run(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Run the statements inside without preparing them on the server, so each run is planned for its values.

    With ``DATABASE_PREPARE_THRESHOLD`` (ADR 0057) a connection prepares a statement it has run
    that many times, and PostgreSQL may then run it with a generic plan, made without the
    values. For a statement whose good plan depends on its values (the agenda's, ADR 0053)
    that plan is far worse: such a statement runs inside this block. Elsewhere (SQLite, or
    preparing off) it changes nothing.
    """
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    raw: Any = connection.connection
    kept = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = kept


# --- A read of one row compiled once (ADR 0047) ---------------------------------------------

#: How many shapes of read a connection keeps compiled; the oldest goes first.
_COMPILED_READS_KEPT = 256


def row_read_compiled(model: type[M], key: Hashable, build: Callable[[int], QuerySet[M]], pk: int) -> M:
    """Return the row ``pk`` of ``build(pk)`` as ``.get()`` would (``model.DoesNotExist`` if none), compiled once.

    ``build`` gives the queryset of a read whose shape and parameters depend only on ``key``
    and the row's key; building and compiling such a read (a proposal's with the access rules,
    the facts of its guards and the joins of its page) costs several times what the database
    takes to run it. So it is built and compiled once per ``key`` and per connection (each
    thread has its own), with a stand-in for ``pk``, then run with ``pk`` swapped in: the rows
    come through the queryset's own iterable (its related rows, annotations and any
    iterable class it sets), as ``.get()`` would give them.

    A read is run as it is, never kept, when it cannot be replayed safely: when building it ran
    a query (what it read would be frozen in the SQL), when a parameter may be a date or a time
    (the clock's, frozen too; SQLite's are passed as text, so a text that starts as a date
    counts), a list, or when the stand-in is not among its parameters (``_compiled``).
    """
    return row_read_compiled_by(model, key, lambda keys: build(keys[0]), (pk,))


def row_read_compiled_by(
    model: type[M], key: Hashable, build: Callable[[tuple[int, ...]], QuerySet[M]], pks: Sequence[int]
) -> M:
    """Return the row of ``build(pks)`` as ``.get()`` would, compiled once per ``key`` (``row_read_compiled``'s way).

    For a read that depends on several whole-number keys, each a parameter of its own: the
    row's and its reader's, so that one compiled read serves every reader of the same access
    (``workflow.access.proposal_for_user``). ``build`` takes the keys as a tuple, in the order
    given; each must stand among the read's parameters, or the read is built at each call.
    """
    model_any: Any = model
    rows = _replayed(model, key, lambda keys: build(keys).order_by()[:2], tuple(pks), clock_in_key=False)
    if not rows:
        raise model_any.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    if len(rows) > 1:
        raise model_any.MultipleObjectsReturned(f"get() returned more than one {model._meta.object_name}.")
    return rows[0]


def row_read_compiled_or_404(model: type[M], key: Hashable, build: Callable[[int], QuerySet[M]], pk: int) -> M:
    """Return ``row_read_compiled(model, key, build, pk)``, or raise 404 if there is none, as ``get_object_or_404``."""
    return row_read_compiled_by_or_404(model, key, lambda keys: build(keys[0]), (pk,))


def row_read_compiled_by_or_404(
    model: type[M], key: Hashable, build: Callable[[tuple[int, ...]], QuerySet[M]], pks: Sequence[int]
) -> M:
    """Return ``row_read_compiled_by(model, key, build, pks)``, or raise 404 if there is none."""
    model_any: Any = model
    try:
        return row_read_compiled_by(model, key, build, pks)
    except model_any.DoesNotExist:
        raise Http404(f"No {model._meta.object_name} matches the given query.") from None


def rows_read_compiled(
    model: type[M], key: Hashable, build: Callable[[int], QuerySet[M]], pk: int, *, clock_in_key: bool = False
) -> list[M]:
    """Return the rows of ``build(pk)`` as ``list()`` would, compiled once per ``key`` (``row_read_compiled``'s way).

    ``pk`` is the one key the read depends on (a user's, for a list of theirs). A read whose
    dates come from the clock may be kept when ``clock_in_key`` says that ``key`` holds every
    moment it reads (a day, for a condition that changes once a day): it is compiled again
    under each new key, as the day changes.
    """
    return _replayed(model, key, lambda keys: build(keys[0]), (pk,), clock_in_key=clock_in_key)


def rows_read_compiled_for(
    model: type[M], key: Hashable, build: Callable[[tuple[int, ...]], QuerySet[Any]], pks: Sequence[int]
) -> list[Any]:
    """Return the rows of ``build(pks)`` as ``list()`` would, compiled once per ``key`` and number of keys.

    ``rows_read_compiled``'s way for a read that depends on several keys, each a parameter of
    its own: a page's rows read by their ids (``proposal_id__in``), with the rubric they are
    read under. ``build`` takes the keys as a tuple, in the order given; the read is compiled
    once for each number of keys, with a stand-in for each, which must stand among its
    parameters. ``build`` may give a queryset of values; a read with no key is run as it is.
    """
    pks = tuple(pks)
    return _replayed(model, (key, len(pks)), build, pks, clock_in_key=False) if pks else list(build(pks))


def _replayed(
    model: type[M],
    key: Hashable,
    build: Callable[[tuple[int, ...]], QuerySet[Any]],
    pks: tuple[int, ...],
    *,
    clock_in_key: bool,
) -> list[Any]:
    """Return the rows of ``build(pks)``, from its read compiled once per ``key`` if it may be kept (``_compiled``)."""
    connection = connections[model._default_manager.db]
    low, high = connection.ops.integer_field_range(model._meta.pk.get_internal_type())
    if any((low is not None and pk < low) or (high is not None and pk > high) for pk in pks):
        if len(pks) == 1:
            # A key no column can hold finds nothing, as Django's own lookups answer it (SQLite would overflow).
            return []
        return list(build(pks))

    def compiled(stand_ins: Sequence[int]) -> tuple[str, Sequence[Any], tuple[SQLCompiler, QuerySet[Any]]]:
        queryset = build(tuple(stand_ins))
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        return sql, params, (compiler, queryset)

    try:
        sql, params, built = _compiled(connection, "_rows_read_compiled", key, compiled, pks, clock_in_key=clock_in_key)
    except EmptyResultSet:
        return []  # a read that can match nothing (an empty ``__in``, ``none()``), as iterating it answers
    compiler, shell = cast(tuple[Any, Any], built)
    # The compiler already set up (its columns, joins and converters) answers with the SQL given.
    compiler.as_sql = lambda *args, **kwargs: (sql, params)
    shell.query.get_compiler = lambda *args, **kwargs: compiler
    return list(shell._iterable_class(shell))


_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


def _of_the_clock(param: Any) -> bool:
    """Say whether ``param`` may be a moment: a date, time or duration, or SQLite's text of one (or a list)."""
    if isinstance(param, (date, time, datetime, timedelta, list, tuple)):
        return True
    return isinstance(param, str) and _DATE_TEXT.match(param) is not None


# --- A statement compiled once and run with its keys swapped in (ADR 0061) ----------------------

#: The first of ``statement_compiled``'s stand-ins; the others count down from it.
_STATEMENT_STAND_IN = -(10**15) - 101

S = TypeVar("S")


def statement_compiled(
    connection: BaseDatabaseWrapper,
    key: Hashable,
    build: Callable[[Sequence[int]], tuple[str, Sequence[Any], S]],
    values: Sequence[int],
    *,
    clock_in_key: bool = False,
) -> tuple[str, list[Any], S]:
    """Return the SQL and parameters of ``build(values)``, and what it builds with them, compiled once per ``key``.

    ``build`` writes a statement around parts the ORM compiles (its SQL, its parameters and
    whatever reads its rows, such as the compiler that converts them); ``values`` are the whole
    numbers it depends on (keys, amounts in cents, a page's number), each a parameter of the
    statement. Building and compiling such a statement can cost more than the database takes
    to run it, so it is built once per ``key`` and per connection (each thread has its own), with
    a stand-in for each value (negative numbers no key, amount or page takes), and its
    parameters are given back with ``values`` swapped in for the stand-ins. The caller executes
    it: this runs nothing.

    ``key`` says everything else the statement's text and parameters follow from. A statement
    is built anew each time, never kept, when it cannot be replayed safely: when building it ran
    a query, when a stand-in is not among its parameters (a value went into the text, or was
    changed on its way), when a parameter is a list, or when one may be a moment of the clock,
    unless ``clock_in_key`` says that ``key`` holds every moment it reads.
    """
    return _compiled(connection, "_statements_compiled", key, build, values, clock_in_key=clock_in_key)


def _compiled(
    connection: BaseDatabaseWrapper,
    store: str,
    key: Hashable,
    build: Callable[[Sequence[int]], tuple[str, Sequence[Any], S]],
    values: Sequence[int],
    *,
    clock_in_key: bool,
) -> tuple[str, list[Any], S]:
    """``statement_compiled``, keeping what it compiled in the connection's ``store`` (a read's or a statement's)."""
    if any(type(value) is not int for value in values):
        raise TypeError("A compiled statement's values are whole numbers.")
    # The thread's own connection, even when given the ``django.db.connection`` proxy that all threads share.
    connection = connections[connection.alias]
    kept: dict[Hashable, Any] = connection.__dict__.setdefault(store, {})
    entry: Any = kept.get(key)
    if entry is None:
        stand_ins = tuple(_STATEMENT_STAND_IN - index for index in range(len(values)))
        ran: list[str] = []

        def counting(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            ran.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            sql, params, built = build(stand_ins)
        found = {param for param in params if type(param) is int and param in stand_ins}
        replayable = (
            not ran
            and found == set(stand_ins)
            and not any(isinstance(param, (list, tuple)) for param in params)
            and (clock_in_key or not any(_of_the_clock(param) for param in params))
        )
        positions = {stand_in: index for index, stand_in in enumerate(stand_ins)}
        entry = (sql, tuple(params), built, positions) if replayable else False
        if len(kept) >= _COMPILED_READS_KEPT:
            del kept[next(iter(kept))]
        kept[key] = entry
    if entry is False:
        sql, params, built = build(tuple(values))
        return sql, list(params), built
    sql, params, built, positions = entry
    swapped = [values[positions[param]] if type(param) is int and param in positions else param for param in params]
    return sql, swapped, built
