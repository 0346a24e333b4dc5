"""Shared by the board's tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _sessions_outlast_the_travel_to_the_meeting(settings: Any) -> None:
    # The board's tests travel in time to a meeting's date, days ahead: their personas' sessions
    # must not time out on the way (the timeouts have their own tests, tests/accounts/test_session_timeouts.py).
    month = 30 * 24 * 3600
    settings.SESSION_IDLE_TIMEOUT_SECONDS = settings.SESSION_IDLE_TIMEOUT_STAFF_SECONDS = month
    settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS = settings.SESSION_ABSOLUTE_TIMEOUT_STAFF_SECONDS = month
    settings.SESSION_COOKIE_AGE = month
