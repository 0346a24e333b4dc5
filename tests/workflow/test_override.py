"""Staff's override of a failed eligibility check: bound to its figure, on submitted proposals only, revocable."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import cast

import pytest
from django.utils import timezone

from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from intake.models import Call, ConsortiumMember, EligibilityOverride, Proposal
from intake.services.call_rules import proposal_call_rules_apply
from intake.services.overrides import overrides_record_lapses
from intake.states import ProposalState
from records.models import AuditRecord
from tests.factories import ProposalFactory, ProposalVersionFactory, fill_application, state_put
from tests.factories.intake import call_rules_change
from workflow import actions
from workflow.actions.base import ConditionsNotMet
from workflow.actions.screening import proposal_override_eligibility, proposal_revoke_override

pytestmark = pytest.mark.django_db

MATCHING_FAILURE = (
    "Industry matching ratio: Industry contributes $2,800,000.00 for $1,000,000.00 from the cluster: "
    "2.80 to 1, below the 3.00 to 1 required"
)


def _tighten_matching(proposal: Proposal) -> None:
    """Raise the call's matching ratio to 3 to 1, which the factory's application (2.80 to 1) fails."""
    call_rules_change(Call.objects.get(pk=proposal.call_id), min_matching_ratio=Decimal("3.00"))
    proposal.call.refresh_from_db()


@pytest.fixture
def failing(applicant: User) -> Proposal:
    """An invited proposal whose full application is complete but fails the matching ratio (and only it)."""
    proposal = cast(Proposal, ProposalFactory(state=ProposalState.INVITED, lead_applicant=applicant))
    _tighten_matching(proposal)
    return proposal


@pytest.fixture
def submitted(applicant: User) -> Proposal:
    """A submitted application (its first version) failing the matching ratio its call required when it was submitted.

    The call's rules are tightened before the version freezes them: a submitted proposal keeps the rules of its
    submission (docs/eligibility.md).
    """
    proposal = cast(Proposal, ProposalFactory(state=ProposalState.SUBMITTED, lead_applicant=applicant))
    _tighten_matching(proposal)
    ProposalVersionFactory(proposal=proposal, kind="application")
    proposal.refresh_from_db()
    return proposal


def _override(
    proposal: Proposal, staff: User, reason: str = "The board kept the ratio of the call as opened."
) -> EligibilityOverride:
    return proposal_override_eligibility(proposal=proposal, check_code="matching_ratio", reason=reason, by=staff)


def _set_cash(proposal: Proposal, cash: str) -> None:
    """Change the lead's cash, as the applicant would while the proposal is editable."""
    ConsortiumMember.objects.filter(proposal=proposal, is_lead=True).update(cash_contribution=Decimal(cash))


def _request_changes(proposal: Proposal, staff: User) -> None:
    actions.proposal_request_changes(
        proposal=proposal, by=staff, message="Correct the budget.", due_at=timezone.now() + timedelta(days=7)
    )
    proposal.refresh_from_db()


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


def test_override_refused_while_the_applicant_can_edit(failing: Proposal, staff: User) -> None:
    with pytest.raises(DomainError) as refused:
        _override(failing, staff)

    assert refused.value.message == (
        "This proposal is “Invited to apply”: the applicant can still change it, so its figures are not final. "
        "An eligibility check can be overridden only once the proposal is submitted. Nothing was changed."
    )
    assert not EligibilityOverride.objects.exists()
    assert not AuditRecord.objects.exists()


def test_override_records_its_figure_and_one_audit_record(submitted: Proposal, staff: User) -> None:
    override = _override(submitted, staff, reason="  Letters of commitment cover the gap.  ")

    override.refresh_from_db()
    assert (override.check_code, override.stage, override.figure, override.limit) == (
        "matching_ratio",
        "application",
        "2.80",
        "3.00",
    )
    assert (override.reason, override.by, override.message) == (
        "Letters of commitment cover the gap.",
        staff,
        MATCHING_FAILURE.split(": ", 1)[1],
    )
    record = AuditRecord.objects.get(proposal=submitted)
    assert (record.action, record.from_state, record.to_state, record.actor, record.reason) == (
        "override_eligibility",
        ProposalState.SUBMITTED,
        ProposalState.SUBMITTED,
        staff,
        "Letters of commitment cover the gap.",
    )
    assert record.data == {
        "override": override.pk,
        "check": "matching_ratio",
        "stage": "application",
        "figure": "2.80",
        "limit": "3.00",
        "message": MATCHING_FAILURE.split(": ", 1)[1],
    }
    assert submitted.eligibility_failures() == []


@pytest.mark.parametrize("persona", ["applicant", "assessor", "board_member"])
def test_override_by_anyone_but_staff_is_forbidden(
    submitted: Proposal, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)

    with pytest.raises(ActionForbidden):
        proposal_override_eligibility(proposal=submitted, check_code="matching_ratio", reason="Why not", by=user)

    assert not EligibilityOverride.objects.exists()
    assert not AuditRecord.objects.exists()


