"""The assessment scores on the proposal's staff page: for the program's staff, never for applicants or the board."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from assessment.services.results import call_results, proposal_results
from intake.choices import VersionKind
from intake.models import Proposal
from intake.states import ProposalState
from tests.assessment.reviewing import assignment_make, review_make, rubric_make
from tests.board.making import meeting_make
from tests.conftest import client_for
from tests.factories import AgendaItemFactory, ProposalFactory, UserFactory
from tests.factories.intake import ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored() -> Proposal:
    """A proposal in board review with two submitted reviews (weights 2 and 1 over scales 0-5 and 0-10)."""
    proposal = cast(Proposal, ProposalFactory(state=ProposalState.BOARD_REVIEW, application=False))
    rubric = rubric_make(proposal.call, pass_threshold=Decimal("60"))
    review_make(assignment_make(proposal, rubric=rubric), values=[5, 10])
    review_make(assignment_make(proposal, rubric=rubric), values=[4, 10])
    other = ProposalFactory(call=proposal.call, application=False)
    review_make(assignment_make(other, rubric=rubric), values=[0, 0])
    return proposal


def test_proposal_results_are_the_calls_results_row_of_the_proposal(scored: Proposal) -> None:
    (results,) = proposal_results(proposal=scored)
    (row,) = results.rows
    (in_call,) = [row for row in call_results(call=scored.call).rows if row.proposal.pk == scored.pk]

    assert (row.means, row.scores.total, row.submitted, row.passed) == (
        in_call.means,
        in_call.scores.total,
        2,
        True,
    )
    assert row.rank is None
    assert [(criterion.name_en, mean) for criterion, mean in row.criterion_means] == [
        ("Criterion 1", pytest.approx(4.5)),
        ("Criterion 2", pytest.approx(10)),
    ]


def test_each_stage_has_its_own_results_read_in_two_queries(scored: Proposal, django_assert_num_queries: Any) -> None:
    loi = rubric_make(scored.call, k=2, criteria=[(Decimal("1"), 0, 5)], stage=VersionKind.LOI)
    review_make(assignment_make(scored, rubric=loi), values=[3])
    review_make(assignment_make(scored, rubric=loi), values=[1], submitted=False)

    with django_assert_num_queries(2):
        loi_results, application_results = proposal_results(proposal=scored)

    assert (loi_results.stage, application_results.stage) == (VersionKind.LOI, VersionKind.APPLICATION)
    (loi_row,) = loi_results.rows
    (application_row,) = application_results.rows
    assert (loi_row.submitted, loi_row.required, loi_row.means) == (1, 2, [pytest.approx(3)])
    assert (application_row.submitted, application_row.required) == (2, 3)
    assert [criterion.rubric_id for criterion in loi_results.criteria] == [loi.pk]
    assert len(application_results.criteria) == 2


def test_a_proposal_never_assessed_has_no_results() -> None:
    assert proposal_results(proposal=cast(Proposal, ProposalFactory())) == []


def _scores_shown(user: User, proposal: Proposal) -> Any:
    response = client_for(user).get(reverse("workflow:proposal_detail", args=[proposal.pk]))
    return response.status_code, "Assessment scores" in response.content.decode(), response


def test_staff_see_the_scores_on_the_proposal_page(scored: Proposal) -> None:
    status, shown, response = _scores_shown(cast(User, UserFactory(role=Role.STAFF)), scored)

    assert (status, shown) == (200, True)
    page = response.content.decode()
    assert "Criterion 1" in page
    assert "4.50" in page
    assert f"{scored.call.pk}/results/?stage=application" in page


def test_board_members_and_staff_of_another_program_do_not_see_them(scored: Proposal) -> None:
    board = cast(User, UserFactory(role=Role.BOARD_MEMBER))
    AgendaItemFactory(meeting=meeting_make(scored.call, members=[board]), proposal=scored)
    elsewhere = cast(User, UserFactory(role=Role.STAFF, programs=[ProgramFactory()]))

    assert _scores_shown(board, scored)[:2] == (200, False)
    assert _scores_shown(elsewhere, scored)[0] == 404


def test_the_applicant_never_sees_the_scores(scored: Proposal) -> None:
    client = client_for(scored.lead_applicant)

    staff_page = client.get(reverse("workflow:proposal_detail", args=[scored.pk]))
    own_page = client.get(reverse("intake:proposal_detail", args=[scored.pk]))

    assert staff_page.status_code == 403
    assert "Assessment scores" not in own_page.content.decode()
    assert "Criterion 1" not in own_page.content.decode()
