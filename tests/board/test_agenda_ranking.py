"""Which score ranks the agenda, raw or calibrated: chosen by staff or the chair, audited, used and recorded."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.errors import ActionForbidden, StaleAction
from accounts.models import User
from board.models import BoardMeeting, PortfolioSettings, Ranking, SelectionMode
from board.services.agenda import meeting_agenda
from board.services.ranking import RANKING_SET, meeting_ranking_set
from intake.models import Call, ConsortiumMember, Proposal
from intake.states import ProposalState
from records.models import AuditRecord
from tests.board.making import board_members_make, decidable, meeting_make
from tests.board.test_agenda_calibration import on_agenda, standing_store
from tests.conftest import MakeProposal, client_for
from tests.factories import ProgramFactory, UserFactory
from workflow import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(call: Call, board_member: User) -> BoardMeeting:
    return meeting_make(call, chair=board_member, members=[board_member])


def _two_reversed(make_proposal: MakeProposal, meeting: BoardMeeting) -> tuple[Proposal, Proposal]:
    """Two proposals whose calibrated scores reverse their raw order."""
    high = on_agenda(make_proposal, meeting, "Raw first", [5, 5, 5, 5, 5])
    low = on_agenda(make_proposal, meeting, "Calibrated first", [3, 3, 3, 3, 3])
    standing_store(high, raw=100.0, calibrated=55.0, low=50.0, high=60.0, fallback="", chance=0.5, chance_label="")
    standing_store(low, raw=60.0, calibrated=75.0, low=70.0, high=80.0, fallback="", chance=0.5, chance_label="")
    return high, low


def test_the_agenda_ranks_by_raw_by_default_and_by_calibrated_when_chosen(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff: User, staff_client: Client
) -> None:
    _two_reversed(make_proposal, meeting)
    assert meeting.ranking == Ranking.RAW
    assert [row.title for row in meeting_agenda(meeting=meeting, user=staff).rows] == ["Raw first", "Calibrated first"]

    response = staff_client.post(
        reverse("board:meeting_ranking", args=[meeting.pk]), {"ranking": "calibrated", "expected": "raw"}
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.ranking == Ranking.CALIBRATED
    rows = meeting_agenda(meeting=meeting, user=staff).rows
    assert [(row.title, row.rank) for row in rows] == [("Calibrated first", 1), ("Raw first", 2)]
    record = AuditRecord.objects.get(meeting=meeting, action=RANKING_SET)
    assert (record.actor, record.data) == (staff, {"from": "raw", "to": "calibrated"})
    html = staff_client.get(reverse("board:meeting_agenda", args=[meeting.pk])).content.decode()
    assert "Ranked by: Calibrated score." in html
    assert "Agenda ranked by the calibrated score from" in html


def test_the_chair_sets_the_ranking_and_other_members_may_not(
    meeting: BoardMeeting, board_member: User, call: Call
) -> None:
    other = board_members_make(1)[0]
    meeting.members.add(other)

    meeting_ranking_set(meeting=meeting, by=board_member, ranking=Ranking.CALIBRATED)

    with pytest.raises(ActionForbidden):
        meeting_ranking_set(meeting=meeting, by=other, ranking=Ranking.RAW)
    response = client_for(other).post(reverse("board:meeting_ranking", args=[meeting.pk]), {"ranking": "raw"})
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.ranking == Ranking.CALIBRATED
    html = client_for(other).get(reverse("board:meeting_agenda", args=[meeting.pk])).content.decode()
    assert reverse("board:meeting_ranking", args=[meeting.pk]) not in html


def test_the_ranking_refuses_a_stale_form_a_bad_value_and_another_program(
    meeting: BoardMeeting, staff: User, staff_client: Client
) -> None:
    meeting_ranking_set(meeting=meeting, by=staff, ranking=Ranking.CALIBRATED)
    with pytest.raises(StaleAction):
        meeting_ranking_set(meeting=meeting, by=staff, ranking=Ranking.RAW, expected=Ranking.RAW)
    url = reverse("board:meeting_ranking", args=[meeting.pk])
    assert staff_client.post(url, {"ranking": "raw", "expected": "raw"}).status_code == 409
    assert staff_client.post(url, {"ranking": "best"}).status_code in (400, 409, 422)
    stranger = cast(User, UserFactory(role=Role.STAFF, programs=[ProgramFactory()]))
    assert client_for(stranger).post(url, {"ranking": "raw"}).status_code == 404
    meeting.refresh_from_db()
    assert meeting.ranking == Ranking.CALIBRATED


@pytest.mark.parametrize("ranking", [Ranking.RAW, Ranking.CALIBRATED])
def test_each_decision_records_the_ranking_in_force(
    ranking: str, make_proposal: MakeProposal, board_member: User
) -> None:
    approved = make_proposal(ProposalState.BOARD_REVIEW)
    declined = make_proposal(ProposalState.BOARD_REVIEW)
    for proposal in (approved, declined):
        BoardMeeting.objects.filter(pk=decidable(proposal, chair=board_member).pk).update(ranking=ranking)

    actions.proposal_approve(proposal=approved, by=board_member, amount=Decimal("1000"), rationale="Ranked high.")
    actions.proposal_decline(proposal=declined, by=board_member, rationale="Ranked low.")

    assert AuditRecord.objects.get(proposal=approved, action="approve").data["ranking"] == ranking
    assert AuditRecord.objects.get(proposal=declined, action="decline").data["ranking"] == ranking


def test_the_portfolio_computes_on_the_calibrated_scores_when_they_rank(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff: User, staff_client: Client, call: Call
) -> None:
    Call.objects.filter(pk=call.pk).update(funding_envelope=Decimal("1000000.00"))
    high, low = _two_reversed(make_proposal, meeting)
    ConsortiumMember.objects.filter(proposal__in=[high, low]).exclude(is_lead=True).delete()
    ConsortiumMember.objects.filter(proposal__in=[high, low]).update(funding_requested=Decimal("1000000"))
    PortfolioSettings.objects.create(meeting=meeting, mode=SelectionMode.PORTFOLIO, updated_by=staff)
    url = reverse("board:portfolio_compute", args=[meeting.pk])

    staff_client.post(url)
    meeting.portfolio_suggestion.refresh_from_db()
    raw = meeting.portfolio_suggestion.result
    meeting_ranking_set(meeting=meeting, by=staff, ranking=Ranking.CALIBRATED)
    staff_client.post(url)
    meeting.portfolio_suggestion.refresh_from_db()
    calibrated = meeting.portfolio_suggestion.result

    assert (raw["alternative_scores"], raw["optimum"]["chosen"]) == (False, [high.pk])
    assert (calibrated["alternative_scores"], calibrated["optimum"]["chosen"]) == (True, [low.pk])
