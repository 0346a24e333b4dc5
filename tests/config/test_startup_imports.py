"""A web worker starts without the heavy modules that only some actions use (issue 23, ADR 0052).

gunicorn's worker imports ``config.wsgi``; its first request imports the URLconf and, with
it, every view. None of that may import the solvers (OR-Tools, numpy, pandas), the PDF
readers (pypdf) or the PDF layout (WeasyPrint): they are imported inside the functions that
use them, so a worker that only serves pages keeps their memory (a few tens of MiB) free.
Run in a subprocess: this test process has imported them all already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Top-level modules a web worker must not import as it starts and loads its URLconf.
HEAVY = ("ortools", "numpy", "pandas", "scipy", "pypdf", "PIL", "weasyprint", "hypothesis")
#: Imported when first used (ADR 0052): Celery when a task is queued, the API's stack on its first request,
#: segno when a QR code is drawn.
LAZY = (
    "celery",
    "kombu",
    # Their packages are installed apps, and light; their views, serializers and schema are not.
    "rest_framework.compat",
    "rest_framework.views",
    "rest_framework.serializers",
    "drf_spectacular.views",
    "drf_spectacular.openapi",
    "requests",
    "pygments",
    "yaml",
    "jinja2",
    "api.v1.views",
    "segno",
)

PROBE = """
import json, sys
import config.wsgi
from django.urls import get_resolver
get_resolver().url_patterns  # the URLconf and every view, as a worker's first request imports them
from django.urls import reverse
reverse("home"), reverse("api_v1:docs"), reverse("common_grants:awards")  # every name, the API's too
from django.template import engines
engines.all()  # the site's template engine, as a worker's first page builds it (ADR 0063)
from django import forms
forms.TextInput().render("name", "value")  # and the form renderer's own engine
import assessment.solver, board.portfolio  # the solvers' modules themselves import OR-Tools only to solve
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} | set(sys.modules))))
"""


def _modules_after_startup(extra_env: dict[str, str] | None = None) -> set[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "false", **(extra_env or {})})
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-W", "ignore", "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_a_worker_starts_without_the_heavy_modules() -> None:
    loaded = _modules_after_startup()

    assert {"django", "intake", "assessment", "board"} <= loaded  # the probe did load the project and its views
    assert sorted(set(HEAVY) & loaded) == []


def test_a_worker_starts_without_celery_or_the_apis_stack() -> None:
    loaded = _modules_after_startup()

    assert {"api.v1.urls", "api.lazy"} <= loaded  # the API's routes were declared
    assert sorted(set(LAZY) & loaded) == []


def test_the_probe_sees_celery_imported_at_startup(tmp_path: Path) -> None:
    # A settings module that imports the Celery application, as config/__init__.py did.
    (tmp_path / "celery_settings.py").write_text("import config.celery\nfrom config.settings import *\n")

    loaded = _modules_after_startup(
        {"DJANGO_SETTINGS_MODULE": "celery_settings", "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    )

    assert {"celery", "kombu"} <= loaded


def test_the_celery_application_is_found_where_the_worker_looks() -> None:
    # ``celery -A config`` finds ``config.celery.app``; ``config.celery_app`` imports it on first use.
    from celery.app.utils import find_app

    import config

    assert find_app("config") is config.celery_app
    assert config.celery_app.main == "clusterflow"


def test_the_probe_sees_a_heavy_module_imported_at_startup(tmp_path: Path) -> None:
    # A settings module that imports numpy, as a view importing the solver at its top would.
    (tmp_path / "heavy_settings.py").write_text("import numpy\nfrom config.settings import *\n")

    loaded = _modules_after_startup(
        {"DJANGO_SETTINGS_MODULE": "heavy_settings", "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    )

    assert "numpy" in loaded


LOAD_THE_SETTINGS = """
import os, sys
os.environ.pop("OPENBLAS_NUM_THREADS", None)
import config
print("numpy" in sys.modules, os.environ.get("OPENBLAS_NUM_THREADS"))
"""


def test_every_entry_point_limits_blas_to_one_thread_before_numpy_is_imported() -> None:
    # ADR 0044: the calibration's small linear algebra runs on one thread, whatever the machine's cores.
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", LOAD_THE_SETTINGS], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.split() == ["False", "1"]
