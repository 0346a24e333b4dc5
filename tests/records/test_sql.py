"""A read of one row compiled once and replayed with the row's key swapped in (``records.sql.row_read_compiled``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Q, QuerySet
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from records.sql import (
    planned_at_each_run,
    row_read_compiled,
    row_read_compiled_by,
    row_read_compiled_or_404,
    rows_read_compiled,
    rows_read_compiled_for,
    statement_compiled,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _kept() -> dict[object, object]:
    return connections[DEFAULT_DB_ALIAS].__dict__.setdefault("_rows_read_compiled", {})


def test_row_read_compiled_replays_the_read_with_each_key_and_its_annotations() -> None:
    ann, bob = UserFactory(display_name="Ann"), UserFactory(display_name="Bob")
    built: list[int] = []

    def read(key: int) -> QuerySet[User]:
        built.append(key)
        return User.objects.with_roles().filter(pk=key, is_active=True)

    first = row_read_compiled(User, "test_replays", read, ann.pk)
    with CaptureQueriesContext(connection) as captured:
        second = row_read_compiled(User, "test_replays", read, bob.pk)

    assert (first.display_name, second.display_name, second.pk) == ("Ann", "Bob", bob.pk)
    assert hasattr(second, "group_names")
    assert len(built) == 1  # built once, with the stand-in
    assert len(captured) == 1
    assert str(bob.pk) in captured[0]["sql"]
    with pytest.raises(User.DoesNotExist):
        row_read_compiled(User, "test_replays", read, bob.pk + 1000)


def test_row_read_compiled_does_not_keep_a_read_whose_build_queried() -> None:
    ann, bob = UserFactory(display_name="Ann"), UserFactory(display_name="Bob")

    def read(key: int) -> QuerySet[User]:
        emails = list(User.objects.values_list("email", flat=True))  # frozen into the SQL if kept
        return User.objects.filter(pk=key, email__in=emails)

    assert row_read_compiled(User, "test_queried", read, ann.pk) == ann
    assert _kept()["test_queried"] is False
    assert row_read_compiled(User, "test_queried", read, bob.pk) == bob


def test_row_read_compiled_does_not_keep_a_read_of_the_clock() -> None:
    ann = UserFactory(date_joined=timezone.now() - timedelta(days=2))

    def read(key: int) -> QuerySet[User]:
        return User.objects.filter(pk=key, date_joined__lte=timezone.now())

    assert row_read_compiled(User, "test_clock", read, ann.pk) == ann
    assert _kept()["test_clock"] is False


def test_a_read_compiled_once_that_can_match_nothing_finds_nothing() -> None:
    ann = UserFactory(display_name="Ann")

    def read(key: int) -> QuerySet[User]:
        return User.objects.filter(pk__in=[]).filter(pk=key)  # as a reader granted nothing reads

    with pytest.raises(User.DoesNotExist):
        row_read_compiled(User, "test_nothing", read, ann.pk)
    assert rows_read_compiled(User, "test_nothing_list", read, ann.pk) == []


def test_row_read_compiled_or_404_gives_the_row_or_raises_404() -> None:
    user = cast(User, UserFactory())

    def read(row: int) -> QuerySet[User]:
        return User.objects.filter(pk=row)

    assert row_read_compiled_or_404(User, "test_or_404", read, user.pk) == user
    with pytest.raises(Http404, match=r"No User matches the given query\."):
        row_read_compiled_or_404(User, "test_or_404", read, user.pk + 1)


@pytest.mark.parametrize("key", [2**63, -(2**63) - 1, 33924669030791817981333333868544])
def test_row_read_compiled_finds_nothing_for_a_key_no_column_holds(key: int) -> None:
    UserFactory()

    def read(row: int) -> QuerySet[User]:
        return User.objects.filter(pk=row)

    with CaptureQueriesContext(connection) as captured, pytest.raises(User.DoesNotExist):
        row_read_compiled(User, "test_out_of_range", read, key)
    assert len(captured) == 0


def test_rows_read_compiled_keeps_a_read_of_the_clock_only_when_the_key_holds_the_moment() -> None:
    ann = UserFactory(display_name="Ann", date_joined=timezone.now() - timedelta(days=2))
    UserFactory(display_name="Bob", date_joined=timezone.now() - timedelta(days=2))
    since = timezone.now() - timedelta(days=3)

    def read(key: int) -> QuerySet[User]:
        return User.objects.filter(pk__gte=key, date_joined__gte=since).order_by("pk")

    assert rows_read_compiled(User, "test_list_clock", read, ann.pk) == list(read(ann.pk))
    assert _kept()["test_list_clock"] is False
    first = rows_read_compiled(User, ("test_list_day", since), read, ann.pk, clock_in_key=True)
    with CaptureQueriesContext(connection) as captured:
        again = rows_read_compiled(User, ("test_list_day", since), read, ann.pk + 1)

    assert [user.display_name for user in first] == ["Ann", "Bob"]
    assert [user.display_name for user in again] == ["Bob"]
    assert len(captured) == 1
    assert rows_read_compiled(User, ("test_list_day", since), read, 2**64) == []


def test_rows_read_compiled_for_replays_the_read_with_each_key_in_its_place() -> None:
    ann, bob, cy = UserFactory(display_name="Ann"), UserFactory(display_name="Bob"), UserFactory(display_name="Cy")
    built: list[tuple[int, ...]] = []

    def read(keys: tuple[int, ...]) -> QuerySet[User]:
        built.append(keys)
        return (
            User.objects.filter(pk__gte=keys[0], pk__in=keys[1:]).order_by("pk").values_list("display_name", flat=True)
        )

    first = rows_read_compiled_for(User, "test_keys", read, (ann.pk, ann.pk, cy.pk))
    with CaptureQueriesContext(connection) as captured:
        again = rows_read_compiled_for(User, "test_keys", read, (bob.pk, ann.pk, bob.pk))
    other = rows_read_compiled_for(User, "test_keys", read, (ann.pk, bob.pk))

    assert (first, again, other) == (["Ann", "Cy"], ["Bob"], ["Bob"])
    assert len(built) == 2  # once for three keys, once for two
    assert len(captured) == 1


def test_rows_read_compiled_for_swaps_a_key_in_wherever_it_stands() -> None:
    ann, bob = UserFactory(display_name="Ann"), UserFactory(display_name="Bob")

    def read(keys: tuple[int, ...]) -> QuerySet[User]:
        return User.objects.filter(Q(pk=keys[0]) | Q(pk__in=keys[1:]), is_active=True).exclude(pk=keys[1])

    assert rows_read_compiled_for(User, "test_twice", read, (ann.pk, bob.pk)) == [ann]
    assert _kept()[("test_twice", 2)] is not False
    assert rows_read_compiled_for(User, "test_twice", read, (bob.pk, ann.pk)) == [bob]


# --- A statement compiled once, run with its values swapped in (``statement_compiled``) ------------


def _statement_kept() -> dict[object, object]:
    return connections[DEFAULT_DB_ALIAS].__dict__.setdefault("_statements_compiled", {})


def _names(sql: str, params: list[Any]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _between(keys: Sequence[int]) -> tuple[str, list[Any], str]:
    """The names of the users whose keys lie between the first two values, the first ``keys[2]`` of them."""
    low, high, most = keys
    users = User.objects.filter(pk__gte=low, pk__lte=high).order_by("pk").values("display_name")
    sql, params = users.query.get_compiler(connection=connection).as_sql()
    return f"SELECT * FROM ({sql}) named LIMIT %s", [*params, most], "what reads the rows"  # noqa: S608


def test_statement_compiled_is_built_once_and_given_back_with_each_value_swapped_in() -> None:
    ann, bob, cy = (UserFactory(display_name=name) for name in ("Ann", "Bob", "Cy"))
    built: list[Sequence[int]] = []

    def build(keys: Sequence[int]) -> tuple[str, list[Any], str]:
        built.append(keys)
        return _between(keys)

    first = statement_compiled(connection, "test_between", build, [ann.pk, cy.pk, 5])
    second = statement_compiled(connection, "test_between", build, [bob.pk, cy.pk, 1])

    assert len(built) == 1  # once, with stand-ins
    assert all(key < 0 for key in built[0])
    assert (first[2], second[2]) == ("what reads the rows", "what reads the rows")
    assert second[1] == [bob.pk, cy.pk, 1]
    assert (_names(*first[:2]), _names(*second[:2])) == (["Ann", "Bob", "Cy"], ["Bob"])


def test_statement_compiled_does_not_keep_a_statement_with_a_value_in_its_text() -> None:
    ann, bob = UserFactory(display_name="Ann"), UserFactory(display_name="Bob")

    def build(keys: Sequence[int]) -> tuple[str, list[Any], None]:
        sql, params, _reader = _between(keys)
        return sql.replace("LIMIT %s", f"LIMIT {keys[2]}"), params[:-1], None  # the limit written, not bound

    statement_compiled(connection, "test_in_text", build, [ann.pk, bob.pk, 2])

    assert _statement_kept()["test_in_text"] is False
    assert _names(*statement_compiled(connection, "test_in_text", build, [ann.pk, bob.pk, 1])[:2]) == ["Ann"]


def test_statement_compiled_does_not_keep_a_statement_whose_build_queried() -> None:
    ann = UserFactory(display_name="Ann")

    def build(keys: Sequence[int]) -> tuple[str, list[Any], str]:
        User.objects.count()
        return _between(keys)

    statement_compiled(connection, "test_statement_queried", build, [ann.pk, ann.pk, 1])

    assert _statement_kept()["test_statement_queried"] is False


def test_statement_compiled_keeps_a_statement_of_the_clock_only_when_the_key_holds_the_moment() -> None:
    ann = UserFactory(display_name="Ann", date_joined=timezone.now() - timedelta(days=2))
    since = timezone.now() - timedelta(days=3)

    def build(keys: Sequence[int]) -> tuple[str, list[Any], None]:
        users = User.objects.filter(pk=keys[0], date_joined__gte=since).values("display_name")
        sql, params = users.query.get_compiler(connection=connection).as_sql()
        return sql, list(params), None

    statement_compiled(connection, "test_statement_clock", build, [ann.pk])
    found = statement_compiled(connection, ("test_statement_day", since), build, [ann.pk], clock_in_key=True)

    assert _statement_kept()["test_statement_clock"] is False
    assert _statement_kept()[("test_statement_day", since)] is not False
    assert _names(*found[:2]) == ["Ann"]


# --- A group's rows as JSON (``JSONRows``, ``JSONColumn``) ------------------------------------------


def test_json_rows_give_each_row_of_a_group_with_its_json_columns_as_json() -> None:
    from django.db.models import F, OuterRef, Subquery
    from django.db.models.functions import JSONObject

    from intake.models import Call, CallRule
    from records.sql import JSONColumn, JSONRows
    from tests.factories import CallFactory

    call, other = cast(Call, CallFactory()), cast(Call, CallFactory())
    CallRule.objects.filter(call__in=[call, other]).delete()
    CallRule.objects.create(call=call, kind="min_partners", params={"count": 2}, stages=["application"], position=1)
    CallRule.objects.create(call=call, kind="word_limit", params={"words": 500}, stages=["loi"], position=2)
    rows = (
        CallRule.objects.filter(call_id=OuterRef("pk"))
        .order_by()
        .values("call_id")
        .annotate(rows=JSONRows(JSONObject(kind=F("kind"), params=JSONColumn("params"), position=F("position"))))
        .values("rows")
    )

    read = dict(Call.objects.filter(pk__in=[call.pk, other.pk]).annotate(rows=Subquery(rows)).values_list(
        "pk", "rows"))  # fmt: skip

    assert sorted(read[call.pk], key=lambda row: row["position"]) == [
        {"kind": "min_partners", "params": {"count": 2}, "position": 1},
        {"kind": "word_limit", "params": {"words": 500}, "position": 2},
    ]
    assert read[other.pk] is None  # no row: no group


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_planned_at_each_run_keeps_a_statement_from_being_prepared() -> None:
    """ADR 0058: a statement run inside the block is never prepared, however often; outside it is."""
    if connection.vendor != "postgresql":
        pytest.skip(f"statements are prepared on PostgreSQL; this run uses {connection.vendor} (set DATABASE_URL)")
    connection.ensure_connection()
    raw = cast(Any, connection.connection)
    if raw.prepare_threshold is None:
        pytest.skip("this run prepares no statement (DATABASE_PREPARE_THRESHOLD=0)")
    for _ in range(raw.prepare_threshold + 2):
        with planned_at_each_run(connection), connection.cursor() as cursor:
            cursor.execute("SELECT %s::int + 40 AS planned_each_time", [2])
            assert cursor.fetchone() == (42,)
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int + 40 AS prepared_once", [2])

    prepared = _prepared_statements()
    assert not any("planned_each_time" in statement for statement in prepared)
    assert any("prepared_once" in statement for statement in prepared)
    assert raw.prepare_threshold is not None  # the connection prepares again after the block


def test_row_read_compiled_by_swaps_each_key_in_its_place() -> None:
    ann, bob = UserFactory(display_name="Ann"), UserFactory(display_name="Bob")
    built: list[tuple[int, ...]] = []

    def read(keys: tuple[int, ...]) -> QuerySet[User]:
        built.append(keys)
        return User.objects.filter(pk=keys[0]).exclude(pk=keys[1])

    assert row_read_compiled_by(User, "test_by", read, (ann.pk, bob.pk)) == ann
    assert row_read_compiled_by(User, "test_by", read, (bob.pk, ann.pk)) == bob
    with pytest.raises(User.DoesNotExist):
        row_read_compiled_by(User, "test_by", read, (ann.pk, ann.pk))
    assert len(built) == 1  # built once, with a stand-in for each key
