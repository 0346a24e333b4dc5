"""The queries of a proposal's staff page and of a staff state change: few, and not growing with what they show."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from assessment.models import Rubric
from intake.choices import VersionKind
from intake.eligibility import rules_to_data
from intake.models import Answer, ProgramMembership, Proposal, ProposalVersion, Question
from intake.services.versions import proposal_version_freeze
from intake.states import ProposalState
from records.models import AuditRecord
from tests.assessment.reviewing import assignment_make, review_make, rubric_make
from tests.conftest import MakeProposal
from tests.factories import QuestionFactory
from tests.factories.intake import call_rules_change

pytestmark = pytest.mark.django_db

S = ProposalState

#: The staff page's queries, the session's read from the database included (with Redis, one
#: fewer): the user with its roles, grants and unread count, the proposal with its IP review, the
#: call's meetings ahead (sending to the board), the versions with the rules they froze, the
#: eligibility inputs (one union), its overrides with who granted them, the results' criteria (with
#: their rubric and its count of submitted reviews) and scores, the history, and the navigation's
#: programs.
STAFF_PAGE_QUERIES = 11
#: Issue 23's budget for a staff state change is 10 queries as the bench counts them (PostgreSQL,
#: the session in Redis); it takes 8: the user with its roles, grants and unread count, BEGIN, the
#: locked row with the rules frozen in its last version (``intake.selectors.version_rules_facts``;
#: none for ``mark_ineligible``, whose guards read no rules), the eligibility inputs (one union),
#: the update, the audit record, the notifications (one INSERT ... SELECT) and COMMIT. Here the
#: session is read from the database: one more.
STATE_CHANGE_QUERIES = 8 + 1
#: Issue 23's budget for submitting a letter of intent is 8 queries as the bench counts them: the
#: user with its roles and unread count, BEGIN, the locked row with the call's rules, the stage's
#: questions with the proposal's answers and the lead's memberships (``intake.selectors.submission_facts``),
#: the update, the audit record, the notifications, the version and COMMIT; here one more, the session.
SUBMIT_LOI_QUERIES = 8 + 1


def _assessed(make_proposal: MakeProposal, *, reviews: int) -> Proposal:
    proposal = make_proposal(S.ASSESSED)
    proposal_version_freeze(proposal=proposal, by=proposal.lead_applicant, kind=VersionKind.APPLICATION)
    rubric = Rubric.objects.filter(call=proposal.call).first() or rubric_make(proposal.call, k=3)
    for _ in range(reviews):
        review_make(assignment_make(proposal, rubric=rubric))
    return proposal


def _history(proposal: Proposal, staff: User, records: int) -> None:
    AuditRecord.objects.bulk_create(
        AuditRecord(
            proposal=proposal,
            action="reopen_assessment" if index % 2 else "complete_assessment",
            from_state=S.ASSESSED if index % 2 else S.IN_ASSESSMENT,
            to_state=S.IN_ASSESSMENT if index % 2 else S.ASSESSED,
            actor=staff,
            reason=f"Step {index}.",
        )
        for index in range(records)
    )


def _page_queries(client: Client, proposal: Proposal) -> int:
    url = reverse("workflow:proposal_detail", args=[proposal.pk])
    client.get(url)  # the session's and the navigation's first reads
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_proposal_detail_queries_do_not_grow_with_reviews_and_history(
    staff_client: Client, staff: User, make_proposal: MakeProposal
) -> None:
    few = _assessed(make_proposal, reviews=1)
    _history(few, staff, 1)
    many = _assessed(make_proposal, reviews=5)
    _history(many, staff, 12)

    assert _page_queries(staff_client, few) == _page_queries(staff_client, many)


def test_proposal_detail_takes_at_most_its_queries(
    staff_client: Client, staff: User, make_proposal: MakeProposal, django_assert_max_num_queries: Any
) -> None:
    proposal = _assessed(make_proposal, reviews=3)
    _history(proposal, staff, 7)
    url = reverse("workflow:proposal_detail", args=[proposal.pk])
    staff_client.get(url)

    with django_assert_max_num_queries(STAFF_PAGE_QUERIES):
        response = staff_client.get(url)

    assert response.status_code == 200
    assert [form.action for form, _unmet in response.context["action_forms"]] == [
        "reopen_assessment",
        "send_to_board",
    ]


@pytest.mark.parametrize(
    ("state", "action", "fields", "target"),
    [
        (S.SUBMITTED, "start_assessment", {}, S.IN_ASSESSMENT),
        (S.SUBMITTED, "mark_ineligible", {"failed_checks": "Only two partners."}, S.INELIGIBLE),
    ],
)
def test_staff_state_change_takes_at_most_its_budget_of_queries(
    staff_client: Client,
    make_proposal: MakeProposal,
    django_assert_max_num_queries: Any,
    state: str,
    action: str,
    fields: dict[str, str],
    target: str,
) -> None:
    proposal = make_proposal(state)
    proposal_version_freeze(proposal=proposal, by=proposal.lead_applicant, kind=VersionKind.APPLICATION)
    staff_client.get(reverse("workflow:proposal_detail", args=[proposal.pk]))
    data = {f"{action}-expected_state": state, **{f"{action}-{name}": value for name, value in fields.items()}}

    with django_assert_max_num_queries(STATE_CHANGE_QUERIES):
        response = staff_client.post(reverse("workflow:proposal_act", args=[proposal.pk, action]), data)

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert proposal.state == target


@pytest.mark.parametrize("answered", [False, True])
def test_submit_loi_takes_at_most_its_budget_of_queries_and_freezes_what_it_read(
    applicant_client: Client,
    applicant: User,
    make_proposal: MakeProposal,
    django_assert_max_num_queries: Any,
    answered: bool,
) -> None:
    proposal = make_proposal(S.DRAFT)
    asked = cast(Question, QuestionFactory(call=proposal.call, label_en="Why now?", required=False))
    QuestionFactory(call=proposal.call, required=False)
    if answered:
        Answer.objects.create(proposal=proposal, question=asked, value="The line stops.")
    ProgramMembership.objects.create(
        organization=proposal.lead_organization, program=proposal.call.program, starts_on=date(2000, 1, 1)
    )
    call_rules_change(proposal.call, min_partners=1)
    applicant_client.get(reverse("intake:proposal_detail", args=[proposal.pk]))
    assert connection.features.supports_json_field  # SQLite asks once per connection, in a query

    # An answer given is marked submitted: one update more.
    with django_assert_max_num_queries(SUBMIT_LOI_QUERIES + answered):
        response = applicant_client.post(
            reverse("workflow:proposal_act", args=[proposal.pk, "submit_loi"]), {"submit_loi-expected_state": "draft"}
        )

    assert response.status_code == 302
    version = ProposalVersion.objects.get(proposal=proposal)
    assert [entry["value"] for entry in version.data["answers"]] == ["The line stops." if answered else None, None]
    assert version.data["answers"][0]["label_en"] == "Why now?"
    assert version.data["consortium"][0]["member"] is True
    assert version.data["rules"] == rules_to_data(proposal.call.eligibility_rules(VersionKind.LOI))
    assert Answer.objects.filter(question=asked, submitted_at__isnull=False).count() == answered
