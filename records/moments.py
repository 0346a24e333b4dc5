"""PostgreSQL's moments read by psycopg's compiled loader, where Django would parse them in Python.

Django registers its own loader of ``timestamptz`` on every PostgreSQL connection
(``django.db.backends.postgresql.psycopg_any.BaseTzLoader``): psycopg's loader written in
Python, then ``replace(tzinfo=...)``. psycopg only swaps in its compiled loader for its own
classes, so every moment a page reads (six to ten on each of a list's rows) was parsed by a
regular expression in Python. Where the connection's time zone is UTC, as Django sets it with
``USE_TZ`` and no database ``TIME_ZONE``, the compiled loader gives the very same value (a
moment in ``datetime.UTC``): ``UtcMomentLoader`` uses it then, and Django's own
loading otherwise. ADR 0068.
"""

from __future__ import annotations

import datetime
from functools import cache
from typing import Any


@cache
def _compiled_loader() -> Any:
    """psycopg's compiled loader of ``timestamptz``, or None where psycopg runs without its compiled module.

    Imported on the first PostgreSQL connection, not with the app: a process on SQLite loads no psycopg.
    """
    try:
        from psycopg._cmodule import _psycopg as compiled
    except ImportError:  # pragma: no cover - psycopg without its compiled module
        return None
    return getattr(compiled, "TimestamptzLoader", None)


@cache
def _loader_class() -> type[Any]:
    """The loader class, made once: Django's loader is imported with the first PostgreSQL connection."""
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    class UtcMomentLoader(BaseTzLoader):  # type: ignore[misc, valid-type]
        """Django's loader of moments in UTC (``timezone`` read by Django's cursor), loading in C where it can."""

        timezone = datetime.UTC

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            # ``_timezone``: the connection's own zone, in which both of psycopg's loaders give their
            # moments; Django's ``load`` puts them in UTC. They agree when that zone is UTC itself.
            compiled = _compiled_loader()
            if compiled is not None and self._timezone is datetime.UTC:
                self.load = compiled(oid, context).load

    return UtcMomentLoader


def moments_loaded_compiled(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Load a new PostgreSQL connection's moments with psycopg's compiled loader (on ``connection_created``)."""
    if connection.vendor != "postgresql" or _compiled_loader() is None:
        return
    if connection.timezone is not datetime.UTC:
        return  # a database TIME_ZONE, or no USE_TZ: Django's loader of that zone stays
    connection.connection.adapters.register_loader("timestamptz", _loader_class())
