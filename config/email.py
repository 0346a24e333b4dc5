"""The embedded default's email backend: each email in the terminal as its subject, recipients and text part.

Django's console backend prints the whole message, HTML alternative and headers included:
thousands of lines per journey. Here each message is a short block with what a person
checking the demo reads: who it is to, its subject and its plain text (with its links).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from typing import Any, TextIO

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


def email_summary(message: EmailMessage) -> str:
    """Return ``message`` as the terminal shows it: recipients, subject, text part, between rules."""
    rule = "-" * 79
    recipients = ", ".join(message.recipients())
    return f"{rule}\nTo: {recipients}\nSubject: {message.subject}\n\n{message.body.rstrip()}\n{rule}\n"


class ConsoleTextEmailBackend(BaseEmailBackend):
    """Write each email's recipients, subject and text part to the terminal (standard output by default)."""

    def __init__(self, *args: Any, stream: TextIO | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        sent = 0
        with self._lock:
            for message in email_messages:
                self.stream.write(email_summary(message))
                self.stream.flush()
                sent += 1
        return sent
