"""Board members' votes on the agenda, and the chair's decision page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from accounts.errors import StaleAction
from accounts.models import User
from board.models import AgendaItem, BoardConflict, BoardMeeting, Vote, VoteChoice
from board.services.votes import member_votes, vote_cast, vote_version
from intake.models import Call, Proposal
from intake.states import ProposalState
from records.models import AuditRecord
from tests.board.making import agenda_put, board_members_make, meeting_make, meeting_open, votes_cast
from tests.conftest import client_for
from tests.factories import CallFactory, ProposalFactory

pytestmark = pytest.mark.django_db

REQUESTED = Decimal("1000000.00")  # what fill_application's two partners request


@dataclass
class Board:
    call: Call
    meeting: BoardMeeting
    proposal: Proposal
    item: AgendaItem
    chair: User
    members: list[User]
    outsider: User

    @property
    def vote_url(self) -> str:
        return reverse("board:vote", kwargs={"pk": self.meeting.pk, "item_pk": self.item.pk})

    @property
    def votes_url(self) -> str:
        return reverse("board:votes", kwargs={"pk": self.meeting.pk})

    @property
    def decide_url(self) -> str:
        return reverse("board:decide", kwargs={"pk": self.meeting.pk, "item_pk": self.item.pk})


@pytest.fixture
def board() -> Board:
    call = CallFactory()
    chair, *members, outsider = board_members_make(5)
    meeting = meeting_open(meeting_make(call, chair=chair, members=members, quorum=2))
    proposal = ProposalFactory(call=call, state=ProposalState.BOARD_REVIEW)
    return Board(
        call=call,
        meeting=meeting,
        proposal=proposal,
        item=agenda_put(proposal, meeting),
        chair=chair,
        members=members,
        outsider=outsider,
    )


# --- Votes ----------------------------------------------------------------------------------------


def test_vote_member_records_a_vote_with_a_comment(board: Board) -> None:
    member = board.members[0]

    response = client_for(member).post(board.vote_url, {"choice": "approve", "comment": " Strong plan. ", "seen": ""})

    assert response.status_code == 302
    assert response.url == board.votes_url
    vote = Vote.objects.get(item=board.item, member=member)
    assert (vote.choice, vote.comment) == (VoteChoice.APPROVE, "Strong plan.")


def test_vote_member_changes_the_vote_in_the_same_row(board: Board) -> None:
    member = board.members[0]
    client = client_for(member)
    client.post(board.vote_url, {"choice": "approve", "comment": "", "seen": ""})
    seen = client.get(board.vote_url).context["form"]["seen"].value()

    response = client.post(board.vote_url, {"choice": "decline", "comment": "Budget too thin.", "seen": seen})

    assert response.status_code == 302
    assert list(Vote.objects.filter(member=member).values_list("choice", "comment")) == [
        ("decline", "Budget too thin.")
    ]


def test_vote_page_shows_the_members_own_vote(board: Board) -> None:
    member = board.members[0]
    votes_cast(board.proposal, [member], choice=VoteChoice.ABSTAIN, comment="I abstain.")
    votes_cast(board.proposal, [board.members[1]], choice=VoteChoice.DECLINE)

    page = client_for(member).get(board.vote_url)
    listing = client_for(member).get(board.votes_url).content.decode()

    assert page.context["form"]["choice"].value() == "abstain"
    assert page.context["form"]["comment"].value() == "I abstain."
    assert "Your vote now: Abstain." in page.content.decode()
    assert "Abstain" in listing
    assert "Votes counted" not in listing  # the tally is the chair's


def test_vote_two_windows_the_second_is_told_and_nothing_changes(board: Board) -> None:
    member = board.members[0]
    first, second = client_for(member), client_for(member)
    seen_first = first.get(board.vote_url).context["form"]["seen"].value()
    seen_second = second.get(board.vote_url).context["form"]["seen"].value()
    first.post(board.vote_url, {"choice": "approve", "comment": "From the first window.", "seen": seen_first})

    response = second.post(board.vote_url, {"choice": "decline", "comment": "From the second.", "seen": seen_second})

    assert response.status_code == 409
    body = response.content.decode()
    assert "changed since you opened this page" in body
    assert "From the second." in body  # what was typed is kept
    assert list(Vote.objects.filter(member=member).values_list("choice", "comment")) == [
        ("approve", "From the first window.")
    ]


def test_vote_one_row_per_member_and_item(board: Board) -> None:
    member = board.members[0]
    vote = vote_cast(item=board.item, member=member, choice=VoteChoice.APPROVE)
    vote_cast(item=board.item, member=member, choice=VoteChoice.DECLINE, seen=vote_version(vote))

    assert Vote.objects.filter(item=board.item, member=member).count() == 1
    with pytest.raises(IntegrityError):
        Vote.objects.create(item=board.item, member=member, choice=VoteChoice.ABSTAIN)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"comment": "No choice."}, "Choose approve, decline or abstain."),
        ({"choice": "maybe", "comment": "Odd."}, "Select a valid choice."),
    ],
)
def test_vote_bad_input_keeps_what_was_typed(board: Board, data: dict[str, str], message: str) -> None:
    response = client_for(board.members[0]).post(board.vote_url, {"seen": "", **data})

    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert data["comment"] in body
    assert not Vote.objects.exists()


def test_vote_after_the_decision_is_refused(board: Board) -> None:
    member = board.members[0]
    vote = vote_cast(item=board.item, member=member, choice=VoteChoice.APPROVE)
    Proposal.objects.filter(pk=board.proposal.pk).update(state=ProposalState.APPROVED)

    response = client_for(member).post(board.vote_url, {"choice": "decline", "comment": "", "seen": vote_version(vote)})
    with pytest.raises(StaleAction) as refused:
        vote_cast(item=board.item, member=member, choice=VoteChoice.DECLINE, seen=vote_version(vote))

    assert response.status_code == 409
    assert "votes can no longer change" in response.content.decode()
    assert "decision" in refused.value.message
    assert Vote.objects.get(member=member).choice == VoteChoice.APPROVE


def test_vote_member_recused_meanwhile_gets_404_and_nothing_is_written(board: Board) -> None:
    member = board.members[0]
    client = client_for(member)
    client.get(board.vote_url)
    BoardConflict.objects.create(member=member, proposal=board.proposal, nature="Remembered a tie.")

    response = client.post(board.vote_url, {"choice": "approve", "comment": "", "seen": ""})

    assert response.status_code == 404
    assert not Vote.objects.exists()


def test_vote_on_a_deferred_item_answers_404(board: Board) -> None:
    later = meeting_make(board.call, chair=board.chair, members=board.members, quorum=2)
    AgendaItem.objects.filter(pk=board.item.pk).update(deferred_to=later)
    AgendaItem.objects.create(meeting=later, proposal=board.proposal)

    assert client_for(board.members[0]).get(board.vote_url).status_code == 404


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("staff", 403), ("applicant", 403)])
def test_vote_refuses_non_members(board: Board, who: str, status: int, request: Any) -> None:
    user = board.outsider if who == "outsider" else request.getfixturevalue(who)
    client = client_for(user)

    assert client.get(board.vote_url).status_code == status
    assert client.post(board.vote_url, {"choice": "approve", "seen": ""}).status_code == status
    assert client.get(board.votes_url).status_code == status
    assert not Vote.objects.exists()


def test_vote_item_of_another_meeting_answers_404(board: Board) -> None:
    other = meeting_make(board.call, chair=board.outsider, members=[], quorum=1)
    url = reverse("board:vote", kwargs={"pk": other.pk, "item_pk": board.item.pk})

    assert client_for(board.outsider).get(url).status_code == 404


def test_votes_chair_reads_the_tally_against_the_quorum(board: Board) -> None:
    votes_cast(board.proposal, board.members[:2], choice=VoteChoice.APPROVE)
    votes_cast(board.proposal, board.members[2:], choice=VoteChoice.ABSTAIN)
    # A vote by a member recused since is not counted.
    BoardConflict.objects.create(member=board.members[2], proposal=board.proposal, nature="A tie.")

    response = client_for(board.chair).get(board.votes_url)

    [row] = response.context["rows"]
    assert (row.counted, row.approve, row.decline, row.abstain) == (2, 2, 0, 0)
    assert "2 of 2" in response.content.decode()
    assert "Quorum reached" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 50])
def test_votes_list_takes_one_query(rows: int, django_assert_max_num_queries: Any) -> None:
    call = CallFactory()
    chair, *members = board_members_make(3)
    meeting = meeting_make(call, chair=chair, members=members, quorum=2)
    for _index in range(rows):
        proposal = ProposalFactory(call=call, state=ProposalState.BOARD_REVIEW, application=False)
        AgendaItem.objects.create(meeting=meeting, proposal=proposal)
        votes_cast(proposal, [chair, *members], choice=VoteChoice.APPROVE)

    with django_assert_max_num_queries(1):
        listing = member_votes(meeting=meeting, member=chair)

    assert len(listing) == rows
    assert all(row.counted == 3 and row.choice == VoteChoice.APPROVE for row in listing)
    client: Client = client_for(chair)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("board:votes", kwargs={"pk": meeting.pk})).status_code == 200


# --- The chair's decision -------------------------------------------------------------------------


def _approve(amount: Any = "250000.00", rationale: str = "Best ranked.", conditions: str = "") -> dict[str, Any]:
    return {
        "decision": "approve",
        "approve-expected_state": ProposalState.BOARD_REVIEW,
        "approve-amount": amount,
        "approve-rationale": rationale,
        "approve-conditions": conditions,
    }


def _decline(rationale: str = "Outside the call's priorities.") -> dict[str, Any]:
    return {"decision": "decline", "decline-expected_state": ProposalState.BOARD_REVIEW, "decline-rationale": rationale}


def test_decide_page_shows_tally_quorum_request_and_envelope(board: Board) -> None:
    votes_cast(board.proposal, board.members[:1], choice=VoteChoice.DECLINE)

    response = client_for(board.chair).get(board.decide_url)

    assert response.status_code == 200
    facts = response.context["facts"]
    assert (facts.counted, facts.quorum, facts.quorum_reached) == (1, 2, False)
    assert facts.requested == REQUESTED
    assert facts.remaining == Decimal("25000000.00")
    assert response.context["approve_form"]["amount"].value() == REQUESTED
    body = response.content.decode()
    assert "$1,000,000.00" in body
    assert "$25,000,000.00" in body
    assert "Not reached" in body


def test_decide_approve_records_the_decision_with_the_tally(board: Board) -> None:
    votes_cast(board.proposal, board.members[:2], choice=VoteChoice.APPROVE)

    response = client_for(board.chair).post(board.decide_url, _approve(conditions="Report every quarter."))

    assert response.status_code == 302
    board.proposal.refresh_from_db()
    assert board.proposal.state == ProposalState.APPROVED
    assert board.proposal.approved_amount == Decimal("250000.00")
    assert board.proposal.decision_conditions == "Report every quarter."
    record = AuditRecord.objects.get(proposal=board.proposal, action="approve")
    assert record.data["votes"] == {"approve": 2, "decline": 0, "abstain": 0}


def test_decide_decline_records_the_decision(board: Board) -> None:
    votes_cast(board.proposal, board.members[:2], choice=VoteChoice.DECLINE)

    response = client_for(board.chair).post(board.decide_url, _decline())

    assert response.status_code == 302
    board.proposal.refresh_from_db()
    assert board.proposal.state == ProposalState.DECLINED


def test_decide_without_quorum_is_refused_with_what_was_typed(board: Board) -> None:
    votes_cast(board.proposal, board.members[:1])

    response = client_for(board.chair).post(board.decide_url, _approve(rationale="Typed with care."))

    assert response.status_code == 409
    body = response.content.decode()
    assert "quorum of 2" in body
    assert "Typed with care." in body
    assert Proposal.objects.get(pk=board.proposal.pk).state == ProposalState.BOARD_REVIEW


def test_decide_over_the_envelope_is_refused_with_the_numbers(board: Board) -> None:
    votes_cast(board.proposal, board.members[:2])
    Call.objects.filter(pk=board.call.pk).update(funding_envelope=Decimal("1200000.00"))
    funded = ProposalFactory(call=board.call, state=ProposalState.APPROVED, approved_amount=Decimal("1000000.00"))

    response = client_for(board.chair).post(board.decide_url, _approve(amount="300000.00"))

    assert funded.approved_amount == Decimal("1000000.00")
    assert response.status_code == 400
    body = response.content.decode()
    assert (
        "Approving $300,000 would commit more than the call&#x27;s envelope: $1,200,000, of which $1,000,000 is "
        "committed and $200,000 remains."
    ) in body
    assert 'value="300000.00"' in body
    assert Proposal.objects.get(pk=board.proposal.pk).state == ProposalState.BOARD_REVIEW


def test_decide_over_the_request_is_refused(board: Board) -> None:
    votes_cast(board.proposal, board.members[:2])

    response = client_for(board.chair).post(board.decide_url, _approve(amount="1000001.00"))

    assert response.status_code == 400
    assert "The approved amount, $1,000,001, is above the $1,000,000 the proposal requests" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_approve(amount=""), "This field is required."),
        (_approve(amount="a lot"), "Enter a number."),
        (_approve(amount="0"), "Ensure this value is greater than or equal to 0.01."),
        (_approve(rationale=""), "This field is required."),
        (_decline(rationale=""), "This field is required."),
        ({"decision": "maybe"}, "Choose to approve or to decline."),
    ],
)
def test_decide_bad_input_is_refused_and_nothing_changes(board: Board, data: dict[str, Any], message: str) -> None:
    votes_cast(board.proposal, board.members[:2])

    response = client_for(board.chair).post(board.decide_url, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Proposal.objects.get(pk=board.proposal.pk).state == ProposalState.BOARD_REVIEW


def test_decide_stale_second_recording_is_told_what_happened(board: Board) -> None:
    votes_cast(board.proposal, board.members[:2])
    first, second = client_for(board.chair), client_for(board.chair)
    first.get(board.decide_url)
    second.get(board.decide_url)
    first.post(board.decide_url, _approve())

    response = second.post(board.decide_url, _decline(rationale="Rationale typed in the second window."))

    assert response.status_code == 409
    body = response.content.decode()
    assert "This proposal is now “Approved”" in body
    assert "Rationale typed in the second window." in body
    assert Proposal.objects.get(pk=board.proposal.pk).state == ProposalState.APPROVED


def test_decide_other_member_gets_403_and_nothing_changes(board: Board) -> None:
    votes_cast(board.proposal, board.members[:2])

    response = client_for(board.members[0]).post(board.decide_url, _approve())

    assert response.status_code == 403
    assert Proposal.objects.get(pk=board.proposal.pk).state == ProposalState.BOARD_REVIEW


def test_decide_page_after_the_decision_shows_it_without_forms(board: Board) -> None:
    votes_cast(board.proposal, board.members[:2])
    client = client_for(board.chair)
    client.post(board.decide_url, _approve())

    response = client.get(board.decide_url)

    body = response.content.decode()
    assert response.status_code == 200
    assert "The decision is recorded" in body
    assert "$250,000.00" in body
    assert 'name="decision"' not in body
