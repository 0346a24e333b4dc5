"""Rewrite the proposals' search documents (docs/search.md): all of them, or only the stale ones."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from intake.services.search import proposals_search_rebuild, proposals_search_sweep


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stale",
            action="store_true",
            help="Only the documents missing or older than their proposal's last change (what the sweep does).",
        )

    def handle(self, *args: Any, stale: bool, **options: Any) -> None:
        count = proposals_search_sweep(limit=10**9) if stale else proposals_search_rebuild()
        self.stdout.write(f"Indexed {count} proposals.")
