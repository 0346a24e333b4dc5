"""Celery tasks of the workflow: thin, idempotent, retried with backoff."""

from __future__ import annotations

import smtplib

from celery import shared_task

from workflow import actions, audit_chain, notifications, retention, service_health, sweeps


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def send_notification_emails(ids: list[int]) -> int:
    """Send the notification emails ``ids`` that are still unsent."""
    return notifications.notification_emails_send(ids=ids)


@shared_task
def relay_unsent_notifications() -> int:
    """Re-queue emails still unsent some minutes after they were written."""
    return notifications.notifications_relay()


@shared_task
def expire_overdue_proposals() -> int:
    """Expire drafts and applications whose deadline has passed."""
    return actions.proposals_expire_overdue()


@shared_task
def send_deadline_reminders() -> int:
    """Remind lead applicants of unsubmitted proposals 7 days and 1 day before their deadline."""
    return sweeps.deadline_reminders_send()


@shared_task
def send_review_reminders() -> int:
    """Remind assessors of reviews due soon, and tell staff once a day of overdue ones."""
    return sweeps.review_reminders_send() + sweeps.reviews_overdue_escalate()


@shared_task
def seal_audit_trail() -> int:
    """Append the audit records written since the last run to the hash chain."""
    return audit_chain.audit_seal().sealed


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
