"""gunicorn's hooks for every worker that serves the site (ADR 0063).

gunicorn reads this file from the folder it starts in: the image's ``/app`` (the Dockerfile's
command and docker-compose.yml's), and the project's root for the benches that start it
(``python -m bench.memory``, ``python -m bench.surge``). The rest of gunicorn's options stay
in the Dockerfile's ``GUNICORN_CMD_ARGS`` and ``WEB_CONCURRENCY``.

A request leaves garbage in reference cycles (an exception kept with its traceback, such as
the one Django's ORM keeps while it resolves a JSON key in ``values_list``, holds the frames of
the view and, with them, the page it rendered; model instances prefetched with their parent).
Python's collector frees such cycles only when their generation is collected, and the oldest
generation, where a long request's objects end up, only after its count of objects grew by a
quarter: some tens of requests. Their garbage piled up in the meantime and left the worker's
memory fragmented, some 6 MiB higher after 50 rounds of the bench's pages (bench/README.md).
"""

from __future__ import annotations

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Load what every request uses, then keep it out of the collector's scans.

    The URLconf (and with it every view) and the template engine are what a worker's first
    request would load. ``gc.freeze()`` moves everything alive now into a generation the
    collector never scans, so that collecting the oldest generation later scans only what the
    requests made since.
    """
    from django.template import engines
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and the views
    engines.all()  # builds the template engines and imports their template tag libraries
    gc.collect()
    gc.freeze()


def post_request(worker: Any, req: Any, environ: dict[str, Any], resp: Any) -> None:
    """Free the request's cyclic garbage now, among the young objects (under a millisecond)."""
    gc.collect(1)
