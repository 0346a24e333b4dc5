"""Run the benchmark: a fresh database, migrations, seeds, then timed requests in-process.

Every measurement is printed as one JSON line on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
import warnings
from collections.abc import Sequence
from typing import Any

from bench.database import fresh_database
from bench.registry import CASES, Case, SeedContext

FLOOR = "floor"


class BenchError(Exception):
    """A case did not answer as it should, so its figures would mean nothing."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Seed a fresh database at a scale and time pages in-process. One JSON line per case. "
            "SQLite in a temporary file by default; with DATABASE_URL, a new PostgreSQL database "
            "on that server, dropped at the end."
        ),
    )
    parser.add_argument("--scale", type=int, default=200, help="how much to seed, e.g. the number of calls (200)")
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per case (50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per case before timing (5)")
    parser.add_argument(
        "--case", dest="cases", nargs="+", metavar="NAME", help="cases to run (all by default; the floor always runs)"
    )
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    if args.scale < 1 or args.repeat < 1 or args.warmup < 0:
        parser.error("--scale and --repeat must be at least 1, --warmup at least 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # WhiteNoise warns when collectstatic has not run; pages reference static files by name only.
    warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    with fresh_database() as (vendor, name):
        import django

        django.setup()
        cases_register()

        if args.list:
            for registered in CASES.values():
                print(f"{registered.name:20} {registered.description}")
            return 0
        unknown = sorted(set(args.cases or []) - set(CASES))
        if unknown:
            print(f"bench: unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}", file=sys.stderr)
            return 2
        selected = [CASES[FLOOR]] + [c for c in CASES.values() if c.name != FLOOR and c.name in (args.cases or CASES)]
        _say(f"fresh {vendor} database {name}")
        try:
            run(selected, vendor=vendor, scale=args.scale, repeat=args.repeat, warmup=args.warmup)
        except BenchError as error:
            print(f"bench: {error}", file=sys.stderr)
            return 1
    return 0


def cases_register() -> None:
    """Import the modules whose ``@case`` functions register every case (Django set up first)."""
    import bench.api  # registers the REST API's list of proposals
    import bench.assessment_reviews  # registers the assessor's dashboard
    import bench.board  # registers the board's agenda
    import bench.cases
    import bench.claims  # registers staff's queue of claims
    import bench.documents  # registers a full application's dossier as PDF
    import bench.intake  # registers the intake cases
    import bench.ip_registry  # registers the registry's search
    import bench.lifecycle  # registers the lifecycle cases
    import bench.outcomes  # registers a program's outcomes page
    import bench.proposal_pages  # registers a proposal's staff page and a staff state change
    import bench.proposal_search  # registers the proposals' search
    import bench.questions  # registers the questions' case
    import bench.results  # noqa: F401 - registers staff's results of a call


def run(selected: list[Case], *, vendor: str, scale: int, repeat: int, warmup: int) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings
    from django.utils import timezone

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    _say(f"migrated in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    ctx = SeedContext(scale=scale, now=timezone.now())
    data = {c.name: ctx.need(c.seed) for c in selected}
    _say(f"seeded scale {scale} in {time.perf_counter() - started:.1f} s")
    # The planner's statistics, as a database in service has them from autovacuum: right after
    # a bulk seed it has none yet, and plans joins of thousands of rows as if they held one. On
    # PostgreSQL the tables are vacuumed too, as autovacuum would have done: their pages marked
    # all-visible (index-only scans read no table), and no autovacuum of the fresh rows running
    # on the same cores while the pages are timed.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    # Production-like: no DEBUG (which would record every query), no mail leaving the machine,
    # no HTTPS redirect for the test client even if the environment asks for one.
    with override_settings(
        ROOT_URLCONF="bench.urls",
        DEBUG=False,
        ALLOWED_HOSTS=["testserver"],
        SECURE_SSL_REDIRECT=False,
        # Static files are not collected for the measurements: pages name them as they are.
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ):
        floor_ms: float | None = None
        verdicts: dict[str, list[str]] = {"within": [], "above": []}
        for selected_case in selected:
            result = measure(selected_case, data[selected_case.name], repeat=repeat, warmup=warmup)
            line: dict[str, Any] = {"case": selected_case.name, "scale": scale, "database": vendor, **result}
            if selected_case.name == FLOOR:
                floor_ms = result["median_ms"]
            elif floor_ms:
                line["ratio_to_floor"] = round(result["median_ms"] / floor_ms, 2)
            verdict = selected_case.verdict(ratio=line.get("ratio_to_floor"), queries=result["queries"])
            if verdict:
                line.update(target_ratio=selected_case.target_ratio, max_queries=selected_case.max_queries)
                line["verdict"] = verdict
                verdicts[verdict].append(selected_case.name)
            print(json.dumps(line), flush=True)
        if verdicts["within"] or verdicts["above"]:
            _say(
                f"{len(verdicts['within'])} case(s) within their targets, {len(verdicts['above'])} above"
                + (f": {', '.join(verdicts['above'])}" if verdicts["above"] else "")
            )


def measure(bench_case: Case, data: Any, *, repeat: int, warmup: int) -> dict[str, Any]:
    """Return the median and 95th percentile in milliseconds, and the queries of one request."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if bench_case.prepare:
        bench_case.prepare(client, data)
    for _ in range(warmup):
        _check(bench_case, bench_case.request(client, data))
    # Counted apart from the timed requests: capturing queries slows each one down. The
    # capture slices the connection's query log, a bounded deque that migrations fill and
    # every request start empties: so empty it first, and count before the next request.
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        _check(bench_case, bench_case.request(client, data))
    queries = len(captured)
    gc.collect()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter_ns()
        response = bench_case.request(client, data)
        timings.append((time.perf_counter_ns() - started) / 1e6)
        _check(bench_case, response)
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[18] if len(timings) > 1 else timings[0]
    return {
        "median_ms": round(statistics.median(timings), 3),
        "p95_ms": round(p95, 3),
        "queries": queries,
        "n": repeat,
    }


def _check(bench_case: Case, response: Any) -> None:
    if response.status_code != bench_case.expected_status:
        raise BenchError(
            f"case {bench_case.name} answered {response.status_code}, not {bench_case.expected_status}: "
            "its figures would not measure the page"
        )


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)
