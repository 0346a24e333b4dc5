"""A call's results at a stage over the API: staff only, the results page's ranking, a page at a time."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accounts.choices import Role
from accounts.models import User
from assessment.models import Rubric
from tests.api.conftest import TokenClient
from tests.assessment.reviewing import assignment_make, review_make, rubric_make
from tests.factories import ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rubric() -> Rubric:
    # Weights 2 and 1 over scales 0-5 and 0-10.
    return rubric_make(ProposalFactory(application=False).call, pass_threshold=Decimal("60"))


def _scored(rubric: Rubric, title: str, *reviews: tuple[int, int]) -> Any:
    proposal = ProposalFactory(call=rubric.call, title=title, application=False)
    for values in reviews:
        review_make(assignment_make(proposal, rubric=rubric), values=list(values))
    return proposal


def _url(rubric: Rubric) -> str:
    return f"/api/v1/calls/{rubric.call_id}/results/"


def test_results_rank_as_the_results_page(rubric: Rubric, staff: User, token_client: TokenClient) -> None:
    _scored(rubric, "Middle", (3, 6), (3, 6))  # 60
    top = _scored(rubric, "Top", (5, 10), (4, 10))  # 100 and 86.7
    _scored(rubric, "Low", (1, 2))  # 20
    unscored = ProposalFactory(call=rubric.call, title="Unscored", application=False)
    review_make(assignment_make(unscored, rubric=rubric), submitted=False)

    body = token_client(staff).get(_url(rubric)).json()

    assert [(row["rank"], row["proposal"]["title"], row["passed"]) for row in body["results"]] == [
        (1, "Top", True), (2, "Middle", True), (3, "Low", False), (None, "Unscored", None),
    ]  # fmt: skip
    first = body["results"][0]
    assert first["proposal"]["id"] == top.pk
    assert first["total"] == pytest.approx((100 + 100 * (2 * 0.8 + 1) / 3) / 2)
    assert [mean["mean"] for mean in first["criteria"]] == [pytest.approx(4.5), pytest.approx(10)]
    assert (first["reviews_submitted"], first["reviews_required"]) == (2, 3)
    assert (body["count"], body["stage"], body["rubric"]["pass_threshold"]) == (4, "application", "60.00")
    assert [criterion["id"] for criterion in body["criteria"]] == [mean["criterion"] for mean in first["criteria"]]


def test_results_pages_keep_the_ranks(rubric: Rubric, staff: User, token_client: TokenClient) -> None:
    for index in range(5):
        _scored(rubric, f"Proposal {index}", (index, index))
    client = token_client(staff)

    first = client.get(_url(rubric), {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert [row["rank"] for row in first["results"] + second["results"]] == [1, 2, 3, 4]
    assert (first["previous"], second["previous"].endswith("page_size=2")) == (None, True)


def test_results_are_for_staff_only(
    rubric: Rubric, applicant: User, assessor: User, board_member: User, token_client: TokenClient
) -> None:
    _scored(rubric, "Scored", (3, 3))

    answers = [token_client(person).get(_url(rubric)) for person in (applicant, assessor, board_member)]

    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert answers[0].json()["detail"] == "Only program staff read the results of a call."


def test_results_of_another_programs_call_answer_404(rubric: Rubric, token_client: TokenClient) -> None:
    elsewhere = UserFactory(role=Role.STAFF, programs=[ProposalFactory().call.program])

    assert token_client(elsewhere).get(_url(rubric)).status_code == 404


def test_results_anonymous_answers_401(rubric: Rubric, anonymous_client: Client) -> None:
    assert anonymous_client.get(_url(rubric)).status_code == 401


def test_results_at_a_stage_not_assessed_answer_400_naming_it(
    rubric: Rubric, staff: User, token_client: TokenClient
) -> None:
    response = token_client(staff).get(_url(rubric), {"stage": "questionnaire"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["stage"]


@pytest.mark.parametrize("count", [2, 30])
def test_results_read_in_constant_queries(
    count: int, rubric: Rubric, staff: User, token_client: TokenClient, django_assert_max_num_queries: Any
) -> None:
    for index in range(count):
        _scored(rubric, f"Proposal {index}", (index % 6, index % 11), (3, 3))
    client = token_client(staff)

    # The token and its last use, the call with its stages and cut-offs, the criteria with their
    # rubric, the count, the page's ranking, its scores, its reviews and its calibrated standings.
    with django_assert_max_num_queries(12):
        response = client.get(_url(rubric), {"page_size": 25})

    assert len(response.json()["results"]) == min(count, 25)
