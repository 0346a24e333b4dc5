"""The budget section: eligible costs by partner and category, funding requested, computed figures."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.choices import Role
from accounts.errors import DomainError, StaleAction
from accounts.models import User
from intake.models import BudgetLine, CoApplicant, ConsortiumMember, Proposal
from intake.services import consortium as services
from intake.states import ProposalState
from tests.conftest import client_for
from tests.factories import MembershipFactory, OrganizationFactory, ProposalFactory, UserFactory, state_put

pytestmark = pytest.mark.django_db

CATEGORIES = ("labour", "equipment", "materials", "subcontracts", "other")


def invited_proposal(lead: User) -> Proposal:
    """An invited proposal led by ``lead`` (Lead Robotics) with one partner (Maple Foundry), nothing entered."""
    membership = MembershipFactory(user=lead, organization=OrganizationFactory(legal_name="Lead Robotics Inc."))
    proposal = ProposalFactory(
        lead_applicant=lead, lead_organization=membership.organization, state=ProposalState.INVITED
    )
    ConsortiumMember.objects.filter(proposal=proposal, is_lead=False).delete()
    BudgetLine.objects.filter(member__proposal=proposal).delete()
    ConsortiumMember.objects.filter(proposal=proposal).update(
        cash_contribution=0, in_kind_contribution=0, funding_requested=0
    )
    ConsortiumMember.objects.create(proposal=proposal, organization=OrganizationFactory(legal_name="Maple Foundry"))
    return Proposal.objects.get(pk=proposal.pk)


def lead_and_partner(proposal: Proposal) -> tuple[ConsortiumMember, ConsortiumMember]:
    return proposal.members.get(is_lead=True), proposal.members.get(is_lead=False)


def lines(proposal: Proposal) -> dict[tuple[str, str], Decimal]:
    return {
        (line.member.organization.legal_name, line.category): line.amount
        for line in BudgetLine.objects.filter(member__proposal=proposal).select_related("member__organization")
    }


def grid_post(proposal: Proposal, **typed: str) -> dict[str, str]:
    data = {"loaded_at": proposal.updated_at.isoformat()}
    for member in proposal.members.all():
        for category in CATEGORIES:
            data[f"cost_{member.pk}_{category}"] = ""
        data[f"funding_{member.pk}"] = ""
    data.update(typed)
    return data


# --- The service -------------------------------------------------------------------------------


def test_budget_save_writes_lines_and_funding_and_removes_zeroed_lines(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead, partner = lead_and_partner(proposal)
    BudgetLine.objects.create(member=partner, category="other", amount=Decimal("99"))

    services.budget_save(
        proposal=proposal,
        by=applicant,
        expected_updated_at=proposal.updated_at,
        costs={
            lead.pk: {"labour": Decimal("600000"), "equipment": None},
            partner.pk: {"materials": Decimal("1000000"), "other": Decimal("0")},
        },
        funding={lead.pk: Decimal("300000"), partner.pk: Decimal("500000")},
    )

    assert lines(proposal) == {
        ("Lead Robotics Inc.", "labour"): Decimal("600000"),
        ("Maple Foundry", "materials"): Decimal("1000000"),
    }
    assert dict(proposal.members.values_list("organization__legal_name", "funding_requested")) == {
        "Lead Robotics Inc.": Decimal("300000"),
        "Maple Foundry": Decimal("500000"),
    }
    assert Proposal.objects.get(pk=proposal.pk).updated_at > proposal.updated_at


def test_budget_save_refuses_a_negative_cost_and_saves_nothing(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead, partner = lead_and_partner(proposal)

    with pytest.raises(ValidationError):
        services.budget_save(
            proposal=proposal,
            by=applicant,
            expected_updated_at=proposal.updated_at,
            costs={lead.pk: {"labour": Decimal("5")}, partner.pk: {"labour": Decimal("-5")}},
            funding={lead.pk: Decimal("1")},
        )

    assert lines(proposal) == {}
    assert ConsortiumMember.objects.get(pk=lead.pk).funding_requested == Decimal("0")


def test_budget_save_refuses_costs_of_an_organization_outside_the_consortium(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    elsewhere = ProposalFactory().members.get()

    with pytest.raises(StaleAction):
        services.budget_save(
            proposal=proposal,
            by=applicant,
            expected_updated_at=proposal.updated_at,
            costs={elsewhere.pk: {"labour": Decimal("5")}},
            funding={},
        )

    assert not BudgetLine.objects.filter(member=elsewhere).exists()


def test_budget_save_over_a_newer_version_is_stale(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead, _partner = lead_and_partner(proposal)
    loaded = proposal.updated_at
    proposal.save(update_fields=["updated_at"])

    with pytest.raises(StaleAction):
        services.budget_save(
            proposal=proposal,
            by=applicant,
            expected_updated_at=loaded,
            costs={lead.pk: {"labour": Decimal("5")}},
            funding={},
        )

    assert lines(proposal) == {}


def test_budget_save_after_the_deadline_is_refused(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead, _partner = lead_and_partner(proposal)

    with (
        time_machine.travel(proposal.call.application_closes_at, tick=False),
        pytest.raises(DomainError, match="deadline has passed"),
    ):
        services.budget_save(
            proposal=proposal,
            by=applicant,
            expected_updated_at=proposal.updated_at,
            costs={lead.pk: {"labour": Decimal("5")}},
            funding={},
        )

    assert lines(proposal) == {}


# --- The page ----------------------------------------------------------------------------------


def _figure(html: str, name: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(rf'data-figure="{name}">(.*?)</td>', html)]


def test_budget_page_shows_the_computed_figures(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead, partner = lead_and_partner(proposal)
    ConsortiumMember.objects.filter(pk=lead.pk).update(
        cash_contribution=Decimal("700000"), in_kind_contribution=Decimal("100000"), funding_requested=Decimal("300000")
    )
    ConsortiumMember.objects.filter(pk=partner.pk).update(
        cash_contribution=Decimal("200000"), funding_requested=Decimal("500000")
    )
    BudgetLine.objects.bulk_create(
        [
            BudgetLine(member=lead, category="labour", amount=Decimal("600000")),
            BudgetLine(member=lead, category="equipment", amount=Decimal("400000")),
            BudgetLine(member=partner, category="materials", amount=Decimal("1000000")),
        ]
    )

    response = client_for(applicant).get(reverse("intake:application_budget", kwargs={"pk": proposal.pk}))

    assert response.status_code == 200
    html = response.content.decode()
    assert _figure(html, "partner-costs") == ["$1,000,000.00", "$1,000,000.00"]
    assert _figure(html, "partner-share") == ["37.50 %", "62.50 %"]
    assert _figure(html, "category-total") == ["$600,000.00", "$400,000.00", "$1,000,000.00", "$0.00", "$0.00"]
    assert _figure(html, "eligible-costs") == ["$2,000,000.00"]
    assert _figure(html, "cluster-funding") == ["$800,000.00"]
    figures = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('id="budget-figures"')[1].split("</dl>")[0]))
    assert "Cluster's share of eligible costs 40.00 % (at most 40.00 %)" in figures
    assert "$1,000,000.00 ($900,000.00 cash, $100,000.00 in kind)" in figures
    assert "Industry matching ratio 1.25 : 1 (at least 1.00 : 1)" in figures
    assert "In-kind share of the industry contribution 10.00 % (at most 25.00 %)" in figures
    assert 'name="cost_' in html


def test_budget_post_saves_the_grid(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead, partner = lead_and_partner(proposal)

    response = client_for(applicant).post(
        reverse("intake:application_budget", kwargs={"pk": proposal.pk}),
        grid_post(
            proposal,
            **{f"cost_{lead.pk}_labour": "1,200.50", f"cost_{partner.pk}_other": "300", f"funding_{partner.pk}": "150"},
        ),
    )

    assert response.status_code == 302
    assert lines(proposal) == {
        ("Lead Robotics Inc.", "labour"): Decimal("1200.50"),
        ("Maple Foundry", "other"): Decimal("300"),
    }
    assert ConsortiumMember.objects.get(pk=partner.pk).funding_requested == Decimal("150")


@pytest.mark.parametrize(
    ("typed", "message"),
    [("-100", "cannot be negative"), ("1.234", "Enter an amount in dollars"), ("abc", "Enter an amount in dollars")],
)
def test_budget_post_refuses_a_bad_amount_beside_the_field_keeping_the_grid(
    applicant: User, typed: str, message: str
) -> None:
    proposal = invited_proposal(applicant)
    lead, partner = lead_and_partner(proposal)

    response = client_for(applicant).post(
        reverse("intake:application_budget", kwargs={"pk": proposal.pk}),
        grid_post(proposal, **{f"cost_{lead.pk}_labour": "5000", f"cost_{partner.pk}_equipment": typed}),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'aria-describedby="id_cost_{partner.pk}_equipment-error"' in html
    assert 'value="5000"' in html
    assert f'value="{typed}"' in html
    assert lines(proposal) == {}


def test_budget_post_over_a_newer_version_is_409_keeping_the_grid(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead, _partner = lead_and_partner(proposal)
    data = grid_post(proposal, **{f"cost_{lead.pk}_labour": "5000"})
    proposal.save(update_fields=["updated_at"])

    response = client_for(applicant).post(reverse("intake:application_budget", kwargs={"pk": proposal.pk}), data)

    assert response.status_code == 409
    assert 'value="5000"' in response.content.decode()
    assert lines(proposal) == {}


def test_budget_post_after_the_deadline_is_refused_keeping_the_grid(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead, _partner = lead_and_partner(proposal)
    data = grid_post(proposal, **{f"cost_{lead.pk}_labour": "5000"})

    with time_machine.travel(proposal.call.application_closes_at + timedelta(hours=1), tick=False):
        response = client_for(applicant).post(reverse("intake:application_budget", kwargs={"pk": proposal.pk}), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "deadline has passed" in html
    assert 'value="5000"' in html
    assert lines(proposal) == {}


def test_budget_post_by_a_co_applicant_saves(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead, _partner = lead_and_partner(proposal)
    co_applicant = UserFactory(role=Role.APPLICANT)
    CoApplicant.objects.create(proposal=proposal, user=co_applicant, invited_by=applicant)

    response = client_for(co_applicant).post(
        reverse("intake:application_budget", kwargs={"pk": proposal.pk}),
        grid_post(proposal, **{f"cost_{lead.pk}_labour": "10"}),
    )

    assert response.status_code == 302
    assert lines(proposal) == {("Lead Robotics Inc.", "labour"): Decimal("10")}


@pytest.mark.parametrize(("persona", "expected"), [("other_applicant", 404), ("staff", 403)])
def test_budget_post_by_others_is_refused(
    applicant: User, other_applicant: User, staff: User, persona: str, expected: int
) -> None:
    proposal = invited_proposal(applicant)
    lead, _partner = lead_and_partner(proposal)
    user = {"other_applicant": other_applicant, "staff": staff}[persona]

    response = client_for(user).post(
        reverse("intake:application_budget", kwargs={"pk": proposal.pk}),
        grid_post(proposal, **{f"cost_{lead.pk}_labour": "10"}),
    )

    assert response.status_code == expected
    assert lines(proposal) == {}


def test_budget_page_is_read_only_once_submitted(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead, _partner = lead_and_partner(proposal)
    BudgetLine.objects.create(member=lead, category="labour", amount=Decimal("4200"))
    state_put(proposal, ProposalState.SUBMITTED)

    response = client_for(applicant).get(reverse("intake:application_budget", kwargs={"pk": proposal.pk}))

    html = response.content.decode()
    assert response.status_code == 200
    assert "shown read-only" in html
    assert 'name="cost_' not in html
    assert "$4,200.00" in html
