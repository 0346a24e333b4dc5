"""A claim's arithmetic at its limits, in exact Decimals (projects.money; docs/claims.md)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from intake.eligibility import Rule, Rules
from projects.money import (
    Earlier,
    Line,
    PartnerActuals,
    Terms,
    application_on_actuals,
    earlier_from,
    money_rules,
    rechecks,
    reimbursement,
    share_of_cost,
)

#: The cluster funds $400,000 of $1,000,000: 40 %; the partner may receive $200,000 and spend $300,000 on labour.
TERMS = Terms(
    amount=D("400000.00"),
    total_eligible=D("1000000.00"),
    holdback_percent=D("10"),
    funding_approved=D("200000.00"),
    budget={"labour": D("300000.00"), "equipment": D("100000.00")},
)


def compute(*lines: Line, earlier: Earlier | None = None, terms: Terms = TERMS, final: bool = False):  # type: ignore[no-untyped-def]
    return reimbursement(lines=lines, earlier=earlier or Earlier(), terms=terms, final=final)


def test_share_of_cost_rounds_half_up_to_the_cent() -> None:
    # 1 x 1/8 = 0.125 → 0.13; 1 x 3/8 = 0.375 → 0.38 (half up, not to even).
    assert share_of_cost(D("1.00"), amount=D("1"), total=D("8")) == D("0.13")
    assert share_of_cost(D("3.00"), amount=D("1"), total=D("8")) == D("0.38")
    # A third is not a terminating decimal: divided once, rounded once.
    assert share_of_cost(D("100.00"), amount=D("1"), total=D("3")) == D("33.33")
    assert share_of_cost(D("200.00"), amount=D("1"), total=D("3")) == D("66.67")


def test_share_of_cost_without_a_total_is_zero() -> None:
    assert share_of_cost(D("100.00"), amount=D("5"), total=D("0")) == D("0.00")


def test_reimbursement_of_a_quarter_within_every_cap() -> None:
    figures = compute(Line("labour", cash=D("40000.00"), in_kind=D("10000.00")))

    assert figures.claimed == D("50000.00")
    assert figures.eligible == D("50000.00")
    assert figures.cumulative_share == D("20000.00")
    assert figures.reimbursement == D("20000.00")
    assert figures.holdback == D("2000.00")
    assert figures.released == D("0")
    assert figures.payable == D("18000.00")
    assert not figures.capped_by_partner
    assert figures.over_budget == ()


def test_reimbursement_holdback_rounds_half_up() -> None:
    # 0.05 reimbursed (0.125 x 40 %) → 10 % of it is 0.005 → 0.01 held back.
    figures = compute(Line("labour", cash=D("0.125")))

    assert figures.reimbursement == D("0.05")
    assert figures.holdback == D("0.01")
    assert figures.payable == D("0.04")


def test_reimbursement_counts_a_category_only_up_to_its_budget_line() -> None:
    earlier = Earlier(actuals={"equipment": D("90000.00")}, reimbursed=D("36000.00"), held_back=D("3600.00"))

    figures = compute(Line("equipment", cash=D("15000.00")), earlier=earlier)

    # Only 10,000 of the 15,000 fit in the 100,000 line: 40 % of it.
    assert figures.eligible == D("10000.00")
    assert figures.over_budget == (("equipment", D("5000.00")),)
    assert figures.cumulative_share == D("40000.00")
    assert figures.reimbursement == D("4000.00")
    assert figures.payable == D("3600.00")


def test_reimbursement_exactly_at_the_budget_line_counts_all_of_it() -> None:
    figures = compute(Line("equipment", cash=D("100000.00")))

    assert figures.eligible == D("100000.00")
    assert figures.over_budget == ()


def test_reimbursement_of_a_category_without_a_budget_line_is_zero() -> None:
    figures = compute(Line("subcontracts", cash=D("5000.00")))

    assert figures.eligible == D("0")
    assert figures.reimbursement == D("0.00")
    assert figures.over_budget == (("subcontracts", D("5000.00")),)


def test_reimbursement_never_takes_the_partner_beyond_its_approved_funding() -> None:
    earlier = Earlier(actuals={"labour": D("299999.99")}, reimbursed=D("119999.99"), held_back=D("12000.00"))
    terms = Terms(**{**TERMS.__dict__, "funding_approved": D("120000.00")})

    figures = compute(
        Line("labour", cash=D("0.01")), Line("equipment", cash=D("50000.00")), earlier=earlier, terms=terms
    )

    # 40 % of the 350,000.00 counted is 140,000.00, capped at 120,000.00: one cent is left to reimburse.
    assert figures.cumulative_share == D("140000.00")
    assert figures.capped_by_partner
    assert figures.cumulative_capped == D("120000.00")
    assert figures.reimbursement == D("0.01")
    assert figures.holdback == D("0.00")
    assert figures.payable == D("0.01")


def test_reimbursement_once_the_cap_is_reached_is_zero_not_negative() -> None:
    earlier = Earlier(actuals={"labour": D("300000.00")}, reimbursed=D("200000.00"), held_back=D("20000.00"))

    figures = compute(Line("labour", cash=D("1000.00")), earlier=earlier)

    assert figures.reimbursement == D("0")
    assert figures.payable == D("0")


def test_reimbursement_cumulative_rounding_does_not_drift() -> None:
    # A third of costs funded: three claims of 100.00 reimburse 33.33, 33.34 and 33.33 (100.00 in all).
    terms = Terms(D("1"), D("3"), D("0"), D("1000000"), {"labour": D("1000000")})
    paid = []
    earlier = Earlier()
    for _ in range(3):
        figures = compute(Line("labour", cash=D("100.00")), earlier=earlier, terms=terms)
        paid.append(figures.reimbursement)
        earlier = Earlier(
            actuals={"labour": earlier.actuals.get("labour", D("0")) + D("100.00")},
            reimbursed=earlier.reimbursed + figures.reimbursement,
        )
    assert paid == [D("33.33"), D("33.34"), D("33.33")]
    assert sum(paid) == D("100.00")


def test_final_claim_holds_nothing_back_and_releases_the_holdback() -> None:
    earlier = Earlier(actuals={"labour": D("100000.00")}, reimbursed=D("40000.00"), held_back=D("4000.00"))

    figures = compute(Line("labour", cash=D("10000.00")), earlier=earlier, final=True)

    assert figures.reimbursement == D("4000.00")
    assert figures.holdback == D("0")
    assert figures.released == D("4000.00")
    assert figures.payable == D("8000.00")


def test_final_claim_without_costs_releases_the_holdback_alone() -> None:
    earlier = Earlier(actuals={"labour": D("300000.00")}, reimbursed=D("120000.00"), held_back=D("12000.00"))

    figures = compute(earlier=earlier, final=True)

    assert figures.reimbursement == D("0")
    assert figures.payable == D("12000.00")


def test_earlier_from_counts_what_staff_approved_below_the_payable_as_not_reimbursed() -> None:
    earlier = earlier_from(
        [
            (
                (Line("labour", D("50000.00"), D("10000.00")),),
                D("24000.00"),
                D("2400.00"),
                D("21600.00"),
                D("21600.00"),
            ),
            ((Line("labour", D("10000.00")),), D("4000.00"), D("400.00"), D("3600.00"), D("3000.00")),
        ]
    )

    assert earlier.actuals == {"labour": D("70000.00")}
    assert earlier.reimbursed == D("27400.00")
    assert earlier.held_back == D("2800.00")


def test_reimbursement_after_a_lower_approval_takes_up_the_difference_within_the_caps() -> None:
    earlier = Earlier(actuals={"labour": D("10000.00")}, reimbursed=D("3400.00"), held_back=D("400.00"))

    figures = compute(Line("labour", cash=D("10000.00")), earlier=earlier)

    assert figures.reimbursement == D("4600.00")


def test_reimbursement_explained_names_each_step() -> None:
    earlier = Earlier(actuals={"equipment": D("95000.00")}, reimbursed=D("38000.00"), held_back=D("3800.00"))
    figures = compute(Line("equipment", cash=D("10000.00")), earlier=earlier)

    labels = [label for label, _sentence in figures.explain(TERMS)]
    sentences = " ".join(sentence for _label, sentence in figures.explain(TERMS))

    assert labels == [
        "Actuals claimed",
        "Budget line exceeded",
        "Approved share",
        "Reimbursement",
        "Holdback",
        "Payable",
    ]
    assert "$10,000.00 claimed, of which $5,000.00 count" in sentences
    assert "$5,000.00 of equipment is above the budget line of $100,000.00" in sentences
    assert "10.00\xa0% held back until the final claim: $200.00" in sentences


# --- The call's money rules on the actuals --------------------------------------------------------

RULES = Rules(
    (
        Rule("min_partners", {"count": 2}),
        Rule("industry_types", {"types": ("large_company", "sme")}),
        Rule("cluster_share", {"max": D("40")}),
        Rule("matching_ratio", {"ratio": D("1")}),
        Rule("in_kind_cap", {"max_share": D("50")}),
        Rule("partner_share", {"max_share": D("85")}),
        Rule("admin_fee", {"percent": D("5")}),
    )
)


def partners(lead_cash: D, lead_reimbursed: D, *, in_kind: D = D("0")) -> list[PartnerActuals]:
    return [
        PartnerActuals(
            "Lead Co", "sme", 40, True, lead_cash, in_kind, lead_reimbursed, {"labour": lead_cash + in_kind}
        ),
        PartnerActuals(
            "Uni", "post_secondary", 5000, False, D("10000.00"), D("0"), D("4000.00"), {"labour": D("10000.00")}
        ),
    ]


def test_money_rules_keep_only_the_rules_about_money() -> None:
    assert [rule.kind for rule in money_rules(RULES)] == [
        "industry_types", "cluster_share", "matching_ratio", "in_kind_cap", "partner_share", "admin_fee",
    ]  # fmt: skip


def test_rechecks_on_actuals_pass_and_explain() -> None:
    found = {
        check.code: check for check in rechecks(application_on_actuals(partners(D("50000.00"), D("20000.00"))), RULES)
    }

    # Costs 60,000; the cluster reimbursed 24,000 (40.00 %); Lead Co's own cash is 30,000 for 24,000: 1.25.
    assert found["cluster_share"].passed
    assert found["cluster_share"].figure == "40.00"
    assert "$24,000.00 of $60,000.00" in found["cluster_share"].message
    assert found["matching_ratio"].passed
    assert found["matching_ratio"].figure == "1.25"
    assert found["partner_share"].passed
    assert found["admin_fee"].figure == "1200.00"


def test_rechecks_on_actuals_fail_where_the_actuals_break_a_rule() -> None:
    # Lead Co spends 30,000 cash and 40,000 in kind and was reimbursed 28,000: in kind is 40,000 of 42,000.
    application = application_on_actuals(partners(D("30000.00"), D("28000.00"), in_kind=D("40000.00")))

    found = {check.code: check for check in rechecks(application, RULES)}

    assert not found["in_kind_cap"].passed
    assert "95.24\xa0%, above 50.00\xa0%" in found["in_kind_cap"].message
    assert not found["partner_share"].passed
    assert "Lead Co" in found["partner_share"].message


def test_application_on_actuals_counts_the_partners_own_cash_after_reimbursement() -> None:
    application = application_on_actuals(partners(D("10000.00"), D("12000.00")))

    lead = application.partners[0]
    assert lead.cash == D("0")
    assert lead.funding_requested == D("12000.00")
    assert lead.costs == {"labour": D("10000.00")}


@pytest.mark.parametrize("percent", [D("0"), D("50")])
def test_holdback_at_the_limits_of_its_range(percent: D) -> None:
    terms = Terms(**{**TERMS.__dict__, "holdback_percent": percent})

    figures = compute(Line("labour", cash=D("10000.00")), terms=terms)

    assert figures.holdback == D("4000.00") * percent / D("100")
    assert figures.payable == D("4000.00") - figures.holdback
