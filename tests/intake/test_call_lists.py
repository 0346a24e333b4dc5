"""Staff's list of a call's proposals checks each row against its own rules in force, in constant queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from intake.eligibility import rules_to_data
from intake.models import Answer, Call, Proposal
from intake.services.call_lists import EligibilitySummary
from tests.factories import QuestionFactory, UserFactory
from tests.factories.intake import call_rules_change
from tests.intake.test_versions import invited_application
from tests.queries import settled_queries
from workflow.actions import proposal_submit_application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _lead() -> User:
    return cast(User, UserFactory(role=Role.APPLICANT))


def _submitted(call: Call, title: str) -> Proposal:
    """A full application at 40 % of its costs, submitted while the call's maximum is 40 %."""
    lead = _lead()
    return proposal_submit_application(proposal=invited_application(lead, call=call, title=title), by=lead)


def _lower_share(call: Call) -> None:
    call_rules_change(call, max_cluster_share=Decimal("35.00"))
    Call.objects.filter(pk=call.pk).update(updated_at=timezone.now())


def _summaries(client: Client, call: Call) -> dict[str, EligibilitySummary | None]:
    response = client.get(reverse("workflow:call_proposals", args=[call.pk]))
    return {proposal.title: proposal.eligibility_summary for proposal, _forms in response.context["rows"]}


def test_call_list_checks_a_submitted_row_by_its_frozen_rules_and_a_draft_by_the_calls(
    staff_client: Client, call: Call
) -> None:
    _submitted(call, "Submitted")
    invited_application(_lead(), call=call, title="Invited")
    applied = _submitted(call, "Applied")
    _lower_share(call)
    Proposal.objects.filter(pk=applied.pk).update(
        rules_applied=rules_to_data(Call.objects.get(pk=call.pk).eligibility_rules("application")),
        rules_applied_version=1,
        rules_applied_at=timezone.now(),
    )

    summaries = _summaries(staff_client, call)

    # Eleven checks: the call's former ten and its industry_types row (which always passes).
    assert summaries == {
        "Submitted": EligibilitySummary(failed=0, overridden=0, total=11),
        "Invited": EligibilitySummary(failed=1, overridden=0, total=11),
        "Applied": EligibilitySummary(failed=1, overridden=0, total=11),
    }


def _queries(client: Client, call: Call) -> int:
    _response, queries = settled_queries(lambda: client.get(reverse("workflow:call_proposals", args=[call.pk])))
    return queries


def test_call_list_queries_constant_with_1_and_8_submitted_versions(staff_client: Client, call: Call) -> None:
    _submitted(call, "First")
    one = _queries(staff_client, call)
    for index in range(7):
        _submitted(call, f"More {index}")

    eight = _queries(staff_client, call)

    assert eight == one


def test_call_list_queries_constant_with_40_questions_answered(staff_client: Client, call: Call) -> None:
    first = _submitted(call, "First")
    without = _queries(staff_client, call)
    questions = [QuestionFactory(call=call, stage="application", required=False) for _index in range(40)]
    second = _submitted(call, "Second")
    Answer.objects.bulk_create(
        Answer(proposal=proposal, question=question, value="An answer")
        for proposal in (first, second)
        for question in questions
    )

    assert _queries(staff_client, call) == without
