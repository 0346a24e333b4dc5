"""Benchmark of the board's constrained portfolio (``board.portfolio``): the exact solve and its explanations.

``python -m bench.portfolio --proposals 50 200 2000 --seed 1`` generates agendas whose
figures look like a call's (no database: the solver is a leaf; reading the agenda is
timed by the agenda's own case):

- scores: the mean of three assessors' weighted totals, each the sum over five criteria
  of an integer mark from 0 to 5 times its weight (20 points each), around the
  proposal's quality: so totals repeat, as in a real call;
- requests: $250,000 to $10,000,000, to the thousand dollars; industry money 1 to 2.5
  times the request; 30 % SME-led; one or two of ten sectors; a lead in one of six regions;
- the envelope: 15 % of what the agenda requests (the board funds about one in seven).

Five constraints, as staff would set them: at least 30 % of the funds to SME-led projects;
at most 8 projects in the first sector; at least 5 % of the funds in Quebec; at least one
project in the tenth sector (a priority area); a leverage of at least 1.5.

For each size it prints one JSON line per measurement: ``optimum_whole`` (the single
solve of the portfolio by CP-SAT on the whole problem, for comparison), ``optimum`` (the
same, narrowed first by the bound: what the board's page runs), ``report`` (the optimum,
the unconstrained optimum and each constraint's cost: seven solves, and the excluded
proposals' reasons that need no solve),
and, up to ``--explain-up-to`` proposals, ``explained`` (every excluded proposal above the
threshold forced in: one more solve each). Each line has the seconds (median of
``--repeat`` runs), the processor seconds (the same median of the process's CPU time: on a
shared machine it says what the solve costs, whatever else runs), the number of solves and
whether every solve was proven optimal.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from decimal import Decimal

from board.portfolio import (
    Candidate,
    Linear,
    count_between,
    funds_between,
    leverage_at_least,
    portfolio_solve,
    share_at_least,
)

SECTORS = 10
REGIONS = ("CA-ON", "CA-QC", "CA-BC", "CA-AB", "CA-NS", "US")


def instance(size: int, seed: int) -> tuple[list[Candidate], int, list[Linear]]:
    """Return the candidates in ranking order, the envelope (cents) and the five constraints."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    rows = []
    for pk in range(1, size + 1):
        quality = rng.gauss(3.0, 0.8)
        totals = [
            sum(20 * min(5, max(0, round(rng.gauss(quality, 0.9)))) for _criterion in range(5)) / 5
            for _assessor in range(3)
        ]
        score = round(sum(totals) / 3 * 1000)
        cost = rng.randint(250, 10_000) * 1000 * 100
        industry = int(cost * rng.uniform(1.0, 2.5))
        sectors = set(rng.sample(range(SECTORS), rng.choice((1, 1, 2))))
        rows.append((Candidate(pk, score, cost, industry), rng.random() < 0.3, sectors, rng.choice(REGIONS)))
    rows.sort(key=lambda row: (-row[0].score, row[0].id))
    candidates = [row[0] for row in rows]
    envelope = sum(c.cost for c in candidates) * 15 // 100
    smes = [row[0].id for row in rows if row[1]]
    constraints = [
        share_at_least("sme_share", smes, candidates, Decimal("30")),
        count_between("sector_0_at_most_8", [row[0].id for row in rows if 0 in row[2]], None, 8),
        funds_between(
            "quebec_at_least_5pc", [row[0].id for row in rows if row[3] == "CA-QC"], candidates, envelope // 20, None
        ),
        count_between("priority_sector_9", [row[0].id for row in rows if 9 in row[2]], 1, None),
        leverage_at_least("leverage", candidates, Decimal("1.5")),
    ]
    return candidates, envelope, constraints


def measure(size: int, seed: int, repeat: int, explain: bool) -> dict[str, dict[str, object]]:
    candidates, envelope, constraints = instance(size, seed)
    lines: dict[str, dict[str, object]] = {}
    for name, run in (
        (
            "optimum_whole",
            lambda: portfolio_solve(
                candidates=candidates, envelope=envelope, constraints=constraints, optimum_only=True, narrow=False
            ),
        ),
        (
            "optimum",
            lambda: portfolio_solve(
                candidates=candidates, envelope=envelope, constraints=constraints, optimum_only=True
            ),
        ),
        (
            "report",
            lambda: portfolio_solve(
                candidates=candidates, envelope=envelope, constraints=constraints, explain_budget=0
            ),
        ),
        *(
            [("explained", lambda: portfolio_solve(candidates=candidates, envelope=envelope, constraints=constraints))]
            if explain
            else []
        ),
    ):
        times, cpu = [], []
        for _ in range(repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            report = run()
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        lines[name] = {
            "case": f"portfolio_{name}",
            "proposals": size,
            "seconds": round(statistics.median(times), 3),
            "cpu_seconds": round(statistics.median(cpu), 3),
            "solves": report.solves,
            "proven": report.proven,
            "status": report.optimum.status.value,
            "chosen": len(report.optimum.chosen),
            "excluded_explained": len(report.exclusions),
        }
        print(json.dumps(lines[name]), flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, nargs="+", default=[50, 200, 2000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--explain-up-to", type=int, default=200)
    args = parser.parse_args()
    for size in args.proposals:
        measure(size, args.seed, args.repeat, size <= args.explain_up_to)


if __name__ == "__main__":
    main()
