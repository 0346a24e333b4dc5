"""Periodic sweeps over the database that notify about deadlines. Idempotent by key."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from intake.models import Proposal
from workflow.events import Channel, Event
from workflow.models import Notification
from workflow.notifications import notification_key, notification_list_create
from workflow.states import EDITABLE_STATES

#: Reminders go out when this much time is left, the nearest first.
REMINDER_WINDOWS = (timedelta(days=1), timedelta(days=7))


def deadline_reminders_send(*, now: datetime | None = None, chunk: int = 5000) -> int:
    """Remind the lead applicant of every unsubmitted proposal whose deadline is near; return how many.

    A proposal gets at most one reminder per window and deadline (the key holds both), so
    a second run sends nothing, and an extension earns fresh reminders for the new date.
    """
    now = now or timezone.now()
    total = 0
    last_pk = 0
    while True:
        rows = list(
            Proposal.objects.with_deadline()
            .filter(
                pk__gt=last_pk,
                state__in=EDITABLE_STATES,
                current_deadline__gt=now,
                current_deadline__lte=now + REMINDER_WINDOWS[-1],
            )
            .order_by("pk")
            .values_list("pk", "lead_applicant_id", "current_deadline")[:chunk]
        )
        if not rows:
            return total
        due = []
        for pk, lead, deadline in rows:
            window = next(window for window in REMINDER_WINDOWS if deadline - now <= window)
            occurrence = f"p{pk}:{deadline.isoformat()}:{window.days}d"
            key = notification_key(
                event=Event.DEADLINE_REMINDER, occurrence=occurrence, recipient_id=lead, channel=Channel.EMAIL
            )
            due.append((key, occurrence, pk, lead, deadline, window))
        # Reminders already sent are skipped before any row is built: a second run reads only.
        sent = set(Notification.objects.filter(key__in=[key for key, *_rest in due]).values_list("key", flat=True))
        notifications = [
            Notification(
                key=notification_key(
                    event=Event.DEADLINE_REMINDER, occurrence=occurrence, recipient_id=lead, channel=channel
                ),
                event=Event.DEADLINE_REMINDER,
                channel=channel,
                recipient_id=lead,
                proposal_id=pk,
                context={"deadline": deadline.isoformat(), "days": window.days},
                created_at=now,
            )
            for key, occurrence, pk, lead, deadline, window in due
            if key not in sent
            for channel in (Channel.INBOX, Channel.EMAIL)
        ]
        if notifications:
            with transaction.atomic():
                notification_list_create(notifications, may_exist=True)
            total += len(notifications) // 2
        last_pk = rows[-1][0]
