"""Probe the database and the broker once; record or close outages (docs/outages.md).

Beat runs the same check as ``workflow.tasks.check_service_health``, but a task needs the
broker to reach a worker: run this command from cron or a timer outside Celery as well,
so that an outage of the broker itself is recorded.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from workflow.service_health import service_health_check


class Command(BaseCommand):
    help = "Probe the database and the broker; open an outage when one fails, close it when it recovers."

    def handle(self, *args: Any, **options: Any) -> None:
        results = service_health_check()
        for name, healthy in results.items():
            self.stdout.write(f"{name}: {'ok' if healthy else 'FAILING'}")
        if not all(results.values()):
            raise SystemExit(1)
