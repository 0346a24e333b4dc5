"""Calibration of assessors' scores (a leaf: numpy and the standard library only, no models).

The model, per call and stage (one rubric), on a review's weighted total or on one criterion::

    score(i, j) = quality_i + offset_j + noise_ij,   noise_ij ~ N(0, sigma² / w_ij),
    offset_j ~ N(0, tau²)   (the shrinkage: a Gaussian prior centred on zero),
    quality_i flat          (no prior: the proposal's score is what the reviews say of it).

``w_ij`` is the assessor's stated confidence in the review turned into a precision weight
(``CONFIDENCE_WEIGHTS``; a review without one weighs 1). This is the Gaussian linear model
of MacKay, Kenna, Low and Parker, "Calibration with confidence: a principled method for
panel assessment" (R. Soc. Open Sci. 4: 160760, 2017): additive assessor offsets, the
confidence as the noise's precision, posterior uncertainty for every proposal. It is
fitted exactly as a Bayesian linear model (a Gaussian posterior), not by sampling, so it is
deterministic and cheap: the qualities are eliminated (they are a diagonal block of the
normal equations), leaving one solve of the assessors' block (one row per assessor), so a
call of 2,000 proposals and 300 assessors is one 300x300 solve per iteration.

The variances are not typed in: ``sigma²`` and ``tau²`` are estimated from the call's own
reviews by a fixed number (``EM_ITERATIONS``) of expectation-maximisation steps (the
standard EM for variance components of a linear mixed model), started from half the
pooled within-proposal variance each. The offsets' prior variance is floored at
``TAU_FLOOR`` times the noise's, so a call whose assessors look alike shrinks offsets
almost to zero (calibrated ≈ raw) rather than dividing by nothing.

Uncertainty: the posterior of each quality is Gaussian; its interval is the posterior
mean ± z·sd (``LEVEL``, 90 % by default).

**Too thin to calibrate.** An offset can only be told from a proposal's quality when the
assessor scored more than one proposal, and two proposals can only be compared through
assessors they share. The graph's edges are reviews; only *linking* assessors (two or more
proposals) join proposals. Its connected components are found; the largest (most
proposals, then most reviews) is calibrated when it has at least ``MIN_PROPOSALS``
proposals, ``MIN_LINKING_ASSESSORS`` linking assessors and at least one cycle (more
reviews by linking assessors than proposals and linking assessors less one: a tree fits
every offset exactly and leaves nothing to estimate the noise from). Every other proposal
keeps its raw mean, flagged with the reason (``Fallback``); its interval is the raw mean's
standard error from the call's pooled within-proposal variance. Nothing is guessed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

#: Precision weight of a review by its assessor's stated confidence (MacKay et al. use confidence as precision).
CONFIDENCE_WEIGHTS: dict[str, float] = {"low": 0.5, "medium": 1.0, "high": 2.0, "": 1.0}
#: The intervals' level.
LEVEL = 0.90
#: Expectation-maximisation steps for the two variances (fixed, so the fit is deterministic and bounded).
EM_ITERATIONS = 30
#: The offsets' prior variance is at least this share of the noise's.
TAU_FLOOR = 0.01
#: What the calibrated component must hold.
MIN_PROPOSALS = 3
MIN_LINKING_ASSESSORS = 2


class Fallback:
    """Why a proposal keeps its raw score (a reason's code; the pages word it)."""

    NONE = ""
    #: None of its assessors scored another proposal: their offsets cannot be told from its quality.
    NO_LINKING_ASSESSOR = "no_linking_assessor"
    #: Its assessors connect it only to proposals outside the calibrated group.
    DISCONNECTED = "disconnected"
    #: The whole call's graph is too thin (too few proposals, linking assessors or cycles).
    THIN_GRAPH = "thin_graph"
    #: It has no review.
    NO_REVIEW = "no_review"


@dataclass(frozen=True)
class Review:
    """One review as the model sees it."""

    proposal: Hashable
    assessor: Hashable
    score: float
    weight: float = 1.0


@dataclass(frozen=True)
class Estimate:
    """One proposal's calibrated score with its interval, or its raw mean and why."""

    raw: float | None
    calibrated: float | None
    low: float | None
    high: float | None
    sd: float | None
    reviews: int
    #: ``Fallback.NONE`` when calibrated; otherwise the reason it keeps its raw score.
    fallback: str

    @property
    def is_calibrated(self) -> bool:
        return self.fallback == Fallback.NONE


@dataclass(frozen=True)
class Fit:
    """The fit of one call's scores: each proposal's estimate, each assessor's offset and the variances."""

    estimates: dict[Hashable, Estimate]
    offsets: dict[Hashable, float]
    noise_variance: float
    offset_variance: float
    #: The pooled within-proposal variance of the raw scores (the fallbacks' standard errors use it).
    within_variance: float


def weight_of(confidence: str | None) -> float:
    """Return the precision weight of a review whose assessor stated ``confidence``."""
    return CONFIDENCE_WEIGHTS.get(confidence or "", 1.0)


def _components(reviews: Sequence[Review], linking: set[Hashable]) -> list[tuple[set[Hashable], set[Hashable], int]]:
    """Return the connected components of the proposals joined by linking assessors: (proposals, assessors, edges)."""
    parent: dict[tuple[str, Hashable], tuple[str, Hashable]] = {}

    def find(node: tuple[str, Hashable]) -> tuple[str, Hashable]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for review in reviews:
        find(("p", review.proposal))
        if review.assessor in linking:
            a, b = find(("p", review.proposal)), find(("a", review.assessor))
            if a != b:
                parent[max(a, b, key=repr)] = min(a, b, key=repr)
    groups: dict[tuple[str, Hashable], tuple[set[Hashable], set[Hashable], list[int]]] = {}
    for review in reviews:
        root = find(("p", review.proposal))
        proposals, assessors, edges = groups.setdefault(root, (set(), set(), [0]))
        proposals.add(review.proposal)
        if review.assessor in linking:
            assessors.add(review.assessor)
            edges[0] += 1
    return [(p, a, e[0]) for p, a, e in groups.values()]


def _pooled_within(by_proposal: Mapping[Hashable, list[float]]) -> float:
    """Return the pooled within-proposal variance of the scores (0 when no proposal has two)."""
    squares = 0.0
    freedom = 0
    for scores in by_proposal.values():
        if len(scores) > 1:
            mean = sum(scores) / len(scores)
            squares += sum((s - mean) ** 2 for s in scores)
            freedom += len(scores) - 1
    return squares / freedom if freedom else 0.0


def calibrate(reviews: Iterable[Review], *, proposals: Iterable[Hashable] = (), level: float = LEVEL) -> Fit:
    """Fit the offset model to ``reviews`` and return each proposal's estimate (``proposals`` adds unreviewed ones).

    Deterministic: the same reviews in any order give the same fit, to rounding.
    """
    rows = sorted(reviews, key=lambda r: (repr(r.proposal), repr(r.assessor)))
    z = NormalDist().inv_cdf(0.5 + level / 2)
    by_proposal: dict[Hashable, list[float]] = defaultdict(list)
    proposals_of: dict[Hashable, set[Hashable]] = defaultdict(set)
    for review in rows:
        by_proposal[review.proposal].append(review.score)
        proposals_of[review.assessor].add(review.proposal)
    within = _pooled_within(by_proposal)
    linking = {who for who, scored in proposals_of.items() if len(scored) > 1}
    components = _components(rows, linking)
    components.sort(key=lambda c: (-len(c[0]), -c[2], sorted(map(repr, c[0]))))
    chosen: set[Hashable] = set()
    whole_thin = True
    if components:
        main_proposals, main_assessors, main_edges = components[0]
        cycles = main_edges - (len(main_proposals) + len(main_assessors) - 1)
        if len(main_proposals) >= MIN_PROPOSALS and len(main_assessors) >= MIN_LINKING_ASSESSORS and cycles >= 1:
            chosen = main_proposals
            whole_thin = False

    estimates: dict[Hashable, Estimate] = {}
    offsets: dict[Hashable, float] = {}
    sigma2 = tau2 = 0.0
    if chosen:
        fitted = [r for r in rows if r.proposal in chosen]
        estimates, offsets, sigma2, tau2 = _fit(fitted, within=within, z=z)
    for proposal, scores in by_proposal.items():
        if proposal in estimates:
            continue
        raw = sum(scores) / len(scores)
        if whole_thin:
            reason = Fallback.THIN_GRAPH
        elif not any(r.assessor in linking for r in rows if r.proposal == proposal):
            reason = Fallback.NO_LINKING_ASSESSOR
        else:
            reason = Fallback.DISCONNECTED
        sd = math.sqrt(within / len(scores)) if within > 0 else None
        estimates[proposal] = Estimate(
            raw=raw,
            calibrated=None,
            low=raw - z * sd if sd is not None else None,
            high=raw + z * sd if sd is not None else None,
            sd=sd,
            reviews=len(scores),
            fallback=reason,
        )
    for proposal in proposals:
        if proposal not in estimates:
            estimates[proposal] = Estimate(None, None, None, None, None, 0, Fallback.NO_REVIEW)
    return Fit(
        estimates=estimates, offsets=offsets, noise_variance=sigma2, offset_variance=tau2, within_variance=within
    )


def _fit(
    rows: Sequence[Review], *, within: float, z: float
) -> tuple[dict[Hashable, Estimate], dict[Hashable, float], float, float]:
    """Fit the model to ``rows`` (a component fit to calibrate): estimates, offsets and the two variances."""
    import numpy as np

    proposal_keys = sorted({r.proposal for r in rows}, key=repr)
    assessor_keys = sorted({r.assessor for r in rows}, key=repr)
    p_index = {key: n for n, key in enumerate(proposal_keys)}
    a_index = {key: n for n, key in enumerate(assessor_keys)}
    rows = sorted(rows, key=lambda r: p_index[r.proposal])  # grouped by proposal, in the index's order
    pi = np.fromiter((p_index[r.proposal] for r in rows), dtype=np.int64, count=len(rows))
    aj = np.fromiter((a_index[r.assessor] for r in rows), dtype=np.int64, count=len(rows))
    y = np.fromiter((r.score for r in rows), dtype=np.float64, count=len(rows))
    w = np.fromiter((r.weight for r in rows), dtype=np.float64, count=len(rows))
    n_p, n_a = len(proposal_keys), len(assessor_keys)
    wq = np.bincount(pi, weights=w, minlength=n_p)  # each proposal's total weight
    wb = np.bincount(aj, weights=w, minlength=n_a)  # each assessor's
    share = w / wq[pi]  # each review's share of its proposal's weight: C = D_q⁻¹ M, one entry per review
    rq = np.bincount(pi, weights=w * y, minlength=n_p)
    rb = np.bincount(aj, weights=w * y, minlength=n_a)
    # Pairs of reviews of the same proposal (the rows come grouped by proposal): the non-zeros of Mᵀ C and
    # of C S⁻¹ Cᵀ's diagonal, so no dense proposals x assessors matrix is ever built.
    starts = np.concatenate(([0], np.cumsum(np.bincount(pi, minlength=n_p))))
    first = np.repeat(np.arange(len(rows)), (starts[pi + 1] - starts[pi]))
    second = np.concatenate([np.arange(starts[p], starts[p + 1]) for p in pi]) if len(rows) else first
    schur_base = np.diag(wb)  # D_b - Mᵀ D_q⁻¹ M: positive semi-definite (a graph Laplacian)
    np.add.at(schur_base, (aj[first], aj[second]), -w[first] * share[second])
    start = within if within > 0 else float(np.var(y)) or 1.0
    sigma2, tau2 = start / 2, start / 2
    # S = L + (sigma²/tau²) I with L fixed: one eigendecomposition of L serves every iteration,
    # S⁻¹ = V diag(1 / (lambda + ratio)) Vᵀ, and only S⁻¹'s entries at pairs of reviews are formed.
    eigenvalues, vectors = np.linalg.eigh(schur_base)
    eigenvalues = np.clip(eigenvalues, 0, None)  # L is positive semi-definite; rounding may dip below zero
    pair_basis = vectors[aj[first]] * vectors[aj[second]]
    square_basis = vectors**2
    rhs = rb - np.bincount(aj, weights=share * rq[pi], minlength=n_a)
    for step in range(EM_ITERATIONS + 1):
        ratio = sigma2 / max(tau2, TAU_FLOOR * sigma2)
        inverse = 1 / (eigenvalues + ratio)
        b = vectors @ (inverse * (vectors.T @ rhs))
        q = (rq - np.bincount(pi, weights=w * b[aj], minlength=n_p)) / wq
        # Posterior (co)variances over sigma²: Var b = S⁻¹, Cov(q_i, b_j) = -(C S⁻¹)_ij,
        # Var q_i = 1/W_i + (C S⁻¹ Cᵀ)_ii.
        at_pairs = pair_basis @ inverse
        var_q = 1 / wq + np.bincount(pi[first], weights=share[first] * share[second] * at_pairs, minlength=n_p)
        var_b = square_basis @ inverse
        cov_qb = -np.bincount(first, weights=share[second] * at_pairs, minlength=len(rows))
        residual = y - q[pi] - b[aj]
        spread = var_q[pi] + var_b[aj] + 2 * cov_qb
        new_sigma2 = float(np.sum(w * (residual**2 + sigma2 * spread)) / len(rows))
        new_tau2 = float((np.sum(b**2) + sigma2 * np.sum(var_b)) / n_a)
        if step == EM_ITERATIONS:
            break
        sigma2 = max(new_sigma2, 1e-12)
        tau2 = max(new_tau2, TAU_FLOOR * sigma2)
    sd = np.sqrt(sigma2 * var_q)
    counts = np.bincount(pi, minlength=n_p)
    raw = np.bincount(pi, weights=y, minlength=n_p) / counts
    estimates = {
        key: Estimate(
            raw=float(raw[n]),
            calibrated=float(q[n]),
            low=float(q[n] - z * sd[n]),
            high=float(q[n] + z * sd[n]),
            sd=float(sd[n]),
            reviews=int(counts[n]),
            fallback=Fallback.NONE,
        )
        for key, n in p_index.items()
    }
    offsets = {key: float(b[n]) for key, n in a_index.items()}
    return estimates, offsets, sigma2, tau2


def zscored(reviews: Iterable[Review]) -> dict[Hashable, float]:
    """Return each proposal's mean of its reviews' per-assessor z-scores (the simple alternative the docs compare).

    An assessor with one review or no spread keeps their scores centred only.
    """
    rows = list(reviews)
    by_assessor: dict[Hashable, list[float]] = defaultdict(list)
    for review in rows:
        by_assessor[review.assessor].append(review.score)
    stats = {}
    for who, scores in by_assessor.items():
        mean = sum(scores) / len(scores)
        sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / (len(scores) - 1)) if len(scores) > 1 else 0.0
        stats[who] = (mean, sd if sd > 0 else 1.0)
    by_proposal: dict[Hashable, list[float]] = defaultdict(list)
    for review in rows:
        mean, sd = stats[review.assessor]
        by_proposal[review.proposal].append((review.score - mean) / sd)
    return {key: sum(values) / len(values) for key, values in by_proposal.items()}
