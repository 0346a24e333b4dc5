"""Simulation and timing of the calibration (docs/decision-quality.md), numpy only: no database.

Run ``python -m bench.calibration_simulation`` for the table (``--seeds 100`` by default) and
``python -m bench.calibration_simulation --time`` for the timings at 2,000 proposals, 6,000
reviews and 300 assessors.

Each simulated call: ``PROPOSALS`` proposals with a true quality ~ N(0, quality variance);
``ASSESSORS`` assessors with an offset ~ N(0, offset variance); each proposal scored by k
distinct assessors drawn at random, each score = quality + offset + N(0, noise variance).
The envelope funds the top ``FUNDED`` proposals (equal requests). For each method (raw
means, the mean of per-assessor z-scores, the calibrated model) the precision is the share
of its funded set that is in the true top set. "Changed" is the share of the funded set
that differs between calibrated and raw. The split is the calibrated chances' labels (1,000
posterior draws, thresholds 0.95 and 0.05).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

import numpy as np

from assessment.calibration import Review, calibrate, zscored
from assessment.chances import Candidate, Label, chance_label, funding_chances
from assessment.reliability import reliability

T = TypeVar("T")

PROPOSALS = 100
ASSESSORS = 25
FUNDED = 20
LABELS = ("always", "sometimes", "never")

#: (name, quality variance, offset variance, noise variance).
SETTINGS = (
    ("NeurIPS 2014", 1.28, 0.24, 1.27),
    ("no offsets", 1.28, 0.0, 1.27),
    ("high offsets", 1.28, 2.0, 1.27),
    ("high offsets, little noise", 1.28, 2.0, 0.3),
)


@dataclass(frozen=True)
class Outcome:
    raw: float
    zscore: float
    calibrated: float
    changed: float
    always: float
    sometimes: float
    never: float


def _call(seed: int, k: int, quality_var: float, offset_var: float, noise_var: float) -> tuple:
    rng = np.random.default_rng(seed)
    quality = rng.normal(0, np.sqrt(quality_var), PROPOSALS)
    offsets = rng.normal(0, np.sqrt(offset_var), ASSESSORS)
    reviews = []
    for i in range(PROPOSALS):
        for j in rng.choice(ASSESSORS, k, replace=False):
            reviews.append(Review(i, int(j), float(quality[i] + offsets[j] + rng.normal(0, np.sqrt(noise_var)))))
    return quality, reviews


def _top(scores: dict[Hashable, float]) -> set[Hashable]:
    return {key for key, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:FUNDED]}  # type: ignore[arg-type]


def simulate(seed: int, k: int, quality_var: float, offset_var: float, noise_var: float) -> Outcome:
    """Return one simulated call's precisions, change and split."""
    quality, reviews = _call(seed, k, quality_var, offset_var, noise_var)
    truth = _top(dict(enumerate(quality)))
    fit = calibrate(reviews)
    raw = {key: e.raw for key, e in fit.estimates.items() if e.raw is not None}
    calibrated = {
        key: (e.calibrated if e.calibrated is not None else e.raw)
        for key, e in fit.estimates.items()
        if e.raw is not None
    }
    by_z = zscored(reviews)
    funded_raw, funded_cal, funded_z = _top(raw), _top(calibrated), _top(by_z)  # type: ignore[arg-type]
    candidates = [
        Candidate(key=key, mean=calibrated[key], sd=fit.estimates[key].sd or 0.0, requested=Decimal(1))  # type: ignore[arg-type]
        for key in sorted(calibrated)  # type: ignore[type-var]
    ]
    chances = funding_chances(candidates, remaining=Decimal(FUNDED), seed=seed, draws=1000)
    labels = [chance_label(c) for c in chances.values()]
    return Outcome(
        raw=len(funded_raw & truth) / FUNDED,
        zscore=len(funded_z & truth) / FUNDED,
        calibrated=len(funded_cal & truth) / FUNDED,
        changed=len(funded_cal - funded_raw) / FUNDED,
        always=labels.count(Label.ALWAYS) / len(labels),
        sometimes=labels.count(Label.SOMETIMES) / len(labels),
        never=labels.count(Label.NEVER) / len(labels),
    )


