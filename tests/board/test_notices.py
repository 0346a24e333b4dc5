"""What board members are told: invited to a meeting, its agenda ready, their votes missing before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from assessment.models import Affiliation
from board.models import BoardConflict, BoardMeeting
from board.services.meetings import meeting_agenda_ready, meeting_create, meeting_update
from intake.models import Call
from intake.states import ProposalState
from records.events import Channel, Event
from records.models import AuditRecord, Notification
from tests.board.making import agenda_put, board_members_make, meeting_make, votes_cast
from tests.concurrency import race, require_row_locks
from tests.conftest import client_for
from tests.factories import CallFactory, ProgramFactory, ProposalFactory, UserFactory, user_with_role
from workflow.sweeps import board_vote_reminders_send

pytestmark = pytest.mark.django_db


def _told(event: str, channel: str = Channel.EMAIL) -> list[int]:
    """Return the recipients of ``event`` on ``channel``, sorted."""
    return sorted(Notification.objects.filter(event=event, channel=channel).values_list("recipient_id", flat=True))


# --- Invited -------------------------------------------------------------------------------------


def test_meeting_create_tells_each_member_they_are_invited(
    call: Call, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    chair, member = board_members_make(2)
    held_at = timezone.now() + timedelta(days=10)

    with django_capture_on_commit_callbacks() as callbacks:
        meeting = meeting_create(call=call, held_at=held_at, quorum=1, chair=chair, members=[chair, member], by=staff)

    assert _told(Event.BOARD_INVITED) == sorted([chair.pk, member.pk])
    assert _told(Event.BOARD_INVITED, Channel.INBOX) == sorted([chair.pk, member.pk])
    notice = Notification.objects.filter(event=Event.BOARD_INVITED).first()
    assert notice is not None
    assert notice.proposal_id is None
    assert notice.context["meeting"] == meeting.pk
    assert notice.context["held_at"] == held_at.isoformat()
    assert len(callbacks) == 1  # the emails are queued once the meeting is committed


def test_meeting_update_tells_only_the_members_added(call: Call, staff: User) -> None:
    chair, member, newcomer = board_members_make(3)
    meeting = meeting_create(
        call=call, held_at=timezone.now() + timedelta(days=10), quorum=1, chair=chair, members=[chair, member], by=staff
    )

    meeting_update(
        meeting=meeting, held_at=meeting.held_at, quorum=1, chair=chair, members=[chair, member, newcomer], by=staff
    )

    assert _told(Event.BOARD_INVITED) == sorted([chair.pk, member.pk, newcomer.pk])


def test_meeting_update_does_not_invite_again_a_member_removed_and_added_back(call: Call, staff: User) -> None:
    chair, member = board_members_make(2)
    meeting = meeting_create(
        call=call, held_at=timezone.now() + timedelta(days=10), quorum=1, chair=chair, members=[chair, member], by=staff
    )
    meeting = meeting_update(meeting=meeting, held_at=meeting.held_at, quorum=1, chair=chair, members=[chair], by=staff)

    meeting_update(meeting=meeting, held_at=meeting.held_at, quorum=1, chair=chair, members=[chair, member], by=staff)

    assert _told(Event.BOARD_INVITED) == sorted([chair.pk, member.pk])


# --- The agenda ready ----------------------------------------------------------------------------


@pytest.fixture
def meeting(call: Call) -> BoardMeeting:
    chair, member = board_members_make(2)
    meeting = meeting_make(call, chair=chair, members=[member], quorum=1)
    agenda_put(ProposalFactory(call=call, state=ProposalState.BOARD_REVIEW), meeting)
    return meeting


def test_agenda_ready_tells_every_member_once_and_is_audited_on_the_meeting(meeting: BoardMeeting, staff: User) -> None:
    with time_machine.travel(datetime(2026, 12, 1, 15, 0, tzinfo=UTC), tick=False):
        meeting_agenda_ready(meeting=meeting, by=staff)

    meeting.refresh_from_db()
    assert meeting.agenda_ready_at == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    members = sorted(meeting.members.values_list("pk", flat=True))
    assert _told(Event.BOARD_AGENDA_READY) == members
    assert _told(Event.BOARD_AGENDA_READY, Channel.INBOX) == members
    (record,) = AuditRecord.objects.filter(meeting=meeting)
    assert (record.action, record.actor, record.proposal_id, record.data) == ("agenda_ready", staff, None, {"items": 1})


def test_agenda_ready_twice_is_told_and_sends_nothing_again(meeting: BoardMeeting, staff: User) -> None:
    meeting_agenda_ready(meeting=meeting, by=staff)

    with pytest.raises(StaleAction) as refused:
        meeting_agenda_ready(meeting=meeting, by=staff)

    assert "The agenda was already sent to the members on" in refused.value.message
    assert Notification.objects.filter(event=Event.BOARD_AGENDA_READY).count() == 2 * meeting.members.count()


def test_agenda_ready_of_an_empty_agenda_is_refused(call: Call, staff: User) -> None:
    empty = meeting_make(call, chair=board_members_make(1)[0], members=[], quorum=1)

    with pytest.raises(DomainError) as refused:
        meeting_agenda_ready(meeting=empty, by=staff)

    assert refused.value.message == ("The agenda is empty: send proposals to this meeting before telling its members.")
    assert not Notification.objects.filter(event=Event.BOARD_AGENDA_READY).exists()


def test_agenda_ready_is_staffs(meeting: BoardMeeting) -> None:
    with pytest.raises(ActionForbidden):
        meeting_agenda_ready(meeting=meeting, by=meeting.chair)

    assert not Notification.objects.filter(event=Event.BOARD_AGENDA_READY).exists()


def test_agenda_page_button_sends_the_agenda_and_then_shows_when(meeting: BoardMeeting, staff_client: Client) -> None:
    agenda_url = reverse("board:meeting_agenda", kwargs={"pk": meeting.pk})
    ready_url = reverse("board:meeting_agenda_ready", kwargs={"pk": meeting.pk})
    assert f'action="{ready_url}"' in staff_client.get(agenda_url).content.decode()

    response = staff_client.post(ready_url, follow=True)

    page = response.content.decode()
    assert "The agenda is ready: the meeting&#x27;s members are told." in page
    assert "Agenda sent to the members on" in page
    assert f'action="{ready_url}"' not in page


def test_agenda_page_second_send_is_a_409_saying_so(meeting: BoardMeeting, staff_client: Client) -> None:
    ready_url = reverse("board:meeting_agenda_ready", kwargs={"pk": meeting.pk})
    staff_client.post(ready_url)

    response = staff_client.post(ready_url)

    assert response.status_code == 409
    assert "Nothing was sent again." in response.content.decode()


# --- Votes missing: the sweep --------------------------------------------------------------------

HELD_AT = datetime(2030, 5, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
def voting() -> dict[str, Any]:
    """A meeting on ``HELD_AT`` with two proposals; a member recused from one; the chair has voted on both."""
    call = CallFactory()
    chair, member, recused = board_members_make(3)
    meeting = meeting_make(call, chair=chair, members=[member, recused], quorum=1, held_at=HELD_AT)
    first = ProposalFactory(call=call, state=ProposalState.BOARD_REVIEW, title="Alpha sensors")
    second = ProposalFactory(call=call, state=ProposalState.BOARD_REVIEW, title="Beta grid")
    for proposal in (first, second):
        agenda_put(proposal, meeting)
    votes_cast(first, [chair])
    votes_cast(second, [chair])
    BoardConflict.objects.create(member=recused, proposal=first, nature="I advise the lead organization.")
    return {"meeting": meeting, "chair": chair, "member": member, "recused": recused, "first": first, "second": second}


def _reminders(member: User) -> list[dict[str, Any]]:
    return list(
        Notification.objects.filter(event=Event.BOARD_VOTES_MISSING, channel=Channel.EMAIL, recipient=member)
        .order_by("pk")
        .values_list("context", flat=True)
    )


def test_vote_reminders_two_days_before_list_each_members_missing_votes(voting: dict[str, Any]) -> None:
    with time_machine.travel(HELD_AT - timedelta(days=2), tick=False):
        sent = board_vote_reminders_send()

    assert sent == 2
    (member,) = _reminders(voting["member"])
    assert [meeting["titles"] for meeting in member["meetings"]] == [["Alpha sensors", "Beta grid"]]
    assert member["count"] == 2
    assert member["meetings"][0]["today"] is False
    # Recused from the first proposal, the other member is reminded only of the second.
    (recused,) = _reminders(voting["recused"])
    assert [meeting["titles"] for meeting in recused["meetings"]] == [["Beta grid"]]
    # The chair voted on both: nothing to remind.
    assert _reminders(voting["chair"]) == []
    assert Notification.objects.filter(event=Event.BOARD_VOTES_MISSING, channel=Channel.INBOX).count() == 2


def test_vote_reminders_skip_an_invited_member_without_a_seat_on_the_programs_board(voting: dict[str, Any]) -> None:
    elsewhere = UserFactory(role=Role.BOARD_MEMBER, programs=[ProgramFactory()])
    voting["meeting"].members.add(elsewhere)

    with time_machine.travel(HELD_AT - timedelta(days=2), tick=False):
        sent = board_vote_reminders_send()

    assert sent == 2
    assert _reminders(elsewhere) == []


def test_vote_reminders_twice_in_a_window_send_nothing_new(voting: dict[str, Any]) -> None:
    with time_machine.travel(HELD_AT - timedelta(days=2), tick=False):
        board_vote_reminders_send()
    before = Notification.objects.count()

    with time_machine.travel(HELD_AT - timedelta(days=1, hours=1), tick=False):
        again = board_vote_reminders_send()

    assert again == 0
    assert Notification.objects.count() == before


def test_vote_reminders_on_the_day_remind_again_of_what_is_still_missing(voting: dict[str, Any]) -> None:
    with time_machine.travel(HELD_AT - timedelta(days=2), tick=False):
        board_vote_reminders_send()
    votes_cast(voting["second"], [voting["member"]])

    with time_machine.travel(HELD_AT - timedelta(hours=5), tick=False):
        sent = board_vote_reminders_send()
        repeated = board_vote_reminders_send()

    assert (sent, repeated) == (2, 0)
    _two_days_before, on_the_day = _reminders(voting["member"])
    assert [meeting["titles"] for meeting in on_the_day["meetings"]] == [["Alpha sensors"]]
    assert on_the_day["meetings"][0]["today"] is True


@pytest.mark.parametrize(
    "moment",
    [HELD_AT - timedelta(days=2, seconds=1), HELD_AT, HELD_AT + timedelta(hours=1)],
    ids=["too-early", "at-the-meeting", "after-it"],
)
def test_vote_reminders_only_in_the_two_days_before_the_meeting(voting: dict[str, Any], moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        assert board_vote_reminders_send() == 0

    assert not Notification.objects.filter(event=Event.BOARD_VOTES_MISSING).exists()


def test_vote_reminders_leave_out_decided_proposals_and_released_meetings(voting: dict[str, Any]) -> None:
    voting["first"].__class__.objects.filter(pk=voting["first"].pk).update(state=ProposalState.APPROVED)

    with time_machine.travel(HELD_AT - timedelta(days=1), tick=False):
        board_vote_reminders_send()

    (member,) = _reminders(voting["member"])
    assert [meeting["titles"] for meeting in member["meetings"]] == [["Beta grid"]]
    Notification.objects.all().delete()
    BoardMeeting.objects.filter(pk=voting["meeting"].pk).update(decisions_released_at=HELD_AT - timedelta(days=3))
    with time_machine.travel(HELD_AT - timedelta(hours=2), tick=False):
        assert board_vote_reminders_send() == 0


def test_vote_reminders_one_message_per_member_for_two_meetings(voting: dict[str, Any]) -> None:
    other_call = CallFactory()
    other = meeting_make(other_call, chair=voting["chair"], members=[voting["member"]], quorum=1, held_at=HELD_AT)
    agenda_put(ProposalFactory(call=other_call, state=ProposalState.BOARD_REVIEW, title="Gamma port"), other)

    with time_machine.travel(HELD_AT - timedelta(days=1), tick=False):
        board_vote_reminders_send()

    (member,) = _reminders(voting["member"])
    assert sorted(title for meeting in member["meetings"] for title in meeting["titles"]) == [
        "Alpha sensors",
        "Beta grid",
        "Gamma port",
    ]
    assert member["count"] == 3


def test_vote_reminders_leave_out_an_affiliated_member_and_inactive_ones(voting: dict[str, Any]) -> None:
    Affiliation.objects.create(
        assessor=voting["member"], organization=voting["second"].lead_organization, role="Director"
    )
    User.objects.filter(pk=voting["recused"].pk).update(is_active=False)

    with time_machine.travel(HELD_AT - timedelta(days=1), tick=False):
        board_vote_reminders_send()

    (member,) = _reminders(voting["member"])
    assert [meeting["titles"] for meeting in member["meetings"]] == [["Alpha sensors"]]
    assert _reminders(voting["recused"]) == []


def test_vote_reminder_reaches_the_inbox(voting: dict[str, Any]) -> None:
    with time_machine.travel(HELD_AT - timedelta(days=1), tick=False):
        board_vote_reminders_send()

    inbox = client_for(voting["member"]).get(reverse("records:inbox")).content.decode()

    assert "Reminder: your votes are missing on 2 proposals before the board" in inbox


def test_beat_schedule_runs_the_vote_reminders(settings: Any) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["send-board-vote-reminders"]["task"] == (
        "workflow.tasks.send_board_vote_reminders"
    )


def test_agenda_ready_by_two_staff_at_once_one_sends_the_other_is_told(transactional_db: None) -> None:
    require_row_locks()
    call = CallFactory()
    chair, member = board_members_make(2)
    meeting = meeting_make(call, chair=chair, members=[member], quorum=1)
    agenda_put(ProposalFactory(call=call, state=ProposalState.BOARD_REVIEW), meeting)
    first, second = user_with_role(Role.STAFF), user_with_role(Role.STAFF)

    outcomes = race(
        [
            lambda by=by: meeting_agenda_ready(meeting=BoardMeeting(pk=meeting.pk), by=by)  # type: ignore[misc]
            for by in (first, second)
        ]
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["BoardMeeting", "StaleAction"]
    assert Notification.objects.filter(event=Event.BOARD_AGENDA_READY).count() == 2 * 2
    assert AuditRecord.objects.filter(meeting=meeting, action="agenda_ready").count() == 1
