"""The board's constrained portfolio, solved exactly, and the reasons it gives (a leaf: pure).

The problem: each candidate proposal has an integer score (the weighted total scaled to an
integer, e.g. thousandths of a point) and an integer cost (its request in cents). Choose the
subset of greatest total score whose cost fits the envelope and that meets every side
constraint. Every constraint the board uses is linear in the 0/1 choice ``x_i``::

    lower ≤ Σ coefficient_i · x_i ≤ upper

- a minimum or maximum count in a group (a sector, a region): coefficient 1 on its members;
- a minimum or maximum of funds in a group: coefficient ``cost_i`` on its members;
- at least one in a priority area: a minimum count of 1;
- a minimum share ``s`` % of the funds for a group (the SME-led projects), exactly in
  integers: ``Σ (10000·[i in group] - 100·s)·cost_i·x_i ≥ 0`` (``s`` with two decimals);
- a minimum leverage ``λ`` (industry money per cluster dollar over the whole set):
  ``Σ (100·industry_i - 100·λ·cost_i)·x_i ≥ 0`` (``λ`` with two decimals).

It is a knapsack with side constraints, solved by OR-Tools' CP-SAT, exact on integers: the
optimum is proven, or the report says the time limit stopped the search first. One worker
and a fixed seed make a run reproducible.

Around the optimum the report explains itself:

- the **unconstrained optimum** (the envelope alone) and, for each constraint, the optimum
  without it: the constraint's **cost** in score is the difference;
- for each proposal **above the threshold** (the top-down ranking would fund it, or the
  unconstrained optimum does) left out: which single constraints, dropped, bring it in; the
  score the best portfolio that includes it loses; or, when no portfolio can include it,
  the constraints that forbid it;
- when no portfolio meets every constraint: a **minimal conflicting subset** (deletion
  filtering: a constraint is dropped from the set while the rest still conflict, so each
  one left is needed for the conflict).

Nothing here knows Django: the service reads the meeting, builds the constraints with the
helpers below and words the report.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # OR-Tools is imported where a solve runs: a web worker that only reads need not load it
    from ortools.linear_solver import pywraplp
    from ortools.sat.python import cp_model

#: Scores are scaled to integers by this factor: a weighted total out of 100 keeps three decimals.
SCORE_SCALE = 1000
#: The seed of every solve: with one worker, the same input gives the same answer.
SEED = 20260
#: The key of the envelope, which is part of every problem: a conflict may name it.
ENVELOPE = "envelope"
#: How many proposals the core search leaves free, and its effort (CP-SAT's deterministic time, so reproducible):
#: the core's set only sets the floor of the narrowing, and a set found in 0.01 is about as good as the core's optimum.
CORE = 40
CORE_EFFORT = 0.01
#: CP-SAT's cuts on the narrowed problem: none. The relaxation's bound is already close to the floor there, and
#: the cuts cost more than they prune: the proof took half the time without them (docs/portfolio.md).
NARROWED_CUT_LEVEL = 0


@dataclass(frozen=True)
class Candidate:
    """A proposal the portfolio may fund: its id, integer score, cost (cents) and industry money (cents)."""

    id: int
    score: int
    cost: int
    industry: int = 0


@dataclass(frozen=True)
class Linear:
    """A named linear constraint on the choice: ``lower ≤ Σ coefficients[id]·x_id ≤ upper`` (None: no bound)."""

    key: str
    coefficients: Mapping[int, int]
    lower: int | None = None
    upper: int | None = None

    def holds(self, chosen: Iterable[int]) -> bool:
        """Return whether the set ``chosen`` meets the constraint (exact, in integers)."""
        total = sum(self.coefficients.get(pk, 0) for pk in chosen)
        return (self.lower is None or total >= self.lower) and (self.upper is None or total <= self.upper)


# --- Building the constraints ------------------------------------------------------------------------


def count_between(key: str, members: Iterable[int], minimum: int | None, maximum: int | None) -> Linear:
    """At least ``minimum`` and at most ``maximum`` of ``members`` chosen (either may be None)."""
    return Linear(key, dict.fromkeys(members, 1), minimum, maximum)


def funds_between(
    key: str, members: Iterable[int], candidates: Sequence[Candidate], minimum: int | None, maximum: int | None
) -> Linear:
    """The chosen ``members``' costs add up to at least ``minimum`` and at most ``maximum`` cents."""
    wanted = set(members)
    return Linear(key, {c.id: c.cost for c in candidates if c.id in wanted}, minimum, maximum)


