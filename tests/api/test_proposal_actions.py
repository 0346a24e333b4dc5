"""The actions that move a proposal over the API: the pages' actions and forms, with 400, 403, 404 and 409."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.choices import ApiScope
from accounts.models import User
from intake.models import Proposal
from intake.states import ProposalState
from tests.api.conftest import TokenClient
from tests.conftest import MakeProposal

pytestmark = pytest.mark.django_db


def _act(client: Any, proposal: Proposal, name: str, **fields: Any) -> Any:
    return client.post(f"/api/v1/proposals/{proposal.pk}/actions/{name}/", fields, content_type="application/json")


def test_action_staff_request_changes_with_a_due_time_in_utc(
    staff: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    proposal = make_proposal(ProposalState.SUBMITTED)
    due = (timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0)

    response = _act(
        token_client(staff), proposal, "request_changes",
        expected_state="submitted", message="Add the budget's justification.", due_at=due.isoformat(),
    )  # fmt: skip

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "changes_requested"
    assert Proposal.objects.get(pk=proposal.pk).changes_due_at == due


def test_action_staff_mark_ineligible(staff: User, make_proposal: MakeProposal, token_client: TokenClient) -> None:
    proposal = make_proposal(ProposalState.SUBMITTED)

    response = _act(token_client(staff), proposal, "mark_ineligible", failed_checks="The lead is not a member.")

    assert (response.status_code, response.json()["state"]) == (200, "ineligible")


def test_action_missing_field_answers_400_beside_it(
    staff: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    proposal = make_proposal(ProposalState.SUBMITTED)

    response = _act(token_client(staff), proposal, "request_changes", expected_state="submitted", due_at="soon")

    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == ["due_at"]
    missing = _act(token_client(staff), proposal, "request_changes", due_at=timezone.now().isoformat())
    assert sorted(missing.json()["errors"]) == ["due_at", "message"]  # in the past, and no message
    assert Proposal.objects.get(pk=proposal.pk).state == "submitted"


def test_action_on_a_moved_proposal_answers_409(
    staff: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    proposal = make_proposal(ProposalState.SUBMITTED)

    response = _act(token_client(staff), proposal, "mark_ineligible", expected_state="draft", failed_checks="Late.")

    assert (response.status_code, response.json()["code"]) == (409, "StaleAction")
    assert Proposal.objects.get(pk=proposal.pk).state == "submitted"


def test_action_not_theirs_answers_403_with_the_reason(
    applicant: User, staff: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    proposal = make_proposal(ProposalState.SUBMITTED)

    by_applicant = _act(token_client(applicant), proposal, "mark_ineligible", failed_checks="Mine.")
    by_staff = _act(token_client(staff), proposal, "withdraw", reason="Not theirs.")

    assert (by_applicant.status_code, by_applicant.json()["code"]) == (403, "ActionForbidden")
    assert (by_staff.status_code, by_staff.json()["code"]) == (403, "ActionForbidden")
    assert by_applicant.json()["detail"]


def test_action_applicant_withdraws(applicant: User, make_proposal: MakeProposal, token_client: TokenClient) -> None:
    proposal = make_proposal(ProposalState.SUBMITTED)

    response = _act(token_client(applicant), proposal, "withdraw", expected_state="submitted", reason="Changed plans")

    assert (response.status_code, response.json()["state"]) == (200, "withdrawn")


def test_action_of_another_applicant_or_unknown_answers_404(
    applicant: User, other_applicant: User, staff: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    proposal = make_proposal(ProposalState.SUBMITTED)

    stranger = _act(token_client(other_applicant), proposal, "withdraw", reason="Not mine")
    unknown = _act(token_client(staff), proposal, "expire")

    assert (stranger.status_code, unknown.status_code) == (404, 404)


@pytest.mark.parametrize("persona", ["staff", "applicant"])
def test_action_on_an_id_no_column_holds_answers_404(
    persona: str, request: pytest.FixtureRequest, token_client: TokenClient
) -> None:
    user = request.getfixturevalue(persona)
    for name in ("approve", "withdraw"):
        response = token_client(user).post(
            f"/api/v1/proposals/{2**105}/actions/{name}/", {"reason": "x"}, content_type="application/json"
        )
        assert response.status_code == 404, (name, response.content)


def test_action_with_a_read_token_answers_403(
    staff: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    proposal = make_proposal(ProposalState.SUBMITTED)

    response = _act(token_client(staff, scope=ApiScope.READ), proposal, "mark_ineligible", failed_checks="Late.")

    assert response.status_code == 403
    assert Proposal.objects.get(pk=proposal.pk).state == "submitted"
