"""Moments read by psycopg's compiled loader on PostgreSQL (``records.moments``, ADR 0068)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection

from records.moments import _compiled_loader, moments_loaded_compiled

pytestmark = pytest.mark.django_db

#: Moments written with offsets and fractions, the first day and the last a column may hold.
MOMENTS = (
    "2026-12-07 19:49:32.518252+00",
    "2026-01-01 12:00:00.5+05",
    "2026-03-08 02:30:00-08:30",
    "1999-12-31 23:59:59.999999+14",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
)


def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"the loader is PostgreSQL's; this run uses {connection.vendor} (set DATABASE_URL)")


def test_moments_are_read_as_django_reads_them_in_utc() -> None:
    _postgresql()
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    class DjangoLoader(BaseTzLoader):  # type: ignore[misc, valid-type]
        timezone = datetime.UTC

    sql = "SELECT " + ", ".join(f"'{moment}'::timestamptz" for moment in MOMENTS)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        (read,) = cursor.fetchall()
        registered = cursor.cursor.adapters.get_loader(1184, 0)  # timestamptz, as text
        loader = registered(1184, cursor.cursor)
        django_loader = DjangoLoader(1184, cursor.cursor)

    assert registered.__name__ == "UtcMomentLoader"
    assert type(loader.load.__self__) is _compiled_loader()  # psycopg's own, compiled
    expected = tuple(django_loader.load(moment.encode()) for moment in MOMENTS)
    assert read == expected
    assert all(moment.tzinfo is datetime.UTC for moment in read)
    assert [moment.isoformat() for moment in read] == [moment.isoformat() for moment in expected]


def test_moments_of_a_model_come_in_utc() -> None:
    _postgresql()
    from accounts.models import User

    user = User.objects.create(email="moments@example.test", display_name="Moments")

    read = User.objects.get(pk=user.pk).date_joined

    assert read == user.date_joined
    assert read.tzinfo is datetime.UTC


def test_a_connection_other_than_postgresql_s_keeps_its_own_loading() -> None:
    other = SimpleNamespace(vendor="sqlite", timezone=datetime.UTC, connection=None)

    moments_loaded_compiled(sender=None, connection=other)  # would fail on ``connection.adapters``

    in_its_zone = SimpleNamespace(vendor="postgresql", timezone=datetime.timezone(datetime.timedelta(hours=1)))
    moments_loaded_compiled(sender=None, connection=in_its_zone)  # a database TIME_ZONE: left to Django