def _hundredths(value: Decimal, what: str) -> int:
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{what} has more than two decimals: {value}")
    return int(scaled)


def share_at_least(key: str, members: Iterable[int], candidates: Sequence[Candidate], percent: Decimal) -> Linear:
    """The chosen ``members`` take at least ``percent`` % (two decimals) of the chosen set's funds.

    An empty choice meets it (no funds, no share to keep).
    """
    wanted = set(members)
    share = _hundredths(percent, "the share")
    return Linear(key, {c.id: (10000 * (c.id in wanted) - share) * c.cost for c in candidates}, 0, None)


def leverage_at_least(key: str, candidates: Sequence[Candidate], ratio: Decimal) -> Linear:
    """The chosen set's industry money is at least ``ratio`` (two decimals) times its cluster funding."""
    scaled = _hundredths(ratio, "the leverage")
    return Linear(key, {c.id: 100 * c.industry - scaled * c.cost for c in candidates}, 0, None)


# --- The report --------------------------------------------------------------------------------------


class Status(StrEnum):
    #: The optimum is proven.
    OPTIMAL = "optimal"
    #: The time limit stopped the search: the set is the best found, not proven best.
    UNPROVEN = "unproven"
    #: No set meets every constraint within the envelope.
    INFEASIBLE = "infeasible"


@dataclass(frozen=True)
class Outcome:
    """One solve: its status, the chosen ids (in the candidates' order), total score and cost."""

    status: Status
    chosen: tuple[int, ...] = ()
    score: int = 0
    cost: int = 0


@dataclass(frozen=True)
class ConstraintCost:
    """What constraint ``key`` costs: the optimum without it, and the score it takes from the optimum."""

    key: str
    without: Outcome
    cost: int | None


class Why(StrEnum):
    #: Within the envelope, a better-scoring combination leaves it out: no constraint is to blame.
    ENVELOPE = "envelope"
    #: Dropping any one of ``constraints`` would bring it in.
    CONSTRAINTS = "constraints"
    #: The constraints together leave it out, though no single one does.
    JOINTLY = "jointly"
    #: No portfolio that includes it meets every constraint: ``constraints`` forbid it together.
    FORBIDDEN = "forbidden"
    #: Not explained: the time budget ran out first.
    NOT_EXPLAINED = "not_explained"


@dataclass(frozen=True)
class Exclusion:
    """Why a proposal above the threshold is out of the optimum."""

    id: int
    why: Why
    constraints: tuple[str, ...] = ()
    #: The best score with it forced in, and the score that costs (None when forbidden or unexplained).
    forced: Outcome | None = None
    loss: int | None = None


@dataclass(frozen=True)
class Report:
    """The portfolio: the optimum, the unconstrained optimum, each constraint's cost, the exclusions, the conflict."""

    optimum: Outcome
    unconstrained: Outcome
    top_down: tuple[int, ...]
    costs: tuple[ConstraintCost, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    #: When infeasible: a minimal set of constraint keys that conflict (``ENVELOPE`` among them if it takes part).
    conflict: tuple[str, ...] = ()
    #: Every solve finished proven within the time limit.
    proven: bool = True
    solves: int = 0
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)


def top_down(candidates: Sequence[Candidate], envelope: int) -> tuple[int, ...]:
    """Return the ids funded going down ``candidates`` (in ranking order) until the envelope runs out.

    As the agenda draws its line: the first proposal that does not fit ends the list.
    """
    chosen, spent = [], 0
    for candidate in candidates:
        if spent + candidate.cost > envelope:
            break
        spent += candidate.cost
        chosen.append(candidate.id)
    return tuple(chosen)


def _weighted(variables: Sequence[cp_model.IntVar], coefficients: Sequence[int]) -> tuple[bool, cp_model.LinearExprT]:
    """Return whether any coefficient is not zero, and ``Σ coefficients[k]·variables[k]`` built in one call."""
    from ortools.sat.python import cp_model

    terms = [
        (variable, coefficient) for variable, coefficient in zip(variables, coefficients, strict=True) if coefficient
    ]
    expression = cp_model.LinearExpr.weighted_sum([t[0] for t in terms], [t[1] for t in terms])
    return bool(terms), expression


@dataclass(frozen=True)
class _Row:
    """One side of a constraint in the relaxation: the constraint, its bound, which side, the LP row and its scale."""

    linear: Linear
    bound: int
    is_lower: bool
    constraint: pywraplp.Constraint
    scale: int


