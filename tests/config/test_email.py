"""The embedded default prints each email as its recipients, subject and text part, never its HTML."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from django.core.mail import EmailMultiAlternatives, get_connection

BASE_DIR = Path(__file__).resolve().parents[2]


def test_console_email_shows_the_subject_the_recipient_and_the_text_part_only() -> None:
    stream = io.StringIO()
    message = EmailMultiAlternatives(
        subject="Your letter of intent is received",
        body="Hello Ann,\n\nView the proposal: http://127.0.0.1:8000/proposals/1/\n",
        to=["ann@example.com"],
    )
    message.attach_alternative("<html><body><p>Hello Ann,</p></body></html>", "text/html")

    sent = get_connection("config.email.ConsoleTextEmailBackend", stream=stream).send_messages([message])

    printed = stream.getvalue()
    assert sent == 1
    assert "To: ann@example.com\nSubject: Your letter of intent is received\n\nHello Ann," in printed
    assert "http://127.0.0.1:8000/proposals/1/" in printed
    assert "<html>" not in printed
    assert "Content-Type" not in printed


def test_the_embedded_default_prints_emails_with_it() -> None:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("EMAIL_")}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.EMAIL_BACKEND)"],
        cwd=BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.stdout.strip() == "config.email.ConsoleTextEmailBackend", result.stderr


def test_make_run_sets_the_site_url_from_its_host_and_port() -> None:
    assert 'export SITE_URL="${SITE_URL:-http://$host:$port}"' in (BASE_DIR / "bin/run-embedded").read_text()
