"""Run the deadline surge end to end and judge it; one JSON line of figures on stdout.

1. Drop and create the database (``DATABASE_URL``, by default ``cf_surge`` on the local
   server), flush the Redis database (``REDIS_URL``, by default number 13), migrate, seed.
2. Start gunicorn with 2 sync workers (``--web-workers``, ``--web-threads``) and a Celery
   worker on production settings (no DEBUG), the worker writing its emails as files into a
   fresh folder (``EMAIL_FILE_PATH``).
3. Set the call's letter-of-intent deadline to a wall-clock time: the sign-in time, then
   the compressed hour. Queue the project's expiry sweep (``expire_overdue_proposals``) to
   run on the worker half a second after the deadline.
4. Run locust headless on ``bench/surge/locustfile.py`` until its shape ends the run, wait
   for the emails to be sent, stop the servers, and judge with ``bench.surge.check``.

Progress goes to stderr; stdout has the one JSON line. The exit status is 1 when any
verdict fails. The working folder (plan, outcomes, locust's CSV, logs, emails) is removed
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.surge.profile import Surge

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cf_surge"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.surge", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--applicants", type=int, default=1000, help="applicants with a draft in the call (1000)")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply the applicants, and so every arrival of the hour (2: twice the present model)",
    )
    parser.add_argument(
        "--attachment-share", type=float, default=1 / 3, help="share who upload a file in the hour (a third)"
    )
    parser.add_argument("--attachment-mb", type=float, default=10.0, help="the uploaded file's size in MiB (10)")
    parser.add_argument(
        "--compression", type=float, default=10.0, help="simulated time over wall time: 10 plays the hour in 6 minutes"
    )
    parser.add_argument("--share", type=float, default=0.6, help="share who submit in the last hour (0.6)")
    parser.add_argument("--late-share", type=float, default=0.05, help="share who try after the deadline (0.05)")
    parser.add_argument("--peak-factor", type=int, default=5, help="the peak minute over the hour's mean (5)")
    parser.add_argument(
        "--think", type=float, default=600.0, help="simulated seconds between an applicant's actions, on average (600)"
    )
    parser.add_argument(
        "--spawn-rate", type=float, default=20.0, help="most sign-ins started per second before the hour (20)"
    )
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn's processes (2; the image runs 3)")
    parser.add_argument(
        "--web-threads", type=int, default=1, help="threads of each: 1, sync workers (1); more, gthread (the image: 4)"
    )
    parser.add_argument("--celery-concurrency", type=int, default=1, help="Celery worker processes (1)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder and say where it is")
    args = parser.parse_args(argv)
    if round(args.applicants * args.scale) < 10 or args.compression <= 0 or args.spawn_rate <= 0:
        parser.error("--applicants times --scale must be at least 10, --compression and --spawn-rate positive")
    if not 0 <= args.attachment_share <= 1 or args.attachment_mb <= 0:
        parser.error("--attachment-share must be between 0 and 1, --attachment-mb positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    surge = Surge(
        applicants=round(args.applicants * args.scale),
        share=args.share,
        late_share=args.late_share,
        peak_factor=args.peak_factor,
        compression=args.compression,
        think_seconds=args.think,
        attachment_share=args.attachment_share,
        attachment_bytes=round(args.attachment_mb * 1024 * 1024),
    )
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.surge.settings"
    work = Path(tempfile.mkdtemp(prefix="clusterflow-surge-"))
    try:
        return run(surge, args, work)
    finally:
        if args.keep:
            _say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(surge: Surge, args: argparse.Namespace, work: Path) -> int:
    from bench.surge.seed import database_reset

    load_before = os.getloadavg()
    name = database_reset(os.environ["DATABASE_URL"])
    _redis_flush(os.environ["REDIS_URL"])
    _say(f"fresh database {name}, Redis {os.environ['REDIS_URL']} flushed")

    import django

    django.setup()
    from django.core.management import call_command

    from bench.surge.seed import deadline_set, seed

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    password = secrets.token_urlsafe(16)
    seeded = seed(applicants=surge.applicants, deadline=datetime.now(UTC) + timedelta(days=1), password=password)
    _say(f"migrated and seeded {surge.applicants} applicants in {time.perf_counter() - started:.1f} s")

    emails = work / "emails"
    emails.mkdir()
    env = _server_env(work, emails)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    with ExitStack() as stack:
        stack.callback(_close_connections)
        gunicorn = _start(
            stack,
            [str(VENV_BIN / "gunicorn"), "config.wsgi", "--workers", str(args.web_workers),
             "--worker-class", "gthread" if args.web_threads > 1 else "sync", "--threads", str(args.web_threads),
             "--bind", f"127.0.0.1:{port}",
             "--access-logfile", "-", "--access-logformat", '%(t)s "%(r)s" %(s)s %(D)sus', "--log-level", "warning"],
            env, work / "gunicorn.log",
        )  # fmt: skip
        worker = _start(
            stack,
            [str(VENV_BIN / "celery"), "-A", "config", "worker", "--concurrency", str(args.celery_concurrency),
             "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env, work / "celery.log",
        )  # fmt: skip
        _wait_for(f"{host}/accounts/login/", gunicorn)

        roles = surge.roles()
        uploads = surge.upload_times(roles)
        plan = {
            "host": host,
            "minute_counts": surge.counts(),
            "guard_seconds": surge.guard_seconds,
            "think_wall_seconds": surge.think_wall_seconds,
            "spawn_rate": args.spawn_rate,
            "password": password,
            "file_question": seeded["file_question"],
            "attachment_bytes": surge.attachment_bytes,
            "applicants": [
                {**row, "role": role, "at": at, "upload_at": upload}
                for row, (role, at), upload in zip(seeded["rows"], roles, uploads, strict=True)
            ],
        }
        (work / "plan.json").write_text(json.dumps(plan))
        locust_env = {**os.environ, "SURGE_PLAN": str(work / "plan.json"),
                      "SURGE_OUTCOMES": str(work / "outcomes.jsonl")}  # fmt: skip
        locust = _start(
            stack,
            [str(VENV_BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
             "--csv", str(work / "locust"), "--only-summary", "--loglevel", "WARNING", "--host", host],
            locust_env, None,
        )  # fmt: skip
        started = time.perf_counter()
        while not (work / "signed_in").exists():
            if locust.poll() is not None:
                raise SystemExit(f"surge: locust exited with status {locust.returncode} before the hour")
            time.sleep(0.5)
        signin_seconds = time.perf_counter() - started
        # The hour starts two seconds from now, and ends at the deadline, by the server's clock.
        deadline = time.time() + 2 + surge.hour_seconds
        deadline_set(seeded["call"], datetime.fromtimestamp(deadline, UTC))
        from workflow.tasks import expire_overdue_proposals

        expire_overdue_proposals.apply_async(eta=datetime.fromtimestamp(deadline + 0.5, UTC))
        end = deadline + surge.late_seconds + 5
        times = {"deadline": deadline, "hour_start": deadline - surge.hour_seconds,
                 "minute_seconds": surge.minute_seconds, "end": end}  # fmt: skip
        (work / "deadline.json").write_text(json.dumps(times))
        _say(
            f"{surge.applicants} signed in in {signin_seconds:.0f} s; deadline "
            f"{datetime.fromtimestamp(deadline, UTC):%H:%M:%S} UTC, the hour in {surge.hour_seconds:.0f} s: "
            f"{surge.on_time} submit before it (peak minute {surge.counts()[-1]}), {surge.late} after, "
            f"{surge.uploads} upload {surge.attachment_bytes / 2**20:.0f} MiB"
        )
        try:
            locust.wait(timeout=end - time.time() + 300)
        except subprocess.TimeoutExpired:
            _say("locust did not stop in time")
        _say(f"locust finished with status {locust.returncode}")
        unsent = _wait_for_emails(timeout=300)
        load_after = os.getloadavg()
        for process in (locust, gunicorn, worker):
            _stop(process)

        figures = judge(surge, work, emails, deadline=deadline, unsent=unsent)
        stats = _locust_stats(work / "locust_stats.csv")
    figures.update(
        date=datetime.now(UTC).strftime("%Y-%m-%d"),
        machine=f"{os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}",
        command="python -m bench.surge " + " ".join(sys.argv[1:]),
        applicants=surge.applicants,
        compression=surge.compression,
        hour_wall_seconds=round(surge.hour_seconds, 1),
        peak_minute=surge.counts()[-1],
        mean_minute=round(surge.on_time / len(surge.counts()), 2),
        sign_in_seconds=round(signin_seconds, 1),
        load_before=[round(value, 2) for value in load_before],
        load_after=[round(value, 2) for value in load_after],
        requests=stats,
    )
    print(json.dumps(figures), flush=True)
    return 0 if all(verdict["ok"] for verdict in figures["verdicts"].values()) else 1


def judge(surge: Surge, work: Path, emails: Path, *, deadline: float, unsent: int) -> dict[str, Any]:
    from bench.surge.check import (
        Attempt,
        Recorded,
        Uploads,
        confirmations_per_proposal,
        message_ids,
        p95,
        summary,
        verdicts,
    )
    from intake.choices import AttachmentType
    from intake.models import Attachment, Proposal
    from records.events import Channel, Event
    from records.models import AuditRecord, Notification

    attempts = []
    outcomes = work / "outcomes.jsonl"
    for line in outcomes.read_text().splitlines() if outcomes.exists() else []:
        row = json.loads(line)
        attempts.append(
            Attempt(row["proposal"], row["role"], row["sent_at"], row["answered_at"], row["status"], row["elapsed_ms"])
        )
    audit: dict[tuple[int, str], float] = {}
    for proposal, action, at in AuditRecord.objects.filter(action__in=["submit_loi", "expire"]).values_list(
        "proposal_id", "action", "at"
    ):
        audit[(proposal, action)] = at.timestamp()
    recorded = {
        pk: Recorded(state, audit.get((pk, "submit_loi")), audit.get((pk, "expire")))
        for pk, state in Proposal.objects.values_list("pk", "state")
    }
    received = message_ids(path.read_bytes() for path in sorted(emails.iterdir()))
    keys = Notification.objects.filter(event=Event.LOI_SUBMITTED, channel=Channel.EMAIL).values_list(
        "key", "proposal_id"
    )
    confirmations = confirmations_per_proposal(received, keys)
    known = set(Notification.objects.filter(channel=Channel.EMAIL).values_list("key", flat=True))
    from bench.surge.check import message_id_of

    known_ids = {message_id_of(key) for key in known}
    stats = _locust_stats(work / "locust_stats.csv")
    errors = sum(row["failures"] for row in stats.values())
    upload_stats = stats.get("upload", {"n": 0, "failures": 0})
    uploads = Uploads(
        planned=surge.uploads,
        accepted=upload_stats["n"] - upload_stats["failures"],
        stored=Attachment.objects.filter(kind=AttachmentType.ANSWER, removed_at__isnull=True).count(),
    )
    results = verdicts(
        deadline=deadline,
        planned_on_time=surge.on_time,
        attempts=attempts,
        recorded=recorded,
        confirmations=confirmations,
        errors=errors,
        uploads=uploads if surge.uploads else None,
    )
    on_time = sorted(a.elapsed_ms for a in attempts if a.role == "on_time" and a.status)
    late = [a.elapsed_ms for a in attempts if a.role == "late" and a.status]
    return {
        "scenario": "deadline_surge",
        "ok": all(result.ok for result in results),
        "submitted": sum(1 for row in recorded.values() if row.submitted_at is not None),
        "refused_late": sum(1 for a in attempts if a.sent_at >= deadline and a.status == 409),
        "expired": sum(1 for row in recorded.values() if row.state == "expired"),
        "submit_median_ms": round(on_time[len(on_time) // 2], 1) if on_time else None,
        "submit_p95_ms": round(p95(on_time) or 0, 1),
        "submit_max_ms": round(on_time[-1], 1) if on_time else None,
        "late_p95_ms": round(p95(late) or 0, 1),
        "errors": errors,
        "uploads_planned": uploads.planned,
        "uploads_stored": uploads.stored,
        "upload_median_ms": upload_stats.get("median_ms"),
        "upload_p95_ms": upload_stats.get("p95_ms"),
        "emails_received": sum(received.values()),
        "emails_unknown": sum(n for message_id, n in received.items() if message_id not in known_ids),
        "emails_unsent": unsent,
        "verdicts": summary(results),
    }


def _locust_stats(path: Path) -> dict[str, dict[str, Any]]:
    """Locust's requests per name: count, failures, median and 95th percentile in ms (its rounding)."""
    if not path.exists():
        return {}
    rows = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                continue
            rows[row["Name"]] = {
                "n": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "median_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
            }
    return rows


