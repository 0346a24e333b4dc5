"""Celery tasks of the records: sending the notification emails, relaying the unsent, sealing the audit trail."""

from __future__ import annotations

import smtplib

from celery import shared_task

import config.celery  # noqa: F401 - the application these tasks are queued through, outside the worker too
from intake.services.documents import notification_receipts
from records import audit_chain, notifications


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def send_notification_emails(ids: list[int]) -> int:
    """Send the notification emails ``ids`` that are still unsent, a submission's with its receipt."""
    return notifications.notification_emails_send(ids=ids, attachments=notification_receipts)


@shared_task
def relay_unsent_notifications() -> int:
    """Re-queue emails still unsent some minutes after they were written."""
    return notifications.notifications_relay()


@shared_task
def seal_audit_trail() -> int:
    """Append the audit records written since the last run to the hash chain."""
    return audit_chain.audit_seal().sealed
