"""The Celery application: settings from Django, tasks discovered from the apps."""

import os

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("clusterflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    # Late acknowledgement with rejection on worker loss: a task whose worker dies is
    # redelivered, so every task must be idempotent.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_time_limit=300,
    task_soft_time_limit=240,
    # Bounded retries with exponential backoff and jitter for tasks that opt in with
    # autoretry_for; the cap stays far below the Redis visibility timeout.
    task_default_retry_delay=10,
    task_annotations={"*": {"max_retries": 5, "retry_backoff": True, "retry_backoff_max": 600, "retry_jitter": True}},
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    enable_utc=True,
)
app.autodiscover_tasks()


@celeryd_init.connect
def worker_priority_lower(**_kwargs: object) -> None:
    """Run the task worker below the web's processor priority (``CELERY_WORKER_NICENESS``, 10 by default).

    What the worker does (emails, sweeps, documents laid out) can wait seconds; a page cannot.
    On a machine the web and the worker share, a worker printing documents at a deadline
    would otherwise take the processors from the submissions (bench/README.md, the surge).
    Set as the worker command starts (``celeryd_init``: not for a worker a test starts in its own
    process), before its pool, whose processes inherit it; 0 leaves the priority alone.
    """
    niceness = int(os.environ.get("CELERY_WORKER_NICENESS", "10"))
    if niceness > 0:
        os.nice(niceness)
