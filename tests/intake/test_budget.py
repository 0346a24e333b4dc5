"""The budget section: eligible costs by partner and category, funding requested, computed figures."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.choices import Role
from accounts.errors import DomainError, StaleAction
from accounts.models import User
from intake.models import BudgetLine, CoApplicant, ConsortiumMember, Proposal
from intake.services import consortium as services
from intake.services.versions import proposal_version_data, version_sheet
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
    assert _figure(html, "partner-share") == ["37.50\u00a0%", "62.50\u00a0%"]
    assert _figure(html, "category-total") == ["$600,000.00", "$400,000.00", "$1,000,000.00", "$0.00", "$0.00"]
    assert _figure(html, "eligible-costs") == ["$2,000,000.00"]
    assert _figure(html, "cluster-funding") == ["$800,000.00"]
    figures = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('id="budget-figures"')[1].split("</dl>")[0]))
    assert "Cluster's share of eligible costs 40.00 % (at most 40.00 %) ✓ meets the rule" in figures
    assert "$1,000,000.00 ($900,000.00 cash, $100,000.00 in kind)" in figures
    assert "Industry matching ratio 1.25 to 1 (at least 1.00 to 1) ✓ meets the rule" in figures
    assert "In-kind share of the industry contribution 10.00 % (at most 25.00 %) ✓ meets the rule" in figures
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


# --- Figures beside the call's rules -----------------------------------------------------------


def _text(html: str, start: str, end: str) -> str:
    """Return the text of ``html`` between ``start`` and ``end``, tags dropped, entities read, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html.split(start)[1].split(end)[0])))


def budgeted(applicant: User, *, lead_funding: str, partner_funding: str) -> Proposal:
    """An invited proposal whose consortium and budget are complete: $2.5M of costs, $1.2M from industry."""
    proposal = invited_proposal(applicant)
    lead, partner = lead_and_partner(proposal)
    ConsortiumMember.objects.filter(pk=lead.pk).update(
        cash_contribution=Decimal("900000"),
        in_kind_contribution=Decimal("100000"),
        funding_requested=Decimal(lead_funding),
    )
    ConsortiumMember.objects.filter(pk=partner.pk).update(
        cash_contribution=Decimal("200000"),
        in_kind_contribution=Decimal("0"),
        funding_requested=Decimal(partner_funding),
    )
    BudgetLine.objects.bulk_create(
        [
            BudgetLine(member=lead, category="labour", amount=Decimal("1500000")),
            BudgetLine(member=partner, category="materials", amount=Decimal("1000000")),
        ]
    )
    return Proposal.objects.get(pk=proposal.pk)


def test_budget_page_shows_a_share_one_cent_over_its_limit_as_failing(applicant: User, staff: User) -> None:
    # $1,000,000.01 of $2,500,000.00: 40.0000004 %, above the call's 40 % by a cent.
    proposal = budgeted(applicant, lead_funding="400000", partner_funding="600000.01")

    html = client_for(applicant).get(reverse("intake:application_budget", kwargs={"pk": proposal.pk})).content.decode()

    figures = _text(html, 'id="budget-figures"', "</dl>")
    assert "Cluster's share of eligible costs 40.01 % (at most 40.00 %) ✗ breaks the rule" in figures
    staff_page = client_for(staff).get(reverse("intake:eligibility", kwargs={"pk": proposal.pk})).content.decode()
    assert "$1,000,000.01 of $2,500,000.00 of eligible costs: 40.01\u00a0%, above 40.00\u00a0%" in staff_page


def test_the_same_share_reads_the_same_on_every_page(applicant: User, staff: User) -> None:
    # $1,083,333.33 of $2,500,000.00: 43.3333332 %, above the call's 40 %: 43.33 % everywhere.
    proposal = budgeted(applicant, lead_funding="483333.33", partner_funding="600000")

    budget_page = client_for(applicant).get(reverse("intake:application_budget", kwargs={"pk": proposal.pk}))
    staff_page = client_for(staff).get(reverse("intake:eligibility", kwargs={"pk": proposal.pk}))
    sheet = version_sheet(data=proposal_version_data(proposal=proposal)[0])

    assert "Cluster's share of eligible costs 43.33 % (at most 40.00 %)" in _text(
        budget_page.content.decode(), 'id="budget-figures"', "</dl>"
    )
    assert "of eligible costs: 43.33\u00a0%, above 40.00\u00a0%" in staff_page.content.decode()
    assert sheet["cluster_share"] == "43.33\u00a0%"


def test_budget_page_in_french_writes_the_figures_the_french_way(applicant: User) -> None:
    proposal = budgeted(applicant, lead_funding="400000", partner_funding="600000.01")
    User.objects.filter(pk=applicant.pk).update(preferred_language="fr")
    applicant.refresh_from_db()

    html = client_for(applicant).get(reverse("intake:application_budget", kwargs={"pk": proposal.pk})).content.decode()

    assert _figure(html, "cluster-funding") == ["1\u00a0000\u00a0000,01\u00a0$"]
    assert html.split('data-figure="cluster-share">')[1].startswith("40,01\u00a0%")


def test_budget_page_shows_the_calls_rules_live_beside_the_figures(applicant: User) -> None:
    proposal = budgeted(applicant, lead_funding="400000", partner_funding="600000.01")

    html = client_for(applicant).get(reverse("intake:application_budget", kwargs={"pk": proposal.pk})).content.decode()

    rules = _text(html, 'id="section-rules"', "</section>")
    assert "✗ breaks the rule Cluster share of eligible costs :" in rules
    assert "✓ meets the rule Industry matching ratio :" in rules
    assert "✓ meets the rule One partner's share of the reimbursement :" in rules
    assert "✓ meets the rule Project size :" in rules


def test_a_complete_budget_that_breaks_a_rule_is_never_shown_plainly_complete(applicant: User) -> None:
    proposal = budgeted(applicant, lead_funding="400000", partner_funding="600000.01")

    html = client_for(applicant).get(reverse("intake:application_budget", kwargs={"pk": proposal.pk})).content.decode()

    nav = _text(html, 'aria-label="Sections of the full application"', "</nav>")
    assert "Budget complete, but breaks 1 rule" in nav
    # Two organizations where the call asks for three: the consortium breaks a rule too.
    assert "Consortium complete, but breaks 1 rule" in nav
    assert "2 sections break the call's rules" in nav
    overview = client_for(applicant).get(reverse("intake:application", kwargs={"pk": proposal.pk})).content.decode()
    assert "Rules of the call not met" in overview


def test_partner_share_above_its_limit_is_marked_in_the_grid(applicant: User) -> None:
    proposal = budgeted(applicant, lead_funding="200000", partner_funding="800000")

    html = client_for(applicant).get(reverse("intake:application_budget", kwargs={"pk": proposal.pk})).content.decode()

    assert _figure(html, "partner-share") == ["20.00\u00a0%", "80.00\u00a0% ✗ above the limit"]


def test_budget_page_before_the_invitation_shows_the_figures_without_the_application_rules(applicant: User) -> None:
    membership = MembershipFactory(user=applicant)
    draft = ProposalFactory(lead_applicant=applicant, lead_organization=membership.organization)

    response = client_for(applicant).get(reverse("intake:application_budget", kwargs={"pk": draft.pk}))

    assert response.status_code == 200
    html = response.content.decode()
    assert _figure(html, "partner-share") == ["0.00\u00a0%"]
    assert 'id="section-rules"' not in html
    assert "meets the rule" not in html
