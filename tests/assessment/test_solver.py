"""The optimal assignment against brute force on small instances, its explanations, and the affinity."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.solver import (
    KEYWORD_WEIGHT,
    NOT_ALLOWED,
    SECTOR_WEIGHT,
    Expertise,
    Infeasible,
    Shortfall,
    Solution,
    Topic,
    affinity,
    affinity_matrix,
    assignment_solve,
    proposal_text,
)


def _brute_force(
    needs: list[int], capacities: list[int], scores: list[list[int]], pins: set[tuple[int, int]]
) -> int | None:
    """Return the best total affinity over every assignment, or None if there is none."""
    choices = []
    for i, need in enumerate(needs):
        allowed = [j for j, score in enumerate(scores[i]) if score >= 0]
        pinned = {j for p, j in pins if p == i}
        choices.append([set(c) for c in itertools.combinations(allowed, need) if pinned <= set(c)])
    best = None
    for pick in itertools.product(*choices):
        load = Counter(j for chosen in pick for j in chosen)
        if any(load[j] > capacities[j] for j in load):
            continue
        total = sum(scores[i][j] for i, chosen in enumerate(pick) for j in chosen)
        best = total if best is None else max(best, total)
    return best


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[int], list[int], list[list[int]], set[tuple[int, int]]]:
    count_p = draw(st.integers(1, 4))
    count_a = draw(st.integers(1, 5))
    needs = draw(st.lists(st.integers(0, 3), min_size=count_p, max_size=count_p))
    capacities = draw(st.lists(st.integers(0, 3), min_size=count_a, max_size=count_a))
    scores = [
        draw(st.lists(st.one_of(st.just(NOT_ALLOWED), st.integers(0, 20)), min_size=count_a, max_size=count_a))
        for _ in range(count_p)
    ]
    pins = draw(st.sets(st.tuples(st.integers(0, count_p - 1), st.integers(0, count_a - 1)), max_size=2))
    return needs, capacities, scores, pins


PROPOSAL_IDS = [101, 102, 103, 104]
ASSESSOR_IDS = [7, 8, 9, 10, 11]


def _solve(needs: list[int], capacities: list[int], scores: list[list[int]], pins: set[tuple[int, int]]) -> object:
    return assignment_solve(
        proposals=PROPOSAL_IDS[: len(needs)],
        needs=needs,
        assessors=ASSESSOR_IDS[: len(capacities)],
        capacities=capacities,
        affinity=scores,
        pinned=[(PROPOSAL_IDS[i], ASSESSOR_IDS[j]) for i, j in pins],
    )


@settings(max_examples=400, deadline=None)
@given(instances())
def test_solver_matches_brute_force(
    instance: tuple[list[int], list[int], list[list[int]], set[tuple[int, int]]],
) -> None:
    needs, capacities, scores, pins = instance
    best = _brute_force(needs, capacities, scores, pins)

    result = _solve(needs, capacities, scores, pins)

    if best is None:
        assert isinstance(result, Infeasible)
        assert result.reasons
        return
    assert isinstance(result, Solution)
    assert result.total_affinity == best
    pairs = [(PROPOSAL_IDS.index(p.proposal), ASSESSOR_IDS.index(p.assessor)) for p in result.pairs]
    assert len(set(pairs)) == len(pairs), "a proposal got the same assessor twice"
    assert Counter(i for i, _j in pairs) == Counter({i: n for i, n in enumerate(needs) if n})
    load = Counter(j for _i, j in pairs)
    assert all(load[j] <= capacities[j] for j in load)
    assert all(scores[i][j] >= 0 for i, j in pairs)
    assert pins <= set(pairs)
    assert {(PROPOSAL_IDS.index(p.proposal), ASSESSOR_IDS.index(p.assessor)) for p in result.pairs if p.pinned} == pins
    assert sum(scores[i][j] for i, j in pairs) == result.total_affinity


def test_solver_never_gives_one_proposal_the_same_assessor_twice() -> None:
    # One assessor with room for two, loved by the proposal: copied slots would pick them twice.
    result = assignment_solve(
        proposals=[1], needs=[2], assessors=[7, 8], capacities=[2, 1], affinity=[[50, 0]], pinned=()
    )

    assert isinstance(result, Solution)
    assert sorted(pair.assessor for pair in result.pairs) == [7, 8]
    assert result.total_affinity == 50


def test_solver_explains_proposals_with_too_few_candidates() -> None:
    result = assignment_solve(
        proposals=[1, 2, 3],
        needs=[3, 3, 3],
        assessors=[7, 8, 9, 10],
        capacities=[3, 3, 3, 0],
        affinity=[[1, 1, NOT_ALLOWED, 5], [1, 1, 1, 1], [NOT_ALLOWED, 1, 1, 1]],
    )

    assert isinstance(result, Infeasible)
    (reason,) = result.reasons
    assert reason.code == Shortfall.TOO_FEW_CANDIDATES
    assert [(short.proposal, short.needed, short.available) for short in reason.proposals] == [(1, 3, 2), (3, 3, 2)]


def test_solver_explains_total_capacity() -> None:
    result = assignment_solve(
        proposals=[1, 2], needs=[2, 2], assessors=[7, 8, 9], capacities=[1, 1, 1], affinity=[[0, 0, 0], [0, 0, 0]]
    )

    assert isinstance(result, Infeasible)
    assert [(r.code, r.needed, r.available) for r in result.reasons] == [(Shortfall.TOTAL_CAPACITY, 4, 3)]


def test_solver_explains_pins_above_capacity_and_need() -> None:
    result = assignment_solve(
        proposals=[1, 2],
        needs=[1, 1],
        assessors=[7, 8],
        capacities=[1, 2],
        affinity=[[0, 0], [0, 0]],
        pinned=[(1, 7), (2, 7), (1, 8)],
    )

    assert isinstance(result, Infeasible)
    codes = {reason.code: reason for reason in result.reasons}
    assert [(s.proposal, s.needed, s.available) for s in codes[Shortfall.PINS_ABOVE_NEED].proposals] == [(1, 1, 2)]
    assert [(a.assessor, a.pinned, a.capacity) for a in codes[Shortfall.PINS_ABOVE_CAPACITY].assessors] == [(7, 2, 1)]


def test_solver_explains_a_pin_on_a_pair_not_allowed() -> None:
    result = assignment_solve(
        proposals=[1], needs=[1], assessors=[7, 8], capacities=[1, 1], affinity=[[NOT_ALLOWED, 0]], pinned=[(1, 7)]
    )

    assert isinstance(result, Infeasible)
    assert [(r.code, r.pairs) for r in result.reasons] == [(Shortfall.PIN_NOT_ALLOWED, ((1, 7),))]


def test_solver_explains_competition_for_the_same_assessors() -> None:
    # Each proposal alone has 2 candidates for 2 slots; together they need 4 from 2 shared
    # assessors with room for 1 each, while a third assessor, allowed for nobody, has room.
    result = assignment_solve(
        proposals=[1, 2],
        needs=[2, 2],
        assessors=[7, 8, 9],
        capacities=[1, 1, 5],
        affinity=[[3, 3, NOT_ALLOWED], [3, 3, NOT_ALLOWED]],
    )

    assert isinstance(result, Infeasible)
    (reason,) = result.reasons
    assert reason.code == Shortfall.NO_COVER
    assert (reason.needed, reason.available) == (4, 2)
    assert sum(short.needed - short.available for short in reason.proposals) == 2


def test_affinity_counts_shared_sectors_and_whole_word_keywords() -> None:
    text = proposal_text(keywords=["Machine vision"], title="Robotic welding cells", technology="Cobots weld steel.")

    score = affinity(
        proposal_sectors=["advanced_manufacturing", "materials"],
        text=text,
        assessor_sectors=["materials", "health"],
        assessor_keywords=["machine VISION", "weld", "robot", "steel", "vision cobots"],
    )

    # "robot" is not a whole word of "Robotic"; "vision cobots" spans two separate texts.
    assert score == SECTOR_WEIGHT * 1 + KEYWORD_WEIGHT * 3


def test_affinity_matrix_equals_the_pairwise_affinity() -> None:
    topics = [
        Topic(["ocean", "health"], proposal_text(keywords=["sonar", "fish farming"], title="Sea lice", technology="")),
        Topic([], proposal_text(keywords=[], title="Quantum sensing for mines", technology="Gravimetry at depth.")),
        Topic(["ocean"], proposal_text(keywords=["Fish-farming"], title="", technology="Net pens")),
    ]
    experts = [
        Expertise(["ocean"], ["fish farming", "net"]),
        Expertise(["health", "ocean"], ["Sonar", "quantum sensing", "depth"]),
        Expertise([], []),
    ]

    matrix = affinity_matrix(topics, experts)

    expected = np.array(
        [
            [affinity(proposal_sectors=t.sectors, text=t.text, assessor_sectors=e.sectors, assessor_keywords=e.keywords)
             for e in experts]
            for t in topics
        ]
    )  # fmt: skip
    assert matrix.tolist() == expected.tolist()
    assert matrix[0].tolist() == [SECTOR_WEIGHT + KEYWORD_WEIGHT, 2 * SECTOR_WEIGHT + KEYWORD_WEIGHT, 0]
    # "Fish-farming" has the words of "fish farming"; "net" is a word of "Net pens".
    assert matrix[2, 0] == SECTOR_WEIGHT + 2 * KEYWORD_WEIGHT
