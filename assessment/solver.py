"""The optimal assignment of assessors to proposals, and the affinity it maximizes (a leaf: pure).

The problem: each proposal needs a number of new assessors (k minus those it has), each
assessor takes at most a number more (their cap minus their load), some pairs are not
allowed (a conflict of interest, a staff ban, an assessor already assigned), some are
pinned by staff (they must be in the result, use up capacity and count toward k), and
each allowed pair has an integer affinity. Find the assignment with exactly the needed
number of *distinct* assessors per proposal and no cap exceeded that maximizes the total
affinity, or say why none exists.

It is a min-cost flow, solved exactly by OR-Tools' ``SimpleMinCostFlow``::

    source ──(need - pins, 0)──▶ proposal ──(1, -affinity)──▶ assessor ──(cap - pins, 0)──▶ sink

Each pair arc has capacity 1, so no proposal gets the same assessor twice (which is why a
linear assignment over copied slots is not the model: it can pick two copies of one
assessor for one proposal). The flow network has integral capacities, so its optimal flow
is integral: a real assignment. The maximum flow, at the least cost among maximum flows,
meets every need exactly when an assignment exists; then it is the best one. Never greedy.

Nothing here knows Django models: the service reads the database and writes the result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy and OR-Tools are imported where the solver runs: a web worker need not load them
    import numpy as np
    from numpy.typing import NDArray

# --- Affinity -------------------------------------------------------------------------------------

#: Points for each sector a proposal and an assessor share: a field is broad, so it weighs most.
SECTOR_WEIGHT = 10
#: Points for each of the assessor's keywords found, as a whole word or phrase, in the
#: proposal's keywords, title or technology text.
KEYWORD_WEIGHT = 3
#: The affinity of a pair the solver may not use (conflict, ban, already assigned).
NOT_ALLOWED = -1

_WORD = re.compile(r"\w+")


def words(text: str) -> tuple[str, ...]:
    """Return ``text``'s words, lower-cased: the unit of a whole-word match."""
    return tuple(_WORD.findall(text.casefold()))


def proposal_text(*, keywords: Iterable[str], title: str, technology: str) -> str:
    """Return the text an assessor's keywords are looked for in.

    Keywords are kept apart by a line break so a phrase never spans two of them.
    """
    return "\n".join([*keywords, title, technology])


def _phrases(text: str, longest: int) -> set[tuple[str, ...]]:
    """Return every run of 1 to ``longest`` consecutive words of each line of ``text``."""
    found: set[tuple[str, ...]] = set()
    for line in text.splitlines():
        tokens = words(line)
        for size in range(1, longest + 1):
            found.update(tuple(tokens[start : start + size]) for start in range(len(tokens) - size + 1))
    return found


def affinity(
    *, proposal_sectors: Iterable[str], text: str, assessor_sectors: Iterable[str], assessor_keywords: Iterable[str]
) -> int:
    """Return the affinity of one assessor for one proposal (``text`` from ``proposal_text``)."""
    shared = len(set(proposal_sectors) & set(assessor_sectors))
    keywords = {words(keyword) for keyword in assessor_keywords} - {()}
    if not keywords:
        return SECTOR_WEIGHT * shared
    phrases = _phrases(text, max(len(keyword) for keyword in keywords))
    return SECTOR_WEIGHT * shared + KEYWORD_WEIGHT * len(keywords & phrases)


@dataclass(frozen=True)
class Topic:
    """What a proposal is about: its sectors and the text from ``proposal_text``."""

    sectors: Sequence[str]
    text: str


@dataclass(frozen=True)
class Expertise:
    """What an assessor knows: their sectors and keywords."""

    sectors: Sequence[str]
    keywords: Sequence[str]


