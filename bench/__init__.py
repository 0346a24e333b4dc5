"""Benchmarks: seed data at scale into a fresh database, measure pages, print JSON lines.

Run ``python -m bench --help``. A case is a request function registered with
``@case("name", seed=...)`` in ``bench/cases.py``; see bench/README.md.
"""

from bench.registry import CASES, SeedContext, case

__all__ = ["CASES", "SeedContext", "case"]
