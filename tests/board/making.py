"""Test helpers of the board: a meeting, a proposal on its agenda, members' votes.

They write the board's rows directly where no service of the lifecycle owns them (a
meeting, a vote), and go through ``proposal_send_to_board`` where the lifecycle does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from board.models import AgendaItem, BoardMeeting, Vote, VoteChoice
from intake.models import Call, Proposal
from intake.states import ProposalState
from tests.factories import UserFactory
from workflow import actions


def board_members_make(count: int) -> list[User]:
    """Return ``count`` new board members."""
    return [cast(User, UserFactory(role=Role.BOARD_MEMBER)) for _ in range(count)]


def meeting_make(
    call: Call,
    *,
    chair: User,
    members: Iterable[User],
    quorum: int,
    held_at: datetime | None = None,
    created_by: User | None = None,
) -> BoardMeeting:
    """Return a meeting of ``call`` chaired by ``chair`` (invited too), held in 7 days unless told."""
    meeting = BoardMeeting.objects.create(
        call=call,
        chair=chair,
        quorum=quorum,
        held_at=held_at if held_at is not None else timezone.now() + timedelta(days=7),
        created_by=created_by or cast(User, UserFactory(role=Role.STAFF)),
    )
    meeting.members.set([chair, *members])
    return meeting


def agenda_put(proposal: Proposal, meeting: BoardMeeting, *, by: User | None = None) -> AgendaItem:
    """Put ``proposal`` on ``meeting``'s agenda and return the item.

    An assessed proposal is sent by staff (``proposal_send_to_board``); one made directly in
    board review by a factory only gets its agenda item.
    """
    if proposal.state == ProposalState.ASSESSED:
        staff = by or cast(User, UserFactory(role=Role.STAFF))
        actions.proposal_send_to_board(proposal=proposal, by=staff, meeting=meeting)
        proposal.refresh_from_db()
    elif proposal.state != ProposalState.BOARD_REVIEW:
        raise ValueError(f"A proposal in {proposal.state} cannot be on a board meeting's agenda.")
    else:
        AgendaItem.objects.create(meeting=meeting, proposal=proposal)
    return AgendaItem.objects.get(proposal=proposal, deferred_to__isnull=True)


def votes_cast(
    proposal: Proposal, members: Iterable[User], *, choice: str = VoteChoice.APPROVE, comment: str = ""
) -> list[Vote]:
    """Record (or change) each of ``members``' vote on ``proposal``'s current agenda item."""
    item = AgendaItem.objects.get(proposal=proposal, deferred_to__isnull=True)
    votes: list[Vote] = []
    for member in members:
        vote, _created = Vote.objects.update_or_create(
            item=item, member=member, defaults={"choice": choice, "comment": comment}
        )
        votes.append(vote)
    return votes


def meeting_open(meeting: BoardMeeting) -> BoardMeeting:
    """Open ``meeting`` for decisions now, as staff opening it early leave it (``meeting_open_early``).

    The chair records decisions only from the meeting's opening (``board_meeting_started``);
    tests of what happens at the meeting use this rather than travelling to its date.
    """
    meeting.opened_early_at = timezone.now()
    meeting.save(update_fields=["opened_early_at"])
    return meeting


def decidable(proposal: Proposal, *, chair: User, quorum: int = 1, **meeting: Any) -> BoardMeeting:
    """Put ``proposal`` (in board review) on a new meeting chaired by ``chair``, opened, with its quorum voted."""
    voters = board_members_make(quorum)
    board = meeting_make(proposal.call, chair=chair, members=voters, quorum=quorum, **meeting)
    agenda_put(proposal, board)
    votes_cast(proposal, voters)
    return meeting_open(board)
