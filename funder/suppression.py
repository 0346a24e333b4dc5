"""Small-cell suppression: which clusters' figures, and whether the total's, a funder may not read.

A leaf: pure functions over counts, so that the rule can be read and tested on its own.

A figure computed from fewer than ``minimum`` proposals (or approved projects) could tell
one project's numbers; it is suppressed (``SMALL``). Hiding one cluster's figure is not
enough while the total and every other cluster are shown: the total minus the others gives
it back. So, whenever the total is shown, the suppressed clusters together must stand for
at least ``minimum`` proposals (projects): if they do not, the smallest cluster still shown
is suppressed as well (``COMPLEMENT``; drawn from at least ``minimum`` itself, one is
enough). Two or more hidden cells then reveal only their sum, itself drawn from at least
``minimum``. The smallest is chosen so as to hide as little as possible. When the total
itself is drawn from fewer than ``minimum``, it is suppressed and so is every cluster.

A cluster with none is shown: its figures are nothing, and they tell nothing of a project.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

#: Drawn from fewer than the minimum.
SMALL = "small"
#: Drawn from enough, but hidden so that a small one cannot be derived by subtraction.
COMPLEMENT = "complement"

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Suppression(Generic[K]):
    """Why each hidden cluster is hidden (absent: shown), and why the total is (empty: shown)."""

    clusters: dict[K, str]
    total: str = ""


def suppression(counts: Mapping[K, int], *, minimum: int) -> Suppression[K]:
    """Return which of the clusters (``counts``: how many proposals or projects each figure is drawn from) to hide.

    Ties among the clusters that could complement are broken by their order in ``counts``,
    so that the same data always hides the same cells.
    """
    total = sum(counts.values())
    if total < minimum:
        return Suppression(
            clusters={key: SMALL for key, count in counts.items() if count > 0}, total=SMALL if total else ""
        )
    hidden = {key: SMALL for key, count in counts.items() if 0 < count < minimum}
    if not hidden:
        return Suppression(clusters={})
    hidden_count = sum(counts[key] for key in hidden)
    candidates = sorted(
        (count, position, key) for position, (key, count) in enumerate(counts.items()) if count >= minimum
    )
    for _count, _position, key in candidates:
        if hidden_count >= minimum:
            break
        hidden[key] = COMPLEMENT
        hidden_count += counts[key]
    return Suppression(clusters=hidden)