def affinity_matrix(proposals: Sequence[Topic], assessors: Sequence[Expertise]) -> NDArray[np.int64]:
    """Return ``affinity`` for every proposal (rows) and assessor (columns), computed as matrices.

    The same numbers as calling ``affinity`` on each pair, without the pairs' loop: shared
    sectors and matched keywords are counted as products of 0/1 matrices, each proposal's
    phrases being looked up once against the index of every assessor's keyword.
    """
    import numpy as np

    sector_index: dict[str, int] = {}
    keyword_index: dict[tuple[str, ...], int] = {}
    assessor_sector_rows, assessor_keyword_rows = [], []
    for expertise in assessors:
        assessor_sector_rows.append({sector_index.setdefault(s, len(sector_index)) for s in expertise.sectors})
        keywords = {words(keyword) for keyword in expertise.keywords} - {()}
        assessor_keyword_rows.append({keyword_index.setdefault(k, len(keyword_index)) for k in keywords})
    longest = max((len(keyword) for keyword in keyword_index), default=0)

    def one_hot(rows: Sequence[set[int]], width: int) -> NDArray[np.float32]:
        matrix = np.zeros((len(rows), width), dtype=np.float32)
        for row, columns in enumerate(rows):
            matrix[row, list(columns)] = 1
        return matrix

    proposal_sector_rows = [{sector_index[s] for s in topic.sectors if s in sector_index} for topic in proposals]
    proposal_keyword_rows = [
        {keyword_index[p] for p in _phrases(topic.text, longest) if p in keyword_index} if longest else set()
        for topic in proposals
    ]
    # Float products use BLAS; the counts are small integers, exact in float32.
    shared_sectors = (
        one_hot(proposal_sector_rows, len(sector_index)) @ one_hot(assessor_sector_rows, len(sector_index)).T
    )
    matched = one_hot(proposal_keyword_rows, len(keyword_index)) @ one_hot(assessor_keyword_rows, len(keyword_index)).T
    total = SECTOR_WEIGHT * np.rint(shared_sectors).astype(np.int64) + KEYWORD_WEIGHT * np.rint(matched).astype(
        np.int64
    )
    return total.reshape(len(proposals), len(assessors))


# --- The assignment -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    proposal: int
    assessor: int
    affinity: int
    pinned: bool = False


@dataclass(frozen=True)
class Solution:
    """The optimal assignment: the new pairs (pins included) and their total affinity."""

    pairs: tuple[Pair, ...]
    total_affinity: int


class Shortfall(StrEnum):
    """Why no assignment exists; each names what staff can change."""

    #: A pinned pair is not allowed (the assessor is conflicted or already assigned to it).
    PIN_NOT_ALLOWED = "pin_not_allowed"
    #: A proposal has more pinned assessors than it still needs.
    PINS_ABOVE_NEED = "pins_above_need"
    #: An assessor is pinned to more proposals than their remaining cap.
    PINS_ABOVE_CAPACITY = "pins_above_capacity"
    #: Proposals have fewer allowed assessors with capacity left than they need.
    TOO_FEW_CANDIDATES = "too_few_candidates"
    #: All the assessors together cannot take the assignments needed.
    TOTAL_CAPACITY = "total_capacity"
    #: Each proposal has enough candidates taken alone, but they compete for the same
    #: assessors' capacity: no assignment covers every proposal (Hall's condition fails).
    NO_COVER = "no_cover"


@dataclass(frozen=True)
class ProposalShort:
    """A proposal that cannot get what it needs: ``available`` of the ``needed``."""

    proposal: int
    needed: int
    available: int


@dataclass(frozen=True)
class AssessorOver:
    """An assessor pinned ``pinned`` times with room for ``capacity``."""

    assessor: int
    pinned: int
    capacity: int


@dataclass(frozen=True)
class Reason:
    code: Shortfall
    proposals: tuple[ProposalShort, ...] = ()
    assessors: tuple[AssessorOver, ...] = ()
    pairs: tuple[tuple[int, int], ...] = ()
    #: For ``TOTAL_CAPACITY`` and ``NO_COVER``: the assignments needed and those possible.
    needed: int = 0
    available: int = 0


@dataclass(frozen=True)
class Infeasible:
    """No assignment meets every need; the reasons say what to change."""

    reasons: tuple[Reason, ...] = field(default_factory=tuple)


