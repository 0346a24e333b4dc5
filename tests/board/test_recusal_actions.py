"""Every board action on an agenda item refuses a member recused from its proposal.

Recusal is ``board.selectors.board_recused`` (a declared conflict, or an affiliation). A
recused member reads the proposal's title on the agenda and nothing else: each action's
page answers 404, each POST changes nothing, and the services refuse (403) a member who
became recused after opening the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.http import Http404
from django.urls import reverse

from accounts.choices import Role
from accounts.errors import ActionForbidden
from accounts.models import User
from accounts.services import user_grant_role
from assessment.models import Affiliation
from board.models import AgendaItem, BoardConflict, BoardMeeting, Vote, VoteChoice
from board.services.meetings import agenda_item_defer
from board.services.votes import vote_cast
from intake.models import Program, ProgramRole, Proposal
from intake.states import ProposalState
from records.models import AuditRecord
from tests.board.making import agenda_put, board_members_make, meeting_make, votes_cast
from tests.conftest import client_for
from tests.factories import CallFactory, ProposalFactory, user_with_role
from workflow import actions

pytestmark = pytest.mark.django_db


@dataclass
class Board:
    """Two meetings of one call, a proposal on the first one's agenda, and its members."""

    meeting: BoardMeeting
    later: BoardMeeting
    proposal: Proposal
    item: AgendaItem
    chair: User
    member: User  # not recused
    declared: User  # recused by a declared conflict
    affiliated: User  # recused automatically


@pytest.fixture
def board() -> Board:
    call = CallFactory()
    chair, member, declared, affiliated = board_members_make(4)
    meeting = meeting_make(call, chair=chair, members=[member, declared, affiliated], quorum=1)
    later = meeting_make(
        call,
        chair=chair,
        members=[member, declared, affiliated],
        quorum=1,
        held_at=meeting.held_at + timedelta(days=30),
    )
    proposal = ProposalFactory(call=call, state=ProposalState.BOARD_REVIEW)
    item = agenda_put(proposal, meeting)
    BoardConflict.objects.create(member=declared, proposal=proposal, nature="I advise the lead organization.")
    Affiliation.objects.create(assessor=affiliated, organization=proposal.lead_organization, role="Director")
    return Board(meeting, later, proposal, item, chair, member, declared, affiliated)


def _make_staff(user: User) -> None:
    """Grant ``user`` the staff role too (a chair who is also program staff)."""
    user_grant_role(user=user, role=Role.STAFF)
    ProgramRole.objects.create(user=user, program=Program.objects.get(), role=Role.STAFF)
    user.forget_roles()


def _defer_url(board: Board) -> str:
    return reverse("board:agenda_item_defer", kwargs={"pk": board.item.pk})


def _current_meeting_id(proposal: Proposal) -> int:
    return AgendaItem.objects.get(proposal=proposal, deferred_to__isnull=True).meeting_id


# --- Defer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["declared", "affiliated"])
def test_recused_member_cannot_defer_by_post(board: Board, who: str) -> None:
    response = client_for(getattr(board, who)).post(_defer_url(board), {"to_meeting": board.later.pk})

    assert response.status_code == 404
    assert _current_meeting_id(board.proposal) == board.meeting.pk
    assert AgendaItem.objects.get(pk=board.item.pk).deferred_to_id is None


@pytest.mark.parametrize("who", ["declared", "affiliated"])
def test_recused_member_cannot_open_the_defer_page(board: Board, who: str) -> None:
    response = client_for(getattr(board, who)).get(_defer_url(board))

    assert response.status_code == 404
    assert board.proposal.title not in response.content.decode()


def test_member_not_recused_still_defers(board: Board) -> None:
    response = client_for(board.member).post(_defer_url(board), {"to_meeting": board.later.pk})

    assert response.status_code == 302
    assert _current_meeting_id(board.proposal) == board.later.pk


