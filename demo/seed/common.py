"""The demo's summary of what it made, and its clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class DemoSummary:
    created: list[str] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


def demo_window(now: datetime, days: int) -> datetime:
    """Return the day ``days`` after ``now`` at 17:00 UTC."""
    # Whole hours at 17:00 UTC, so the demo's deadlines read like real ones.
    return (now + timedelta(days=days)).replace(hour=17, minute=0, second=0, microsecond=0)
