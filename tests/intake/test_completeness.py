"""What a proposal lacks before submission, by stage and by section of the full application."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import cast

import pytest
from django.utils import timezone

from intake.choices import VersionKind
from intake.completeness import (
    SECTION_SLUGS,
    missing_by_section,
    missing_for_loi,
    missing_for_submission,
    proposal_stage,
)
from intake.models import Attachment, BudgetLine, Call, ConsortiumMember, ForegroundIP, Milestone, Proposal
from intake.states import ProposalState
from tests.factories import CallFactory, OrganizationFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def _invited(**fields: object) -> Proposal:
    return cast(Proposal, ProposalFactory(state=ProposalState.INVITED, application=False, **fields))


def _complete() -> Proposal:
    return cast(Proposal, ProposalFactory(state=ProposalState.INVITED))


def test_sections_in_order_with_their_pages() -> None:
    assert SECTION_SLUGS == ("description", "consortium", "budget", "ip", "outcomes", "attachments")


def test_complete_application_lacks_nothing() -> None:
    proposal = _complete()

    assert missing_by_section(proposal) == {slug: [] for slug in SECTION_SLUGS}


def test_empty_application_lacks_something_in_every_section() -> None:
    proposal = _invited()
    lead = proposal.members.get()

    missing = missing_by_section(proposal)

    assert missing == {
        "description": ["the project description", "the work plan", "at least one milestone"],
        "consortium": [
            "at least one partner besides the lead",
            f"the contributions of {lead.organization}",
        ],
        "budget": ["at least one eligible cost", "the funding requested from the cluster"],
        "ip": [
            f"the background IP of {lead.organization} (write “none” if it brings none)",
            "at least one item of expected foreground IP",
            "the proposed ownership of the foreground IP",
            "the licensing terms among the partners",
            "the licensing terms for cluster members",
        ],
        "outcomes": [
            "jobs created during the project",
            "jobs created in the three years after",
            "revenue during the project ($)",
            "revenue in the three years after ($)",
            "IP rights during the project",
            "IP rights in the three years after",
            "SMEs scaled during the project",
            "SMEs scaled in the three years after",
        ],
        "attachments": ["an attachment: Project plan"],
    }


def test_outcomes_of_zero_are_complete() -> None:
    proposal = _complete()
    Proposal.objects.filter(pk=proposal.pk).update(jobs_during=0, revenue_after=Decimal("0"))
    proposal.refresh_from_db()

    assert missing_by_section(proposal)["outcomes"] == []


def test_a_member_without_contributions_is_named() -> None:
    proposal = _complete()
    idle = ConsortiumMember.objects.create(
        proposal=proposal, organization=OrganizationFactory(legal_name="Idle Ltd."), background_ip="none"
    )

    assert missing_by_section(proposal)["consortium"] == ["the contributions of Idle Ltd."]
    idle.in_kind_contribution = Decimal("1")
    idle.save()
    assert missing_by_section(proposal)["consortium"] == ["the contributions of Idle Ltd."]
    idle.cash_contribution = Decimal("0")
    idle.save()
    assert missing_by_section(proposal)["consortium"] == []


def test_a_member_contributing_zero_and_zero_is_complete() -> None:
    proposal = _complete()
    ConsortiumMember.objects.create(
        proposal=proposal,
        organization=OrganizationFactory(legal_name="Polytechnique"),
        cash_contribution=Decimal("0"),
        in_kind_contribution=Decimal("0"),
        background_ip="none",
    )

    assert missing_by_section(proposal)["consortium"] == []


def test_budget_lines_of_zero_are_no_eligible_cost() -> None:
    proposal = _complete()
    BudgetLine.objects.filter(member__proposal=proposal).update(amount=Decimal("0"))

    assert missing_by_section(proposal)["budget"] == ["at least one eligible cost"]


def test_removed_attachment_does_not_count() -> None:
    proposal = _complete()
    Attachment.objects.filter(proposal=proposal).update(removed_at=timezone.now())

    assert missing_by_section(proposal)["attachments"] == ["an attachment: Project plan"]


def test_each_required_attachment_type_is_checked() -> None:
    call = cast(Call, CallFactory(required_attachments=["project_plan", "risk_register"]))
    proposal = cast(Proposal, ProposalFactory(call=call, state=ProposalState.INVITED))
    Attachment.objects.filter(proposal=proposal, kind="risk_register").delete()

    assert missing_by_section(proposal)["attachments"] == ["an attachment: Risk register"]


def test_description_needs_a_milestone() -> None:
    proposal = _complete()
    Milestone.objects.filter(proposal=proposal).delete()

    assert missing_by_section(proposal)["description"] == ["at least one milestone"]


def test_ip_needs_a_foreground_item() -> None:
    proposal = _complete()
    ForegroundIP.objects.filter(proposal=proposal).delete()

    assert missing_by_section(proposal)["ip"] == ["at least one item of expected foreground IP"]


def test_loi_lacks_its_texts_and_estimates() -> None:
    proposal = cast(
        Proposal,
        ProposalFactory(
            summary=" ",
            challenge="",
            technology="",
            expected_partners="",
            estimated_total_cost=None,
            estimated_funding_requested=None,
        ),
    )

    assert missing_for_loi(proposal) == [
        "a summary",
        "the challenge",
        "the technology",
        "the expected partners",
        "an estimate of the total project cost",
        "an estimate of the funding requested",
    ]


def test_loi_estimates_of_zero_count_as_given() -> None:
    proposal = cast(Proposal, ProposalFactory(estimated_total_cost=Decimal("0"), estimated_funding_requested=0))

    assert missing_for_loi(proposal) == []


@pytest.mark.parametrize(
    ("state", "stage"),
    [
        (ProposalState.DRAFT, VersionKind.LOI),
        (ProposalState.LOI_SUBMITTED, VersionKind.LOI),
        (ProposalState.LOI_DECLINED, VersionKind.LOI),
        (ProposalState.INVITED, VersionKind.APPLICATION),
        (ProposalState.CHANGES_REQUESTED, VersionKind.APPLICATION),
        (ProposalState.SUBMITTED, VersionKind.APPLICATION),
        (ProposalState.WITHDRAWN, VersionKind.LOI),
        (ProposalState.EXPIRED, VersionKind.LOI),
    ],
)
def test_stage_by_state(state: str, stage: str) -> None:
    proposal = cast(
        Proposal, ProposalFactory(state=state, application=False, changes_due_at=timezone.now() + timedelta(days=3))
    )

    assert proposal_stage(proposal) == stage


def test_withdrawn_proposal_stays_at_the_stage_it_reached() -> None:
    call = CallFactory()
    application = call.stages.get(kind=VersionKind.APPLICATION)
    proposal = cast(Proposal, ProposalFactory(call=call, state=ProposalState.WITHDRAWN, stage=application))

    assert proposal_stage(proposal) == VersionKind.APPLICATION


def test_missing_for_submission_at_the_loi_stage_ignores_the_sections() -> None:
    proposal = cast(Proposal, ProposalFactory())

    assert missing_for_submission(proposal) == []


def test_missing_for_submission_at_the_application_stage_names_section_and_item() -> None:
    proposal = _complete()
    Milestone.objects.filter(proposal=proposal).delete()
    Proposal.objects.filter(pk=proposal.pk).update(summary="")
    proposal.refresh_from_db()

    assert missing_for_submission(proposal) == [
        "a summary",
        "Project description and work plan: at least one milestone",
    ]
