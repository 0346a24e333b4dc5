"""Counting a page's queries with the session settled: the count is the page's alone, whatever the clock does."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

Response = TypeVar("Response")


def settled_queries(request: Callable[[], Response]) -> tuple[Response, int]:
    """Make ``request`` twice on a stopped clock; return the second's response and how many queries it ran.

    A signed-in request records the session's last activity at most once a minute
    (``accounts.sessions.session_touch``), a write of its own. The first request settles it; with
    the clock stopped, the minute cannot turn between the two, so the counted one never writes it.
    A test whose setup between its counts took about a minute counted that write in one of them.
    """
    with time_machine.travel(timezone.now(), tick=False):
        request()
        with CaptureQueriesContext(connection) as queries:
            response = request()
    return response, len(queries)
