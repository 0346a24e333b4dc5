"""The benchmark runner runs end to end at a tiny scale and prints one JSON line per case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"case", "scale", "database", "median_ms", "p95_ms", "queries", "n"}


def _run_bench(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # A process of its own: the runner makes its database before Django reads the settings.
    return subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "3", "--repeat", "2", "--warmup", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _lines(completed: subprocess.CompletedProcess[str]) -> dict[str, dict]:
    assert completed.returncode == 0, completed.stderr
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    return {line["case"]: line for line in lines}


def test_bench_on_sqlite_prints_a_json_line_per_case_with_the_floor_first() -> None:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}

    completed = _run_bench(env)

    by_case = _lines(completed)
    assert next(iter(by_case)) == "floor"
    assert {"floor", "calls_open", "home", "program_detail"} <= set(by_case)
    for name, line in by_case.items():
        expected = KEYS if name == "floor" else KEYS | {"ratio_to_floor"}
        assert set(line) == expected
        assert line["scale"] == 3
        assert line["database"] == "sqlite"
        assert line["n"] == 2
        assert 0 < line["median_ms"] <= line["p95_ms"]
    assert by_case["floor"]["queries"] == 1


@pytest.mark.postgres
@pytest.mark.skipif("DATABASE_URL" not in os.environ, reason="needs PostgreSQL: set DATABASE_URL")
def test_bench_on_postgresql_drops_the_database_it_made() -> None:
    import psycopg

    completed = _run_bench({key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"})

    by_case = _lines(completed)
    assert {line["database"] for line in by_case.values()} == {"postgresql"}
    made = completed.stderr.split("fresh postgresql database ", 1)[1].split()[0]
    assert made.startswith("clusterflow_bench_")
    server = urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()
    with psycopg.connect(server) as connection:
        left = connection.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [made]).fetchone()
    assert left == (0,)
