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
) -> Callable[[Request], Request]:
    """Register the decorated request function as the case ``name``."""

    def register(request: Request) -> Request:
        if name in CASES:
            raise ValueError(f"A benchmark case named {name!r} is registered already.")
        CASES[name] = Case(name, seed, request, description, prepare, expected_status)
        return request

    return register
