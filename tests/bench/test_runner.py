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
        # A few cases, the budgeted kinds among them: every case's page is already read by
        # tests/bench/test_pages_render_without_queries.py, and the PDFs' and searches' seeds are slow.
        [
            sys.executable,
            "-m",
            "bench",
            "--scale",
            "3",
            "--repeat",
            "2",
            "--warmup",
            "1",
            "--case",
            "calls_open",
            "home",
            "program_detail",
            "call_results",
            "submit_loi",
        ],
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
        if "verdict" in line:
            expected |= {"target_ratio", "max_queries", "verdict"}
        assert set(line) == expected
        assert line["scale"] == 3
        assert line["database"] == "sqlite"
        assert line["n"] == 2
        assert 0 < line["median_ms"] <= line["p95_ms"]
    assert by_case["floor"]["queries"] == 1
    # The cases with the issues' budgets say whether they are within them, and the run counts them.
    assert by_case["call_results"]["target_ratio"] == 40
    assert by_case["call_results"]["verdict"] in {"within", "above"}
    assert "verdict" not in by_case["home"]
    assert (by_case["submit_loi"]["max_queries"], by_case["submit_loi"]["target_ratio"]) == (8, None)
    assert "case(s) within their targets" in completed.stderr


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


@pytest.mark.parametrize(
    ("ratio", "queries", "verdict"),
    [(40.0, 6, "within"), (40.01, 6, "above"), (12.0, 7, "above"), (None, 6, None)],
)
def test_a_case_is_within_its_targets_only_when_both_its_ratio_and_its_queries_are(
    ratio: float | None, queries: int, verdict: str | None
) -> None:
    from bench.registry import Case

    budgeted = Case("page", seed=lambda ctx: None, request=lambda client, data: None, description="A page.",
                    target_ratio=40, max_queries=6)  # fmt: skip

    assert budgeted.verdict(ratio=ratio, queries=queries) == verdict


def test_a_case_without_targets_has_no_verdict() -> None:
    from bench.registry import Case

    unbudgeted = Case("page", seed=lambda ctx: None, request=lambda client, data: None, description="A page.")

    assert unbudgeted.verdict(ratio=500.0, queries=50) is None


def test_a_case_with_only_a_query_budget_is_judged_without_the_floor() -> None:
    from bench.registry import Case

    submit = Case("submit", seed=lambda ctx: None, request=lambda client, data: None, description="A POST.",
                  max_queries=8)  # fmt: skip

    assert submit.verdict(ratio=None, queries=8) == "within"
    assert submit.verdict(ratio=None, queries=9) == "above"
