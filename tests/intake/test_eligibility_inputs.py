"""What the engine reads of applications (``intake.models.eligibility_inputs``): the partners in their order."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.utils import timezone

from accounts.models import Organization
from intake.models import BudgetLine, Call, ConsortiumMember, Proposal
from intake.models.eligibility_inputs import eligibility_inputs
from tests.factories import OrganizationFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def _member(proposal: Proposal, name: str, *, lead: bool, joined: Any, lines: int) -> ConsortiumMember:
    organization = cast(Organization, OrganizationFactory(legal_name=name))
    if lead:  # the factory's lead member, made the lead organization named here
        ConsortiumMember.objects.filter(proposal=proposal, is_lead=True).delete()
    member = ConsortiumMember.objects.create(
        proposal=proposal,
        organization=organization,
        is_lead=lead,
        cash_contribution=Decimal("10.00"),
        in_kind_contribution=Decimal("5.00"),
        funding_requested=Decimal("20.00"),
    )
    ConsortiumMember.objects.filter(pk=member.pk).update(created_at=joined)
    for category, amount in (("labour", Decimal("30.00")), ("equipment", Decimal("7.00")))[:lines]:
        BudgetLine.objects.create(member=member, category=category, amount=amount)
    return member


def test_eligibility_inputs_give_the_lead_first_then_the_partners_as_they_joined(call: Call) -> None:
    now = timezone.now()
    first = ProposalFactory(call=call)
    second = ProposalFactory(call=call)
    _member(first, "Joined last", lead=False, joined=now, lines=2)
    _member(first, "Lead, joined late", lead=True, joined=now + timedelta(days=1), lines=1)
    _member(first, "Joined first", lead=False, joined=now - timedelta(days=2), lines=0)
    # The same moment: the one made first (the lower key) comes first, with either number of lines.
    _member(first, "Tie, made first", lead=False, joined=now - timedelta(days=1), lines=1)
    _member(first, "Tie, made second", lead=False, joined=now - timedelta(days=1), lines=2)
    _member(second, "Other lead", lead=True, joined=now - timedelta(days=9), lines=2)
    _member(second, "Other partner", lead=False, joined=now - timedelta(days=10), lines=2)
    rows = list(Proposal.objects.filter(pk__in=[first.pk, second.pk]).select_related("call").order_by("pk"))

    found = eligibility_inputs(rows)

    for proposal in rows:
        expected = proposal.members.select_related("organization").order_by("-is_lead", "created_at", "pk")
        assert [partner.name for partner in found[proposal.pk].partners] == [
            member.organization.legal_name for member in expected
        ]
    assert [(partner.name, partner.costs) for partner in found[first.pk].partners] == [
        ("Lead, joined late", {"labour": Decimal("30.00")}),
        ("Joined first", {}),
        ("Tie, made first", {"labour": Decimal("30.00")}),
        ("Tie, made second", {"equipment": Decimal("7.00"), "labour": Decimal("30.00")}),
        ("Joined last", {"equipment": Decimal("7.00"), "labour": Decimal("30.00")}),
    ]
    assert [partner.name for partner in found[second.pk].partners] == ["Other lead", "Other partner"]


def test_eligibility_inputs_read_each_budget_line_s_amount_as_the_orm_reads_it(call: Call) -> None:
    # The lines come as one text a member (``_costs_text``): each amount must come back with the
    # digits and places the ORM gives it, the largest a line may hold and whole dollars included.
    proposal = ProposalFactory(call=call)
    member = _member(proposal, "Costs", lead=False, joined=timezone.now(), lines=0)
    amounts = {
        "labour": Decimal("999999999999.99"),
        "equipment": Decimal("7"),
        "materials": Decimal("0.10"),
        "subcontracts": Decimal("1234.56"),
        "other": Decimal("0"),
    }
    for category, amount in amounts.items():
        BudgetLine.objects.create(member=member, category=category, amount=amount)
    rows = list(Proposal.objects.filter(pk=proposal.pk).select_related("call"))

    found = eligibility_inputs(rows)

    read = {line.category: line.amount for line in BudgetLine.objects.filter(member=member)}
    (partner,) = [partner for partner in found[proposal.pk].partners if partner.name == "Costs"]
    assert {category: str(amount) for category, amount in partner.costs.items()} == {
        category: str(amount) for category, amount in sorted(read.items())
    }
    assert list(partner.costs) == sorted(amounts)
    assert str(partner.costs["labour"]) == "999999999999.99"
    assert str(partner.costs["equipment"]) == "7.00"


def test_eligibility_inputs_rows_are_those_the_orm_s_converters_give(call: Call) -> None:
    # On PostgreSQL the rows are used as psycopg gives them, the converters skipped: they must
    # be the very values and types the compiler's converters give, in every part of the union.
    from django.db import connection

    from intake.models.eligibility_inputs import _inputs_rows, eligibility_inputs_query

    first, second = ProposalFactory(call=call), ProposalFactory(call=call)
    _member(first, "Two lines", lead=True, joined=timezone.now(), lines=2)
    _member(second, "No line", lead=False, joined=timezone.now(), lines=0)
    ids = [first.pk, second.pk]
    compiler = eligibility_inputs_query(ids).query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        converted = list(compiler.results_iter(results=[cursor.fetchall()], tuple_expected=True))

    rows = _inputs_rows(ids)

    assert sorted(rows, key=repr) == sorted(converted, key=repr)
    assert [[type(value) for value in row] for row in sorted(rows, key=repr)] == [
        [type(value) for value in row] for row in sorted(converted, key=repr)
    ]


def test_one_proposal_s_inputs_are_read_by_its_key_and_a_page_s_as_one_array(call: Call) -> None:
    # An array of unknown length suits a page's prepared plan, not one proposal's (its staff page,
    # a submission): there each part reads by the one key; both read the same rows.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from intake.models.eligibility_inputs import _inputs_rows

    first, second = ProposalFactory(call=call), ProposalFactory(call=call)
    _member(first, "Two lines", lead=True, joined=timezone.now(), lines=2)

    with CaptureQueriesContext(connection) as one:
        alone = _inputs_rows([first.pk])
    with CaptureQueriesContext(connection) as page:
        together = _inputs_rows([first.pk, second.pk])

    assert "ANY(" not in one.captured_queries[-1]["sql"]
    assert ("ANY(" in page.captured_queries[-1]["sql"]) == (connection.vendor == "postgresql")
    assert sorted(alone, key=repr) == sorted((row for row in together if row[1] == first.pk), key=repr)
