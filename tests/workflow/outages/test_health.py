"""The health check records outages on its own: one open incident per failing probe, closed on recovery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from workflow.models import Incident, IncidentSource
from workflow.service_health import DATABASE_DOWN_KEY, probe_broker, probe_database, service_health_check

pytestmark = pytest.mark.django_db

MIN = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.delete(DATABASE_DOWN_KEY)
    yield
    cache.delete(DATABASE_DOWN_KEY)


def _probes(database: bool = True, broker: bool = True) -> dict[str, Any]:
    return {"database": lambda: database, "broker": lambda: broker}


def test_health_check_opens_one_incident_while_the_broker_fails_and_closes_it_on_recovery() -> None:
    start = timezone.now()

    service_health_check(probes=_probes(broker=False), now=start)
    service_health_check(probes=_probes(broker=False), now=start + MIN)
    service_health_check(probes=_probes(), now=start + 5 * MIN)
    service_health_check(probes=_probes(), now=start + 6 * MIN)

    incident = Incident.objects.get()
    assert (incident.started_at, incident.ended_at) == (start, start + 5 * MIN)
    assert (incident.source, incident.probe, incident.all_calls) == (IncidentSource.HEALTH_CHECK, "broker", True)
    assert incident.description_en.startswith("The health check could not reach the task broker")
    assert incident.description_fr  # in French once the catalogue has the translation
    assert incident.applied_at is None  # staff apply it


def test_health_check_opens_a_new_incident_for_a_new_failure() -> None:
    start = timezone.now()

    for minute, healthy in enumerate([False, True, False]):
        service_health_check(probes=_probes(broker=healthy), now=start + minute * MIN)

    assert list(Incident.objects.order_by("started_at").values_list("ended_at", flat=True)) == [start + MIN, None]


def test_health_check_records_a_database_outage_once_the_database_is_back() -> None:
    start = timezone.now()

    service_health_check(probes=_probes(database=False), now=start)
    service_health_check(probes=_probes(database=False), now=start + MIN)
    assert not Incident.objects.exists()  # it could not be written while the database was down
    service_health_check(probes=_probes(), now=start + 10 * MIN)
    service_health_check(probes=_probes(), now=start + 11 * MIN)

    incident = Incident.objects.get()
    assert (incident.started_at, incident.ended_at) == (start, start + 10 * MIN)
    assert incident.description_en == "The health check could not reach the database."


def test_health_check_leaves_staffs_incidents_alone() -> None:
    staff_incident = Incident.objects.create(started_at=timezone.now() - MIN, description_en="Planned maintenance.")

    service_health_check(probes=_probes())

    staff_incident.refresh_from_db()
    assert staff_incident.ended_at is None


def test_health_check_real_probes_answer() -> None:
    assert probe_database() is True


def test_health_check_broker_probe_fails_on_an_unreachable_broker(settings: Any) -> None:
    from records.queue import current_app  # the application the probe uses

    previous = current_app.conf.broker_url
    current_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        assert probe_broker() is False
    finally:
        current_app.conf.broker_url = previous


def test_health_check_command_exits_non_zero_when_a_probe_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("workflow.service_health.PROBES", _probes(broker=False))

    with pytest.raises(SystemExit) as exit_info:
        call_command("check_service_health")

    assert exit_info.value.code == 1
    assert Incident.objects.filter(probe="broker", ended_at__isnull=True).count() == 1


def test_health_check_is_a_periodic_task(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["check-service-health"]

    assert entry["task"] == "workflow.tasks.check_service_health"
    assert entry["schedule"] == float(settings.HEALTH_CHECK_SECONDS)


def test_health_check_task_runs_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    from workflow.tasks import check_service_health

    monkeypatch.setattr("workflow.service_health.PROBES", _probes(database=True, broker=False))

    assert check_service_health() == {"database": True, "broker": False}
    assert Incident.objects.filter(probe="broker").count() == 1
