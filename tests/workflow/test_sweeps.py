"""The deadline sweeps: expiry of overdue proposals and reminders before a deadline, each run twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import pytest
from django.utils import timezone

from accounts.models import User
from intake.models import Call, Proposal
from intake.states import ProposalState as S
from records import notifications
from records.events import Channel, Event
from records.models import AuditRecord, Notification
from records.notifications import notification_key
from tests.factories import CallFactory
from workflow import actions
from workflow.actions.deadlines import proposals_expire_overdue
from workflow.sweeps import deadline_reminders_send

MS = timedelta(milliseconds=1)
DAY = timedelta(days=1)


def _expired_pks() -> set[int]:
    return set(Proposal.objects.filter(state=S.EXPIRED).values_list("pk", flat=True))


def _notifications(event: str) -> list[tuple[int | None, str]]:
    return sorted(Notification.objects.filter(event=event).values_list("proposal_id", "channel"))


def _reminders() -> list[tuple[int | None, str, int]]:
    return sorted(
        (n.proposal_id, n.channel, n.context["days"])
        for n in Notification.objects.filter(event=Event.DEADLINE_REMINDER)
    )


# --- Expiry ----------------------------------------------------------------------------------


@pytest.fixture
def later_call(db: None) -> Call:
    """A call whose letters of intent close in 150 days and applications in 200."""
    return cast(Call, CallFactory(windows=(-10, 150, 200, 250, 260)))


@pytest.fixture
def sweep_at(call: Call) -> datetime:
    """A moment past ``call``'s both windows (30 and 90 days) but before ``later_call``'s."""
    return call.application_closes_at + DAY


def test_expire_overdue_expires_exactly_the_overdue_editable_proposals(
    make_proposal: Any, later_call: Call, sweep_at: datetime
) -> None:
    overdue = {
        make_proposal(S.DRAFT),
        make_proposal(S.INVITED),
        make_proposal(S.CHANGES_REQUESTED, changes_due_at=sweep_at - MS),
        # An extension granted in an earlier state does not apply to the current one.
        make_proposal(S.INVITED, deadline_extended_until=sweep_at + DAY, deadline_extended_for=S.DRAFT),
    }
    ahead = [
        make_proposal(S.DRAFT, call=later_call),
        make_proposal(S.INVITED, call=later_call),
        make_proposal(S.CHANGES_REQUESTED, changes_due_at=sweep_at + MS),
        make_proposal(S.DRAFT, deadline_extended_until=sweep_at + DAY, deadline_extended_for=S.DRAFT),
        make_proposal(S.INVITED, deadline_extended_until=sweep_at + MS, deadline_extended_for=S.INVITED),
        make_proposal(
            S.CHANGES_REQUESTED,
            changes_due_at=sweep_at - DAY,
            deadline_extended_until=sweep_at + DAY,
            deadline_extended_for=S.CHANGES_REQUESTED,
        ),
    ]
    others = [make_proposal(state) for state in S if state not in {S.DRAFT, S.INVITED, S.CHANGES_REQUESTED, S.EXPIRED}]

    expired = proposals_expire_overdue(now=sweep_at)

    assert expired == 4
    assert _expired_pks() == {p.pk for p in overdue}
    for proposal in [*ahead, *others]:
        before = proposal.state
        proposal.refresh_from_db()
        assert proposal.state == before


def test_expire_overdue_at_the_exact_deadline_expires_and_a_millisecond_before_does_not(
    make_proposal: Any, call: Call
) -> None:
    proposal = make_proposal(S.DRAFT)

    assert proposals_expire_overdue(now=call.loi_closes_at - MS) == 0
    assert proposals_expire_overdue(now=call.loi_closes_at) == 1

    proposal.refresh_from_db()
    assert proposal.state == S.EXPIRED


def test_expire_overdue_writes_one_system_audit_record_per_proposal(
    make_proposal: Any, applicant: User, sweep_at: datetime
) -> None:
    draft = make_proposal(S.DRAFT)
    invited = make_proposal(S.INVITED)

    proposals_expire_overdue(now=sweep_at)

    records = list(AuditRecord.objects.order_by("proposal_id").values_list("proposal_id", "action", "from_state",
                                                                           "to_state", "actor_id", "at"))  # fmt: skip
    assert records == [
        (draft.pk, "expire", S.DRAFT, S.EXPIRED, None, sweep_at),
        (invited.pk, "expire", S.INVITED, S.EXPIRED, None, sweep_at),
    ]


def test_expire_overdue_notifies_the_lead_once_in_the_inbox_and_once_by_email(
    make_proposal: Any, applicant: User, sweep_at: datetime
) -> None:
    draft = make_proposal(S.DRAFT)
    invited = make_proposal(S.INVITED)

    proposals_expire_overdue(now=sweep_at)

    assert _notifications(Event.EXPIRED) == sorted(
        [(draft.pk, Channel.EMAIL), (draft.pk, Channel.INBOX), (invited.pk, Channel.EMAIL), (invited.pk, Channel.INBOX)]
    )
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {applicant.pk}
    assert Notification.objects.count() == 4


def test_expire_overdue_run_twice_changes_nothing_the_second_time(make_proposal: Any, sweep_at: datetime) -> None:
    make_proposal(S.DRAFT)
    make_proposal(S.CHANGES_REQUESTED, changes_due_at=sweep_at - DAY)
    assert proposals_expire_overdue(now=sweep_at) == 2

    again = proposals_expire_overdue(now=sweep_at + DAY)

    assert again == 0
    assert AuditRecord.objects.count() == 2
    assert Notification.objects.count() == 4


def test_expire_overdue_with_small_chunks_expires_every_proposal(make_proposal: Any, sweep_at: datetime) -> None:
    drafts = {make_proposal(S.DRAFT).pk for _ in range(5)}

    assert proposals_expire_overdue(now=sweep_at, chunk=2) == 5

    assert _expired_pks() == drafts
    assert AuditRecord.objects.count() == 5
    assert Notification.objects.count() == 10


def test_expire_overdue_writes_the_rows_the_single_action_would(
    make_proposal: Any, applicant: User, sweep_at: datetime
) -> None:
    # A whole-second deadline and one with microseconds: the text of both must be isoformat()'s.
    draft = make_proposal(S.DRAFT)
    whole = (sweep_at - DAY).replace(microsecond=0)
    changes = make_proposal(S.CHANGES_REQUESTED, changes_due_at=whole)
    fractional = make_proposal(S.INVITED, deadline_extended_until=sweep_at - MS, deadline_extended_for=S.INVITED)
    deadlines = {
        draft.pk: draft.call.loi_closes_at,
        changes.pk: whole,
        fractional.pk: sweep_at - MS,
    }
    assert draft.call.loi_closes_at.microsecond  # Both forms are covered.
    assert (sweep_at - MS).microsecond

    proposals_expire_overdue(now=sweep_at, chunk=2)

    records = {record.proposal_id: record for record in AuditRecord.objects.all()}
    assert sorted(records) == sorted(deadlines)
    for pk, deadline in deadlines.items():
        record = records[pk]
        assert (record.action, record.to_state, record.actor_id, record.at, record.reason) == (
            "expire",
            S.EXPIRED,
            None,
            sweep_at,
            "",
        )
        assert record.data == {"deadline": deadline.isoformat()}
    assert {pk: records[pk].from_state for pk in deadlines} == {
        draft.pk: S.DRAFT,
        changes.pk: S.CHANGES_REQUESTED,
        fractional.pk: S.INVITED,
    }
    rows = sorted(
        Notification.objects.values_list(
            "key", "event", "channel", "recipient_id", "proposal_id", "context", "created_at", "sent_at", "read_at",
            "attempts",
        )
    )  # fmt: skip
    assert rows == sorted(
        (
            notification_key(
                event=Event.EXPIRED, occurrence=f"audit{records[pk].pk}", recipient_id=applicant.pk, channel=channel
            ),
            Event.EXPIRED,
            channel,
            applicant.pk,
            pk,
            {"deadline": deadline.isoformat()},
            sweep_at,
            None,
            None,
            0,
        )
        for pk, deadline in deadlines.items()
        for channel in (Channel.INBOX, Channel.EMAIL)
    )
    for proposal in (draft, changes, fractional):
        proposal.refresh_from_db()
        assert (proposal.state, proposal.updated_at) == (S.EXPIRED, sweep_at)


def test_expire_overdue_queues_each_email_once_after_commit(
    make_proposal: Any, sweep_at: datetime, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(notifications, "_queue", lambda ids: queued.extend(ids))
    make_proposal(S.DRAFT)
    make_proposal(S.INVITED)

    with django_capture_on_commit_callbacks(execute=True):
        proposals_expire_overdue(now=sweep_at, chunk=1)
        assert queued == []

    emails = Notification.objects.filter(event=Event.EXPIRED, channel=Channel.EMAIL)
    assert sorted(queued) == sorted(emails.values_list("pk", flat=True))
    assert len(queued) == 2


# --- Reminders -------------------------------------------------------------------------------


def test_reminders_six_days_before_send_one_seven_day_reminder(make_proposal: Any, call: Call) -> None:
    proposal = make_proposal(S.DRAFT)

    sent = deadline_reminders_send(now=call.loi_closes_at - 6 * DAY)

    assert sent == 1
    assert _reminders() == [(proposal.pk, Channel.EMAIL, 7), (proposal.pk, Channel.INBOX, 7)]
    reminder = Notification.objects.get(event=Event.DEADLINE_REMINDER, channel=Channel.INBOX)
    assert reminder.recipient_id == proposal.lead_applicant_id
    assert reminder.context == {"deadline": call.loi_closes_at.isoformat(), "days": 7}


def test_reminders_twelve_hours_before_send_one_one_day_reminder(make_proposal: Any, call: Call) -> None:
    proposal = make_proposal(S.INVITED)

    sent = deadline_reminders_send(now=call.application_closes_at - timedelta(hours=12))

    assert sent == 1
    assert _reminders() == [(proposal.pk, Channel.EMAIL, 1), (proposal.pk, Channel.INBOX, 1)]


def test_reminders_eight_days_before_send_nothing(make_proposal: Any, call: Call) -> None:
    make_proposal(S.DRAFT)

    assert deadline_reminders_send(now=call.loi_closes_at - 8 * DAY) == 0
    assert Notification.objects.count() == 0


def test_reminders_after_the_deadline_send_nothing(make_proposal: Any, call: Call) -> None:
    make_proposal(S.DRAFT)

    assert deadline_reminders_send(now=call.loi_closes_at) == 0
    assert Notification.objects.count() == 0


def test_reminders_run_twice_send_nothing_the_second_time(make_proposal: Any, call: Call) -> None:
    make_proposal(S.DRAFT)
    assert deadline_reminders_send(now=call.loi_closes_at - 6 * DAY) == 1

    assert deadline_reminders_send(now=call.loi_closes_at - 5 * DAY) == 0
    assert Notification.objects.count() == 2


def test_reminders_seven_days_then_one_day_before_send_one_of_each(make_proposal: Any, call: Call) -> None:
    proposal = make_proposal(S.DRAFT)

    assert deadline_reminders_send(now=call.loi_closes_at - 6 * DAY) == 1
    assert deadline_reminders_send(now=call.loi_closes_at - timedelta(hours=12)) == 1
    assert deadline_reminders_send(now=call.loi_closes_at - timedelta(hours=1)) == 0

    assert _reminders() == [
        (proposal.pk, Channel.EMAIL, 1),
        (proposal.pk, Channel.EMAIL, 7),
        (proposal.pk, Channel.INBOX, 1),
        (proposal.pk, Channel.INBOX, 7),
    ]


def test_reminders_after_an_extension_send_a_fresh_reminder_for_the_new_date(
    make_proposal: Any, call: Call, staff: User
) -> None:
    proposal = make_proposal(S.DRAFT)
    assert deadline_reminders_send(now=call.loi_closes_at - 6 * DAY) == 1
    until = call.loi_closes_at + 10 * DAY
    actions.proposal_extend_deadline(proposal=proposal, by=staff, until=until, reason="Partner on leave.")

    assert deadline_reminders_send(now=call.loi_closes_at - 5 * DAY) == 0
    assert deadline_reminders_send(now=until - 6 * DAY) == 1

    fresh = Notification.objects.filter(event=Event.DEADLINE_REMINDER, context__deadline=until.isoformat())
    assert sorted(fresh.values_list("channel", flat=True)) == [Channel.EMAIL, Channel.INBOX]
    assert Notification.objects.filter(event=Event.DEADLINE_REMINDER).count() == 4


@pytest.mark.parametrize("state", [S.LOI_SUBMITTED, S.SUBMITTED, S.IN_ASSESSMENT, S.WITHDRAWN, S.EXPIRED])
def test_reminders_for_a_proposal_not_editable_send_nothing(make_proposal: Any, call: Call, state: str) -> None:
    make_proposal(state, changes_due_at=call.loi_closes_at)

    for before in (6 * DAY, timedelta(hours=12)):
        assert deadline_reminders_send(now=call.loi_closes_at - before) == 0
        assert deadline_reminders_send(now=call.application_closes_at - before) == 0
    assert Notification.objects.count() == 0


def test_reminders_without_now_use_the_server_clock(make_proposal: Any, later_call: Call) -> None:
    soon = make_proposal(S.CHANGES_REQUESTED, changes_due_at=timezone.now() + 3 * DAY)
    make_proposal(S.DRAFT, call=later_call)

    assert deadline_reminders_send() == 1
    assert _reminders() == [(soon.pk, Channel.EMAIL, 7), (soon.pk, Channel.INBOX, 7)]


def test_reminders_write_the_rows_notify_would(
    make_proposal: Any, call: Call, applicant: User, django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    queued: list[int] = []
    monkeypatch.setattr(notifications, "_queue", lambda ids: queued.extend(ids))
    now = call.loi_closes_at - 6 * DAY
    near = make_proposal(S.DRAFT)
    whole = (now + timedelta(hours=20)).replace(microsecond=0)
    changes = make_proposal(S.CHANGES_REQUESTED, changes_due_at=whole)
    expected = {near.pk: (call.loi_closes_at, 7), changes.pk: (whole, 1)}

    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_send(now=now, chunk=1) == 2

    rows = sorted(Notification.objects.values_list("key", "event", "channel", "recipient_id", "proposal_id",
                                                   "context", "created_at", "sent_at", "attempts"))  # fmt: skip
    assert rows == sorted(
        (
            notification_key(
                event=Event.DEADLINE_REMINDER,
                occurrence=f"p{pk}:{deadline.isoformat()}:{days}d",
                recipient_id=applicant.pk,
                channel=channel,
            ),
            Event.DEADLINE_REMINDER,
            channel,
            applicant.pk,
            pk,
            {"deadline": deadline.isoformat(), "days": days},
            now,
            None,
            0,
        )
        for pk, (deadline, days) in expected.items()
        for channel in (Channel.INBOX, Channel.EMAIL)
    )
    emails = Notification.objects.filter(channel=Channel.EMAIL)
    assert sorted(queued) == sorted(emails.values_list("pk", flat=True))


def test_reminders_for_a_proposal_whose_inbox_row_exists_still_send_the_email(make_proposal: Any, call: Call) -> None:
    proposal = make_proposal(S.DRAFT)
    now = call.loi_closes_at - 6 * DAY
    assert deadline_reminders_send(now=now) == 1
    Notification.objects.filter(channel=Channel.EMAIL).delete()

    assert deadline_reminders_send(now=now) == 1

    assert _reminders() == [(proposal.pk, Channel.EMAIL, 7), (proposal.pk, Channel.INBOX, 7)]
