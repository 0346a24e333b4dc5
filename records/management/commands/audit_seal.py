"""Seal the audit records written since the last run into the hash chain (beat does it every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from records.audit_chain import audit_seal


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--accept-late",
            action="store_true",
            help="Also seal records older than AUDIT_SEAL_GRACE_SECONDS (after the sealer was stopped, or a seed).",
        )

    def handle(self, *args: Any, accept_late: bool, **options: Any) -> None:
        result = audit_seal(accept_late=accept_late)
        self.stdout.write(f"Sealed {result.sealed} audit records.")
        if result.late:
            self.stderr.write(
                f"Left {len(result.late)} records older than the grace period unsealed (first: {result.late[0]}); "
                "audit_verify names them. Seal them with --accept-late only if you know why they are late."
            )
