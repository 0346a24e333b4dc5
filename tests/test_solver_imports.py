"""A web worker loads every view without loading OR-Tools: the solvers import it when they solve."""

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