def test_defer_service_refuses_a_member_recused_after_opening_the_page(board: Board) -> None:
    BoardConflict.objects.create(member=board.member, proposal=board.proposal, nature="A relative applied.")

    with pytest.raises(ActionForbidden) as refused:
        agenda_item_defer(item=board.item, to_meeting=board.later, by=board.member)

    assert "recused" in refused.value.message
    assert _current_meeting_id(board.proposal) == board.meeting.pk


def test_staff_defer_whatever_the_recusals(board: Board) -> None:
    staff = user_with_role(Role.STAFF)

    moved = agenda_item_defer(item=board.item, to_meeting=board.later, by=staff)

    assert moved.meeting_id == board.later.pk


# --- Vote ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["declared", "affiliated"])
def test_recused_member_cannot_vote_by_post(board: Board, who: str) -> None:
    url = reverse("board:vote", kwargs={"pk": board.meeting.pk, "item_pk": board.item.pk})

    response = client_for(getattr(board, who)).post(url, {"choice": VoteChoice.APPROVE, "comment": "", "seen": ""})

    assert response.status_code == 404
    assert not Vote.objects.exists()


def test_vote_service_refuses_a_member_recused_after_opening_the_page(board: Board) -> None:
    BoardConflict.objects.create(member=board.member, proposal=board.proposal, nature="A relative applied.")

    with pytest.raises(Http404):
        vote_cast(item=board.item, member=board.member, choice=VoteChoice.APPROVE)

    assert not Vote.objects.exists()


# --- Decide --------------------------------------------------------------------------------------


def _decide_url(board: Board) -> str:
    return reverse("board:decide", kwargs={"pk": board.meeting.pk, "item_pk": board.item.pk})


def test_recused_chair_cannot_decide_by_post(board: Board) -> None:
    votes_cast(board.proposal, [board.member])
    BoardConflict.objects.create(member=board.chair, proposal=board.proposal, nature="A relative works there.")

    with time_machine.travel(board.meeting.held_at, tick=False):
        response = client_for(board.chair).post(
            _decide_url(board),
            {
                "decision": "decline",
                "decline-rationale": "Weak plan.",
                "decline-expected_state": ProposalState.BOARD_REVIEW,
            },
        )

    assert response.status_code == 404
    board.proposal.refresh_from_db()
    assert board.proposal.state == ProposalState.BOARD_REVIEW


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_decision_action_refuses_a_recused_chair_who_is_also_staff(board: Board, decision: str) -> None:
    """Staff read every proposal, so only the action itself stands between a recused chair and the decision."""
    _make_staff(board.chair)
    votes_cast(board.proposal, [board.member])
    BoardConflict.objects.create(member=board.chair, proposal=board.proposal, nature="A relative works there.")
    arguments = {"amount": Decimal("1000"), "rationale": "Sound."} if decision == "approve" else {"rationale": "No."}

    with time_machine.travel(board.meeting.held_at, tick=False), pytest.raises(ActionForbidden) as refused:
        getattr(actions, f"proposal_{decision}")(proposal=Proposal(pk=board.proposal.pk), by=board.chair, **arguments)

    assert "recused" in refused.value.message
    board.proposal.refresh_from_db()
    assert board.proposal.state == ProposalState.BOARD_REVIEW
    assert not AuditRecord.objects.filter(proposal=board.proposal, action=decision).exists()


def test_recused_staff_chair_cannot_decide_through_the_action_endpoint(board: Board) -> None:
    _make_staff(board.chair)
    votes_cast(board.proposal, [board.member])
    BoardConflict.objects.create(member=board.chair, proposal=board.proposal, nature="A relative works there.")
    url = reverse("workflow:proposal_act", kwargs={"pk": board.proposal.pk, "action": "decline"})

    with time_machine.travel(board.meeting.held_at, tick=False):
        response = client_for(board.chair).post(
            url, {"decline-rationale": "Weak plan.", "decline-expected_state": ProposalState.BOARD_REVIEW}
        )

    assert response.status_code == 403
    board.proposal.refresh_from_db()
    assert board.proposal.state == ProposalState.BOARD_REVIEW
