"""Opening a project copies what the board approved: partners with their share, budget lines, milestones."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from intake.models import ConsortiumMember, Milestone
from intake.states import ProposalState as S
from projects.models import ProjectBudgetLine, ProjectMilestone
from projects.services import funding_shares, months_after, project_open, project_start
from tests.factories import ProposalFactory


def test_opening_copies_the_consortium_with_each_partners_share_of_the_approved_amount(db: None) -> None:
    proposal = ProposalFactory(state=S.APPROVED, approved_amount=Decimal("700000.00"))
    requested = {member.pk: member.funding_requested for member in ConsortiumMember.objects.filter(proposal=proposal)}

    project = project_open(proposal=proposal)

    partners = list(project.partners.all())
    assert len(partners) == len(requested) == 3
    assert sum(partner.funding_approved for partner in partners) == Decimal("700000.00")
    total = sum(requested.values())
    for partner in partners:
        if not partner.is_lead:
            assert partner.funding_approved == (Decimal("700000") * requested[partner.member_id] / total).quantize(
                Decimal("0.01")
            )
    lines = ProjectBudgetLine.objects.filter(partner__project=project)
    assert sorted((line.partner.member_id, line.category, line.amount) for line in lines) == sorted(
        (line.member_id, line.category, line.amount)
        for member in ConsortiumMember.objects.filter(proposal=proposal)
        for line in member.budget_lines.all()
    )
    assert [(m.title, m.month, m.due_on) for m in ProjectMilestone.objects.filter(project=project)] == [
        (m.title, m.month, None) for m in Milestone.objects.filter(proposal=proposal)
    ]


def test_starting_dates_each_milestone_in_its_month(db: None) -> None:
    project = project_open(proposal=ProposalFactory(state=S.APPROVED, approved_amount=Decimal("1")))

    project_start(project=project, on=date(2026, 1, 31))

    for milestone in project.milestones.all():
        assert milestone.due_on == months_after(date(2026, 1, 31), milestone.month)
    assert project.started_on == date(2026, 1, 31)


@pytest.mark.parametrize(
    ("start", "months", "due"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),
        (date(2026, 3, 1), 24, date(2028, 3, 1)),
    ],
)
def test_months_after_keeps_the_day_or_the_months_last(start: date, months: int, due: date) -> None:
    assert months_after(start, months) == due


def test_shares_sum_to_the_amount_to_the_cent_with_the_lead_taking_the_rounding() -> None:
    shares = funding_shares(
        Decimal("100.00"), [(1, Decimal("1"), True), (2, Decimal("1"), False), (3, Decimal("1"), False)]
    )

    assert shares == {1: Decimal("33.34"), 2: Decimal("33.33"), 3: Decimal("33.33")}


def test_with_nothing_requested_the_lead_takes_the_whole_amount() -> None:
    shares = funding_shares(Decimal("500.00"), [(1, Decimal("0"), False), (2, Decimal("0"), True)])

    assert shares == {1: Decimal("0"), 2: Decimal("500.00")}
