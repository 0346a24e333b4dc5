"""Helpers of the board's tests: a meeting of a call, a proposal on its agenda, submitted reviews."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from assessment.choices import AssignmentState, ReviewState
from assessment.models import Assignment, Review, Score
from assessment.services.rubrics import rubric_criteria, rubric_for
from assessment.services.standings import standings_refresh
from board.models import AgendaItem, BoardMeeting
from intake.models import Call, Proposal
from tests.factories import user_with_role


def make_meeting(
    call: Call, *, members: Sequence[User] = (), days: int = 7, chair: User | None = None, quorum: int = 1
) -> BoardMeeting:
    """Return a meeting of ``call`` in ``days`` days with ``members`` (a new board member if none); the first chairs."""
    members = list(members) or [user_with_role(Role.BOARD_MEMBER)]
    meeting = BoardMeeting.objects.create(
        call=call,
        held_at=timezone.now() + timedelta(days=days),
        quorum=quorum,
        chair=chair or members[0],
        created_by=user_with_role(Role.STAFF),
    )
    meeting.members.set(members)
    return meeting


def put_on_agenda(meeting: BoardMeeting, proposal: Proposal) -> AgendaItem:
    return AgendaItem.objects.create(meeting=meeting, proposal=proposal)


def review(proposal: Proposal, values: Sequence[int], *, comment: str = "Sound plan.", overall: str = "") -> Review:
    """Submit a new assessor's review of ``proposal`` scoring the default rubric's criteria with ``values``."""
    rubric = rubric_for(call=proposal.call)
    assignment = Assignment.objects.create(
        proposal=proposal,
        assessor=user_with_role(Role.ASSESSOR),
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
