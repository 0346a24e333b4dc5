"""Celery tasks of the workflow: thin, idempotent, retried with backoff."""

from __future__ import annotations

from celery import shared_task

from workflow import retention, service_health, sweeps
from workflow.actions.deadlines import proposals_expire_overdue


@shared_task
def expire_overdue_proposals() -> int:
    """Expire drafts and applications whose deadline has passed."""
    return proposals_expire_overdue()


@shared_task
def send_deadline_reminders() -> int:
    """Remind lead applicants of unsubmitted proposals 7 days and 1 day before their deadline."""
    return sweeps.deadline_reminders_send()


@shared_task
def send_review_reminders() -> int:
    """Remind assessors of reviews due soon, and tell staff once a day of overdue ones."""
    return sweeps.review_reminders_send() + sweeps.reviews_overdue_escalate()


@shared_task
def check_service_health() -> dict[str, bool]:
    """Probe the database and the broker; open an outage when one fails, close it when it recovers."""
    return service_health.service_health_check()


@shared_task
def send_board_vote_reminders() -> int:
    """Remind board members of their missing votes 2 days before their meetings and on the day."""
    return sweeps.board_vote_reminders_send()


@shared_task
def dispose_due_proposals() -> int:
    """Dispose of the unsuccessful proposals past their program's retention and under no legal hold."""
    return retention.proposals_dispose_due()