def _server_env(work: Path, emails: Path) -> dict[str, str]:
    """Production settings for the servers: no DEBUG, plain HTTP on this machine, emails as files."""
    (work / "media").mkdir()
    return {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
        "EMAIL_FILE_PATH": str(emails),
        "CELERY_BEAT_SCHEDULE_FILENAME": str(work / "celerybeat-schedule"),
        "LOG_LEVEL": "WARNING",
    }


def _start(stack: ExitStack, command: list[str], env: dict[str, str], log: Path | None) -> subprocess.Popen[bytes]:
    """Start ``command``, its output into ``log`` (or this process's stderr), stopped when ``stack`` closes."""
    handle = stack.enter_context(log.open("wb")) if log else sys.stderr
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)  # noqa: S603
    stack.callback(_stop, process)
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    give_up = time.time() + timeout
    while time.time() < give_up:
        if process.poll() is not None:
            raise SystemExit(f"surge: the server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"surge: {url} did not answer within {timeout:.0f} s")


def _wait_for_emails(timeout: float) -> int:
    """Wait until every email notification is sent (or ``timeout``); return how many are not."""
    from django.db import connection

    from records.events import Channel
    from records.models import Notification

    give_up = time.time() + timeout
    while True:
        unsent = Notification.objects.filter(channel=Channel.EMAIL, sent_at__isnull=True).count()
        if not unsent or time.time() > give_up:
            return unsent
        connection.close()
        time.sleep(2)


def _redis_flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()


def _say(message: str) -> None:
    print(f"surge: {message}", file=sys.stderr, flush=True)
