"""The backup benchmark runs end to end at a tiny scale: a backup, then a verified restore in a new process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_backup_bench_on_sqlite_backs_up_and_restores_every_file() -> None:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}

    completed = subprocess.run(
        [sys.executable, "-m", "bench.backup", "--proposals", "4", "--files-per-proposal", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert completed.returncode == 0, completed.stderr
    backup, restore = (json.loads(line) for line in completed.stdout.splitlines())
    assert (backup["case"], backup["database"], backup["proposals"], backup["files"]) == ("backup", "sqlite", 4, 8)
    assert backup["archive_bytes"] > 8 * 2048
    assert (restore["case"], restore["files"], restore["rows"], restore["verified"]) == (
        "restore",
        8,
        backup["rows"],
        True,
    )
