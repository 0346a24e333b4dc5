"""A gunicorn sync worker's peak memory after serving every page of the bench many times.

``python -m bench.memory`` seeds a fresh database with the seeds of every page the bench
measures (each case read with GET and answered 200; the floor is the bench's own URLconf,
not the project's), collects the static files, starts gunicorn with one sync worker from the
project's root (so with the hooks of its ``gunicorn.conf.py``, as the image serves) on
production settings (``DJANGO_DEBUG=false``) on a free port, signs each case's client in as
the case does (its session written to the database or Redis the server reads), then
requests every page ``--repeat`` times over HTTP. It reads the worker's own high-water mark
(``VmHWM`` in ``/proc/<pid>/status``, the kernel's peak resident set of that process) and
prints one JSON line with it, the worker's resident memory after starting and after the
first request, the verdict against the budget, and the modules the worker never imported
(read from ``/proc/<pid>/maps``: a heavy extension module mapped into the worker means it
was imported). Linux only (``/proc``). Exit status 1 when the peak is above the budget.
"""

from __future__ import annotations

import argparse
import http.cookies
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.database import fresh_database
from bench.registry import CASES, Case, SeedContext

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
#: Issue 23: a gunicorn sync worker at most 80 MiB at its peak after every page 50 times.
BUDGET_MIB = 80.0
#: Extension libraries whose presence in the worker's memory map shows the module was imported.
HEAVY_LIBRARIES = {
    "ortools": "/ortools/",
    "numpy": "/numpy/",
    "pandas": "/pandas/",
    "weasyprint (Pango)": "libpango",
    "PIL": "/PIL/",
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=200, help="how much to seed, as for python -m bench (200)")
    parser.add_argument("--repeat", type=int, default=50, help="requests of each page (50)")
    parser.add_argument(
        "--case", dest="cases", nargs="+", metavar="NAME", help="pages to serve (every GET page by default)"
    )
    args = parser.parse_args(argv)
    if args.scale < 1 or args.repeat < 1:
        parser.error("--scale and --repeat must be at least 1")
    return args


def pages(selected: Sequence[str] | None = None) -> list[Case]:
    """The bench's pages: every case read with GET that answers 200, but the floor (the bench's own URL)."""
    from bench.runner import FLOOR

    found = [c for c in CASES.values() if c.name != FLOOR and c.expected_status == 200]
    if selected:
        unknown = sorted(set(selected) - {c.name for c in found})
        if unknown:
            raise SystemExit(f"memory: not a page of the bench: {', '.join(unknown)}")
        found = [c for c in found if c.name in selected]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not Path("/proc/self/status").exists():
        raise SystemExit("memory: the worker's high-water mark is read from /proc: Linux only")
    warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # One key for this process and the server: the sessions signed in here carry a hash made with it.
    os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    load_before = os.getloadavg()
    with fresh_database() as (vendor, name), tempfile.TemporaryDirectory(prefix="clusterflow-memory-") as work:
        # The uploads where the server reads them: the seeds store the documents the worker printed.
        os.environ["MEDIA_ROOT"] = str(Path(work) / "media")
        import django

        django.setup()
        from bench.runner import cases_register

        cases_register()
        selected = pages(args.cases)
        _say(f"fresh {vendor} database {name}")
        figures = run(selected, scale=args.scale, repeat=args.repeat, work=Path(work))
    figures.update(
        database=vendor,
        scale=args.scale,
        repeat=args.repeat,
        date=datetime.now(UTC).strftime("%Y-%m-%d"),
        machine=f"{os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}",
        load_before=[round(value, 2) for value in load_before],
        load_after=[round(value, 2) for value in os.getloadavg()],
    )
    print(json.dumps(figures), flush=True)
    return 0 if figures["verdict"] == "within" else 1


