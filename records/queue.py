"""The Celery application, loaded when a task is first queued (issue 23).

A web worker queues tasks by name (``current_app.send_task("app.tasks.name", ...)``) and never
runs one, so it need not import Celery, kombu and the application's tasks as it starts: a
worker that serves only pages keeps their few MiB free. ``current_app`` here stands for
Celery's current application (``config.celery.app``) and imports it on its first use.
"""

from __future__ import annotations

from typing import Any


class _CurrentApp:
    """Celery's current application, imported on first use: ``current_app.send_task(...)``."""

    def __getattr__(self, name: str) -> Any:
        from celery import current_app

        import config.celery  # noqa: F401 - creates the application and makes it Celery's current one

        return getattr(current_app, name)


current_app: Any = _CurrentApp()
