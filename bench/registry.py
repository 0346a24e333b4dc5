"""The registry of benchmark cases and the memo of the seeds they share.

A case is a request function ``(client, data) -> response`` registered under a name with
the seed it needs. The seed ``(ctx) -> data`` writes rows into the fresh database and
returns what the request needs (ids, users). Seeds run once per run however many cases
use them, and may build on each other with ``ctx.need(other_seed)``.

This module imports nothing from the project, so it can be loaded before Django is set up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Seed = Callable[["SeedContext"], Any]
Prepare = Callable[[Any, Any], None]
Request = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Case:
    name: str
    seed: Seed
    request: Request
    description: str
    # Called once on the case's own client before the warm-up, e.g. to log in.
    prepare: Prepare | None = None
    expected_status: int = 200
    # The budget the issues set, if any: the most the median may be as a multiple of the floor's,
    # and the most queries one request may run. The run says of each line whether it is within.
    target_ratio: float | None = None
    max_queries: int | None = None

    def verdict(self, *, ratio: float | None, queries: int) -> str | None:
        """Return "within" or "above" this case's targets, or None when it has none (or no ratio to judge)."""
        if self.target_ratio is None and self.max_queries is None:
            return None
        if self.target_ratio is not None and ratio is None:
            return None
        within = (self.target_ratio is None or (ratio is not None and ratio <= self.target_ratio)) and (
            self.max_queries is None or queries <= self.max_queries
        )
        return "within" if within else "above"


@dataclass
class SeedContext:
    """What a seed knows: the scale, one clock for the whole run, and the seeds run so far."""

    scale: int
    now: datetime
    _done: dict[Seed, Any] = field(default_factory=dict)

    def need(self, seed: Seed) -> Any:
        """Run ``seed`` unless it has run already; return its data."""
        if seed not in self._done:
            self._done[seed] = seed(self)
        return self._done[seed]


CASES: dict[str, Case] = {}


def case(
    name: str,
    *,
    seed: Seed,
    description: str,
    prepare: Prepare | None = None,
    expected_status: int = 200,
    target_ratio: float | None = None,
    max_queries: int | None = None,
) -> Callable[[Request], Request]:
    """Register the decorated request function as the case ``name``."""

    def register(request: Request) -> Request:
        if name in CASES:
            raise ValueError(f"A benchmark case named {name!r} is registered already.")
        CASES[name] = Case(name, seed, request, description, prepare, expected_status, target_ratio, max_queries)
        return request

    return register
