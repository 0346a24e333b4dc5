"""The board's agenda checks each proposal against the rules frozen at its submission."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from board.models import BoardMeeting
from board.services.agenda import meeting_agenda
from intake.eligibility import rules_to_data
from intake.models import Call, Proposal
from intake.services.call_lists import EligibilitySummary
from intake.states import ProposalState
from tests.board.making import meeting_make
from tests.factories import AgendaItemFactory, UserFactory
from tests.factories.intake import call_rules_change
from tests.intake.test_versions import invited_application
from workflow.actions import proposal_submit_application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def meeting(call: Call, board_member: User) -> BoardMeeting:
    return meeting_make(call, members=[board_member])


def _before_the_board(meeting: BoardMeeting) -> Proposal:
    """A full application at 40 % of its costs, submitted under a 40 % maximum, on ``meeting``'s agenda."""
    lead = cast(User, UserFactory(role=Role.APPLICANT))
    proposal = proposal_submit_application(proposal=invited_application(lead, call=meeting.call), by=lead)
    Proposal.objects.filter(pk=proposal.pk).update(state=ProposalState.BOARD_REVIEW)
    AgendaItemFactory(meeting=meeting, proposal=proposal)
    return proposal


def test_agenda_summary_keeps_the_frozen_rules_after_the_call_changed(
    meeting: BoardMeeting, call: Call, staff: User
) -> None:
    proposal = _before_the_board(meeting)
    call_rules_change(call, max_cluster_share=Decimal("35.00"), sme_max_employees=10)

    [row] = meeting_agenda(meeting=meeting, user=staff).rows

    assert row.proposal == proposal
    assert row.eligibility == EligibilitySummary(failed=0, overridden=0, total=11)
    assert [partner.sme for partner in row.partners] == [True, False, True]


def test_agenda_summary_follows_the_rules_staff_applied(meeting: BoardMeeting, call: Call, staff: User) -> None:
    proposal = _before_the_board(meeting)
    call_rules_change(call, max_cluster_share=Decimal("35.00"))
    Proposal.objects.filter(pk=proposal.pk).update(
        rules_applied=rules_to_data(Call.objects.get(pk=call.pk).eligibility_rules("application")),
        rules_applied_version=1,
        rules_applied_at=timezone.now(),
    )

    [row] = meeting_agenda(meeting=meeting, user=staff).rows

    assert row.eligibility == EligibilitySummary(failed=1, overridden=0, total=11)
