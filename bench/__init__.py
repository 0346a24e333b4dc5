"""Benchmarks: seed data at scale into a fresh database, measure pages, print JSON lines.

Run ``python -m bench --help``. A case is a request function registered with
``@case("name", seed=...)`` in ``bench/cases.py``; see bench/README.md.
"""

import os

# As the project's entry points do (config/__init__.py, ADR 0044): one BLAS thread, so the
# timings of the calibration measure what a web or Celery process does. Before numpy's import.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from bench.registry import CASES, SeedContext, case

__all__ = ["CASES", "SeedContext", "case"]
