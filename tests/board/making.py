"""Test helpers of the board: a meeting, a proposal on its agenda, members' votes, assessors' reviews.

They write the board's rows directly where no service of the lifecycle owns them (a
meeting, a vote), and go through ``proposal_send_to_board`` where the lifecycle does. An
agenda item of a proposal in any state, for a test that needs only the row, is
``tests.factories.AgendaItemFactory(meeting=..., proposal=...)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from assessment.choices import AssignmentState, ReviewState
from assessment.models import Assignment, Review, Score
from assessment.services.rubrics import rubric_criteria, rubric_for
from assessment.services.standings import standings_refresh
from board.models import AgendaItem, BoardMeeting, Vote, VoteChoice
from intake.models import Call, Proposal
from intake.states import ProposalState
from tests.factories import BoardMeetingFactory, UserFactory
from workflow import actions


def board_members_make(count: int) -> list[User]:
    """Return ``count`` new board members."""
    return [cast(User, UserFactory(role=Role.BOARD_MEMBER)) for _ in range(count)]


def meeting_make(
    call: Call,
    *,
    chair: User | None = None,
    members: Iterable[User] = (),
    quorum: int = 1,
    days: int = 7,
    held_at: datetime | None = None,
    created_by: User | None = None,
) -> BoardMeeting:
    """Return a meeting of ``call`` held in ``days`` days (or at ``held_at``), with ``members`` invited.

    The chair is invited too: ``chair``, or else the first of ``members``, or else a new board member.
    """
    members = list(members)
    fields: dict[str, Any] = {"call": call, "quorum": quorum, "members": members}
    fields["held_at"] = held_at if held_at is not None else timezone.now() + timedelta(days=days)
    if chair is not None or members:
        fields["chair"] = chair or members[0]
    if created_by is not None:
        fields["created_by"] = created_by
    return cast(BoardMeeting, BoardMeetingFactory(**fields))


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


def review_submitted(
    proposal: Proposal, values: Sequence[int], *, comment: str = "Sound plan.", overall: str = ""
) -> Review:
    """Submit a new assessor's review of ``proposal`` scoring the default rubric's criteria with ``values``."""
    rubric = rubric_for(call=proposal.call)
    assignment = Assignment.objects.create(
        proposal=proposal,
        assessor=UserFactory(role=Role.ASSESSOR),
        rubric=rubric,
        due_at=timezone.now() + timedelta(days=3),
        state=AssignmentState.ACCEPTED,
    )
    submitted = Review.objects.create(
        assignment=assignment, state=ReviewState.SUBMITTED, submitted_at=timezone.now(), overall_comment=overall
    )
    Score.objects.bulk_create(
        Score(review=submitted, criterion=criterion, value=value, comment=comment)
        for criterion, value in zip(rubric_criteria(rubric=rubric), values, strict=True)
    )
    standings_refresh([proposal.pk])  # as submitting through the reviews' services does
    return submitted