def run(selected: list[Case], *, scale: int, repeat: int, work: Path) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client
    from django.utils import timezone

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    ctx = SeedContext(scale=scale, now=timezone.now())
    data = {c.name: ctx.need(c.seed) for c in selected}
    _say(f"migrated and seeded scale {scale} in {time.perf_counter() - started:.1f} s")
    # Each case's client signs in as the case does; its session lands where the server reads it.
    clients = {}
    for selected_case in selected:
        client = Client()
        if selected_case.prepare:
            selected_case.prepare(client, data[selected_case.name])
        clients[selected_case.name] = client
    connections.close_all()  # SQLite: let the server write

    env = server_env(work)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    log = (work / "gunicorn.log").open("wb")
    command = [
        str(VENV_BIN / "gunicorn"), "config.wsgi:application", "--workers", "1", "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning",
    ]  # fmt: skip
    master = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        worker = _worker_of(master.pid)
        _wait_for(f"{host}/accounts/login/", master)
        # The login page is the first request: the URLconf and its views are imported by now.
        after_first = _status(worker)
        started = time.perf_counter()
        served = 0
        for _ in range(repeat):
            for selected_case in selected:
                over_http = HttpClient(host, clients[selected_case.name])
                response = selected_case.request(over_http, data[selected_case.name])
                if response.status_code != selected_case.expected_status:
                    raise SystemExit(
                        f"memory: {selected_case.name} answered {response.status_code}, not "
                        f"{selected_case.expected_status}: see the server's log"
                    )
                served += 1
        seconds = time.perf_counter() - started
        status = _status(worker)
        maps = Path(f"/proc/{worker}/maps").read_text()
        if _worker_of(master.pid) != worker:
            raise SystemExit("memory: the worker was replaced during the run (see the server's log)")
    finally:
        _stop(master)
        log.close()
    peak = status["VmHWM"]
    return {
        "scenario": "gunicorn_sync_worker_memory",
        "pages": [c.name for c in selected],
        "requests": served,
        "seconds": round(seconds, 1),
        "worker_rss_after_first_request_mib": after_first["VmRSS"],
        "worker_rss_mib": status["VmRSS"],
        "worker_peak_mib": peak,
        "budget_mib": BUDGET_MIB,
        "verdict": "within" if peak <= BUDGET_MIB else "above",
        "heavy_libraries_loaded": sorted(name for name, mark in HEAVY_LIBRARIES.items() if mark in maps),
    }


class _Response:
    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Answer a redirect as it is: a page that sends to the sign-in page was not served."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class HttpClient:
    """The calls the bench's cases make on Django's test client (``get`` with a query), sent over HTTP.

    It carries the cookies and the default headers (``HTTP_AUTHORIZATION``) the case's own
    test client was given when it signed in; anything else is read from that client.
    """

    def __init__(self, host: str, signed_in: Any) -> None:
        self.host = host
        self.signed_in = signed_in

    def __getattr__(self, name: str) -> Any:
        return getattr(self.signed_in, name)

    def get(self, path: str, data: dict[str, Any] | None = None, **extra: Any) -> _Response:
        url = self.host + path + (f"?{urllib.parse.urlencode(data)}" if data else "")
        headers = {}
        for key, value in {**self.signed_in.defaults, **extra}.items():
            if key.startswith("HTTP_"):
                headers[key[5:].replace("_", "-").title()] = str(value)
        cookies: http.cookies.SimpleCookie = self.signed_in.cookies
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own server
        try:
            with _OPENER.open(request, timeout=120) as answer:
                return _Response(answer.status, answer.read())
        except urllib.error.HTTPError as error:
            return _Response(error.code, error.read())

    def post(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the memory bench serves pages only (GET)")


def server_env(work: Path) -> dict[str, str]:
    """Production settings for the server: no DEBUG, plain HTTP on this machine, static files collected."""
    (work / "media").mkdir(exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_CMD_ARGS": "",
    }


def _status(pid: int) -> dict[str, float]:
    """The process's memory lines of ``/proc/<pid>/status`` (VmRSS, VmHWM, …), in MiB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key.startswith("Vm") and value.strip().endswith("kB"):
            figures[key] = round(int(value.split()[0]) / 1024, 1)
    return figures


def _worker_of(master: int, timeout: float = 60) -> int:
    """The pid of the one worker the gunicorn ``master`` forked."""
    give_up = time.time() + timeout
    while time.time() < give_up:
        children = Path(f"/proc/{master}/task/{master}/children")
        found = children.read_text().split() if children.exists() else []
        if len(found) == 1:
            return int(found[0])
        time.sleep(0.2)
    raise SystemExit("memory: gunicorn did not start its one worker")


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    give_up = time.time() + timeout
    while time.time() < give_up:
        if process.poll() is not None:
            raise SystemExit(f"memory: the server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"memory: {url} did not answer within {timeout:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _say(message: str) -> None:
    print(f"memory: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
