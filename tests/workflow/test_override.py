"""Staff's override of a failed eligibility check, and the submission guard it lifts."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

import pytest

from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from intake.models import Call, EligibilityOverride, Proposal
from intake.states import ProposalState
from records.models import AuditRecord
from tests.factories import ProposalFactory
from workflow import actions
from workflow.actions.base import ConditionsNotMet
from workflow.actions.screening import proposal_override_eligibility

pytestmark = pytest.mark.django_db

MATCHING_FAILURE = (
    "Industry matching ratio: Industry contributes $2,800,000.00 for $1,000,000.00 from the cluster: "
    "2.80 to 1, below the 3.00 to 1 required"
)


@pytest.fixture
def failing(applicant: User) -> Proposal:
    """An invited proposal whose full application is complete but fails the matching ratio (and only it)."""
    proposal = cast(Proposal, ProposalFactory(state=ProposalState.INVITED, lead_applicant=applicant))
    Call.objects.filter(pk=proposal.call_id).update(min_matching_ratio=Decimal("3.00"))
    proposal.call.refresh_from_db()
    return proposal


def test_eligibility_failures_name_the_failed_check(failing: Proposal) -> None:
    assert failing.eligibility_failures() == [MATCHING_FAILURE]
    assert failing.missing_for_submission() == [MATCHING_FAILURE]


def test_eligibility_failures_none_for_an_eligible_application(applicant: User) -> None:
    proposal = cast(Proposal, ProposalFactory(state=ProposalState.INVITED, lead_applicant=applicant))

    assert proposal.eligibility_failures() == []
    assert [check.code for check in proposal.eligibility_checks() if not check.passed] == []


def test_eligibility_failures_at_the_loi_stage_hold_only_the_word_limits(applicant: User) -> None:
    proposal = cast(Proposal, ProposalFactory(lead_applicant=applicant, summary="word " * 501))

    # The draft has only its lead as a partner and no budget: the consortium rules wait for the application.
    assert proposal.eligibility_failures() == [
        "Word limits: Each text may have at most 500 words: Summary has 501 words"
    ]


def test_submit_application_refused_while_a_hard_check_fails(failing: Proposal, applicant: User) -> None:
    with pytest.raises(ConditionsNotMet) as refused:
        actions.proposal_submit_application(proposal=failing, by=applicant)

    assert MATCHING_FAILURE in refused.value.message
    failing.refresh_from_db()
    assert failing.state == ProposalState.INVITED


def test_submit_application_allowed_once_the_failed_check_is_overridden(
    failing: Proposal, applicant: User, staff: User
) -> None:
    proposal_override_eligibility(
        proposal=failing, check_code="matching_ratio", reason="Board waived the ratio for this call.", by=staff
    )

    done = actions.proposal_submit_application(proposal=failing, by=applicant)

    assert done.state == ProposalState.SUBMITTED
    assert failing.missing_for_submission() == []


def test_override_records_the_override_and_one_audit_record(failing: Proposal, staff: User) -> None:
    proposal_override_eligibility(
        proposal=failing, check_code="matching_ratio", reason="  Letters of commitment cover the gap.  ", by=staff
    )

    override = EligibilityOverride.objects.get(proposal=failing)
    assert (override.check_code, override.reason, override.by) == (
        "matching_ratio",
        "Letters of commitment cover the gap.",
        staff,
    )
    record = AuditRecord.objects.get(proposal=failing)
    assert (record.action, record.from_state, record.to_state, record.actor, record.reason) == (
        "override_eligibility",
        ProposalState.INVITED,
        ProposalState.INVITED,
        staff,
        "Letters of commitment cover the gap.",
    )
    assert record.data == {"check": "matching_ratio", "message": MATCHING_FAILURE.split(": ", 1)[1]}


@pytest.mark.parametrize("persona", ["applicant", "assessor", "board_member"])
def test_override_by_anyone_but_staff_is_forbidden(
    failing: Proposal, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)

    with pytest.raises(ActionForbidden):
        proposal_override_eligibility(proposal=failing, check_code="matching_ratio", reason="Why not", by=user)

    assert not EligibilityOverride.objects.exists()
    assert not AuditRecord.objects.exists()


def test_override_without_a_reason_is_refused(failing: Proposal, staff: User) -> None:
    with pytest.raises(DomainError, match="Give the reason for the override"):
        proposal_override_eligibility(proposal=failing, check_code="matching_ratio", reason="   ", by=staff)

    assert not EligibilityOverride.objects.exists()


def test_override_of_a_passing_check_is_refused(failing: Proposal, staff: User) -> None:
    with pytest.raises(StaleAction, match="now passes"):
        proposal_override_eligibility(proposal=failing, check_code="min_partners", reason="Just in case", by=staff)

    assert not EligibilityOverride.objects.exists()
    assert not AuditRecord.objects.exists()


def test_override_of_an_unknown_check_is_refused(failing: Proposal, staff: User) -> None:
    with pytest.raises(DomainError, match="no such eligibility check"):
        proposal_override_eligibility(proposal=failing, check_code="colour", reason="Because", by=staff)

    assert not EligibilityOverride.objects.exists()


def test_override_of_a_consortium_rule_at_the_loi_stage_is_refused(applicant: User, staff: User) -> None:
    draft = cast(Proposal, ProposalFactory(lead_applicant=applicant))

    with pytest.raises(DomainError, match="no such eligibility check"):
        proposal_override_eligibility(proposal=draft, check_code="min_partners", reason="Early", by=staff)


def test_second_override_of_the_same_check_is_refused(failing: Proposal, staff: User) -> None:
    proposal_override_eligibility(proposal=failing, check_code="matching_ratio", reason="First", by=staff)

    with pytest.raises(StaleAction, match="already overridden by Sam Staff"):
        proposal_override_eligibility(proposal=failing, check_code="matching_ratio", reason="Again", by=staff)

    assert EligibilityOverride.objects.filter(proposal=failing).count() == 1
    assert AuditRecord.objects.filter(proposal=failing).count() == 1


def test_start_assessment_refused_while_a_check_fails_and_allowed_once_overridden(applicant: User, staff: User) -> None:
    proposal = cast(Proposal, ProposalFactory(state=ProposalState.SUBMITTED, lead_applicant=applicant))
    # The call's rule tightened after the submission: the application no longer meets it.
    Call.objects.filter(pk=proposal.call_id).update(min_matching_ratio=Decimal("3.00"))
    proposal.call.refresh_from_db()

    with pytest.raises(ConditionsNotMet) as refused:
        actions.proposal_start_assessment(proposal=proposal, by=staff)
    assert MATCHING_FAILURE in refused.value.message

    proposal_override_eligibility(
        proposal=proposal,
        check_code="matching_ratio",
        reason="The board kept the ratio of the call as opened.",
        by=staff,
    )
    started = actions.proposal_start_assessment(proposal=proposal, by=staff)

    assert started.state == ProposalState.IN_ASSESSMENT
