"""Staging races on PostgreSQL: run callables at the same instant, one thread and connection each."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection


def require_row_locks() -> None:
    """Skip the test unless the database locks rows, as the races staged here need."""
    # SQLite locks the whole database, not a row: the race these tests stage cannot happen there.
    if connection.vendor != "postgresql":
        pytest.skip(f"needs PostgreSQL's row locks; this run uses {connection.vendor} (set DATABASE_URL)")


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` at once, one thread and connection each; return what each returned or raised, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as error:  # every outcome is asserted by the test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes
