"""What a process loads: no OR-Tools until a solver solves, and one BLAS thread set before numpy (ADR 0044)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

LOAD_EVERY_VIEW = """
import sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
import board.portfolio, assessment.solver
print(",".join(sorted(name for name in sys.modules if name == "ortools" or name.startswith("ortools."))))
"""


def test_loading_the_views_and_the_solvers_imports_no_ortools() -> None:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings")}
    result = subprocess.run(  # noqa: S603 - the test's own interpreter and script
        [sys.executable, "-c", LOAD_EVERY_VIEW],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
        env=environment,
        timeout=120,
    )
    assert result.stdout.strip() == ""


LOAD_THE_SETTINGS = """
import os, sys
os.environ.pop("OPENBLAS_NUM_THREADS", None)
import config
print("numpy" in sys.modules, os.environ.get("OPENBLAS_NUM_THREADS"))
"""


def test_every_entry_point_limits_blas_to_one_thread_before_numpy_is_imported() -> None:
    result = subprocess.run(  # noqa: S603 - the test's own interpreter and script
        [sys.executable, "-c", LOAD_THE_SETTINGS],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=120,
    )
    assert result.stdout.split() == ["False", "1"]
