"""How far assessors agree (a leaf: numpy and the standard library only, no models).

Each function takes the scores of one call, stage and criterion (or weighted total) as
``{proposal: [score, score, ...]}``, one score per assessor, any number per proposal.

**ICC(1,1) and ICC(1,k)** (Shrout & Fleiss 1979, case 1; McGraw & Wong 1996, "ICC(1)"):
one-way random effects, since every proposal is scored by its own assessors. From the
one-way analysis of variance, with ``n`` proposals, ``N`` scores and ``k_i`` scores of
proposal ``i``::

    MSB = Σ k_i (mean_i - mean)² / (n - 1)     MSW = Σ (score - mean_i)² / (N - n)
    ICC(1,1) = (MSB - MSW) / (MSB + (k₀ - 1) MSW)     ICC(1,k) = (MSB - MSW) / MSB

Unbalanced designs (proposals with different numbers of reviews) use ``k₀ = (N - Σ k_i² / N)
/ (n - 1)``, the ANOVA estimator's effective number of scores per proposal (Searle, Casella
& McCulloch 1992, §3.6; the same k₀ as ``psych::ICC`` and Donner 1986); with a balanced
design k₀ = k and these are Shrout & Fleiss's formulas exactly. ICC(1,k) is the reliability
of the mean of k₀ assessors. Proposals with a single score carry no within-proposal
information and are left out. Confidence intervals are the F-based ones of Shrout & Fleiss
(Table 4 / McGraw & Wong Table 7), exact for balanced designs and the usual approximation
(with k₀) for unbalanced ones.

**Krippendorff's alpha** with the interval metric (Krippendorff 2011, "Computing Krippendorff's
alpha-reliability"): ``alpha = 1 - D_o / D_e`` over the pairable values (proposals with two
scores or more). Its confidence interval is a percentile bootstrap over proposals (the
units), with a fixed seed (``ALPHA_SEED``) and ``ALPHA_DRAWS`` draws, so it is
reproducible; Krippendorff's own bootstrap resamples pairs of values instead, which
assumes independent pairs.

**Spearman-Brown**: the number of assessors per proposal whose mean reaches a target
reliability rho* given the single-assessor reliability rho_1 = ICC(1,1):
``k = rho* (1 - rho_1) / (rho_1 (1 - rho*))``, rounded up; none when rho_1 ≤ 0 (no number of assessors
agreeing at chance makes a reliable mean).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where the statistics are computed: a web worker need not load it
    import numpy as np

#: The intervals' level.
LEVEL = 0.90
ALPHA_SEED = 20170123
ALPHA_DRAWS = 1000


@dataclass(frozen=True)
class Interval:
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Reliability:
    """The agreement of one set of scores: ICC(1,1), ICC(1,k) (with k₀), alpha, and Spearman-Brown's count."""

    proposals: int
    scores: int
    k0: float | None
    icc1: Interval
    icck: Interval
    alpha: Interval
    #: Assessors per proposal for the target reliability; None when unreachable or unknown.
    assessors_needed: int | None
    target: float

    def as_dict(self) -> dict[str, object]:
        return {
            "proposals": self.proposals,
            "scores": self.scores,
            "k0": self.k0,
            "icc1": [self.icc1.value, self.icc1.low, self.icc1.high],
            "icck": [self.icck.value, self.icck.low, self.icck.high],
            "alpha": [self.alpha.value, self.alpha.low, self.alpha.high],
            "assessors_needed": self.assessors_needed,
            "target": self.target,
        }


NONE = Interval(None, None, None)


