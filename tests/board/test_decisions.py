"""The chair's decisions: the quorum of members who are not recused, the chair alone, the request and the envelope."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from accounts.errors import ActionForbidden, DomainError
from accounts.models import User
from assessment.models import Affiliation
from board.models import BoardConflict, BoardMeeting, VoteChoice
from board.selectors import vote_tally
from intake.models import Call, Proposal
from intake.selectors import call_committed, proposal_funding_requested
from intake.states import ProposalState as S
from records.models import AuditRecord
from tests.board.making import agenda_put, board_members_make, meeting_make, meeting_open, votes_cast
from tests.concurrency import race, require_row_locks
from tests.conftest import MakeProposal
from workflow import actions
from workflow.actions.base import ConditionsNotMet


def _approve(proposal: Proposal, chair: User, amount: str) -> Proposal:
    return actions.proposal_approve(proposal=proposal, by=chair, amount=Decimal(amount), rationale="Ranked high.")


@pytest.fixture
def members(db: None) -> list[User]:
    return board_members_make(4)


@pytest.fixture
def meeting(call: Call, board_member: User, members: list[User]) -> BoardMeeting:
    """A meeting of ``call`` chaired by ``board_member``, four members invited, a quorum of three, open."""
    return meeting_open(meeting_make(call, chair=board_member, members=members, quorum=3))


# --- The quorum -------------------------------------------------------------------------------


def test_quorum_reached_by_members_who_are_not_recused_lets_the_chair_decide(
    make_proposal: MakeProposal, meeting: BoardMeeting, board_member: User, members: list[User]
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    agenda_put(proposal, meeting)
    votes_cast(proposal, members[:3])

    done = actions.proposal_decline(proposal=proposal, by=board_member, rationale="Below the line.")

    assert done.state == S.DECLINED


def test_quorum_does_not_count_a_member_who_declared_a_conflict(
    make_proposal: MakeProposal, meeting: BoardMeeting, board_member: User, members: list[User]
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    agenda_put(proposal, meeting)
    BoardConflict.objects.create(member=members[0], proposal=proposal, nature="My sister leads it.")
    votes_cast(proposal, members[:3])

    with pytest.raises(ConditionsNotMet) as refused:
        actions.proposal_decline(proposal=proposal, by=board_member, rationale="Below the line.")

    assert refused.value.message == "A quorum of 3 board members who are not recused has not voted yet: 2 have."
    votes_cast(proposal, members[3:])
    assert actions.proposal_decline(proposal=proposal, by=board_member, rationale="Below the line.").state == (
        S.DECLINED
    )


@pytest.mark.parametrize(
    ("ended", "counted"),
    [(None, 2), (date.today() - timedelta(days=365), 2), (date.today() - timedelta(days=5 * 365), 3)],
    ids=["current", "recent", "long-ended"],
)
def test_quorum_does_not_count_a_member_affiliated_with_the_consortium(
    make_proposal: MakeProposal,
    meeting: BoardMeeting,
    board_member: User,
    members: list[User],
    ended: date | None,
    counted: int,
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    agenda_put(proposal, meeting)
    Affiliation.objects.create(assessor=members[1], organization=proposal.lead_organization, ended_on=ended)
    votes_cast(proposal, members[:3])

    tally = vote_tally(proposal=proposal)

    assert tally == {"approve": counted, "decline": 0, "abstain": 0}
    if counted < 3:
        with pytest.raises(ConditionsNotMet):
            _approve(proposal, board_member, "1000")
    else:
        assert _approve(proposal, board_member, "1000").state == S.APPROVED


def test_quorum_does_not_count_a_member_not_invited_to_the_meeting(
    make_proposal: MakeProposal, meeting: BoardMeeting, board_member: User, members: list[User]
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    agenda_put(proposal, meeting)
    votes_cast(proposal, [*members[:2], *board_members_make(1)])

    with pytest.raises(ConditionsNotMet) as refused:
        _approve(proposal, board_member, "1000")

    assert refused.value.message == "A quorum of 3 board members who are not recused has not voted yet: 2 have."


def test_abstentions_count_toward_the_quorum(
    make_proposal: MakeProposal, meeting: BoardMeeting, board_member: User, members: list[User]
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    agenda_put(proposal, meeting)
    votes_cast(proposal, members[:3], choice=VoteChoice.ABSTAIN)

    assert _approve(proposal, board_member, "1000").state == S.APPROVED


# --- The chair alone --------------------------------------------------------------------------


def test_only_the_chair_of_the_proposals_meeting_decides(
    make_proposal: MakeProposal, meeting: BoardMeeting, members: list[User], staff: User, board_member: User
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    agenda_put(proposal, meeting)
    votes_cast(proposal, members)
    other_chair = board_members_make(1)[0]
    meeting_make(proposal.call, chair=other_chair, members=members, quorum=1)

    for somebody in (members[0], other_chair, staff):
        with pytest.raises(ActionForbidden):
            _approve(proposal, somebody, "1000")
        with pytest.raises(ActionForbidden):
            actions.proposal_decline(proposal=proposal, by=somebody, rationale="No.")

    assert AuditRecord.objects.filter(action__in=["approve", "decline"]).count() == 0
    assert _approve(proposal, board_member, "1000").state == S.APPROVED


# --- The request and the envelope -------------------------------------------------------------


def _decidable(make_proposal: MakeProposal, meeting: BoardMeeting, members: list[User]) -> Proposal:
    proposal = make_proposal(S.BOARD_REVIEW)
    agenda_put(proposal, meeting)
    votes_cast(proposal, members[:3])
    return proposal


def test_approve_above_the_request_is_refused_with_the_numbers(
    make_proposal: MakeProposal, meeting: BoardMeeting, board_member: User, members: list[User]
) -> None:
    proposal = _decidable(make_proposal, meeting, members)
    assert proposal_funding_requested(proposal=proposal) == Decimal("1000000.00")

    with pytest.raises(DomainError) as refused:
        _approve(proposal, board_member, "1000000.01")

    assert refused.value.message == (
        "The approved amount, $1,000,000.01, is above the $1,000,000.00 the proposal requests."
    )
    proposal.refresh_from_db()
    assert (proposal.state, proposal.approved_amount) == (S.BOARD_REVIEW, None)
    assert _approve(proposal, board_member, "1000000.00").approved_amount == Decimal("1000000.00")


def test_approve_above_the_remaining_envelope_is_refused_with_the_numbers(
    call: Call, make_proposal: MakeProposal, meeting: BoardMeeting, board_member: User, members: list[User]
) -> None:
    Call.objects.filter(pk=call.pk).update(funding_envelope=Decimal("1500000.00"))
    first, second = (_decidable(make_proposal, meeting, members) for _ in range(2))
    _approve(first, board_member, "999999.99")

    with pytest.raises(DomainError) as refused:
        _approve(second, board_member, "500000.02")

    assert refused.value.message == (
        "Approving $500,000.02 would commit more than the call's envelope: $1,500,000.00, of which "
        "$999,999.99 is committed and $500,000.01 remains."
    )
    second.refresh_from_db()
    assert second.state == S.BOARD_REVIEW
    assert _approve(second, board_member, "500000.01").state == S.APPROVED
    assert call_committed(call=call) == Decimal("1500000.00")


def test_committed_is_the_sum_of_the_approved_amounts_only(
    call: Call, make_proposal: MakeProposal, meeting: BoardMeeting, board_member: User, members: list[User]
) -> None:
    approved = [_decidable(make_proposal, meeting, members) for _ in range(3)]
    declined = _decidable(make_proposal, meeting, members)
    for proposal, amount in zip(approved, ["0.01", "250000.10", "333333.33"], strict=True):
        _approve(proposal, board_member, amount)
    actions.proposal_decline(proposal=declined, by=board_member, rationale="Below the line.")

    assert call_committed(call=call) == Decimal("583333.44")


# --- The audit ----------------------------------------------------------------------------------


def test_decisions_are_audited_with_the_counted_tally(
    make_proposal: MakeProposal, meeting: BoardMeeting, board_member: User, members: list[User]
) -> None:
    approved, declined = (_decidable(make_proposal, meeting, members) for _ in range(2))
    votes_cast(approved, members[1:2], choice=VoteChoice.DECLINE)
    votes_cast(approved, members[2:3], choice=VoteChoice.ABSTAIN)
    BoardConflict.objects.create(member=members[3], proposal=approved, nature="Advisor to the lead.")
    votes_cast(approved, members[3:], choice=VoteChoice.DECLINE)  # recused: not counted
    votes_cast(declined, members[:2], choice=VoteChoice.DECLINE)

    _approve(approved, board_member, "400000")
    actions.proposal_decline(proposal=declined, by=board_member, rationale="Below the line.")

    approval = AuditRecord.objects.get(proposal=approved, action="approve")
    decline = AuditRecord.objects.get(proposal=declined, action="decline")
    assert approval.data == {
        "amount": "400000",
        "conditions": "",
        "decision": "approved",
        "votes": {"approve": 1, "decline": 1, "abstain": 1},
        "envelope_remaining_before": "25000000.00",
        "ranking": "raw",
    }
    assert decline.data == {
        "decision": "declined",
        "votes": {"approve": 1, "decline": 2, "abstain": 0},
        "ranking": "raw",
    }
    assert (approval.actor, decline.actor, decline.reason) == (board_member, board_member, "Below the line.")


# --- Two approvals at once (PostgreSQL) ----------------------------------------------------------


@pytest.mark.postgres
def test_two_approvals_at_once_beyond_the_envelope_one_wins_the_other_is_told_the_numbers(
    transactional_db: None, call: Call, make_proposal: MakeProposal, board_member: User
) -> None:
    require_row_locks()
    Call.objects.filter(pk=call.pk).update(funding_envelope=Decimal("1000000.00"))
    members = board_members_make(3)
    meeting = meeting_open(meeting_make(call, chair=board_member, members=members, quorum=3))
    both = [_decidable(make_proposal, meeting, members) for _ in range(2)]

    outcomes = race(
        [
            lambda proposal=proposal: _approve(Proposal(pk=proposal.pk), board_member, "600000.00")  # type: ignore[misc]
            for proposal in both
        ]
    )

    won = [outcome for outcome in outcomes if isinstance(outcome, Proposal)]
    refused = [outcome for outcome in outcomes if type(outcome) is DomainError]
    assert (len(won), len(refused)) == (1, 1), outcomes
    assert refused[0].message == (
        "Approving $600,000 would commit more than the call's envelope: $1,000,000, of which "
        "$600,000 is committed and $400,000 remains."
    )
    assert call_committed(call=call) == Decimal("600000.00")
    assert sorted(Proposal.objects.filter(pk__in=[p.pk for p in both]).values_list("state", flat=True)) == sorted(
        [S.APPROVED, S.BOARD_REVIEW]
    )
    assert AuditRecord.objects.filter(action="approve").count() == 1
