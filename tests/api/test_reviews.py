"""An assessor's review over the API: the review page's form and use cases, with 400, 403, 404 and 409."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.choices import ApiScope
from accounts.models import User
from assessment.choices import ReviewState
from assessment.models import Assignment, Review
from intake.states import ProposalState
from tests.api.conftest import TokenClient
from tests.assessment.reviewing import assignment_make, rubric_make
from tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment(assessor: User) -> Assignment:
    proposal = ProposalFactory(state=ProposalState.IN_ASSESSMENT)
    # Two criteria: weights 2 and 1 over scales 0-5 and 0-10; one assessor a proposal.
    return assignment_make(proposal, rubric=rubric_make(proposal.call, k=1), assessor=assessor)


def _complete(assignment: Assignment) -> dict[str, Any]:
    low, high = assignment.rubric.criteria.order_by("position")
    return {
        "scores": [
            {"criterion": low.pk, "value": 4, "comment": "Sound plan."},
            {"criterion": high.pk, "value": 7, "comment": "Fair budget."},
        ],
        "recommendation": "fund",
        "confidence": "high",
    }


def _post(client: Any, assignment: Assignment, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/assignments/{assignment.pk}/review/", body, content_type="application/json")


def test_review_submitted_completes_the_assessment(
    assessor: User, assignment: Assignment, token_client: TokenClient
) -> None:
    response = _post(token_client(assessor), assignment, _complete(assignment))

    assert response.status_code == 200, response.content
    assert (response.json()["state"], [s["value"] for s in response.json()["scores"]]) == ("submitted", [4, 7])
    assignment.proposal.refresh_from_db()
    assert assignment.proposal.state == "assessed"  # its one required review is in


def test_review_incomplete_is_saved_as_a_draft_and_answers_400_by_field(
    assessor: User, assignment: Assignment, token_client: TokenClient
) -> None:
    body = _complete(assignment)
    body["scores"][1]["comment"] = ""
    body["confidence"] = ""

    response = _post(token_client(assessor), assignment, body)

    high = body["scores"][1]["criterion"]
    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == sorted([f"comment_{high}", "confidence"])
    assert Review.objects.get(assignment=assignment).state == ReviewState.DRAFT


def test_review_draft_then_submit_with_the_time_it_was_read(
    assessor: User, assignment: Assignment, token_client: TokenClient
) -> None:
    client = token_client(assessor)
    draft = _post(client, assignment, {**_complete(assignment), "submit": False})
    read = client.get(f"/api/v1/assignments/{assignment.pk}/").json()

    stale = _post(client, assignment, _complete(assignment))
    submitted = _post(client, assignment, {**_complete(assignment), "expected_updated_at": read["review_updated_at"]})

    assert (draft.status_code, draft.json()["state"]) == (200, "draft")
    assert (stale.status_code, stale.json()["code"]) == (409, "StaleAction")
    assert (submitted.status_code, submitted.json()["state"]) == (200, "submitted")
    again = _post(client, assignment, {**_complete(assignment), "expected_updated_at": read["review_updated_at"]})
    assert again.status_code == 409


def test_review_out_of_scale_or_unknown_criterion_answers_400(
    assessor: User, assignment: Assignment, token_client: TokenClient
) -> None:
    body = _complete(assignment)
    body["scores"][0]["value"] = 9
    unknown = _complete(assignment)
    unknown["scores"].append({"criterion": 999999, "value": 1, "comment": "?"})
    client = token_client(assessor)

    out_of_scale = _post(client, assignment, body)
    elsewhere = _post(client, assignment, unknown)

    assert (out_of_scale.status_code, list(out_of_scale.json()["errors"])) == (
        400, [f"score_{body['scores'][0]['criterion']}"],
    )  # fmt: skip
    assert (elsewhere.status_code, list(elsewhere.json()["errors"])) == (400, ["scores"])
    assert not Review.objects.filter(assignment=assignment).exists()


def test_review_by_another_assessor_answers_404_by_staff_403(
    staff: User, assignment: Assignment, token_client: TokenClient
) -> None:
    other = assignment_make(assignment.proposal, rubric=assignment.rubric)

    by_other = _post(token_client(other.assessor), assignment, _complete(assignment))
    by_staff = _post(token_client(staff), assignment, _complete(assignment))

    assert (by_other.status_code, by_staff.status_code) == (404, 403)
    assert by_staff.json()["detail"] == "Only assessors write reviews."


def test_review_with_a_read_token_answers_403(
    assessor: User, assignment: Assignment, token_client: TokenClient
) -> None:
    response = _post(token_client(assessor, scope=ApiScope.READ), assignment, _complete(assignment))

    assert response.status_code == 403
    assert not Review.objects.filter(assignment=assignment).exists()
