"""A Redis outage: signing in, pages and submissions keep working, and the mails go out when it is back.

The test starts a redis-server of its own on a free port (with an append-only file, as the
docker-compose stack runs it, so that what Redis held survives the restart), points the
cache, the sessions and the Celery broker of this process at it, and runs a real Celery
worker process on it. It signs in and submits a letter of intent, stops that Redis, signs
in, reads pages and submits again (none of which may fail), signs the first user out,
starts Redis again, and checks that every email written meanwhile is sent and that the
signed-out session did not come back from Redis's copy.

It needs only the ``redis-server`` program, not the suite's Redis: it runs on both of CI's
passes and is skipped, saying so, only where that program is not installed.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from config.celery import app as celery_app
from intake.models import Proposal
from intake.states import ProposalState
from records.events import Channel
from records.models import Notification
from tests.factories import PASSWORD, UserFactory
from tests.records.test_celery_delivery import Worker, _message_ids, _relay_until, _row_message_id, _wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]

REDIS_SERVER = shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A ``redis-server`` subprocess on one port and folder, stopped and started at will."""

    def __init__(self, *, folder: Path) -> None:
        self.port = _free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            str(REDIS_SERVER),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.folder),
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--daemonize", "no",
        ]  # fmt: skip
        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        assert _wait_until(self.answers, seconds=10, step=0.05), (self.folder / "redis.log").read_text()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
        assert not self.answers()

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed here; the Redis outage test starts one of its own")
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder=folder)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def on_redis(settings: Any, redis_server: RedisServer) -> Iterator[str]:
    """Point this process's cache, sessions and Celery broker at ``redis_server``, as the full stack's settings do."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "clusterflow",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.SESSION_ENGINE = "accounts.sessions"
    conf = celery_app.conf
    saved = (conf.broker_url, conf.broker_transport_options, conf.task_default_queue)
    queue = f"clusterflow-outage-{uuid.uuid4().hex}"
    conf.broker_url = redis_server.url
    conf.broker_transport_options = {"visibility_timeout": 3600}
    conf.task_default_queue = queue
    _forget_broker_connections()
    yield queue
    # The pools of this Redis are kombu's, shared by URL: close them, the suite's broker's stay open.
    celery_app.pool.force_close_all()
    conf.broker_url, conf.broker_transport_options, conf.task_default_queue = saved
    _forget_broker_connections()


def _forget_broker_connections() -> None:
    """Make Celery take its connections from the pool of the broker it is now configured with."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def worker(on_redis: str, redis_server: RedisServer, tmp_path: Path) -> Iterator[Worker]:
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    process = Worker(queue=on_redis, mail_dir=mail_dir, log=tmp_path / "worker.log")
    process.env.pop("CELERY_FILESYSTEM_BROKER_DIR", None)
    process.env["REDIS_URL"] = redis_server.url
    yield process
    process.kill()


def _sign_in(email: str) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == reverse("accounts:dashboard")
    return client


def _submit(client: Client, proposal: Proposal) -> None:
    response = client.post(
        reverse("workflow:proposal_act", args=[proposal.pk, "submit_loi"]),
        {"submit_loi-expected_state": ProposalState.DRAFT},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.LOI_SUBMITTED


def _read_pages(client: Client) -> None:
    for name in ("accounts:dashboard", "accounts:profile", "records:inbox", "home"):
        response = client.get(reverse(name), follow=True)
        assert response.status_code == 200, (name, response.content.decode()[:2000])
        assert response.context["user"].is_authenticated, name


def _emails() -> list[Notification]:
    return list(Notification.objects.filter(channel=Channel.EMAIL))


@pytest.mark.timeout(180)
def test_redis_outage_keeps_sign_in_pages_and_submissions_and_loses_no_mail(
    redis_server: RedisServer, worker: Worker, make_proposal: Any, applicant: User
) -> None:
    UserFactory(role=Role.STAFF, email="sam@example.com")
    other = UserFactory(role=Role.APPLICANT, email="otto@example.com")
    before, during = make_proposal(title="Before the outage"), make_proposal(title="During the outage")
    third = make_proposal(title="Otto's", lead_applicant=other)
    worker.start()

    # Redis up: sessions are cached there, and the first submission's emails go out.
    client = _sign_in(applicant.email)
    _read_pages(client)
    _submit(client, before)
    session_key = client.cookies["sessionid"].value
    assert caches["default"].get(f"django.contrib.sessions.cached_db{session_key}") is not None
    sent_before = _wait_until(lambda: all(row.sent_at for row in _emails()), seconds=60, step=0.2)
    assert sent_before, worker.output()
    emails_before = len(_emails())
    assert emails_before > 0

    redis_server.stop()

    # Redis down: the signed-in user reads pages and submits; another signs in and submits.
    _read_pages(client)
    _submit(client, during)
    other_client = _sign_in(other.email)
    _read_pages(other_client)
    _submit(other_client, third)
    written_during = [row for row in _emails() if row.sent_at is None]
    assert len(written_during) == len(_emails()) - emails_before > 0
    # The first user signs out while Redis, which still holds their session, cannot hear it.
    assert client.post(reverse("accounts:logout")).status_code == 302
    stale = Client()
    stale.cookies["sessionid"] = session_key

    redis_server.start()

    # Redis back: what beat's relay does every minute queues what is unsent; the worker sends it.
    sent = _relay_until(lambda: all(row.sent_at for row in _emails()), seconds=90, relay=True)
    assert sent, worker.output()[-3000:]
    assert all(row.sent_at for row in _emails())
    written = _message_ids(Path(worker.env["EMAIL_FILE_PATH"]))
    assert set(written) == {_row_message_id(row) for row in _emails()}
    assert {_row_message_id(row) for row in written_during} <= set(written)
    # The session ended during the outage does not come back from Redis's copy of it.
    assert stale.get(reverse("accounts:profile")).status_code == 302
