"""The agenda's calibrated scores and chances of funding, read from the stored calibrated standings."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from assessment.models import CalibratedStanding
from assessment.services.rubrics import rubric_for
from board.models import BoardConflict, BoardMeeting
from board.services.agenda import meeting_agenda
from intake.models import Call, Proposal
from intake.states import ProposalState
from tests.board.making import meeting_make, review_submitted
from tests.conftest import MakeProposal
from tests.factories import AgendaItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(call: Call, board_member: User) -> BoardMeeting:
    return meeting_make(call, members=[board_member])


def on_agenda(make_proposal: MakeProposal, meeting: BoardMeeting, title: str, scores: list[int]) -> Proposal:
    proposal = make_proposal(ProposalState.BOARD_REVIEW, title=title)
    AgendaItemFactory(meeting=meeting, proposal=proposal)
    review_submitted(proposal, scores)
    return proposal


def standing_store(proposal: Proposal, **values: object) -> CalibratedStanding:
    """Store ``proposal``'s calibrated standing under its call's application rubric with ``values``."""
    standing, _ = CalibratedStanding.objects.update_or_create(
        proposal=proposal, rubric=rubric_for(call=proposal.call), defaults=values
    )
    return standing


def test_agenda_shows_the_calibrated_score_interval_and_chance(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff: User, staff_client: Client
) -> None:
    calibrated = on_agenda(make_proposal, meeting, "Calibrated", [4, 4, 4, 4, 4])
    kept = on_agenda(make_proposal, meeting, "Kept raw", [3, 3, 3, 3, 3])
    standing_store(
        calibrated, raw=80.0, calibrated=77.4, low=70.5, high=84.0, fallback="", chance=0.97, chance_label="always"
    )
    standing_store(
        kept,
        raw=60.0,
        calibrated=None,
        low=50.0,
        high=70.0,
        fallback=CalibratedStanding.Reason.NO_LINKING_ASSESSOR,
        chance=0.4,
        chance_label="sometimes",
    )

    agenda = meeting_agenda(meeting=meeting, user=staff)

    by_title = {row.title: row for row in agenda.rows}
    first = by_title["Calibrated"].calibration
    assert first is not None
    assert (first.calibrated, first.low, first.high) == (77.4, 70.5, 84.0)
    assert (first.chance, first.chance_label) == (0.97, "always")
    second = by_title["Kept raw"].calibration
    assert second is not None
    assert second.calibrated is None
    assert second.ranking_score == 60.0
    html = staff_client.get(reverse("board:meeting_agenda", args=[meeting.pk])).content.decode()
    assert "77.4" in html
    assert "70.5\u201384.0" in html
    assert "Always funded" in html
    assert "raw: None of its assessors scored another proposal" in html
    assert "Sometimes funded" in html


def test_agenda_without_a_stored_standing_shows_a_dash(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff: User
) -> None:
    proposal = on_agenda(make_proposal, meeting, "Alone", [4, 4, 4, 4, 4])
    CalibratedStanding.objects.filter(proposal=proposal).delete()

    agenda = meeting_agenda(meeting=meeting, user=staff)

    assert agenda.rows[0].calibration is None


def test_agenda_recused_member_sees_no_calibration(
    meeting: BoardMeeting, make_proposal: MakeProposal, board_member: User, board_client: Client
) -> None:
    hidden = on_agenda(make_proposal, meeting, "Hidden", [2, 2, 2, 2, 2])
    standing_store(
        hidden, raw=40.0, calibrated=41.7, low=33.5, high=49.5, fallback="", chance=0.5, chance_label="sometimes"
    )
    BoardConflict.objects.create(member=board_member, proposal=hidden, nature="Declared.")

    agenda = meeting_agenda(meeting=meeting, user=board_member)

    assert agenda.rows[0].recused
    assert agenda.rows[0].calibration is None
    html = board_client.get(reverse("board:meeting_agenda", args=[meeting.pk])).content.decode()
    assert "41.7" not in html
    assert "33.5" not in html
    assert "Sometimes funded" not in html
