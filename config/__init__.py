import os

# One BLAS thread per process (ADR 0044): the calibration's linear algebra is small (an
# eigendecomposition of assessors x assessors), and OpenBLAS's own threads, one per core in
# each web and Celery process, spin against each other on a busy machine. Set before numpy is
# first imported, which is after this package in every entry point (manage.py, the WSGI
# application, the Celery worker); an explicit setting in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .celery import app as celery_app

__all__ = ("celery_app",)
