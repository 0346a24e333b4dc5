"""The settings: the embedded SQLite default, Celery's delivery guarantees, production hardening."""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import close_old_connections, connection, transaction

from config.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[2]


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if name != "DJANGO_SECRET_KEY"}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(  # noqa: S603 - the interpreter of this virtualenv, fixed arguments
        [sys.executable, *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.usefixtures("sqlite_only")
@pytest.mark.django_db
def test_sqlite_journal_mode_is_wal() -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        (mode,) = cursor.fetchone()

    assert mode == "wal"


@pytest.mark.usefixtures("sqlite_only")
@pytest.mark.django_db(transaction=True)
def test_sqlite_transaction_takes_write_lock_at_begin() -> None:
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
    try:
        with transaction.atomic():
            # Nothing is written: with IMMEDIATE the write lock is held from BEGIN on anyway.
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")

            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")

        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


@pytest.mark.usefixtures("sqlite_only")
@pytest.mark.django_db(transaction=True)
def test_sqlite_connection_persists_across_requests() -> None:
    connection.ensure_connection()
    opened = connection.connection

    close_old_connections()  # what Django runs at the start and end of each request

    assert connection.settings_dict["CONN_MAX_AGE"] is None
    assert connection.connection is opened


def test_celery_acknowledges_late_and_rejects_on_worker_loss() -> None:
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True


def test_production_settings_refuse_default_secret_key() -> None:
    result = _run(
        ["-c", "import django; django.setup()"], DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="clusterflow.example.org"
    )

    assert result.returncode == 1
    assert "Set DJANGO_SECRET_KEY when DJANGO_DEBUG is false and DJANGO_ALLOWED_HOSTS names another host." in (
        result.stderr
    )


PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.DEBUG, s.PRODUCTION, getattr(s, 'SECURE_SSL_REDIRECT', False), s.ALLOWED_HOSTS]))"
)


def test_debug_off_unless_turned_on() -> None:
    environment = {name: value for name, value in os.environ.items() if name != "DJANGO_DEBUG"}
    result = subprocess.run(  # noqa: S603 - the interpreter of this virtualenv, fixed arguments
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    debug, production, ssl_redirect, hosts = json.loads(result.stdout)
    # On this machine alone, debug off still serves plain HTTP on the development key.
    assert (debug, production, ssl_redirect) == (False, False, False)
    assert {"localhost", "127.0.0.1"} <= set(hosts)


def test_debug_on_when_asked() -> None:
    result = _run(["-c", PRINT_SETTINGS], DJANGO_DEBUG="true")

    assert json.loads(result.stdout)[:3] == [True, False, False], result.stderr


@pytest.mark.parametrize("command", ["Makefile", "bin/run-embedded"])
def test_make_run_serves_with_debug_on(command: str) -> None:
    """The development server turns debug on itself, now that the settings leave it off."""
    text = (BASE_DIR / command).read_text()

    assert "DJANGO_DEBUG=${DJANGO_DEBUG:-true}" in text.replace("$$", "$").replace('"', "")


def test_production_settings_pass_deploy_checks() -> None:
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="clusterflow.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("redis_url", "engine"),
    [
        ("", "django.contrib.sessions.backends.db"),
        ("redis://127.0.0.1:6379/9", "accounts.sessions"),
    ],
)
def test_sessions_are_read_from_redis_only_when_there_is_one(redis_url: str, engine: str) -> None:
    """A cache per process would keep a session another process ended, so only a shared Redis caches them."""
    printed = _run(
        ["-c", "import django; django.setup(); from django.conf import settings as s; print(s.SESSION_ENGINE)"],
        REDIS_URL=redis_url,
    )

    assert printed.stdout.strip() == engine, printed.stderr


_PRINT_DATABASE_OPTIONS = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {}).get('options', '')))"
)


def test_postgresql_connections_turn_just_in_time_compilation_off() -> None:
    """ADR 0050: a query whose cost estimate crosses PostgreSQL's threshold is not compiled at each run."""
    result = _run(["-c", _PRINT_DATABASE_OPTIONS], DATABASE_URL="postgres://user@db.invalid:5432/clusterflow")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == "-c jit=off"

    given = "postgres://user@db.invalid:5432/clusterflow?options=-c%20statement_timeout%3D5000"
    result = _run(["-c", _PRINT_DATABASE_OPTIONS], DATABASE_URL=given)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == "-c statement_timeout=5000 -c jit=off"


_PRINT_PREPARING = (
    "import json, django; django.setup(); from django.conf import settings; "
    "o = settings.DATABASES['default']['OPTIONS']; "
    "print(json.dumps([o.get('server_side_binding'), o.get('prepare_threshold')]))"
)


@pytest.mark.parametrize(
    ("threshold", "expected"), [(None, [True, 5]), ("5", [True, 5]), ("20", [True, 20]), ("0", [None, None])]
)
def test_postgresql_statements_are_bound_and_prepared_by_the_server_unless_turned_off(
    threshold: str | None, expected: list[object]
) -> None:
    """ADRs 0057, 0058: PostgreSQL keeps the plans of the statements a connection runs 5 times; 0 turns it off."""
    given = {"DATABASE_PREPARE_THRESHOLD": threshold} if threshold is not None else {}
    result = _run(["-c", _PRINT_PREPARING], DATABASE_URL="postgres://user@db.invalid:5432/clusterflow", **given)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


@pytest.mark.django_db
def test_the_sites_postgresql_connection_runs_without_jit() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"PostgreSQL's setting; this run uses {connection.vendor} (set DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
