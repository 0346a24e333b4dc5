"""The program view: proposals by state, funding requested, committed and remaining, industry, leverage, SMEs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import OrganizationType
from board.services.program import call_overview, program_overview_for
from intake.models import Call, ConsortiumMember, Proposal
from intake.states import ProposalState
from tests.factories import CallFactory, OrganizationFactory, ProposalFactory
from tests.factories.intake import call_rules_change

pytestmark = pytest.mark.django_db

# A factory's full application: the lead (an SME of 42 employees) asks $600,000 and brings $800,000 in cash; a
# large company brings $1,500,000 cash and $200,000 in kind; another asks $400,000 and brings $300,000 in cash.
REQUESTED = Decimal("1000000")
INDUSTRY = Decimal("2800000")


def _proposal(call: Call, state: str, **fields: Any) -> Proposal:
    return ProposalFactory(call=call, state=state, **fields)


@pytest.fixture
def call(db: None) -> Call:
    return CallFactory(funding_envelope=Decimal("5000000.00"))


def test_call_overview_exact_figures(call: Call) -> None:
    sme = OrganizationFactory(kind=OrganizationType.SME, employee_count=42)
    _proposal(call, ProposalState.APPROVED, approved_amount=Decimal("900000.50"), lead_organization=sme)
    _proposal(call, ProposalState.APPROVED, approved_amount=Decimal("1000000.00"), lead_organization=sme)
    _proposal(call, ProposalState.BOARD_REVIEW)
    _proposal(call, ProposalState.DECLINED)
    _proposal(call, ProposalState.LOI_SUBMITTED)
    _proposal(call, ProposalState.WITHDRAWN)

    row = call_overview(call=call).calls[0]

    assert row.proposals == 6
    assert row.by_state == {"approved": 2, "board_review": 1, "declined": 1, "loi_submitted": 1, "withdrawn": 1}
    # Past the letter of intent and still standing: the two approved, the one before the board, the declined.
    assert row.requested == REQUESTED * 4
    assert row.committed == Decimal("1900000.50")
    assert row.remaining == Decimal("3099999.50")
    assert row.industry == INDUSTRY * 2
    assert row.leverage == Decimal("2.95")  # 5,600,000 / 1,900,000.50 = 2.947…
    # The shared lead is one SME; the large companies are not SMEs.
    assert row.smes == 1


def test_call_overview_counts_smes_by_the_calls_definition(call: Call) -> None:
    call_rules_change(call, sme_max_employees=40)
    call.refresh_from_db()
    small = OrganizationFactory(kind=OrganizationType.SME, employee_count=39)
    boundary = OrganizationFactory(kind=OrganizationType.SME, employee_count=40)
    _proposal(call, ProposalState.APPROVED, approved_amount=Decimal("1"), lead_organization=small)
    _proposal(call, ProposalState.APPROVED, approved_amount=Decimal("1"), lead_organization=boundary)
    declined = OrganizationFactory(kind=OrganizationType.SME, employee_count=3)
    _proposal(call, ProposalState.DECLINED, lead_organization=declined)

    assert call_overview(call=call).calls[0].smes == 1


def test_call_overview_without_approval_has_no_leverage(call: Call) -> None:
    _proposal(call, ProposalState.SUBMITTED)

    row = call_overview(call=call).calls[0]

    assert (row.committed, row.remaining, row.industry, row.leverage, row.smes) == (
        Decimal("0"),
        Decimal("5000000.00"),
        Decimal("0"),
        None,
        0,
    )
    assert row.requested == REQUESTED


def test_program_overview_totals_its_calls_and_counts_an_sme_once(call: Call) -> None:
    other = CallFactory(program=call.program, funding_envelope=Decimal("2000000.00"))
    sme = OrganizationFactory(kind=OrganizationType.SME, employee_count=10)
    _proposal(call, ProposalState.APPROVED, approved_amount=Decimal("700000"), lead_organization=sme)
    _proposal(other, ProposalState.APPROVED, approved_amount=Decimal("700000"), lead_organization=sme)
    _proposal(CallFactory(), ProposalState.APPROVED, approved_amount=Decimal("999"))  # another program's

    overview = program_overview_for(program=call.program)

    assert [row.call for row in overview.calls] == sorted([call, other], key=lambda c: c.loi_opens_at, reverse=True)
    total = overview.total
    assert total.envelope == Decimal("7000000.00")
    assert total.committed == Decimal("1400000")
    assert total.remaining == Decimal("5600000.00")
    assert total.requested == REQUESTED * 2
    assert total.industry == INDUSTRY * 2
    assert total.leverage == Decimal("4.00")
    assert [row.smes for row in overview.calls] == [1, 1]
    assert total.smes == 1
    assert total.by_state == {"approved": 2}


def test_call_overview_industry_counts_in_kind(call: Call) -> None:
    proposal = _proposal(call, ProposalState.APPROVED, approved_amount=Decimal("100"))
    ConsortiumMember.objects.filter(proposal=proposal, is_lead=True).update(in_kind_contribution=Decimal("0.25"))

    assert call_overview(call=call).calls[0].industry == INDUSTRY + Decimal("0.25")


def test_call_program_page_shows_numbers_and_accessible_charts(call: Call, staff_client: Client) -> None:
    _proposal(call, ProposalState.APPROVED, approved_amount=Decimal("1000000"))

    response = staff_client.get(reverse("board:call_program", kwargs={"pk": call.pk}))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('role="img"') == 2
    assert "<title" in page
    assert "$1,000,000.00 committed, $4,000,000.00 remaining." in page
    assert "$2,800,000.00" in page
    assert ">2.80<" in page


def test_program_page_links_each_call_and_shows_the_total(call: Call, staff_client: Client) -> None:
    _proposal(call, ProposalState.APPROVED, approved_amount=Decimal("500000"))

    response = staff_client.get(reverse("board:program_overview", kwargs={"pk": call.program_id}))

    page = response.content.decode()
    assert reverse("board:call_program", kwargs={"pk": call.pk}) in page
    assert "Program total" in page
    assert ">5.60<" in page


def test_program_pages_are_linked_from_the_staff_program_and_call_pages(call: Call, staff_client: Client) -> None:
    program_page = staff_client.get(reverse("intake:program_detail", kwargs={"pk": call.program_id}))
    call_page = staff_client.get(reverse("intake:call_staff_detail", kwargs={"pk": call.pk}))

    assert reverse("board:program_overview", kwargs={"pk": call.program_id}) in program_page.content.decode()
    assert reverse("board:call_program", kwargs={"pk": call.pk}) in call_page.content.decode()


@pytest.mark.parametrize("count", [1, 50])
def test_program_page_queries_do_not_grow(
    count: int, call: Call, staff_client: Client, django_assert_max_num_queries: Any
) -> None:
    for index in range(count):
        state = ProposalState.APPROVED if index % 2 == 0 else ProposalState.SUBMITTED
        _proposal(CallFactory(program=call.program) if index % 5 == 0 else call, state, approved_amount=Decimal("1"))

    # The calls' rule rows are read once for all of them (prefetched: the one query rules as rows added).
    with django_assert_max_num_queries(10):
        response = staff_client.get(reverse("board:program_overview", kwargs={"pk": call.program_id}))

    assert response.status_code == 200
