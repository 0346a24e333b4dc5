"""Walk the audit trail's hash chain; exit 1 naming the first record altered, removed or inserted."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from records.audit_chain import audit_verify


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if not result.ok:
            raise CommandError(f"The audit trail is broken: {result.problem}.", returncode=1)
        self.stdout.write(
            f"The audit trail holds: {result.links} links, head {result.head or '(empty)'}; "
            f"{result.pending} recent records waiting to be sealed."
        )