class _Relaxation:
    """The linear relaxation of the envelope and every constraint, built once and re-solved by GLOP.

    Each solve only changes bounds: the rows not in force are made free (-∞ to +∞, so their
    duals are zero) and a forced proposal's variable is set to 1. GLOP then starts from the
    previous basis instead of from scratch, and the thousands of coefficients are passed once.
    """

    def __init__(self, candidates: Sequence[Candidate], rows: Sequence[Linear]) -> None:
        from ortools.linear_solver import pywraplp

        solver = pywraplp.Solver.CreateSolver("GLOP")
        if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
            raise RuntimeError("OR-Tools' GLOP is not available")
        self.solver = solver
        self.infinity = solver.infinity()
        self.y = {c.id: solver.NumVar(0.0, 1.0, "") for c in candidates}
        self.pinned: set[int] = set()
        self.rows: dict[str, list[_Row]] = {}
        for row in rows:
            # Each row divided by its largest coefficient: the floating-point relaxation stays well
            # conditioned (a share's coefficients reach 10^13, a count's are 1).
            scale = max((abs(coefficient) for pk, coefficient in row.coefficients.items() if pk in self.y), default=0)
            sides = self.rows.setdefault(row.key, [])
            if not scale:
                continue
            for bound, is_lower in ((row.lower, True), (row.upper, False)):
                if bound is None:
                    continue
                constraint = solver.Constraint(*self._bounds(bound, is_lower, scale))
                for pk, coefficient in row.coefficients.items():
                    if coefficient and pk in self.y:
                        constraint.SetCoefficient(self.y[pk], coefficient / scale)
                sides.append(_Row(row, bound, is_lower, constraint, scale))
        objective = solver.Objective()
        for c in candidates:
            objective.SetCoefficient(self.y[c.id], float(c.score))
        objective.SetMaximization()

    def _bounds(self, bound: int, is_lower: bool, scale: int) -> tuple[float, float]:
        return (bound / scale, self.infinity) if is_lower else (-self.infinity, bound / scale)

    def solve(self, keys: set[str], fixed: Mapping[int, bool]) -> list[_Row] | None:
        """Solve with the rows of ``keys`` in force and ``fixed`` set; return those rows (None: no optimum)."""
        from ortools.linear_solver import pywraplp

        active = []
        for key, sides in self.rows.items():
            for side in sides:
                if key in keys:
                    side.constraint.SetBounds(*self._bounds(side.bound, side.is_lower, side.scale))
                    active.append(side)
                else:
                    side.constraint.SetBounds(-self.infinity, self.infinity)
        for pk in self.pinned - set(fixed):
            self.y[pk].SetBounds(0.0, 1.0)
        for pk, value in fixed.items():
            self.y[pk].SetBounds(float(value), float(value))
        self.pinned = set(fixed)
        if self.solver.Solve() not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return None
        return active


