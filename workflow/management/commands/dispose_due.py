"""Dispose of the unsuccessful proposals past their program's retention (beat does it daily; docs/retention.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from workflow.retention import proposals_dispose_due, proposals_due_for_disposal


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the proposals due now; dispose of nothing."
        )
        parser.add_argument("--chunk", type=int, default=5000, help="Proposals per transaction (default 5000).")

    def handle(self, *args: Any, dry_run: bool, chunk: int, **options: Any) -> None:
        if dry_run:
            self.stdout.write(f"{proposals_due_for_disposal().count()} proposals are due for disposition.")
            return
        disposed = proposals_dispose_due(chunk=chunk)
        self.stdout.write(f"Disposed of {disposed} proposals.")
