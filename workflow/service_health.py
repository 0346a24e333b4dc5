"""The health check: probe the database and the broker, and record their outages as incidents on their own.

Staff still apply such an incident (``workflow.outage_extensions``); docs/outages.md says
why the broker's own outages need the management command as well as the beat task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from workflow.models import Incident, IncidentSource

logger = logging.getLogger(__name__)

DATABASE_DOWN_KEY = "outages:database-down-since"

PROBE_DESCRIPTIONS = {
    "database": gettext_lazy("The health check could not reach the database."),
    "broker": gettext_lazy("The health check could not reach the task broker: emails and deadline sweeps waited."),
}


def probe_database() -> bool:
    """Return whether the database answers a trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure is the answer
        logger.warning("Health check: the database did not answer.", exc_info=True)
        return False


def probe_broker() -> bool:
    """Return whether the Celery broker accepts a connection."""
    from records.queue import current_app  # the configured app, imported when the probe runs

    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=5)
        return True
    except Exception:  # any failure is the answer
        logger.warning("Health check: the broker did not answer.", exc_info=True)
        return False


PROBES: dict[str, Callable[[], bool]] = {"database": probe_database, "broker": probe_broker}


def _descriptions(probe: str) -> dict[str, str]:
    texts = {}
    for language in ("en", "fr"):
        with translation.override(language):
            texts[f"description_{language}"] = str(PROBE_DESCRIPTIONS[probe])
    return texts


def _record_probe(probe: str, healthy: bool, now: datetime) -> None:
    """Open an incident for ``probe`` when it fails and none is open; close the open one when it passes."""
    if healthy:
        with transaction.atomic():
            for open_incident in Incident.objects.select_for_update().filter(probe=probe, ended_at__isnull=True):
                open_incident.ended_at = max(now, open_incident.started_at + timedelta(seconds=1))
                open_incident.save(update_fields=["ended_at", "updated_at"])
        return
    if Incident.objects.filter(probe=probe, ended_at__isnull=True).exists():
        return
    try:
        with transaction.atomic():
            Incident.objects.create(
                started_at=now, source=IncidentSource.HEALTH_CHECK, probe=probe, all_calls=True, **_descriptions(probe)
            )
    except IntegrityError:  # another run opened it first: one open incident per probe
        pass


def _record_database(healthy: bool, now: datetime) -> None:
    """Remember in the cache when the database went down; record the whole outage once it is back."""
    if not healthy:
        cache.add(DATABASE_DOWN_KEY, now.isoformat(), timeout=None)
        return
    since = cache.get(DATABASE_DOWN_KEY)
    if since is None:
        return
    started = datetime.fromisoformat(since)
    Incident.objects.create(
        started_at=started,
        ended_at=max(now, started + timedelta(seconds=1)),
        source=IncidentSource.HEALTH_CHECK,
        all_calls=True,
        **_descriptions("database"),
    )
    cache.delete(DATABASE_DOWN_KEY)


def service_health_check(
    *, probes: Mapping[str, Callable[[], bool]] | None = None, now: datetime | None = None
) -> dict[str, bool]:
    """Probe the database and the broker; record an incident on failure and close it on recovery.

    Idempotent: while a probe keeps failing its one incident stays open, and a probe that
    passes closes only what is open. Return each probe's result.
    """
    now = now or timezone.now()
    results = {name: probe() for name, probe in (probes or PROBES).items()}
    for name, healthy in results.items():
        try:
            if name == "database":
                _record_database(healthy, now)
            else:
                _record_probe(name, healthy, now)
        except Exception:  # a failing store must not hide the other probes' results
            logger.exception("Health check: could not record the %s probe's result.", name)
    return results
