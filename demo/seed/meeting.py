"""Seed the board meeting of the call under review, with the assessed proposal on its agenda.

The meeting is a week ahead. Its members are the demo board member, who chairs it, and a
second board member; its quorum is one, and it is opened early, so logging in as the demo
board member shows the agenda, the vote and the chair's decision.
"""

from __future__ import annotations

from datetime import datetime

from accounts.errors import DomainError
from accounts.models import User
from board.models import BoardMeeting
from board.services.meetings import meeting_agenda_ready, meeting_create, meeting_open_early
from demo.seed.common import DemoSummary, demo_window
from demo.seed.people import SECOND_BOARD_MEMBER, DemoPeople, demo_user
from demo.seed.proposals import ASSESSED
from intake.models import Call, Proposal
from intake.states import ProposalState
from workflow.actions.board import meeting_send_proposals

# The board meeting of the call under review, in days from now: held a week after the demo loads.
BOARD_MEETING_DAYS = 7
#: Why the demo's meeting is open before its date: so that its chair can try recording a decision.
DEMO_OPENING_REASON = "Opened early for the demonstration: the chair can record decisions now."


def meeting_seed(*, call: Call, people: DemoPeople, now: datetime, summary: DemoSummary) -> None:
    """Create the second board member if missing and, if ``call`` has no meeting, its meeting with its agenda."""
    board2 = demo_user(
        email=SECOND_BOARD_MEMBER[0],
        name=SECOND_BOARD_MEMBER[1],
        role=SECOND_BOARD_MEMBER[2],
        language=SECOND_BOARD_MEMBER[3],
        summary=summary,
    )
    chair, staff = people.chair, people.staff
    meeting = _board_meeting_create(call=call, staff=staff, chair=chair, members=[chair, board2], now=now)
    if meeting is not None:
        summary.created.append(f"board meeting {call.program.slug}/{call.slug}")
        for title in _send_to_board(meeting=meeting, staff=staff, titles=[ASSESSED["title"]]):
            summary.created.append(f"agenda item {title}")
        # As staff do from the meeting's page: the members are told, and the chair may decide now.
        meeting_agenda_ready(meeting=meeting, by=staff)
        meeting_open_early(meeting=meeting, by=staff, reason=DEMO_OPENING_REASON)


def _board_meeting_create(
    *, call: Call, staff: User, chair: User, members: list[User], now: datetime
) -> BoardMeeting | None:
    """Plan a board meeting of ``call`` a week ahead, chaired by ``chair``, quorum one; None if the call has one."""
    if BoardMeeting.objects.filter(call=call).exists():
        return None
    return meeting_create(
        call=call, held_at=demo_window(now, BOARD_MEETING_DAYS), quorum=1, chair=chair, members=members, by=staff
    )


def _send_to_board(*, meeting: BoardMeeting, staff: User, titles: list[str]) -> list[str]:
    """Send the assessed proposals of the meeting's call titled ``titles`` to ``meeting``; return the titles sent.

    Sent as staff do from the meeting's page; a refusal stops the demo with its reason
    rather than leave a meeting without its agenda.
    """
    assessed = Proposal.objects.filter(call_id=meeting.call_id, title__in=titles, state=ProposalState.ASSESSED)
    outcomes = meeting_send_proposals(meeting=meeting, proposal_ids=assessed.values_list("pk", flat=True), by=staff)
    refused = [f"{outcome.proposal.title}: {outcome.error}" for outcome in outcomes if outcome.error is not None]
    if refused:
        raise DomainError("; ".join(refused))
    return [outcome.proposal.title for outcome in outcomes]
