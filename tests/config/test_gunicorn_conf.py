"""gunicorn's hooks: a worker loads what every page uses, freezes it, and collects each request's young garbage.

Issue 23, ADR 0063. The file is the project root's ``gunicorn.conf.py``, which gunicorn reads from the
folder it starts in (the image's ``/app``, the benches' project root).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

from gunicorn.app.base import Application
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "gunicorn.conf.py"


class _Reader(Application):
    """gunicorn's reading of a configuration file, without the command line's arguments."""

    def __init__(self) -> None:
        self.cfg = Config()

    def init(self, parser: Any, opts: Any, args: Any) -> None:
        return None

    def load(self) -> Any:
        return None


def _loaded() -> Config:
    reader = _Reader()
    reader.load_config_from_file(str(CONF))
    return reader.cfg


def test_gunicorn_reads_the_file_from_the_folder_it_starts_in() -> None:
    assert Config().settings["config"].default == "./gunicorn.conf.py"
    assert CONF.is_file()


def test_the_file_sets_the_workers_hooks() -> None:
    cfg = _loaded()

    assert cfg.post_worker_init.__module__ == "__config__"
    assert cfg.post_request.__module__ == "__config__"


class _Node:
    other: Any = None


def test_after_a_request_its_cyclic_garbage_is_freed() -> None:
    cfg = _loaded()
    a, b = _Node(), _Node()
    a.other, b.other = b, a  # a cycle, which reference counting never frees
    freed = weakref.ref(a)
    gc.collect(0)  # alive at a collection, as a request's objects are while it runs: now in an older generation
    del a, b

    assert freed() is not None
    cfg.post_request(None, None, {}, None)

    assert freed() is None


WORKER_INIT = """
import gc, json, sys
import runpy
hooks = runpy.run_path(sys.argv[1])
import config.wsgi
hooks["post_worker_init"](None)
print(json.dumps([gc.get_freeze_count(), gc.get_count()[2], "config.urls" in sys.modules]))
"""


def test_a_worker_loads_the_urlconf_and_freezes_what_it_loaded() -> None:
    # In a process of its own: freezing this one's objects would keep the suite's garbage.
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-W", "ignore", "-c", WORKER_INIT, str(CONF)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    frozen, oldest, urlconf = json.loads(result.stdout.strip().splitlines()[-1])

    assert urlconf is True
    assert frozen > 50_000  # Django, the project's models and views
    assert oldest == 0
