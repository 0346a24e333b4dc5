"""The optimal assignment's benchmark runs end to end at a tiny scale, and its check catches a wrong result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assessment.choices import ConflictSource
from assessment.models import Assignment, Conflict
from bench.assessment import check, measure, seed

ROOT = Path(__file__).resolve().parents[2]


def _run(env: dict[str, str]) -> dict[str, dict]:
    # A process of its own: the bench makes its database before Django reads the settings.
    completed = subprocess.run(
        [sys.executable, "-m", "bench.assessment", "--proposals", "30", "--assessors", "12", "--k", "3",
         "--conflicts", "0.1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    return {line["case"]: line for line in map(json.loads, completed.stdout.splitlines())}


def _assert_lines(by_case: dict[str, dict], database: str) -> None:
    assert list(by_case) == [
        "assignment_seed",
        "assignment_compute",
        "assignment_accept",
        "assignment_total",
        "assignment_check",
    ]
    assert by_case["assignment_seed"]["conflict_rows"] == 30  # One of the 12 assessors per proposal.
    assert by_case["assignment_compute"]["pairs"] == 90
    assert by_case["assignment_accept"]["assignments"] == 90
    total = by_case["assignment_total"]
    assert total["database"] == database
    assert total["seconds"] >= by_case["assignment_compute"]["seconds"] > 0
    assert total["peak_mib"] >= total["baseline_mib"] > 0
    assert by_case["assignment_check"] == {
        "case": "assignment_check",
        "assignments": 90,
        "conflicted_pairs_in_call": by_case["assignment_check"]["conflicted_pairs_in_call"],
        "ok": True,
    }
    assert by_case["assignment_check"]["conflicted_pairs_in_call"] >= 30


def test_bench_on_sqlite_assigns_every_proposal_and_prints_a_line_per_phase() -> None:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}

    _assert_lines(_run(env), "sqlite")


@pytest.mark.postgres
@pytest.mark.skipif("DATABASE_URL" not in os.environ, reason="needs PostgreSQL: set DATABASE_URL")
def test_bench_on_postgresql_assigns_every_proposal() -> None:
    _assert_lines(
        _run({key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}), "postgresql"
    )


@pytest.mark.django_db
def test_check_refuses_a_conflicted_pair_and_a_missing_assessor() -> None:
    seeded = seed(proposals=12, assessors=8, k=2, conflicts=0.125)
    lines = measure(call_pk=seeded["call"], staff_pk=seeded["staff"])
    assert lines[1]["assignments"] == 24
    assert check(call_pk=seeded["call"], k=2)["ok"] is True

    assignment = Assignment.objects.filter(proposal__call_id=seeded["call"]).order_by("pk").first()
    assert assignment is not None
    Conflict.objects.create(
        proposal_id=assignment.proposal_id, assessor_id=assignment.assessor_id, source=ConflictSource.DECLARED
    )
    with pytest.raises(SystemExit, match="1 conflicted pairs assigned"):
        check(call_pk=seeded["call"], k=2)

    Conflict.objects.filter(proposal_id=assignment.proposal_id, assessor_id=assignment.assessor_id).delete()
    assignment.delete()
    with pytest.raises(SystemExit, match="23 assignments, not 24; 1 proposals without exactly 2 distinct assessors"):
        check(call_pk=seeded["call"], k=2)
