"""The one entry point that notifies people, and the sending of what it stored.

``notify`` writes one row per recipient and channel in the caller's transaction (the
inbox is that row), with a unique key so that nothing is ever sent twice, and queues the
emails only after the transaction commits. A periodic relay re-queues what is still
unsent, so an unreachable broker delays mail but loses none.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import F, Q, QuerySet, Value
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from records.events import Channel, Event
from records.models import Notification
from records.queue import current_app
from records.sql import Joined, insert_rows_per_user

logger = logging.getLogger(__name__)

SEND_TASK = "records.tasks.send_notification_emails"
BATCH = 200
#: How old an unsent email must be before the relay re-queues it.
RELAY_AFTER = timedelta(minutes=2)


def notify_audiences(
    *,
    audiences: Sequence[tuple[Event, Q]],
    occurrence: str,
    proposal: models.Model,
    context: dict[str, Any],
    channels: Sequence[Channel] = (Channel.INBOX, Channel.EMAIL),
) -> None:
    """Store what ``notify`` would for each ``(event, audience)``, an audience being a condition on users.

    One ``INSERT … SELECT`` for every event, recipient and channel, so telling the applicant
    and all of staff costs one statement and no read; the emails are queued after commit.
    ``occurrence`` must be new (a fresh audit record): nothing is stored for it yet.
    """
    values = {
        "proposal": proposal.pk,
        "context": context,
        "created_at": timezone.now(),
        "attempts": 0,
    }
    # One queryset per audience, whatever the channels: its ids' query is compiled once.
    users = [(event, User.objects.filter(audience)) for event, audience in audiences]
    parts = [
        (
            recipients,
            {"event": event, "channel": channel, **values},
            # ``notification_key`` around the recipient's id.
            (f"{event}:{occurrence}:", f":{channel}"),
        )
        for event, recipients in users
        for channel in channels
    ]
    created = insert_rows_per_user(
        Notification, parts=parts, user_field="recipient", key_field="key", returning=("id", "channel")
    )
    notification_emails_queue_on_commit([pk for pk, channel in created if channel == Channel.EMAIL])


def notify(
    *,
    event: Event,
    recipients: Iterable[User],
    occurrence: str,
    proposal: models.Model | None = None,
    context: dict[str, Any] | None = None,
    channels: Sequence[Channel] = (Channel.INBOX, Channel.EMAIL),
    may_exist: bool = False,
) -> None:
    """Store a notification of ``event`` for each recipient and channel; email them after commit.

    ``occurrence`` names this happening of the event (an audit record, a deadline). The key
    it makes is unique, so one occurrence is never stored or sent twice: pass ``may_exist``
    where notifying it again is expected, and the second time changes nothing.
    """
    notification_list_create(
        notification_rows(
            event=event,
            recipients=recipients,
            occurrence=occurrence,
            proposal=proposal,
            context=context,
            channels=channels,
        ),
        may_exist=may_exist,
    )


def notification_rows(
    *,
    event: Event,
    recipients: Iterable[User],
    occurrence: str,
    proposal: models.Model | None = None,
    context: dict[str, Any] | None = None,
    channels: Sequence[Channel] = (Channel.INBOX, Channel.EMAIL),
) -> list[Notification]:
    """Return the unsaved rows ``notify`` stores, for a caller that stores several events at once."""
    return [
        Notification(
            key=notification_key(event=event, occurrence=occurrence, recipient_id=recipient.pk, channel=channel),
            event=event,
            channel=channel,
            recipient_id=recipient.pk,
            proposal_id=None if proposal is None else proposal.pk,
            context=context or {},
        )
        for recipient in recipients
        for channel in channels
    ]


def notification_key(*, event: str, occurrence: str, recipient_id: int, channel: str) -> str:
    return f"{event}:{occurrence}:{recipient_id}:{channel}"


def notification_key_expression(*, event: str, occurrence: Any, recipient_id: Any, channel: str) -> Joined:
    """Return ``notification_key`` as an SQL expression, for rows built in the database.

    ``occurrence`` and ``recipient_id`` are expressions (``F``, ``Concat``…) over the rows.
    """
    return Joined(Value(f"{event}:"), occurrence, Value(":"), recipient_id, Value(f":{channel}"))


def notification_emails_queue_on_commit(ids: Sequence[int]) -> None:
    """Queue the emails ``ids`` (just inserted) once the transaction commits."""
    if ids:
        transaction.on_commit(lambda: _queue(ids), robust=True)


def notification_list_create(rows: list[Notification], *, may_exist: bool = False) -> None:
    """Insert ``rows`` and queue their emails once the transaction commits.

    Rows of a new occurrence (a fresh audit record) cannot exist yet: they are inserted
    plainly and their new ids queued as they are. With ``may_exist`` (a sweep that may
    have run before), keys that exist are skipped and the unsent ones looked up after commit.
    """
    if not may_exist:
        created = Notification.objects.bulk_create(rows, batch_size=2000)
        ids = [row.pk for row in created if row.channel == Channel.EMAIL]
        if ids and all(ids):
            notification_emails_queue_on_commit(ids)
            return
    else:
        Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    email_keys = [row.key for row in rows if row.channel == Channel.EMAIL]
    if email_keys:
        transaction.on_commit(lambda: _queue_unsent(email_keys), robust=True)


def _queue_unsent(keys: list[str]) -> None:
    ids: list[int] = []
    for start in range(0, len(keys), 5000):
        ids += Notification.objects.filter(key__in=keys[start : start + 5000], sent_at__isnull=True).values_list(
            "pk", flat=True
        )
    _queue(ids)


def _queue(ids: Sequence[int]) -> None:
    """Hand ``ids`` to the workers in batches; if the broker is down, the relay retries later."""
    try:
        for start in range(0, len(ids), BATCH):
            current_app.send_task(SEND_TASK, args=[list(ids[start : start + BATCH])])
    except Exception:  # The relay re-queues anything unsent; a broker outage must not fail the request.
        logger.exception("Could not queue %d notification emails; the relay will retry.", len(ids))


def _render_context(notification: Notification) -> dict[str, Any]:
    return {
        **notification.context,
        "recipient": notification.recipient,
        "proposal": notification.proposal,
        "site_url": settings.SITE_URL,
    }


def notification_render(notification: Notification) -> tuple[str, str, str]:
    """Return the subject, text and HTML of ``notification`` in its recipient's language."""
    context = _render_context(notification)
    folder = f"notifications/{notification.event}"
    with translation.override(notification.recipient.preferred_language):
        text = render_to_string(f"{folder}/body.txt", context)
        html = render_to_string(f"{folder}/body.html", context)
    return notification_subject(notification), text, html


