import os

# One BLAS thread per process (ADR 0044): the calibration's linear algebra is small (an
# eigendecomposition of assessors x assessors), and OpenBLAS's own threads, one per core in
# each web and Celery process, spin against each other on a busy machine. Set before numpy is
# first imported, which is after this package in every entry point (manage.py, the WSGI
# application, the Celery worker); an explicit setting in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from typing import Any

__all__ = ("celery_app",)


def __getattr__(name: str) -> Any:
    """Return the Celery application as ``config.celery_app``, imported on first use (issue 23).

    A web worker queues tasks by name and runs none, so it does not import Celery as it starts
    (``records.queue``); the worker (``celery -A config``) finds the application in
    ``config.celery``.
    """
    if name == "celery_app":
        from .celery import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
