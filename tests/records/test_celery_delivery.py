"""Notification emails delivered by a real Celery worker process, including one killed mid-send.

Each test starts ``celery -A config worker`` as a subprocess on a queue of its own, pointed at
the test database, the configured broker (Redis with REDIS_URL, else the file-system broker)
and a file email backend, so what the worker sent can be read back from disk.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from config.celery import app as celery_app
from intake.states import ProposalState
from records.events import Channel, Event
from records.models import Notification
from records.notifications import notifications_relay, notify
from tests.factories import UserFactory
from workflow import actions

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(settings.BASE_DIR)
MESSAGE_ID = re.compile(r"^Message-ID: (<[^>]+>)", re.MULTILINE)
#: The claim the worker holds on a row it is sending: short, so a killed worker's claim lapses soon.
SHORT_CLAIM_SECONDS = 2


class _RolledBack(Exception):
    """Raised to roll a transaction back on purpose."""


def _wait_until(condition: Callable[[], bool], *, seconds: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def _database_env() -> dict[str, str]:
    """Return the environment that points a worker process at this test's database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"SQLITE_PATH": str(db["NAME"])}
    user = db["USER"] or ""
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return {"DATABASE_URL": f"postgres://{credentials}{db['HOST'] or 'localhost'}{port}/{db['NAME']}"}


def _broker_env() -> dict[str, str]:
    if settings.REDIS_URL:
        return {"REDIS_URL": settings.REDIS_URL}
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]).parent
    return {"CELERY_FILESYSTEM_BROKER_DIR": str(folder)}


class Worker:
    """A ``celery worker`` subprocess on one queue, started and SIGKILLed at will."""

    def __init__(self, *, queue: str, mail_dir: Path, log: Path) -> None:
        self.queue = queue
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        # Given this test's database and broker as they are: not the suite's parallel process's name
        # (PYTEST_XDIST_WORKER), from which the settings would derive its own Redis database and folder again.
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "SQLITE_PATH", "SQLITE_TEST_PATH", "REDIS_URL", "EMAIL_URL"}
            and not key.startswith("PYTEST_")
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            CELERY_TASK_DEFAULT_QUEUE=queue,
            EMAIL_FILE_PATH=str(mail_dir),
            NOTIFICATION_CLAIM_SECONDS=str(SHORT_CLAIM_SECONDS),
            LOG_LEVEL="WARNING",
            **_database_env(),
            **_broker_env(),
        )

    def start(self) -> None:
        """Start the worker unless it is running."""
        if self.process is not None and self.process.poll() is None:
            return
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            self.queue,
            "-n",
            f"{self.queue}@%h",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - a fixed command of this project
                command, cwd=BASE_DIR, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill(self) -> None:
        """SIGKILL the worker, as a crash or an OOM kill would, and wait for it to be gone."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def worker_queue() -> Iterator[str]:
    """Route this test's tasks to a queue of its own, which only its worker reads."""
    name = f"clusterflow-delivery-{uuid.uuid4().hex}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name
    yield name
    celery_app.conf.task_default_queue = previous
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.queue_purge(name)
        channel.queue_delete(name)
        channel.exchange_delete(name)
    control_folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("control_folder")
    if control_folder:  # the file-system broker keeps an emptied exchange table as a file
        (Path(control_folder) / f"{name}.exchange").unlink(missing_ok=True)


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


@pytest.fixture
def worker(transactional_db: None, worker_queue: str, mail_dir: Path, tmp_path: Path) -> Iterator[Worker]:
    """Return a worker process (not yet started); it is killed when the test ends, before the flush."""
    process = Worker(queue=worker_queue, mail_dir=mail_dir, log=tmp_path / "worker.log")
    yield process
    process.kill()


def _message_ids(mail_dir: Path) -> Counter[str]:
    """Count the Message-ID headers of every email the worker wrote, copies included."""
    counts: Counter[str] = Counter()
    for path in mail_dir.iterdir():
        counts.update(MESSAGE_ID.findall(path.read_text(errors="replace")))
    return counts


def _row_message_id(notification: Notification) -> str:
    return f"<{hashlib.sha256(notification.key.encode()).hexdigest()[:32]}@clusterflow>"