def notification_subject(notification: Notification) -> str:
    """Return the subject of ``notification`` as ``notification_render`` does, without rendering the bodies."""
    with translation.override(notification.recipient.preferred_language):
        text = render_to_string(f"notifications/{notification.event}/subject.txt", _render_context(notification))
    return " ".join(text.split())


#: What an email carries besides its text: files as ``(name, content, content type)``.
EmailAttachments = Callable[[Notification], list[tuple[str, bytes, str]]]


def notification_emails_send(*, ids: Sequence[int], attachments: EmailAttachments | None = None) -> int:
    """Send the unsent emails among ``ids``, each claimed first so no two senders send it; return the count.

    ``attachments`` gives the files an email carries (a submission's receipt): apps above this
    one print them, so the sending task passes it in, and they are made again on each attempt.
    """
    sent = 0
    # How long this sender owns a row it claimed before the relay may hand it to another.
    claim = timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)
    for pk in ids:
        now = timezone.now()
        claimed = (
            Notification.objects.filter(pk=pk, channel=Channel.EMAIL, sent_at__isnull=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(claimed_until=now + claim, attempts=F("attempts") + 1)
        )
        if not claimed:
            continue
        notification = Notification.objects.select_related("recipient", "proposal").get(pk=pk)
        subject, text, html = notification_render(notification)
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            to=[notification.recipient.email],
            # A stable Message-ID lets mail systems drop a copy re-sent after a crash.
            headers={"Message-ID": f"<{hashlib.sha256(notification.key.encode()).hexdigest()[:32]}@clusterflow>"},
        )
        message.attach_alternative(html, "text/html")
        for name, content, content_type in _attachments(notification, attachments):
            message.attach(name, content, content_type)
        try:
            message.send()
        except Exception:
            Notification.objects.filter(pk=pk).update(claimed_until=None)
            raise
        Notification.objects.filter(pk=pk).update(sent_at=timezone.now(), claimed_until=None)
        sent += 1
    return sent


def _attachments(notification: Notification, attachments: EmailAttachments | None) -> list[tuple[str, bytes, str]]:
    """Return the files ``notification``'s email carries; none if making them fails.

    The email is sent without them rather than never: what it attaches can be downloaded from
    the page it links to (a receipt from the proposal's page), and the failure is logged.
    """
    if attachments is None:
        return []
    try:
        return attachments(notification)
    except Exception:
        logger.exception("Could not make the attachments of notification %s; sending it without them.", notification.pk)
        return []


def notifications_relay(*, now: datetime | None = None) -> int:
    """Re-queue emails still unsent a while after they were written; return how many."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(channel=Channel.EMAIL, sent_at__isnull=True, created_at__lt=now - RELAY_AFTER)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:10000]
    )
    _queue(ids)
    return len(ids)


def inbox_mark_read(*, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark ``user``'s inbox notifications read (all of them when ``ids`` is None); return how many."""
    unread = Notification.objects.filter(recipient=user, channel=Channel.INBOX, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def inbox_notifications(*, user: User) -> QuerySet[Notification]:
    """Return ``user``'s inbox, newest first, with what rendering a subject reads."""
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX).select_related(
        "recipient", "proposal", "proposal__call"
    )


def inbox_unread(*, user: Any) -> QuerySet[Notification]:
    """Return ``user``'s unread inbox notifications (``user`` may be an ``OuterRef`` to a user's key)."""
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX, read_at__isnull=True)


def inbox_unread_count(*, user: User) -> int:
    """Return how many of ``user``'s inbox notifications are unread."""
    return inbox_unread(user=user).count()