def assignment_solve(
    *,
    proposals: Sequence[int],
    needs: Sequence[int],
    assessors: Sequence[int],
    capacities: Sequence[int],
    affinity: NDArray[np.integer] | Sequence[Sequence[int]],
    pinned: Iterable[tuple[int, int]] = (),
) -> Solution | Infeasible:
    """Return the assignment of maximal total affinity, or why there is none.

    ``proposals`` and ``assessors`` are ids; ``needs[i]`` is how many new assessors
    ``proposals[i]`` must get, ``capacities[j]`` how many more proposals ``assessors[j]``
    may take; ``affinity[i][j]`` is the pair's affinity, or ``NOT_ALLOWED``; ``pinned`` are
    ``(proposal id, assessor id)`` pairs that must be in the result.
    """
    import numpy as np

    need = np.asarray(needs, dtype=np.int64)
    capacity = np.asarray(capacities, dtype=np.int64)
    scores = np.asarray(affinity, dtype=np.int64).reshape(len(proposals), len(assessors))
    if len(need) != len(proposals) or len(capacity) != len(assessors):
        raise ValueError("needs and capacities must match proposals and assessors")
    if (need < 0).any() or (capacity < 0).any() or (scores < NOT_ALLOWED).any():
        raise ValueError("needs, capacities and affinities cannot be negative")
    row = {pk: index for index, pk in enumerate(proposals)}
    column = {pk: index for index, pk in enumerate(assessors)}
    pins = sorted({(row[p], column[a]) for p, a in pinned})

    reasons = _pin_reasons(pins, proposals, assessors, need, capacity, scores)
    if reasons:
        return Infeasible(tuple(reasons))
    pin_rows = np.array([i for i, _j in pins], dtype=np.int64)
    pin_columns = np.array([j for _i, j in pins], dtype=np.int64)
    rest = need - np.bincount(pin_rows, minlength=len(proposals))
    room = capacity - np.bincount(pin_columns, minlength=len(assessors))
    allowed = scores >= 0
    allowed[pin_rows, pin_columns] = False  # A pinned pair is taken already; its arc would count it twice.
    allowed &= rest[:, None] > 0
    allowed &= room[None, :] > 0

    reasons = _count_reasons(proposals, need, rest, room, allowed)
    if reasons:
        return Infeasible(tuple(reasons))

    flow = _max_flow_min_cost(rest, room, allowed, scores)
    chosen_rows, chosen_columns, received = flow
    demand = int(rest.sum())
    if int(received.sum()) < demand:
        short = tuple(
            ProposalShort(
                proposal=proposals[int(i)], needed=int(need[i]), available=int(need[i] - rest[i] + received[i])
            )
            for i in np.flatnonzero(received < rest)
        )
        return Infeasible(
            (
                Reason(
                    Shortfall.NO_COVER,
                    proposals=short,
                    needed=int(need.sum()),
                    available=int(need.sum()) - demand + int(received.sum()),
                ),
            )
        )
    pairs = [Pair(proposals[i], assessors[j], int(scores[i, j]), pinned=True) for i, j in pins]
    pairs += [
        Pair(proposals[i], assessors[j], int(scores[i, j])) for i, j in zip(chosen_rows, chosen_columns, strict=True)
    ]
    pairs.sort(key=lambda pair: (pair.proposal, -pair.affinity, pair.assessor))
    return Solution(pairs=tuple(pairs), total_affinity=sum(pair.affinity for pair in pairs))


