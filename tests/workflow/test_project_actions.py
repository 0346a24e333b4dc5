"""The funded project's actions: contracting once the decision is released, termination, closing's guards."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import ActionForbidden, StaleAction
from accounts.models import User
from board.models import AgendaItem
from intake.models import Proposal
from intake.states import ProposalState as S
from projects.models import Project
from records.models import AuditRecord
from tests.factories import (
    BoardMeetingFactory,
    ProgramFactory,
    ProgramTermsFactory,
    ProjectFactory,
    ProposalFactory,
    UserFactory,
)
from workflow import actions
from workflow.actions.base import ConditionsNotMet


def _approved(*, released: bool) -> Proposal:
    proposal = ProposalFactory(state=S.APPROVED, approved_amount=Decimal("750000.00"), call__decided=True)
    meeting = BoardMeetingFactory(call=proposal.call, decisions_released_at=timezone.now() if released else None)
    AgendaItem.objects.create(meeting=meeting, proposal=proposal)
    return proposal


def test_contracting_opens_the_project_with_the_approved_amount_and_the_programs_terms(db: None, staff: User) -> None:
    proposal = _approved(released=True)
    ProgramTermsFactory(program=proposal.call.program, holdback_percent=Decimal("5"), claim_period_months=6)

    actions.proposal_start_contracting(proposal=proposal, by=staff)

    project = Project.objects.get(proposal=proposal)
    assert (project.amount, project.paid, project.holdback_percent, project.claim_period_months) == (
        Decimal("750000.00"), Decimal("0"), Decimal("5.00"), 6,
    )  # fmt: skip
    assert Proposal.objects.get(pk=proposal.pk).state == S.CONTRACTING
    assert AuditRecord.objects.filter(proposal=proposal, action="start_contracting", to_state=S.CONTRACTING).exists()


def test_contracting_waits_for_the_decision_to_be_released(db: None, staff: User) -> None:
    proposal = _approved(released=False)

    with pytest.raises(ConditionsNotMet, match="not released"):
        actions.proposal_start_contracting(proposal=proposal, by=staff)

    assert not Project.objects.filter(proposal=proposal).exists()
    assert Proposal.objects.get(pk=proposal.pk).state == S.APPROVED


def test_a_program_without_terms_opens_its_projects_with_the_defaults(db: None, staff: User) -> None:
    proposal = _approved(released=True)

    actions.proposal_start_contracting(proposal=proposal, by=staff)

    project = Project.objects.get(proposal=proposal)
    assert (project.holdback_percent, project.claim_period_months) == (Decimal("10"), 3)


def test_only_the_programs_staff_start_contracting(db: None, applicant: User) -> None:
    proposal = _approved(released=True)

    with pytest.raises(ActionForbidden):
        actions.proposal_start_contracting(proposal=proposal, by=proposal.lead_applicant)

    assert not Project.objects.exists()


def test_terminating_needs_a_reason_and_ends_the_project(db: None, staff: User) -> None:
    project = ProjectFactory()

    with pytest.raises(Exception, match="reason"):
        actions.proposal_terminate(proposal=project.proposal, by=staff, reason="  ")
    actions.proposal_terminate(proposal=project.proposal, by=staff, reason="The lead went bankrupt.")

    record = AuditRecord.objects.get(proposal=project.proposal, action="terminate")
    assert (record.from_state, record.to_state, record.reason) == (S.ACTIVE, S.TERMINATED, "The lead went bankrupt.")


def test_an_active_project_is_not_withdrawn_by_its_applicant(db: None) -> None:
    project = ProjectFactory()

    with pytest.raises(StaleAction):  # no withdrawal from an active project
        actions.proposal_withdraw(proposal=project.proposal, by=project.proposal.lead_applicant, reason="Changed mind.")

    assert Proposal.objects.get(pk=project.proposal.pk).state == S.ACTIVE


def test_closing_waits_for_the_final_claim_and_report(db: None, staff: User) -> None:
    project = ProjectFactory(proposal__state=S.CLOSING)

    with pytest.raises(ConditionsNotMet) as refused:
        actions.proposal_close(proposal=project.proposal, by=staff)

    assert "final claim" in str(refused.value)
    assert "final report" in str(refused.value)


def test_a_stranger_to_the_program_does_not_start_closing(db: None) -> None:
    project = ProjectFactory()
    other_staff = UserFactory(role=Role.STAFF, programs=[ProgramFactory()])

    with pytest.raises(ActionForbidden):
        actions.proposal_start_closing(proposal=project.proposal, by=other_staff)
