"""The escalation of licence requests waiting too long: once a day per IP manager, their programs only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from records.events import Channel, Event
from records.models import Notification
from registry.choices import Listing
from registry.models import LicenceRequest
from registry.sweeps import licence_requests_escalate
from tests.registry.conftest import World, make_asset, member_of

pytestmark = pytest.mark.django_db


def _request(world: World, *, days_ago: int, program: Any = None) -> LicenceRequest:
    asset = make_asset(program or world.program, world.owner_org, listing=Listing.PUBLIC)
    request = LicenceRequest.objects.create(
        asset=asset, organization=world.member_org, requested_by=world.member, intended_use="Tests."
    )
    LicenceRequest.objects.filter(pk=request.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return request


def _emails(event: str = Event.LICENCE_REQUESTS_WAITING) -> list[tuple[str, Any]]:
    return list(
        Notification.objects.filter(event=event, channel=Channel.EMAIL).values_list("recipient__email", "context")
    )


def test_escalate_tells_the_program_ip_manager_once_a_day(world: World, settings: Any) -> None:
    settings.REGISTRY_ESCALATE_AFTER_DAYS = 10
    waiting = _request(world, days_ago=11)
    _request(world, days_ago=3)

    assert licence_requests_escalate() == 1
    assert licence_requests_escalate() == 1  # The same day: nothing new is stored.

    emails = _emails()
    assert [email for email, _context in emails] == ["ipm@example.com"]
    assert [item["request"] for item in emails[0][1]["requests"]] == [waiting.pk]


def test_escalate_again_the_next_day(world: World, settings: Any) -> None:
    settings.REGISTRY_ESCALATE_AFTER_DAYS = 10
    _request(world, days_ago=11)

    licence_requests_escalate()
    licence_requests_escalate(now=timezone.now() + timedelta(days=1))

    assert len(_emails()) == 2


def test_escalate_skips_answered_requests_and_other_programs(world: World, settings: Any) -> None:
    settings.REGISTRY_ESCALATE_AFTER_DAYS = 10
    answered = _request(world, days_ago=30)
    LicenceRequest.objects.filter(pk=answered.pk).update(state="withdrawn")
    member_of(world.elsewhere, email="el@example.com", name="Elsewhere Inc.")
    _request(world, days_ago=30, program=world.elsewhere)

    assert licence_requests_escalate() == 1
    assert [email for email, _context in _emails()] == ["ipx@example.com"]


def test_escalation_runs_from_beat() -> None:
    from django.conf import settings

    from workflow.tasks import escalate_licence_requests

    assert settings.CELERY_BEAT_SCHEDULE["escalate-licence-requests"]["task"] == escalate_licence_requests.name
