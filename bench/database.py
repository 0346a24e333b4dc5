"""A fresh database for each run, made before Django reads its settings and removed after.

SQLite: a file in a temporary directory. PostgreSQL (``DATABASE_URL`` set): a new database
``clusterflow_bench_<pid>`` on the server that ``DATABASE_URL`` names, created and dropped
through the server's ``postgres`` database; the URL's own database is never touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ

# Keys of a Django OPTIONS dict that are not libpq connection parameters.
_DJANGO_ONLY_OPTIONS = {"pool", "server_side_binding", "isolation_level", "assume_role", "cursor_factory"}


def _close_django_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


@contextmanager
def fresh_database() -> Iterator[tuple[str, str]]:
    """Point the settings at a database made for this run; yield its vendor and name."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        with tempfile.TemporaryDirectory(prefix="clusterflow-bench-") as directory:
            path = Path(directory) / "bench.sqlite3"
            os.environ["SQLITE_PATH"] = str(path)
            # Keep the run's task queue (unused by reads) out of the project's var/.
            os.environ["CELERY_FILESYSTEM_BROKER_DIR"] = str(Path(directory) / "broker")
            try:
                yield "sqlite", str(path)
            finally:
                _close_django_connections()
        return

    config = environ.Env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit(f"bench: DATABASE_URL must name PostgreSQL (or be unset for SQLite), not {config['ENGINE']}.")
    # BENCH_DATABASE_PREFIX tells apart the runs of several people sharing one server.
    name = f"{os.environ.get('BENCH_DATABASE_PREFIX', 'clusterflow_bench')}_{os.getpid()}"
    server = _server_params(config)
    _admin(server, "CREATE DATABASE {}", name)
    os.environ["DATABASE_URL"] = urlsplit(url)._replace(path=f"/{name}").geturl()
    try:
        yield "postgresql", name
    finally:
        _close_django_connections()
        os.environ["DATABASE_URL"] = url
        _admin(server, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def _server_params(config: dict[str, Any]) -> dict[str, Any]:
    options = {key: value for key, value in config.get("OPTIONS", {}).items() if key not in _DJANGO_ONLY_OPTIONS}
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        # Reach the server through its maintenance database, as Django's test runner does: the
        # URL's own database need not exist (CI names one that only gets a test_ prefix).
        "dbname": "postgres",
        **options,
    }
    return {key: value for key, value in params.items() if value is not None}


def _admin(server: dict[str, Any], statement: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(**server, autocommit=True) as connection:
        connection.execute(sql.SQL(statement).format(sql.Identifier(name)))
