"""The deadline surge: a locust load test of a call's last hour against gunicorn, PostgreSQL, Redis and Celery.

``python -m bench.surge`` runs it end to end (see ``bench.surge.runner``).
"""