def test_override_without_a_reason_is_refused(submitted: Proposal, staff: User) -> None:
    with pytest.raises(DomainError, match="Give the reason for the override"):
        _override(submitted, staff, reason="   ")

    assert not EligibilityOverride.objects.exists()


def test_override_of_a_passing_check_is_refused(submitted: Proposal, staff: User) -> None:
    with pytest.raises(StaleAction, match="now passes"):
        proposal_override_eligibility(proposal=submitted, check_code="min_partners", reason="Just in case", by=staff)

    assert not EligibilityOverride.objects.exists()
    assert not AuditRecord.objects.exists()


def test_override_of_an_unknown_check_is_refused(submitted: Proposal, staff: User) -> None:
    with pytest.raises(DomainError, match="no such eligibility check"):
        proposal_override_eligibility(proposal=submitted, check_code="colour", reason="Because", by=staff)

    assert not EligibilityOverride.objects.exists()


def test_override_of_a_consortium_rule_at_the_loi_stage_is_refused(applicant: User, staff: User) -> None:
    screened = cast(Proposal, ProposalFactory(state=ProposalState.LOI_SUBMITTED, lead_applicant=applicant))

    with pytest.raises(DomainError, match="no such eligibility check"):
        proposal_override_eligibility(proposal=screened, check_code="min_partners", reason="Early", by=staff)


def test_override_of_a_final_proposal_is_refused(applicant: User, staff: User) -> None:
    closed = cast(Proposal, ProposalFactory(state=ProposalState.INELIGIBLE, lead_applicant=applicant))
    _tighten_matching(closed)

    with pytest.raises(StaleAction, match="a final state"):
        _override(closed, staff)


def test_second_override_of_the_same_figure_is_refused(submitted: Proposal, staff: User) -> None:
    _override(submitted, staff, reason="First")

    with pytest.raises(StaleAction, match="already overridden by Sam Staff"):
        _override(submitted, staff, reason="Again")

    assert EligibilityOverride.objects.filter(proposal=submitted).count() == 1
    assert AuditRecord.objects.filter(proposal=submitted).count() == 1


def test_start_assessment_refused_while_a_check_fails_and_allowed_once_overridden(
    submitted: Proposal, staff: User
) -> None:
    with pytest.raises(ConditionsNotMet) as refused:
        actions.proposal_start_assessment(proposal=submitted, by=staff)
    assert MATCHING_FAILURE in refused.value.message

    _override(submitted, staff)
    started = actions.proposal_start_assessment(proposal=submitted, by=staff)

    assert started.state == ProposalState.IN_ASSESSMENT


def test_resubmission_with_the_same_figure_keeps_the_override(
    submitted: Proposal, applicant: User, staff: User
) -> None:
    override = _override(submitted, staff)
    _request_changes(submitted, staff)

    done = actions.proposal_submit_application(proposal=submitted, by=applicant)

    assert done.state == ProposalState.SUBMITTED
    override.refresh_from_db()
    assert override.in_force
    assert not AuditRecord.objects.filter(action="override_lapsed").exists()


def test_override_stops_covering_a_figure_the_applicant_changed(
    submitted: Proposal, applicant: User, staff: User
) -> None:
    _override(submitted, staff)
    _request_changes(submitted, staff)
    _set_cash(submitted, "700000")  # industry 2,700,000 for 1,000,000: 2.70 to 1, still below 3 to 1

    failures = submitted.eligibility_failures()

    assert failures == [
        "Industry matching ratio: Industry contributes $2,700,000.00 for $1,000,000.00 from the cluster: "
        "2.70 to 1, below the 3.00 to 1 required"
    ]
    with pytest.raises(ConditionsNotMet):
        actions.proposal_submit_application(proposal=submitted, by=applicant)
    # Editable, the draft may still change back: nothing is recorded, and the same figure is covered again.
    _set_cash(submitted, "800000")
    assert submitted.eligibility_failures() == []
    assert EligibilityOverride.objects.get(proposal=submitted).lapsed_at is None


def test_new_version_with_a_changed_figure_records_the_lapse_once(
    submitted: Proposal, applicant: User, staff: User
) -> None:
    override = _override(submitted, staff)
    _request_changes(submitted, staff)
    _set_cash(submitted, "1100000")  # industry 3,100,000 for 1,000,000: 3.10 to 1, the check passes

    actions.proposal_submit_application(proposal=submitted, by=applicant)

    override.refresh_from_db()
    assert (override.lapsed_figure, override.lapsed_limit) == ("3.10", "3.00")
    assert override.lapsed_at is not None
    record = AuditRecord.objects.get(proposal=submitted, action="override_lapsed")
    assert (record.actor, record.data) == (
        None,
        {
            "override": override.pk,
            "check": "matching_ratio",
            "stage": "application",
            "figure": "2.80",
            "limit": "3.00",
            "now_figure": "3.10",
            "now_limit": "3.00",
        },
    )
    submitted.refresh_from_db()
    assert overrides_record_lapses(proposal=submitted) == []
    assert AuditRecord.objects.filter(action="override_lapsed").count() == 1


