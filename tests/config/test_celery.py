"""Celery: a real worker consumes tasks through the configured broker; mail leaves only after commit."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tasks import send_email
from config.celery import app as celery_app


class _RolledBack(Exception):
    """Raised to roll a transaction back on purpose."""


def _wait_for_outbox(count: int, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def test_queue() -> Iterator[str]:
    """Return a queue of this test alone, so neither a running worker nor a parallel test takes its task."""
    name = f"clusterflow-test-{uuid.uuid4().hex}"
    # The test worker answers no remote control: it would leave its reply queue bound behind it.
    celery_app.conf.worker_enable_remote_control = False
    yield name
    celery_app.conf.worker_enable_remote_control = True
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.queue_purge(name)
        channel.queue_delete(name)
        channel.exchange_delete(name)
    control_folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("control_folder")
    if control_folder:  # the file-system broker keeps an emptied exchange table as a file
        (Path(control_folder) / f"{name}.exchange").unlink(missing_ok=True)


def test_broker_is_redis_when_configured_else_filesystem() -> None:
    expected = "redis" if settings.REDIS_URL else "filesystem"

    with celery_app.connection_for_write() as conn:
        transport = conn.transport_cls

    assert transport == expected


@pytest.mark.timeout(60)
@pytest.mark.django_db(transaction=True)
def test_send_email_is_consumed_by_a_worker_through_the_broker(test_queue: str) -> None:
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[test_queue], shutdown_timeout=20):
        send_email.apply_async(
            kwargs={"subject": "Queued", "body": "Through the broker.", "to": ["ann@example.com"]}, queue=test_queue
        )
        _wait_for_outbox(1, seconds=30)

    assert [(m.subject, m.body, m.to) for m in mail.outbox] == [("Queued", "Through the broker.", ["ann@example.com"])]


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run tasks at the moment they are queued, so a task queued too early shows in the outbox."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.mark.usefixtures("eager_tasks")
def test_password_reset_queues_nothing_when_transaction_rolls_back(
    applicant: User, anonymous_client: Client, django_capture_on_commit_callbacks
) -> None:
    responses = []

    def request_then_fail() -> None:
        with transaction.atomic():
            responses.append(anonymous_client.post(reverse("accounts:password_reset"), {"email": applicant.email}))
            raise _RolledBack

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(_RolledBack):
        request_then_fail()
    (response,) = responses

    assert response.status_code == 302
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.usefixtures("eager_tasks")
def test_password_reset_sends_one_email_after_commit(
    applicant: User, anonymous_client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        anonymous_client.post(reverse("accounts:password_reset"), {"email": applicant.email})
        sent_before_commit = len(mail.outbox)
    for callback in callbacks:
        callback()

    assert sent_before_commit == 0
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [[applicant.email]]


def test_the_worker_command_runs_below_the_web_s_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    from celery.signals import celeryd_init

    niced: list[int] = []
    monkeypatch.setattr("config.celery.os.nice", niced.append)

    monkeypatch.delenv("CELERY_WORKER_NICENESS", raising=False)
    celeryd_init.send(sender="worker@host", instance=None, conf=celery_app.conf, options={})
    monkeypatch.setenv("CELERY_WORKER_NICENESS", "0")
    celeryd_init.send(sender="worker@host", instance=None, conf=celery_app.conf, options={})
    monkeypatch.setenv("CELERY_WORKER_NICENESS", "5")
    celeryd_init.send(sender="worker@host", instance=None, conf=celery_app.conf, options={})

    assert niced == [10, 5]
