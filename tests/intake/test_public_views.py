"""Public pages: open calls with their deadlines in each call's timezone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CallFactory

pytestmark = pytest.mark.django_db

CALLS_OPEN = reverse("intake:calls_open")
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def test_calls_open_lists_open_and_upcoming_not_decided(anonymous_client: Client) -> None:
    with time_machine.travel(NOW, tick=False):
        open_call = CallFactory(title_en="Open call")
        upcoming = CallFactory(title_en="Upcoming call", upcoming=True)
        CallFactory(title_en="Decided call", decided=True)

        response = anonymous_client.get(CALLS_OPEN)

    content = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["open_calls"]) == [open_call]
    assert list(response.context["upcoming_calls"]) == [upcoming]
    assert "Open call" in content
    assert "Upcoming call" in content
    assert "Decided call" not in content


def test_calls_open_deadline_in_call_timezone(anonymous_client: Client) -> None:
    with time_machine.travel(NOW, tick=False):
        CallFactory(
            title_en="Ocean call",
            timezone="America/Halifax",
            loi_opens_at=NOW - timedelta(days=1),
            loi_closes_at=datetime(2030, 2, 1, 4, 0, tzinfo=UTC),  # 00:00 in Halifax (UTC-4)
        )

        response = anonymous_client.get(CALLS_OPEN)

    content = response.content.decode()
    assert 'Letter of intent closes: <time datetime="2030-02-01T04:00:00+00:00">' in content
    assert "February 1, 2030, 00:00 (America/Halifax)" in content


def test_calls_open_in_review_call_not_listed(anonymous_client: Client) -> None:
    with time_machine.travel(NOW, tick=False):
        CallFactory(title_en="In review", windows=(-100, -60, -5, 20, 40))

        response = anonymous_client.get(CALLS_OPEN)

    assert list(response.context["open_calls"]) == []
    assert "No call is open right now." in response.content.decode()


def _queries_for_calls_page(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CALLS_OPEN)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["anonymous_client", "applicant_client"])
def test_calls_open_query_count_does_not_grow_with_calls(persona: str, request: pytest.FixtureRequest) -> None:
    client = request.getfixturevalue(persona)
    CallFactory()
    CallFactory(upcoming=True)
    with_one_each = _queries_for_calls_page(client)
    CallFactory.create_batch(19)
    CallFactory.create_batch(19, upcoming=True)

    with_twenty_each = _queries_for_calls_page(client)

    assert with_twenty_each == with_one_each


def test_home_query_count_does_not_grow_with_calls(anonymous_client: Client) -> None:
    CallFactory()
    with CaptureQueriesContext(connection) as one:
        anonymous_client.get(reverse("home"))
    CallFactory.create_batch(19)

    with CaptureQueriesContext(connection) as many:
        anonymous_client.get(reverse("home"))

    assert len(many) == len(one)


def test_call_detail_shows_windows_in_call_timezone(anonymous_client: Client) -> None:
    call = CallFactory(
        title_en="Prairie call",
        timezone="America/Regina",
        loi_opens_at=datetime(2030, 1, 15, 17, 0, tzinfo=UTC),  # 11:00 in Regina (UTC-6, no DST)
        loi_closes_at=datetime(2030, 3, 1, 20, 0, tzinfo=UTC),
        application_closes_at=datetime(2030, 7, 16, 0, 0, tzinfo=UTC),
        review_due_at=datetime(2030, 8, 16, 0, 0, tzinfo=UTC),
        board_meeting_at=datetime(2030, 9, 1, 17, 0, tzinfo=UTC),
    )

    response = anonymous_client.get(reverse("intake:call_detail", args=[call.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "January 15, 2030, 11:00" in content
    assert "Times are in the call's timezone, America/Regina." in content


def test_call_detail_unknown_call_404(anonymous_client: Client) -> None:
    response = anonymous_client.get(reverse("intake:call_detail", args=[999999]))

    assert response.status_code == 404
