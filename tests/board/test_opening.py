"""Decisions wait for the meeting: from its scheduled time by the server's clock, or staff open it early."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from board.models import BoardMeeting
from board.services.meetings import meeting_open_early
from intake.models import Proposal
from intake.states import ProposalState
from records.models import AuditRecord
from tests.board.making import agenda_put, board_members_make, meeting_make, votes_cast
from tests.conftest import client_for
from tests.factories import CallFactory, ProposalFactory
from workflow import actions
from workflow.actions.base import ConditionsNotMet

pytestmark = pytest.mark.django_db

NOT_STARTED = (
    "The board meeting has not started by the server's clock: the chair records decisions from its scheduled time, "
    "or from when staff open it early."
)


@pytest.fixture
def meeting() -> BoardMeeting:
    """A meeting in 7 days, chaired, with one proposal on its agenda and the quorum voted."""
    call = CallFactory()
    chair, member = board_members_make(2)
    meeting = meeting_make(call, chair=chair, members=[member], quorum=1)
    proposal = ProposalFactory(call=call, state=ProposalState.BOARD_REVIEW, title="Alpha sensors")
    agenda_put(proposal, meeting)
    votes_cast(proposal, [member])
    return meeting


def _proposal(meeting: BoardMeeting) -> Proposal:
    return Proposal.objects.get(agenda_items__meeting=meeting)


def _decline(meeting: BoardMeeting) -> Proposal:
    return actions.proposal_decline(proposal=_proposal(meeting), by=meeting.chair, rationale="Weak plan.")


# --- The action ----------------------------------------------------------------------------------


def test_decision_before_the_meeting_is_refused_and_changes_nothing(meeting: BoardMeeting) -> None:
    with time_machine.travel(meeting.held_at - timedelta(seconds=1), tick=False):
        with pytest.raises(ConditionsNotMet) as refused:
            _decline(meeting)
        with pytest.raises(ConditionsNotMet):
            actions.proposal_approve(
                proposal=_proposal(meeting), by=meeting.chair, amount=Decimal("1000"), rationale="Sound."
            )

    assert refused.value.message == NOT_STARTED
    assert _proposal(meeting).state == ProposalState.BOARD_REVIEW
    assert not AuditRecord.objects.filter(action__in=["approve", "decline"]).exists()


def test_decision_at_the_scheduled_time_is_recorded(meeting: BoardMeeting) -> None:
    with time_machine.travel(meeting.held_at, tick=False):
        decided = _decline(meeting)

    assert decided.state == ProposalState.DECLINED


def test_decision_after_staff_open_the_meeting_early_is_recorded(meeting: BoardMeeting, staff: User) -> None:
    meeting_open_early(meeting=meeting, by=staff, reason="Every member is here a day early.")

    decided = _decline(meeting)

    assert decided.state == ProposalState.DECLINED


# --- Opening early -------------------------------------------------------------------------------


def test_open_early_is_audited_on_the_meeting_with_its_reason(meeting: BoardMeeting, staff: User) -> None:
    at = meeting.held_at - timedelta(days=1)
    with time_machine.travel(at, tick=False):
        meeting_open_early(meeting=meeting, by=staff, reason="  Every member is here a day early. ")

    meeting.refresh_from_db()
    assert meeting.opened_early_at == at
    (record,) = AuditRecord.objects.filter(meeting=meeting)
    assert (record.action, record.actor, record.reason, record.at, record.proposal_id) == (
        "open_early",
        staff,
        "Every member is here a day early.",
        at,
        None,
    )
    assert record.data == {"held_at": meeting.held_at.isoformat()}
    # Not in the proposal's history (which the applicant reads).
    assert not AuditRecord.objects.filter(proposal=_proposal(meeting), action="open_early").exists()


def test_open_early_without_a_reason_is_refused(meeting: BoardMeeting, staff: User) -> None:
    with pytest.raises(DomainError) as refused:
        meeting_open_early(meeting=meeting, by=staff, reason="   ")

    assert refused.value.message == "Give the reason the meeting opens before its scheduled time."
    assert BoardMeeting.objects.get(pk=meeting.pk).opened_early_at is None


def test_open_early_twice_is_told(meeting: BoardMeeting, staff: User) -> None:
    meeting_open_early(meeting=meeting, by=staff, reason="Everyone is here.")

    with pytest.raises(StaleAction) as refused:
        meeting_open_early(meeting=meeting, by=staff, reason="Again.")

    assert "This meeting was already opened early" in refused.value.message
    assert AuditRecord.objects.filter(meeting=meeting).count() == 1


def test_open_early_after_the_scheduled_time_is_refused(meeting: BoardMeeting, staff: User) -> None:
    with time_machine.travel(meeting.held_at, tick=False), pytest.raises(StaleAction) as refused:
        meeting_open_early(meeting=meeting, by=staff, reason="Late.")

    assert refused.value.message == "This meeting has started by the server's clock: there is nothing to open early."


def test_open_early_is_staffs(meeting: BoardMeeting) -> None:
    with pytest.raises(ActionForbidden):
        meeting_open_early(meeting=meeting, by=meeting.chair, reason="I chair it.")

    assert BoardMeeting.objects.get(pk=meeting.pk).opened_early_at is None


def test_open_early_of_a_released_meeting_is_refused(meeting: BoardMeeting, staff: User) -> None:
    BoardMeeting.objects.filter(pk=meeting.pk).update(decisions_released_at=timezone.now())

    with pytest.raises(ActionForbidden):
        meeting_open_early(meeting=meeting, by=staff, reason="Reopen.")


# --- The pages -----------------------------------------------------------------------------------


def _decide_url(meeting: BoardMeeting) -> str:
    item = meeting.items.get()
    return reverse("board:decide", kwargs={"pk": meeting.pk, "item_pk": item.pk})


def test_decide_page_before_the_meeting_says_when_and_offers_no_form(meeting: BoardMeeting) -> None:
    with time_machine.travel(meeting.held_at - timedelta(hours=1), tick=False):
        response = client_for(meeting.chair).get(_decide_url(meeting))

    page = response.content.decode()
    assert response.status_code == 200
    assert "This meeting has not started: the chair records decisions from" in page
    assert 'name="decision"' not in page


def test_decide_post_before_the_meeting_is_a_403_saying_why(meeting: BoardMeeting) -> None:
    with time_machine.travel(meeting.held_at - timedelta(hours=1), tick=False):
        response = client_for(meeting.chair).post(
            _decide_url(meeting),
            {
                "decision": "decline",
                "decline-rationale": "Weak plan.",
                "decline-expected_state": ProposalState.BOARD_REVIEW,
            },
        )

    assert response.status_code == 403
    assert "This meeting has not started: the chair records decisions from" in response.content.decode()
    assert _proposal(meeting).state == ProposalState.BOARD_REVIEW


def test_decide_post_at_the_meeting_records_the_decision(meeting: BoardMeeting) -> None:
    with time_machine.travel(meeting.held_at + timedelta(minutes=5), tick=False):
        response = client_for(meeting.chair).post(
            _decide_url(meeting),
            {
                "decision": "decline",
                "decline-rationale": "Weak plan.",
                "decline-expected_state": ProposalState.BOARD_REVIEW,
            },
        )

    assert response.status_code == 302
    assert _proposal(meeting).state == ProposalState.DECLINED


def test_open_early_page_keeps_what_was_typed_when_refused(meeting: BoardMeeting, staff_client: Client) -> None:
    url = reverse("board:meeting_open_early", kwargs={"pk": meeting.pk})

    response = staff_client.post(url, {"reason": "   "})

    assert response.status_code == 400
    assert "Give the reason the meeting opens before its scheduled time." in response.content.decode()
    assert BoardMeeting.objects.get(pk=meeting.pk).opened_early_at is None


def test_open_early_page_opens_it_and_the_agenda_shows_who_and_why(
    meeting: BoardMeeting, staff_client: Client, staff: Any
) -> None:
    url = reverse("board:meeting_open_early", kwargs={"pk": meeting.pk})

    response = staff_client.post(url, {"reason": "Every member is here a day early."}, follow=True)

    page = response.content.decode()
    assert "The meeting is open: the chair can record decisions now." in page
    assert "Meeting opened early on" in page
    assert f"by {staff.display_name}." in page
    assert "Every member is here a day early." in page
    # The members read it on the agenda too.
    agenda = client_for(meeting.chair).get(reverse("board:meeting_agenda", kwargs={"pk": meeting.pk}))
    assert "Every member is here a day early." in agenda.content.decode()


def test_open_early_page_after_the_start_says_so(meeting: BoardMeeting, staff_client: Client) -> None:
    url = reverse("board:meeting_open_early", kwargs={"pk": meeting.pk})

    with time_machine.travel(meeting.held_at + timedelta(minutes=1), tick=False):
        shown = staff_client.get(url)
        posted = staff_client.post(url, {"reason": "Late."})

    assert "there is nothing to open early" in shown.content.decode()
    assert 'name="reason"' not in shown.content.decode()
    assert posted.status_code == 409
    assert not AuditRecord.objects.filter(meeting=meeting).exists()