def _relay_until(condition: Callable[[], bool], *, seconds: float, relay: bool) -> bool:
    """Wait for ``condition``, relaying unsent emails now and then if ``relay``.

    The relay is told it is minutes later, so it re-queues every unsent row; the worker still
    skips a row whose (short) claim by a killed sender has not lapsed, hence the repeats.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if relay:
            notifications_relay(now=timezone.now() + timedelta(minutes=3))
        if _wait_until(condition, seconds=min(SHORT_CLAIM_SECONDS + 0.5, deadline - time.monotonic()), step=0.05):
            return True
    return condition()


def _unsent() -> int:
    return Notification.objects.filter(channel=Channel.EMAIL, sent_at__isnull=True).count()


@pytest.mark.timeout(60)
def test_committed_notifications_are_emailed_by_the_worker(
    worker: Worker, mail_dir: Path, make_proposal: Any, staff: User, applicant: User
) -> None:
    proposal = make_proposal(ProposalState.LOI_SUBMITTED)
    worker.start()

    with transaction.atomic():
        actions.proposal_invite(proposal=proposal, by=staff)
    delivered = _wait_until(lambda: _unsent() == 0, seconds=40, step=0.1)

    assert delivered, worker.output()
    (email,) = Notification.objects.filter(channel=Channel.EMAIL, recipient=applicant)
    assert email.event == Event.INVITED
    assert email.sent_at is not None
    assert _message_ids(mail_dir) == Counter({_row_message_id(email): 1})
    (path,) = mail_dir.iterdir()
    assert f"To: {applicant.email}" in path.read_text()


@pytest.mark.timeout(60)
def test_rolled_back_transaction_sends_nothing_and_stores_nothing(
    worker: Worker, mail_dir: Path, make_proposal: Any, applicant: User, other_applicant: User
) -> None:
    proposal = make_proposal(ProposalState.LOI_SUBMITTED)
    worker.start()

    def notify_then_fail() -> None:
        with transaction.atomic():
            notify(event=Event.INVITED, recipients=[applicant], occurrence="rolled-back", proposal=proposal)
            raise _RolledBack

    with pytest.raises(_RolledBack):
        notify_then_fail()
    # A committed notification afterwards: once the worker has sent it, it has read the queue
    # past anything the rolled-back one could have put there.
    with transaction.atomic():
        notify(event=Event.INVITED, recipients=[other_applicant], occurrence="committed", proposal=proposal)
    delivered = _wait_until(lambda: _unsent() == 0 and any(mail_dir.iterdir()), seconds=40, step=0.1)

    assert delivered, worker.output()
    assert not Notification.objects.filter(key__contains=":rolled-back:").exists()
    (sentinel,) = Notification.objects.filter(channel=Channel.EMAIL)
    assert sentinel.recipient == other_applicant
    assert _message_ids(mail_dir) == Counter({_row_message_id(sentinel): 1})


@pytest.mark.timeout(120)
def test_worker_killed_while_sending_loses_no_email(worker: Worker, mail_dir: Path, make_proposal: Any) -> None:
    """SIGKILL the worker several times mid-send: every email still goes out, at least once.

    The guarantee is at-least-once, not exactly-once. Each row is claimed (``attempts`` + 1)
    before its email is sent and marked ``sent_at`` after, in two separate steps around an
    SMTP send that no transaction can enclose. A kill between the send and the mark leaves an
    email delivered but its row unsent; once the claim lapses, the relay hands it out again
    and it is sent a second time, under the same stable Message-ID so a mail system can drop
    the copy. So: no row may end unsent (nothing lost), every row's Message-ID must be in the
    written mail, and a Message-ID written more than once must belong to a row claimed more
    than once (``attempts`` > 1). A duplicate from a row sent on its first claim would mean
    two senders held the same claim, which the claim exists to prevent.
    """
    proposal = make_proposal(ProposalState.LOI_SUBMITTED)
    recipients = [UserFactory(role=Role.APPLICANT) for _ in range(220)]
    with transaction.atomic():
        notify(
            event=Event.INVITED, recipients=recipients, occurrence="chaos", proposal=proposal, channels=(Channel.EMAIL,)
        )
    total = Notification.objects.filter(channel=Channel.EMAIL).count()
    assert total == 220

    rng = random.Random()  # noqa: S311 - chaos timing, not cryptography
    kills = 0
    for cycle in range(4):
        worker.start()
        before = total - _unsent()
        # The first worker finds the tasks queued on commit; later ones get what the killed
        # worker held, which the broker does not hand out again in time, from the relay.
        progressed = _relay_until(lambda before=before: total - _unsent() > before, seconds=30, relay=cycle > 0)
        assert progressed, f"the worker sent nothing in cycle {cycle}:\n{worker.output()[-3000:]}"
        if _unsent() == 0:
            break
        time.sleep(rng.uniform(0.0, 0.4))
        worker.kill()
        kills += 1

    worker.start()
    _relay_until(lambda: _unsent() == 0, seconds=60, relay=True)

    rows = list(Notification.objects.filter(channel=Channel.EMAIL))
    assert [row.pk for row in rows if row.sent_at is None] == [], worker.output()
    written = _message_ids(mail_dir)
    expected = {_row_message_id(row): row for row in rows}
    assert set(written) == set(expected)
    duplicated = {message_id: count for message_id, count in written.items() if count > 1}
    assert all(expected[message_id].attempts > 1 for message_id in duplicated), duplicated
    print(f"{kills} kills, {len(rows)} rows, {sum(written.values())} emails written, {len(duplicated)} duplicated")
