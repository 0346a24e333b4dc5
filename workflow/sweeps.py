"""Periodic sweeps over the database that notify about deadlines. Idempotent by key."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case, CharField, DateTimeField, Exists, F, OuterRef, QuerySet, Value, When
from django.db.models.functions import Concat, JSONObject
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from assessment.choices import ACTIVE_ASSIGNMENT_STATES, ReviewState
from assessment.models import Assignment
from board.models import AgendaItem, Vote
from board.selectors import board_recused
from intake.models import ProgramRole, Proposal, ProposalQuerySet
from intake.states import EDITABLE_STATES, ProposalState
from records.events import Channel, Event
from records.models import Notification
from records.notifications import (
    notification_emails_queue_on_commit,
    notification_key_expression,
    notification_list_create,
    notification_rows,
)
from records.sql import IsoFormat, Joined, insert_from_select

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


# --- Reviews: reminders to assessors, escalation to staff ---------------------------------------

#: Assessors are reminded when this much time is left before a review is due, the nearest first.
REVIEW_REMINDER_WINDOWS = (timedelta(days=1), timedelta(days=3))


def review_reminders_send(*, now: datetime | None = None) -> int:
    """Remind assessors of their reviews due soon, one message per assessor; return how many assessors.

    A review is due soon 3 days before its due date and again on its last day (24 hours).
    Each assessor gets one message listing every review of theirs that entered a window
    since the last run; a review is listed once per window and due date (the message's
    context keeps what it listed), so a second run sends nothing. One read of the reviews
    due, one of the earlier reminders, and one insert.
    """
    now = now or timezone.now()
    due = _reviews_open().filter(due_at__gt=now, due_at__lte=now + REVIEW_REMINDER_WINDOWS[-1])
    by_assessor: dict[int, list[dict[str, Any]]] = defaultdict(list)
    languages: dict[int, str] = {}
    for row in due:
        window = next(w for w in REVIEW_REMINDER_WINDOWS if row["due_at"] <= now + w)
        languages[row["assessor_id"]] = row["assessor__preferred_language"]
        by_assessor[row["assessor_id"]].append(
            {
                **_review_item(row, row["assessor__preferred_language"]),
                "days": (row["due_at"] - now).days,
                "token": f"a{row['pk']}:{window.days}d:{row['due_at'].isoformat()}",
            }
        )
    return reminders_of_fresh_items(
        event=Event.REVIEW_REMINDER,
        key="reviews",
        by_person=by_assessor,
        people={pk: User(pk=pk, preferred_language=language) for pk, language in languages.items()},
        since=now - REVIEW_REMINDER_WINDOWS[-1] - timedelta(days=1),
        now=now,
    )


def reviews_overdue_escalate(*, now: datetime | None = None) -> int:
    """Tell staff, once a day, of every review of their programs past its due date and not submitted.

    Each staff member gets one message listing those of the programs they are staff of (none
    if none is overdue there), never another program's; the key holds the server's (UTC)
    date, so the sweep may run as often as it likes. One read of the reviews overdue, one of
    the staff's grants, one insert; return how many staff members were told.
    """
    now = now or timezone.now()
    overdue = list(_reviews_open().filter(due_at__lte=now))
    if not overdue:
        return 0

    def items_for(member: User, programs: frozenset[int] | None) -> list[dict[str, Any]]:
        return [
            {**_review_item(row, member.preferred_language), "assessor": row["assessor__display_name"]}
            for row in overdue
            if programs is None or row["proposal__call__program_id"] in programs
        ]

    return staff_told_once_a_day(event=Event.REVIEWS_OVERDUE, key="reviews", day=now.date(), items_for=items_for)


def reminders_of_fresh_items(
    *,
    event: Event,
    key: str,
    by_person: dict[int, list[dict[str, Any]]],
    people: dict[int, User],
    since: datetime,
    now: datetime,
    context: Callable[[list[dict[str, Any]]], dict[str, Any]] | None = None,
) -> int:
    """Send each person one reminder of ``event`` listing their items that no reminder listed since ``since``.

    ``by_person`` holds each person's items, each with a ``token`` naming the item, its window and
    its date; a message's context keeps the tokens under ``key`` (``context`` builds it from the
    fresh items when it holds more), so a second run finds them and sends nothing. The message's
    occurrence is a hash of its tokens, and it is dated by the sweep's clock, which the next run
    reads back. One read of the earlier reminders and one insert; return how many people were
    reminded.
    """
    reminded: dict[int, set[str]] = defaultdict(set)
    earlier = Notification.objects.filter(
        event=event, channel=Channel.EMAIL, recipient_id__in=list(by_person), created_at__gte=since
    ).values_list("recipient_id", "context")
    for recipient_id, listed in earlier:
        reminded[recipient_id].update(item.get("token", "") for item in listed.get(key, []))
    rows: list[Notification] = []
    for person_id, items in by_person.items():
        fresh = [item for item in items if item["token"] not in reminded[person_id]]
        if fresh:
            occurrence = hashlib.sha256("|".join(sorted(item["token"] for item in fresh)).encode()).hexdigest()[:16]
            rows += notification_rows(
                event=event,
                recipients=[people[person_id]],
                occurrence=occurrence,
                context=context(fresh) if context else {key: fresh},
            )
    for notification in rows:
        notification.created_at = now
    with transaction.atomic():
        notification_list_create(rows, may_exist=True)
    return len(rows) // 2


def staff_told_once_a_day(
    *, event: Event, key: str, day: date, items_for: Callable[[User, frozenset[int] | None], list[dict[str, Any]]]
) -> int:
    """Tell each staff member once on ``day`` of what ``items_for`` lists for them (nothing: no message).

    ``items_for`` takes the member and the programs they are staff of (``None``: every program)
    and lists only those programs' items; the key holds the day, so the sweep may run as often as
    it likes. Return how many staff members were told.
    """
    rows: list[Notification] = []
    told = 0
    for member, programs in staff_with_programs():
        items = items_for(member, programs)
        if items:
            told += 1
            rows += notification_rows(
                event=event, recipients=[member], occurrence=f"d{day.isoformat()}", context={key: items}
            )
    with transaction.atomic():
        notification_list_create(rows, may_exist=True)
    return told


def staff_with_programs() -> list[tuple[User, frozenset[int] | None]]:
    """Return each active staff member with the programs they are staff of (``None``: every program), in one read.

    The same people as ``intake.program_roles.audience`` for each program: those holding the
    staff role and granted it for the program, a grant without a program covering them all.
    The sweeps that escalate to staff (reviews here, claims in ``workflow.claim_sweeps``) group
    what is overdue per staff member with it, each member told only of their own programs.
    Each user is a bare ``User`` with its key and preferred language, enough to address a
    notification to.
    """
    holds_staff = User.groups.through.objects.filter(user_id=OuterRef("user_id"), group__name=Role.STAFF)
    grants = (
        ProgramRole.objects.filter(Exists(holds_staff), role=Role.STAFF, user__is_active=True)
        .order_by("user_id", "program_id")
        .values_list("user_id", "user__preferred_language", "program_id")
    )
    languages: dict[int, str] = {}
    programs: dict[int, set[int] | None] = {}
    for user_id, language, program_id in grants:
        languages[user_id] = language
        held = programs.setdefault(user_id, set())
        if program_id is None:
            programs[user_id] = None
        elif held is not None:
            held.add(program_id)
    return [
        (User(pk=pk, preferred_language=languages[pk]), None if held is None else frozenset(held))
        for pk, held in programs.items()
    ]


def _reviews_open() -> QuerySet[Any]:
    """The live assignments whose review is not submitted, as the values the messages list."""
    return (
        Assignment.objects.filter(state__in=ACTIVE_ASSIGNMENT_STATES)
        .exclude(review__state=ReviewState.SUBMITTED)
        .order_by("due_at", "pk")
        .values(
            "pk",
            "due_at",
            "assessor_id",
            "assessor__preferred_language",
            "assessor__display_name",
            "proposal__title",
            "proposal__call__program_id",
            "proposal__call__title_en",
            "proposal__call__title_fr",
            "proposal__call__timezone",
        )
    )


def _review_item(row: dict[str, Any], language: str) -> dict[str, Any]:
    call = row["proposal__call__title_fr"] if language.startswith("fr") else row["proposal__call__title_en"]
    return {
        "title": row["proposal__title"],
        "call": call,
        "due_at": row["due_at"].isoformat(),
        "timezone": row["proposal__call__timezone"],
    }


# --- The board: members reminded of their missing votes -----------------------------------------

#: Board members are reminded of their missing votes when this much time is left before the
#: meeting, the nearest first: on the day (its last 24 hours) and 2 days before.
BOARD_VOTE_REMINDER_WINDOWS = (timedelta(days=1), timedelta(days=2))


def board_vote_reminders_send(*, now: datetime | None = None) -> int:
    """Remind each board member of the votes they have not cast before their meetings; return how many members.

    A meeting's members are reminded 2 days before it and again on the day (its last 24
    hours), by the server's clock, of each proposal of its current agenda still before the
    board that they may vote on (not recused) and have not. Each member gets one message per
    run listing every such meeting that entered a window since the last run; a meeting is
    listed once per window and date (the message's context keeps what it listed), so a
    second run sends nothing. One read of the missing votes, one of the earlier reminders,
    one insert.
    """
    now = now or timezone.now()
    # Only who sits on the board of the meeting's program may vote there (``board.services.meetings``).
    board_seat = ProgramRole.objects.filter(
        user_id=OuterRef("member_id"), program_id=OuterRef("meeting__call__program_id"), role=Role.BOARD_MEMBER
    )
    missing = (
        AgendaItem.objects.filter(
            deferred_to__isnull=True,
            proposal__state=ProposalState.BOARD_REVIEW,
            meeting__decisions_released_at__isnull=True,
            meeting__held_at__gt=now,
            meeting__held_at__lte=now + BOARD_VOTE_REMINDER_WINDOWS[-1],
        )
        .annotate(member_id=F("meeting__members"))
        .exclude(board_recused(member=OuterRef("member_id"), proposal=OuterRef("proposal_id")))
        .exclude(Exists(Vote.objects.filter(item_id=OuterRef("pk"), member_id=OuterRef("member_id"))))
        .filter(Exists(board_seat))
        .order_by("meeting__held_at", "meeting_id", "proposal__title", "pk")
        .values_list(
            "member_id",
            "meeting__members__is_active",
            "meeting__members__preferred_language",
            "meeting_id",
            "meeting__held_at",
            "meeting__call__timezone",
            "meeting__call__title_en",
            "meeting__call__title_fr",
            "proposal__title",
        )
    )
    by_member: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    languages: dict[int, str] = {}
    for member_id, active, language, meeting_id, held_at, zone, call_en, call_fr, title in missing:
        if not active:
            continue
        languages[member_id] = language
        meeting = by_member[member_id].get(meeting_id)
        if meeting is None:
            window = next(w for w in BOARD_VOTE_REMINDER_WINDOWS if held_at <= now + w)
            meeting = by_member[member_id][meeting_id] = {
                "meeting": meeting_id,
                "held_at": held_at.isoformat(),
                "timezone": zone,
                "call": (call_fr or call_en) if language.startswith("fr") else call_en,
                "today": window == BOARD_VOTE_REMINDER_WINDOWS[0],
                "titles": [],
                "token": f"m{meeting_id}:{window.days}d:{held_at.isoformat()}",
            }
        meeting["titles"].append(title)
    return reminders_of_fresh_items(
        event=Event.BOARD_VOTES_MISSING,
        key="meetings",
        by_person={member_id: list(meetings.values()) for member_id, meetings in by_member.items()},
        people={pk: User(pk=pk, preferred_language=language) for pk, language in languages.items()},
        since=now - BOARD_VOTE_REMINDER_WINDOWS[-1] - timedelta(days=1),
        now=now,
        context=lambda fresh: {"meetings": fresh, "count": sum(len(meeting["titles"]) for meeting in fresh)},
    )