def test_a_changed_limit_lapses_the_override_and_the_check_fails_again(submitted: Proposal, staff: User) -> None:
    override = _override(submitted, staff)
    call_rules_change(Call.objects.get(pk=submitted.call_id), min_matching_ratio=Decimal("3.50"))
    submitted.call.refresh_from_db()
    # A submitted proposal keeps its frozen rules until staff apply the call's current ones to it.
    proposal_call_rules_apply(
        proposal=submitted,
        by=staff,
        reason="The board raised the matching ratio for every proposal.",
        expected_call_updated_at=submitted.call.updated_at,
        expected_version=submitted.version_count,
    )
    submitted.refresh_from_db()

    lapsed = overrides_record_lapses(proposal=submitted)

    assert lapsed == [override]
    override.refresh_from_db()
    assert (override.lapsed_figure, override.lapsed_limit) == ("2.80", "3.50")
    assert len(submitted.eligibility_failures()) == 1
    with pytest.raises(ConditionsNotMet):
        actions.proposal_start_assessment(proposal=submitted, by=staff)
    # Staff decide anew: a new override, bound to the new limit.
    renewed = _override(submitted, staff, reason="Still waived.")
    assert (renewed.figure, renewed.limit) == ("2.80", "3.50")
    assert submitted.eligibility_failures() == []


def test_revoke_keeps_the_override_with_its_reason_and_the_check_fails_again(submitted: Proposal, staff: User) -> None:
    override = _override(submitted, staff)

    proposal_revoke_override(
        proposal=submitted, override_id=override.pk, reason="  The board withdrew the waiver.  ", by=staff
    )

    override.refresh_from_db()
    assert (override.revoked_by, override.revoked_reason) == (staff, "The board withdrew the waiver.")
    assert override.revoked_at is not None
    assert submitted.eligibility_failures() == [MATCHING_FAILURE]
    record = AuditRecord.objects.get(proposal=submitted, action="revoke_override")
    assert (record.actor, record.reason, record.data) == (
        staff,
        "The board withdrew the waiver.",
        {"override": override.pk, "check": "matching_ratio", "stage": "application", "figure": "2.80", "limit": "3.00"},
    )
    with pytest.raises(ConditionsNotMet):
        actions.proposal_start_assessment(proposal=submitted, by=staff)


def test_revoke_without_a_reason_is_refused(submitted: Proposal, staff: User) -> None:
    override = _override(submitted, staff)

    with pytest.raises(DomainError, match="Give the reason for the revocation"):
        proposal_revoke_override(proposal=submitted, override_id=override.pk, reason=" ", by=staff)

    override.refresh_from_db()
    assert override.revoked_at is None


def test_revoke_twice_is_stale(submitted: Proposal, staff: User) -> None:
    override = _override(submitted, staff)
    proposal_revoke_override(proposal=submitted, override_id=override.pk, reason="No longer.", by=staff)

    with pytest.raises(StaleAction, match="already revoked by Sam Staff"):
        proposal_revoke_override(proposal=submitted, override_id=override.pk, reason="Again.", by=staff)

    assert AuditRecord.objects.filter(action="revoke_override").count() == 1


@pytest.mark.parametrize("persona", ["applicant", "assessor", "board_member"])
def test_revoke_by_anyone_but_staff_is_forbidden(
    submitted: Proposal, staff: User, persona: str, request: pytest.FixtureRequest
) -> None:
    override = _override(submitted, staff)

    with pytest.raises(ActionForbidden):
        proposal_revoke_override(
            proposal=submitted, override_id=override.pk, reason="Why not", by=request.getfixturevalue(persona)
        )

    override.refresh_from_db()
    assert override.revoked_at is None


def test_a_letter_of_intent_override_does_not_carry_into_the_full_application(applicant: User, staff: User) -> None:
    proposal = cast(
        Proposal,
        ProposalFactory(state=ProposalState.LOI_SUBMITTED, lead_applicant=applicant, summary="word " * 11),
    )
    call_rules_change(Call.objects.get(pk=proposal.call_id), loi_word_limit=10, application_word_limit=10)
    proposal.call.refresh_from_db()
    loi_override = proposal_override_eligibility(
        proposal=proposal, check_code="word_limits", reason="Long, but clear.", by=staff
    )
    assert (loi_override.stage, loi_override.figure, loi_override.limit) == ("loi", "summary: 11", "10")

    state_put(proposal, ProposalState.INVITED)
    proposal.refresh_from_db()
    fill_application(proposal)

    # The same summary, the same figure and limit, but another stage: the override does not cover it.
    assert proposal.eligibility_failures() == ["Word limits: Each text may have at most 10 words: Summary has 11 words"]
