"""Periodic sweeps over the database that notify about deadlines. Idempotent by key."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, CharField, DateTimeField, Exists, F, OuterRef, Value, When
from django.db.models.functions import Concat, JSONObject
from django.utils import timezone

from intake.models import Proposal, ProposalQuerySet
from workflow.events import Channel, Event
from workflow.models import Notification
from workflow.notifications import notification_emails_queue_on_commit, notification_key_expression
from workflow.sql import IsoFormat, Joined, insert_from_select
from workflow.states import EDITABLE_STATES

#: Reminders go out when this much time is left, the nearest first.
REMINDER_WINDOWS = (timedelta(days=1), timedelta(days=7))


def deadline_reminders_send(*, now: datetime | None = None, chunk: int = 5000) -> int:
    """Remind the lead applicant of every unsubmitted proposal whose deadline is near; return how many.

    A proposal gets at most one reminder per window and deadline (the key holds both), so
    a second run sends nothing, and an extension earns fresh reminders for the new date.
    Proposals already reminded are skipped before anything is written, and the rows are
    built and inserted in SQL, a chunk of proposals per statement and channel.
    """
    now = now or timezone.now()
    due = _reminders_due(now)
    # One pass finds every proposal still to remind; the chunks are then ranges of its keys.
    ids = list(
        due.alias(email_key=_reminder_key(Channel.EMAIL))
        .filter(~Exists(Notification.objects.filter(key=OuterRef("email_key"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    total = 0
    for start in range(0, len(ids), chunk):
        chunk_ids = ids[start : start + chunk]
        chunk_due = due.filter(pk__gte=chunk_ids[0], pk__lte=chunk_ids[-1])
        with transaction.atomic():
            _reminders_insert(chunk_due, channel=Channel.INBOX, now=now)
            emails = _reminders_insert(chunk_due, channel=Channel.EMAIL, now=now)
            notification_emails_queue_on_commit(emails)
        total += len(emails)  # One email per proposal reminded.
    return total


def _reminders_due(now: datetime) -> ProposalQuerySet:
    """Return the proposals whose deadline falls within a reminder window, with the window's days."""
    windows = [When(current_deadline__lte=now + window, then=Value(window.days)) for window in REMINDER_WINDOWS]
    return (
        Proposal.objects.with_deadline()
        .filter(
            state__in=EDITABLE_STATES,
            current_deadline__gt=now,
            current_deadline__lte=now + REMINDER_WINDOWS[-1],
        )
        .annotate(window_days=Case(*windows))
    )


def _reminders_insert(due: ProposalQuerySet, *, channel: str, now: datetime) -> list[int]:
    """Store the reminder on ``channel`` of each proposal of ``due`` not reminded yet; return the new ids."""
    created = insert_from_select(
        Notification,
        source=due,
        values={
            "key": _reminder_key(channel),
            "event": Value(Event.DEADLINE_REMINDER),
            "channel": Value(channel),
            "recipient_id": F("lead_applicant_id"),
            "proposal_id": F("pk"),
            "context": JSONObject(deadline=IsoFormat("current_deadline"), days=F("window_days")),
            "created_at": Value(now, output_field=DateTimeField()),
            "attempts": Value(0),
        },
        ignore_conflicts=True,
        returning=("id",),
    )
    return [pk for (pk,) in created]


def _reminder_key(channel: str) -> Joined:
    """Return the key ``notify`` makes for the reminder, the occurrence ``p<pk>:<deadline>:<days>d``."""
    return notification_key_expression(
        event=Event.DEADLINE_REMINDER,
        occurrence=Concat(
            Value("p"),
            F("pk"),
            Value(":"),
            IsoFormat("current_deadline"),
            Value(":"),
            F("window_days"),
            Value("d"),
            output_field=CharField(),
        ),
        recipient_id=F("lead_applicant_id"),
        channel=channel,
    )
