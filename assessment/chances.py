"""Each proposal's chance of funding, and the partial-randomisation lottery (a leaf: numpy and hashlib only).

**Chance.** Each proposal's score is drawn ``draws`` times from its posterior (``assessment.
calibration``: a Gaussian with the calibrated score's mean and standard deviation; for a
proposal that keeps its raw score, the raw mean with its standard error from the call's
pooled within-proposal variance; a proposal with neither is not drawn). In each draw the
proposals are ranked by the drawn score (highest first; ties by the order given) and funded
down the ranking while the running total of their requests stays within the remaining
envelope: the top-down rule of the board's agenda, which stops at the first proposal that
does not fit. A proposal's chance is the share of draws that fund it. The generator is
numpy's PCG64 seeded with a recorded seed, so the same inputs and seed give the same chances.
Amounts are compared in whole cents (integers), never floats.

**Labels.** ``always`` at or above ``always`` (0.95 by default), ``never`` at or below
``never`` (0.05), ``sometimes`` between: the band where the ranking cannot separate the
proposals from the funding line.

**Lottery.** Its seed is published before the draw: the SHA-256 of the meeting's id and a
value staff enter (``lottery_seed``). The band's proposals are put in a random order by a
generator seeded with that hash, and funded in that order while each one's request fits in
what is left of the band's money (one that does not fit is passed over, the next tried).
Anyone with the seed, the band and the money can redraw it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal

DRAWS = 1000
ALWAYS = 0.95
NEVER = 0.05


class Label:
    ALWAYS = "always"
    SOMETIMES = "sometimes"
    NEVER = "never"


@dataclass(frozen=True)
class Candidate:
    """One proposal as the draws see it: its score's mean and standard deviation, and its request."""

    key: Hashable
    mean: float
    sd: float
    requested: Decimal


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def funding_chances(
    candidates: Sequence[Candidate], *, remaining: Decimal, seed: int, draws: int = DRAWS
) -> dict[Hashable, float]:
    """Return each candidate's share of ``draws`` in which it is funded down the drawn ranking within ``remaining``."""
    import numpy as np

    if not candidates:
        return {}
    means = np.array([c.mean for c in candidates], dtype=float)
    sds = np.array([max(c.sd, 0.0) for c in candidates], dtype=float)
    cents = np.array([_cents(c.requested) for c in candidates], dtype=np.int64)
    budget = _cents(remaining)
    rng = np.random.default_rng(seed)
    funded = np.zeros(len(candidates), dtype=np.int64)
    # In blocks, so 1,000 draws of 2,000 proposals stay a few megabytes.
    block = max(1, 250_000 // len(candidates))
    done = 0
    while done < draws:
        size = min(block, draws - done)
        scores = means + sds * rng.standard_normal((size, len(candidates)))
        # Highest first, ties by the order given: a stable sort of the negated scores.
        order = np.argsort(-scores, axis=1, kind="stable")
        running = np.cumsum(cents[order], axis=1)
        within = running <= budget
        # Top-down: funded until the first request that does not fit.
        within = np.cumprod(within, axis=1).astype(bool)
        np.add.at(funded, order[within], 1)
        done += size
    return {c.key: float(funded[n]) / draws for n, c in enumerate(candidates)}


def chance_label(chance: float, *, always: float = ALWAYS, never: float = NEVER) -> str:
    """Return ``always``, ``sometimes`` or ``never`` for a chance of funding."""
    if chance >= always:
        return Label.ALWAYS
    if chance <= never:
        return Label.NEVER
    return Label.SOMETIMES


def lottery_seed(*, meeting_id: int, value: str) -> str:
    """Return the lottery's published seed: the SHA-256 (hex) of the meeting's id and staff's value."""
    return hashlib.sha256(f"{meeting_id}:{value}".encode()).hexdigest()


@dataclass(frozen=True)
class Ticket:
    key: Hashable
    #: The place the draw gave it (1 first).
    position: int
    funded: bool


def lottery_draw(*, seed: str, band: Sequence[tuple[Hashable, Decimal]], money: Decimal) -> list[Ticket]:
    """Draw the band's order from ``seed`` and fund down it while each request fits in ``money``.

    ``band`` is (key, requested amount) in a fixed order (the ranking's), so that the draw
    depends only on the published seed and what the agenda shows.
    """
    import numpy as np

    rng = np.random.default_rng(int(seed, 16))
    order = rng.permutation(len(band))
    left = _cents(money)
    tickets = []
    for position, index in enumerate(order, start=1):
        key, requested = band[int(index)]
        fits = _cents(requested) <= left
        if fits:
            left -= _cents(requested)
        tickets.append(Ticket(key=key, position=position, funded=fits))
    return tickets
