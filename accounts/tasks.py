"""Celery tasks of the accounts app."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

import config.celery  # noqa: F401 - the application these tasks are queued through, outside the worker too
from accounts.services import SignUpRequest, sign_in_history_purge, sign_up_email


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def send_email(*, subject: str, body: str, to: list[str], html: str | None = None) -> None:
    """Send one account email (such as a password reset), retrying while the server is unreachable."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task
def password_reset_email_send(
    *,
    email: str,
    domain: str,
    use_https: bool,
    subject_template_name: str,
    email_template_name: str,
    html_email_template_name: str | None = None,
) -> None:
    """Send the password-reset link to the active account of ``email``, if there is one (ADR 0017)."""
    from accounts.forms import QueuedPasswordResetForm

    # The request validated (and counted) the address; the form is only the way to Django's own reset email.
    form = QueuedPasswordResetForm()
    form.cleaned_data = {"email": email}
    form.send_now(
        domain=domain,
        use_https=use_https,
        subject_template_name=subject_template_name,
        email_template_name=email_template_name,
        html_email_template_name=html_email_template_name,
    )


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def sign_up_email_send(*, email: str, display_name: str, preferred_language: str) -> None:
    """Send the email that a sign-up asked for: the link to finish it, or word to the address's owner (ADR 0017)."""

    message = sign_up_email(
        request=SignUpRequest(email=email, display_name=display_name, preferred_language=preferred_language)
    )
    if message is not None:
        message.send()


@shared_task
def purge_sign_in_history() -> int:
    """Delete the sign-ins older than ``SIGN_IN_HISTORY_DAYS`` (a beat sweep)."""
    return sign_in_history_purge()