def _mean_sd(values: Sequence[float]) -> str:
    array = np.asarray(values)
    return f"{array.mean():.3f} ± {array.std(ddof=1) / np.sqrt(len(array)):.3f}"


def table(seeds: int) -> str:
    """Return the simulation's table in Markdown: mean ± its standard error over ``seeds`` calls per row."""
    lines = [
        "| setting | k | precision, raw | precision, z-scores | precision, calibrated | calibrated - raw "
        "| funded set changed | always / sometimes / never |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, quality_var, offset_var, noise_var in SETTINGS:
        for k in (2, 3, 4, 5):
            found = [simulate(seed, k, quality_var, offset_var, noise_var) for seed in range(seeds)]
            gain = [o.calibrated - o.raw for o in found]
            always, sometimes, never = (np.mean([getattr(o, label) for o in found]) for label in LABELS)
            split = f"{always:.2f} / {sometimes:.2f} / {never:.2f}"
            lines.append(
                f"| {name} | {k} | {_mean_sd([o.raw for o in found])} | {_mean_sd([o.zscore for o in found])} "
                f"| {_mean_sd([o.calibrated for o in found])} | {_mean_sd(gain)} "
                f"| {np.mean([o.changed for o in found]):.3f} | {split} |"
            )
    return "\n".join(lines)


def timings() -> str:
    """Time the fit, 1,000 draws of chances and the reliability at 2,000 proposals, 6,000 reviews, 300 assessors."""
    rng = np.random.default_rng(2014)
    proposals, assessors, k = 2000, 300, 3
    quality = rng.normal(0, np.sqrt(1.28), proposals)
    offsets = rng.normal(0, np.sqrt(0.24), assessors)
    reviews = [
        Review(i, int(j), float(50 + 10 * (quality[i] + offsets[j] + rng.normal(0, np.sqrt(1.27)))))
        for i in range(proposals)
        for j in rng.choice(assessors, k, replace=False)
    ]
    clock = _Clock()
    fit = clock.time("fit", lambda: calibrate(reviews))
    candidates = [
        Candidate(key=key, mean=e.calibrated or e.raw or 0.0, sd=e.sd or 0.0, requested=Decimal("250000"))
        for key, e in sorted(fit.estimates.items())  # type: ignore[type-var]
    ]
    clock.time("draws", lambda: funding_chances(candidates, remaining=Decimal("50000000"), seed=1, draws=1000))
    by_proposal: dict[Hashable, list[float]] = {}
    for review in reviews:
        by_proposal.setdefault(review.proposal, []).append(review.score)
    clock.time("reliability", lambda: reliability(by_proposal))
    return (
        f"calibration fit: {clock.says('fit')} (target 2 s); 1,000 draws of chances: {clock.says('draws')} "
        f"(target 5 s); reliability with its bootstrap: {clock.says('reliability')}"
    )


class _Clock:
    """Elapsed and processor seconds of each step: on a shared machine the second says what the step costs."""

    def __init__(self) -> None:
        self.seconds: dict[str, tuple[float, float]] = {}

    def time(self, name: str, step: Callable[[], T]) -> T:
        started, started_cpu = time.perf_counter(), time.process_time()
        result = step()
        self.seconds[name] = (time.perf_counter() - started, time.process_time() - started_cpu)
        return result

    def says(self, name: str) -> str:
        elapsed, cpu = self.seconds[name]
        return f"{elapsed:.3f} s ({cpu:.3f} s of processor)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--time", action="store_true", help="time the fit and the draws at 2,000 proposals")
    arguments = parser.parse_args()
    print(timings() if arguments.time else table(arguments.seeds))


if __name__ == "__main__":
    main()