class _Solver:
    """One model of the problem, re-solved with constraints switched off and proposals forced in.

    Each optimizing solve first narrows the problem exactly (``_narrow``): the linear
    relaxation's duals give a Lagrangian bound, computed in exact integers, and a good set
    found on a small core of the proposals gives a floor; a proposal whose reduced cost
    alone would take any set containing it (or leaving it out) below that floor is fixed,
    since no optimal set can differ from it there. CP-SAT then proves the optimum on the
    proposals left free, usually a few dozen of the thousands.
    """

    def __init__(
        self,
        candidates: Sequence[Candidate],
        envelope: int,
        constraints: Sequence[Linear],
        time_limit: float,
        *,
        narrow: bool = True,
    ) -> None:
        self.candidates = candidates
        self.envelope = envelope
        self.constraints = constraints
        self.time_limit = time_limit
        self.narrow = narrow
        self.solves = 0
        self.proven = True
        self.order = {c.id: index for index, c in enumerate(candidates)}
        self.by_id = {c.id: c for c in candidates}
        self.envelope_row = Linear(ENVELOPE, {c.id: c.cost for c in candidates}, None, envelope)
        self._relaxation: _Relaxation | None = None

    def rows(self, keys: set[str], envelope: bool) -> list[Linear]:
        """Return the active constraints, the envelope first when it applies."""
        rows = [self.envelope_row] if envelope else []
        return rows + [constraint for constraint in self.constraints if constraint.key in keys]

    def relaxation(self) -> _Relaxation:
        """Return the relaxation of the envelope and every constraint, built on first use."""
        if self._relaxation is None:
            self._relaxation = _Relaxation(self.candidates, [self.envelope_row, *self.constraints])
        return self._relaxation

    def solve(
        self,
        *,
        active: Iterable[str],
        forced: int | None = None,
        optimize: bool = True,
        hint: Iterable[int] = (),
        envelope: bool = True,
    ) -> Outcome:
        """Solve under the constraints ``active`` (keys), with ``forced`` in if given; maximize if ``optimize``."""
        rows = self.rows(set(active), envelope)
        fixed: dict[int, bool] = {} if forced is None else {forced: True}
        hinted = set(hint)
        started = time.perf_counter()
        narrowed = None
        if optimize and self.narrow and self.candidates:
            narrowed = self._narrow(rows, fixed, hinted)
            if narrowed is not None:
                fixed, hinted = narrowed
        limit = max(0.01, self.time_limit - (time.perf_counter() - started))
        return self._cp_sat(rows, fixed, hinted, optimize=optimize, time_limit=limit, narrowed=narrowed is not None)

    def _cp_sat(
        self,
        rows: Sequence[Linear],
        fixed: Mapping[int, bool],
        hint: set[int],
        *,
        optimize: bool,
        time_limit: float,
        deterministic_limit: float | None = None,
        narrowed: bool = False,
    ) -> Outcome:
        """Solve ``rows`` with the proposals of ``fixed`` set, by CP-SAT; count the solve and its proof."""
        from ortools.sat.python import cp_model

        free = [c.id for c in self.candidates if c.id not in fixed]
        inside = [pk for pk, value in fixed.items() if value]
        model = cp_model.CpModel()
        x = [model.new_bool_var(f"x{pk}") for pk in free]
        for row in rows:
            coefficients = row.coefficients
            base = sum(coefficients.get(pk, 0) for pk in inside)
            any_term, expression = _weighted(x, [coefficients.get(pk, 0) for pk in free])
            if row.lower is not None:
                if any_term:
                    model.add(expression >= row.lower - base)
                elif base < row.lower:
                    return self._count(Outcome(Status.INFEASIBLE))
            if row.upper is not None:
                if any_term:
                    model.add(expression <= row.upper - base)
                elif base > row.upper:
                    return self._count(Outcome(Status.INFEASIBLE))
        if optimize:
            model.maximize(_weighted(x, [self.by_id[pk].score for pk in free])[1])
        if hint:
            for pk, var in zip(free, x, strict=True):
                model.add_hint(var, pk in hint)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = SEED
        solver.parameters.max_time_in_seconds = time_limit
        if deterministic_limit is not None:
            solver.parameters.max_deterministic_time = deterministic_limit
            solver.parameters.cp_model_presolve = False
        if narrowed:
            solver.parameters.cut_level = NARROWED_CUT_LEVEL
        status = solver.solve(model)
        if status == cp_model.INFEASIBLE:
            return self._count(Outcome(Status.INFEASIBLE))
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # Stopped before any answer (time limit): neither a set nor a proof of infeasibility.
            return self._count(Outcome(Status.UNPROVEN))
        proven = status == cp_model.OPTIMAL or not optimize
        chosen = set(inside) | {pk for pk, var in zip(free, x, strict=True) if solver.boolean_value(var)}
        return self._count(self._outcome(chosen, Status.OPTIMAL if proven else Status.UNPROVEN))

    def _count(self, outcome: Outcome) -> Outcome:
        self.solves += 1
        if outcome.status == Status.UNPROVEN:
            self.proven = False
        return outcome

    def _outcome(self, chosen: set[int], status: Status) -> Outcome:
        ordered = tuple(c.id for c in self.candidates if c.id in chosen)
        return Outcome(
            status,
            ordered,
            sum(self.by_id[pk].score for pk in ordered),
            sum(self.by_id[pk].cost for pk in ordered),
        )

    def _narrow(
        self, rows: Sequence[Linear], fixed: Mapping[int, bool], hint: set[int]
    ) -> tuple[dict[int, bool], set[int]] | None:
        """Return the proposals that every optimal set fixes, with a good set to hint; None to solve it whole.

        Exact although the relaxation is solved in floating point: any multipliers of the
        right signs give a valid Lagrangian bound ``L = Σ y·b + Σ max(0, r_i)`` with the
        reduced costs ``r_i = score_i - Σ y·a_i``. Each multiplier is taken as the exact
        fraction its float stands for, and everything is multiplied by the common denominator
        ``D`` of the multipliers, so the bound and the reduced costs are exact integers
        (``D·L`` and ``D·r_i``). A set holding a proposal of ``r_i < 0`` scores at most
        ``L + r_i``; a set leaving out one of ``r_i > 0`` at most ``L - r_i``. When that is below
        the score of a set that meets every constraint, no optimal set does so, and the
        proposal is fixed.
        """
        ids = [c.id for c in self.candidates]
        active = self.relaxation().solve({row.key for row in rows}, fixed)
        if active is None:
            return None
        multipliers: list[tuple[Linear, int, Fraction]] = []
        for side in active:
            dual = side.constraint.dual_value()
            if not math.isfinite(dual):
                continue
            # The multiplier of the row as stated (not divided): exact, whatever the float was.
            multiplier = Fraction(dual) / side.scale
            # A ≤ row takes a multiplier ≥ 0, a ≥ row one ≤ 0: either way ``y·(b - a·x) ≥ 0``.
            multiplier = min(multiplier, Fraction(0)) if side.is_lower else max(multiplier, Fraction(0))
            if multiplier:
                multiplier_row = (side.linear, side.bound, multiplier)
                multipliers.append(multiplier_row)
        denominator = math.lcm(*(m.denominator for _, _, m in multipliers)) if multipliers else 1
        # ``D·r_i`` and ``D·Σ y·b``, in integers.
        reduced = {c.id: c.score * denominator for c in self.candidates}
        bound_total = 0
        for row, bound, multiplier in multipliers:
            factor = multiplier.numerator * (denominator // multiplier.denominator)
            bound_total += factor * bound
            for pk, coefficient in row.coefficients.items():
                if pk in reduced:
                    reduced[pk] -= factor * coefficient
        # A proposal fixed in (forced) takes its reduced cost whatever its sign.
        lagrangian = bound_total + sum(r if fixed.get(pk) else max(r, 0) for pk, r in reduced.items())

        def meets(chosen: set[int]) -> bool:
            return all(pk in chosen for pk, value in fixed.items() if value) and all(row.holds(chosen) for row in rows)

        floor: Outcome | None = self._outcome(hint, Status.UNPROVEN) if hint and meets(hint) else None
        # A good set from a core: the proposals of smallest |reduced cost| free, the others at the
        # relaxation's side; bounded in deterministic time, so the same input gives the same set.
        core = set(
            sorted((pk for pk in ids if pk not in fixed), key=lambda pk: (abs(reduced[pk]), self.order[pk]))[:CORE]
        )
        around = {pk: reduced[pk] > 0 for pk in ids if pk not in core and pk not in fixed}
        proven, solves = self.proven, self.solves
        found = self._cp_sat(
            rows, {**around, **fixed}, hint, optimize=True, time_limit=self.time_limit, deterministic_limit=CORE_EFFORT
        )
        # The core's solve is a step of this one: neither counted nor a lack of proof.
        self.proven, self.solves = proven, solves
        usable = found.status != Status.INFEASIBLE and (found.chosen or found.status == Status.OPTIMAL)
        if usable and (floor is None or found.score > floor.score):
            floor = found
        if floor is None:
            return None
        target = floor.score * denominator
        narrowed = dict(fixed)
        for pk, r in reduced.items():
            if pk in fixed:
                continue
            if r < 0 and lagrangian + r < target:
                narrowed[pk] = False
            elif r > 0 and lagrangian - r < target:
                narrowed[pk] = True
        return narrowed, set(floor.chosen)

    def feasible(self, keys: Iterable[str], *, forced: int | None = None, envelope: bool = True) -> bool | None:
        """Return whether some set meets ``keys``' constraints (and ``forced``); None if the time ran out."""
        outcome = self.solve(active=keys, forced=forced, optimize=False, envelope=envelope)
        if outcome.status == Status.UNPROVEN:
            return None
        return outcome.status != Status.INFEASIBLE

    def conflict(self, keys: Sequence[str], *, forced: int | None = None) -> tuple[str, ...]:
        """Return a minimal subset of ``keys`` infeasible with the envelope (by deletion filtering).

        ``keys`` together must be infeasible. Each key is dropped in turn while the others
        still conflict; those kept are each needed. Then, if the rest conflict even without
        the envelope, the envelope is not named.
        """
        kept = list(keys)
        for key in list(keys):
            trial = [k for k in kept if k != key]
            if self.feasible(trial, forced=forced) is False:
                kept = trial
        if self.feasible(kept, forced=forced, envelope=False) is False:
            return tuple(kept)
        return (ENVELOPE, *kept)


def portfolio_solve(
    *,
    candidates: Sequence[Candidate],
    envelope: int,
    constraints: Sequence[Linear],
    time_limit: float = 10.0,
    explain_budget: float | None = None,
    optimum_only: bool = False,
    narrow: bool = True,
) -> Report:
    """Return the best portfolio of ``candidates`` (in ranking order) within ``envelope`` under ``constraints``.

    ``time_limit`` bounds each solve (seconds); ``explain_budget``, if given, bounds the time
    spent on the excluded proposals' forced solves (those left keep the reasons that need
    no solve, without the loss; one left out by the constraints jointly is ``NOT_EXPLAINED``).
    ``optimum_only`` solves the portfolio alone: no unconstrained optimum, costs or reasons.
    ``narrow`` (the default) fixes first the proposals the bound settles (``_Solver._narrow``);
    without it CP-SAT searches the whole problem (for comparison: the answer is the same).
    """
    started = time.perf_counter()
    keys = [c.key for c in constraints]
    if len(set(keys)) != len(keys) or ENVELOPE in keys:
        raise ValueError("constraint keys must be distinct and not the envelope's")
    if len({c.id for c in candidates}) != len(candidates):
        raise ValueError("candidate ids must be distinct")
    if any(c.cost < 0 for c in candidates) or envelope < 0:
        raise ValueError("costs and the envelope cannot be negative")
    solver = _Solver(candidates, envelope, constraints, time_limit, narrow=narrow)
    ranking = top_down(candidates, envelope)
    if optimum_only:
        optimum = solver.solve(active=keys, hint=ranking)
        return Report(optimum=optimum, unconstrained=Outcome(Status.UNPROVEN), top_down=ranking, proven=solver.proven,
                      solves=solver.solves, seconds=time.perf_counter() - started)  # fmt: skip
    unconstrained = solver.solve(active=(), hint=ranking)
    optimum = solver.solve(active=keys, hint=unconstrained.chosen) if keys else unconstrained

    def done(**more: object) -> Report:
        return Report(
            optimum=optimum,
            unconstrained=unconstrained,
            top_down=ranking,
            proven=solver.proven,
            solves=solver.solves,
            seconds=time.perf_counter() - started,
            **more,  # type: ignore[arg-type]
        )

    if optimum.status == Status.INFEASIBLE:
        return done(conflict=solver.conflict(keys))
    if optimum.status == Status.UNPROVEN and not optimum.chosen and not optimum.score:
        return done()

    costs = []
    for key in keys:
        without = solver.solve(active=[k for k in keys if k != key], hint=optimum.chosen)
        cost = without.score - optimum.score if without.status != Status.INFEASIBLE else None
        costs.append(ConstraintCost(key=key, without=without, cost=cost))

    chosen = set(optimum.chosen)
    threshold = set(ranking) | set(unconstrained.chosen)
    above = [pk for pk in solver.order if pk in threshold]
    deadline = None if explain_budget is None else time.perf_counter() + explain_budget
    exclusions = []
    for pk in above:
        if pk in chosen:
            continue
        bring_in = tuple(cost.key for cost in costs if pk in cost.without.chosen)
        if bring_in:
            why = Why.CONSTRAINTS
        elif pk in unconstrained.chosen:
            why = Why.JOINTLY
        else:
            why = Why.ENVELOPE
        if deadline is not None and time.perf_counter() > deadline:
            exclusions.append(
                Exclusion(id=pk, why=why if why != Why.JOINTLY else Why.NOT_EXPLAINED, constraints=bring_in)
            )
            continue
        forced = solver.solve(active=keys, forced=pk, hint=optimum.chosen)
        if forced.status == Status.INFEASIBLE:
            exclusions.append(Exclusion(id=pk, why=Why.FORBIDDEN, constraints=solver.conflict(keys, forced=pk)))
            continue
        loss = optimum.score - forced.score if forced.status == Status.OPTIMAL else None
        exclusions.append(Exclusion(id=pk, why=why, constraints=bring_in, forced=forced, loss=loss))
    return done(costs=tuple(costs), exclusions=tuple(exclusions))