# --- The F distribution's quantiles (numpy has none; no statistics package is a dependency) -------


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Return the continued fraction of the incomplete beta function (modified Lentz; Numerical Recipes §6.4)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c if abs(1 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c if abs(1 + aa / c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return h


def beta_regularized(a: float, b: float, x: float) -> float:
    """Return the regularized incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1 - front * _beta_continued_fraction(b, a, 1 - x) / b


def f_cdf(value: float, df1: float, df2: float) -> float:
    """Return P(F ≤ value) for the F distribution with ``df1`` and ``df2`` degrees of freedom."""
    if value <= 0:
        return 0.0
    return beta_regularized(df1 / 2, df2 / 2, df1 * value / (df1 * value + df2))


def f_quantile(p: float, df1: float, df2: float) -> float:
    """Return the ``p`` quantile of the F distribution (bisection on the CDF, to 1e-12 relative)."""
    low, high = 0.0, 1.0
    while f_cdf(high, df1, df2) < p:
        high *= 2
    for _step in range(200):
        middle = (low + high) / 2
        if f_cdf(middle, df1, df2) < p:
            low = middle
        else:
            high = middle
        if high - low <= 1e-12 * high:
            break
    return (low + high) / 2


# --- The estimators ---------------------------------------------------------------------------------


def _groups(scores: Mapping[Hashable, Sequence[float]]) -> list[np.ndarray]:
    """Return the proposals' scores as arrays, those with two or more only, in a fixed order."""
    import numpy as np

    return [
        np.asarray(values, dtype=float)
        for _key, values in sorted(scores.items(), key=lambda kv: repr(kv[0]))
        if len(values) > 1
    ]


def icc_oneway(
    scores: Mapping[Hashable, Sequence[float]], *, level: float = LEVEL
) -> tuple[Interval, Interval, float | None]:
    """Return ICC(1,1) and ICC(1,k) with their F-based intervals, and k₀."""
    import numpy as np

    groups = _groups(scores)
    n = len(groups)
    if n < 2:
        return NONE, NONE, None
    sizes = np.array([len(g) for g in groups], dtype=float)
    total = float(sizes.sum())
    grand = float(np.concatenate(groups).mean())
    means = np.array([g.mean() for g in groups])
    msb = float(np.sum(sizes * (means - grand) ** 2) / (n - 1))
    msw = float(sum(float(np.sum((g - g.mean()) ** 2)) for g in groups) / (total - n))
    k0 = (total - float(np.sum(sizes**2)) / total) / (n - 1)
    if msw == 0 and msb == 0:
        return NONE, NONE, k0
    if msw == 0:
        return Interval(1.0, None, None), Interval(1.0, None, None), k0
    icc1 = (msb - msw) / (msb + (k0 - 1) * msw)
    icck = (msb - msw) / msb if msb > 0 else None
    f_obs = msb / msw
    df1, df2 = n - 1, total - n
    upper_tail = 0.5 + level / 2
    f_low = f_obs / f_quantile(upper_tail, df1, df2)
    f_high = f_obs * f_quantile(upper_tail, df2, df1)
    return (
        Interval(icc1, (f_low - 1) / (f_low + k0 - 1), (f_high - 1) / (f_high + k0 - 1)),
        # Every proposal's mean the same (MSB 0): F is 0, and ICC(1,k) and its bounds are undefined.
        Interval(icck, 1 - 1 / f_low if f_low > 0 else None, 1 - 1 / f_high if f_high > 0 else None),
        k0,
    )


def _alpha_of(groups: Sequence[np.ndarray]) -> float | None:
    """Return Krippendorff's alpha (interval metric) of the pairable values in ``groups``."""
    import numpy as np

    if not groups:
        return None
    values = np.concatenate(groups)
    n = len(values)
    if n < 2:
        return None
    # Σ over ordered pairs within a unit of (c - k)², each unit divided by m_u - 1.
    observed = sum(2 * (len(g) * float(np.sum(g**2)) - float(g.sum()) ** 2) / (len(g) - 1) for g in groups)
    expected = 2 * (n * float(np.sum(values**2)) - float(values.sum()) ** 2)
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


def krippendorff_alpha(
    scores: Mapping[Hashable, Sequence[float]],
    *,
    level: float = LEVEL,
    seed: int = ALPHA_SEED,
    draws: int = ALPHA_DRAWS,
) -> Interval:
    """Return Krippendorff's alpha (interval) with a percentile bootstrap interval over proposals (fixed seed)."""
    import numpy as np

    groups = _groups(scores)
    alpha = _alpha_of(groups)
    if alpha is None or len(groups) < 2:
        return Interval(alpha, None, None)
    # Each draw resamples the proposals with replacement: how often each is drawn is multinomial, and alpha's
    # sums are linear in those counts, so every draw is one row of a matrix product.
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(groups), np.full(len(groups), 1 / len(groups)), size=draws).astype(float)
    sizes = np.array([len(g) for g in groups], dtype=float)
    sums = np.array([g.sum() for g in groups])
    squares = np.array([np.sum(g**2) for g in groups])
    within = 2 * (sizes * squares - sums**2) / (sizes - 1)
    n = counts @ sizes
    expected = 2 * (n * (counts @ squares) - (counts @ sums) ** 2)
    usable = expected > 0
    found = 1 - (n[usable] - 1) * (counts @ within)[usable] / expected[usable]
    if not len(found):
        return Interval(alpha, None, None)
    tail = (1 - level) / 2
    low, high = np.quantile(np.array(found), [tail, 1 - tail])
    return Interval(alpha, float(low), float(high))


def spearman_brown_needed(single: float | None, *, target: float) -> int | None:
    """Return how many assessors per proposal make the mean reach ``target`` reliability, from ``single``'s."""
    if single is None or single <= 0 or not 0 < target < 1:
        return None
    if single >= target:
        return 1
    return math.ceil(target * (1 - single) / (single * (1 - target)) - 1e-9)


def reliability(
    scores: Mapping[Hashable, Sequence[float]], *, target: float = 0.7, level: float = LEVEL
) -> Reliability:
    """Return every measure of agreement of ``scores`` (one call, stage and criterion or total)."""
    icc1, icck, k0 = icc_oneway(scores, level=level)
    groups = _groups(scores)
    return Reliability(
        proposals=len(groups),
        scores=int(sum(len(g) for g in groups)),
        k0=k0,
        icc1=icc1,
        icck=icck,
        alpha=krippendorff_alpha(scores, level=level),
        assessors_needed=spearman_brown_needed(icc1.value, target=target),
        target=target,
    )