def _pin_reasons(
    pins: list[tuple[int, int]],
    proposals: Sequence[int],
    assessors: Sequence[int],
    need: NDArray[np.int64],
    capacity: NDArray[np.int64],
    scores: NDArray[np.int64],
) -> list[Reason]:
    import numpy as np

    reasons = []
    refused = tuple((proposals[i], assessors[j]) for i, j in pins if scores[i, j] < 0)
    if refused:
        reasons.append(Reason(Shortfall.PIN_NOT_ALLOWED, pairs=refused))
    per_proposal = np.bincount([i for i, _j in pins], minlength=len(proposals)).astype(np.int64)
    per_assessor = np.bincount([j for _i, j in pins], minlength=len(assessors)).astype(np.int64)
    over_need = tuple(
        ProposalShort(proposals[int(i)], needed=int(need[i]), available=int(per_proposal[i]))
        for i in np.flatnonzero(per_proposal > need)
    )
    if over_need:
        reasons.append(Reason(Shortfall.PINS_ABOVE_NEED, proposals=over_need))
    over_capacity = tuple(
        AssessorOver(assessors[int(j)], pinned=int(per_assessor[j]), capacity=int(capacity[j]))
        for j in np.flatnonzero(per_assessor > capacity)
    )
    if over_capacity:
        reasons.append(Reason(Shortfall.PINS_ABOVE_CAPACITY, assessors=over_capacity))
    return reasons


def _count_reasons(
    proposals: Sequence[int],
    need: NDArray[np.int64],
    rest: NDArray[np.int64],
    room: NDArray[np.int64],
    allowed: NDArray[np.bool_],
) -> list[Reason]:
    """Return the shortfalls that counting shows, before any flow: necessary conditions only."""
    import numpy as np

    reasons = []
    candidates = allowed.sum(axis=1)
    short = tuple(
        ProposalShort(proposals[int(i)], needed=int(need[i]), available=int(need[i] - rest[i] + candidates[i]))
        for i in np.flatnonzero(candidates < rest)
    )
    if short:
        reasons.append(Reason(Shortfall.TOO_FEW_CANDIDATES, proposals=short))
    if int(room.sum()) < int(rest.sum()):
        reasons.append(
            Reason(
                Shortfall.TOTAL_CAPACITY, needed=int(need.sum()), available=int(room.sum() + need.sum() - rest.sum())
            )
        )
    return reasons


def _max_flow_min_cost(
    rest: NDArray[np.int64], room: NDArray[np.int64], allowed: NDArray[np.bool_], scores: NDArray[np.int64]
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.int64]]:
    """Solve the network; return the chosen pairs' rows and columns, and each proposal's inflow."""
    # Imported here, not with the module: a web worker loads this module with the views but
    # solves nothing, and OR-Tools would stay in its memory.
    import numpy as np
    from ortools.graph.python import min_cost_flow

    count_p, count_a = allowed.shape
    source, sink = 0, count_p + count_a + 1
    pair_rows, pair_columns = np.nonzero(allowed)
    del allowed
    proposal_nodes = np.arange(1, count_p + 1, dtype=np.int32)
    assessor_nodes = np.arange(count_p + 1, count_p + count_a + 1, dtype=np.int32)
    network = min_cost_flow.SimpleMinCostFlow()
    network.add_arcs_with_capacity_and_unit_cost(
        np.full(count_p, source, dtype=np.int32), proposal_nodes, rest, np.zeros(count_p, dtype=np.int64)
    )
    first_pair_arc = count_p
    network.add_arcs_with_capacity_and_unit_cost(
        proposal_nodes[pair_rows],
        assessor_nodes[pair_columns],
        np.ones(len(pair_rows), dtype=np.int64),
        -scores[pair_rows, pair_columns],
    )
    network.add_arcs_with_capacity_and_unit_cost(
        assessor_nodes, np.full(count_a, sink, dtype=np.int32), room, np.zeros(count_a, dtype=np.int64)
    )
    demand = int(rest.sum())
    network.set_node_supply(source, demand)
    network.set_node_supply(sink, -demand)
    status = network.solve_max_flow_with_min_cost()
    if status != network.OPTIMAL:
        raise RuntimeError(f"The min-cost flow solver failed: {status}")
    received = np.asarray(network.flows(np.arange(count_p, dtype=np.int32)), dtype=np.int64)
    pair_flows = np.asarray(
        network.flows(np.arange(first_pair_arc, first_pair_arc + len(pair_rows), dtype=np.int32)), dtype=np.int64
    )
    taken = pair_flows > 0
    return pair_rows[taken], pair_columns[taken], received
