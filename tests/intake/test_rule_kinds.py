"""Each kind of rule: meeting it passes, breaking exactly it fails alone, at the limit and one unit past it."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from intake.eligibility import (
    Application,
    Partner,
    Rule,
    Rules,
    admin_fee,
    checks,
    figures,
    params_problems,
    rules_from_data,
    rules_to_data,
)

D = Decimal
APP = ("application",)


def partner(name: str, kind: str = "sme", employees: int = 40, **money: Any) -> Partner:
    return Partner(
        name=name,
        kind=kind,
        employees=employees,
        country="CA",
        province="ON",
        is_lead=money.pop("lead", False),
        cash=D(money.pop("cash", "0")),
        in_kind=D(money.pop("in_kind", "0")),
        funding_requested=D(money.pop("funding", "0")),
        costs={"labour": D(money.pop("costs", "0"))},
        roles=frozenset(money.pop("roles", ())),
        member=money.pop("member", False),
    )


def base() -> Application:
    """Costs 1,000,000; the cluster asks 400,000 (40 %); companies bring 400,000 cash and 100,000 in kind."""
    return Application(
        partners=(
            partner("Acme", cash="300000", in_kind="100000", funding="200000", costs="500000", lead=True,
                    roles={"adopter"}, member=True),
            partner("Bigco", "large_company", 2000, cash="100000", funding="200000", costs="500000",
                    roles={"ai-provider"}, member=True),
            partner("Polytechnique", "post_secondary", 3000),
        ),
        texts={"summary": "one two three"},
        attachments=frozenset({"project_plan"}),
        ip_rights=1,
    )  # fmt: skip


def one(kind: str, application: Application | None = None, stage: str = "application", **params: Any):
    rules = Rules((Rule(kind, params, ("application", "loi", "questionnaire")),))
    [check] = checks(application or base(), rules, stage=stage)
    return check


@pytest.mark.parametrize(
    ("kind", "params", "passing", "failing"),
    [
        ("min_partners", {"count": 3}, {}, {"count": 4}),
        ("required_roles", {"roles": ("adopter", "ai-provider")}, {}, {"roles": ("adopter", "integrator")}),
        ("membership", {"who": "lead"}, {}, None),
        ("funded_types", {"types": ("sme", "large_company")}, {}, {"types": ("sme",)}),
        ("cluster_share", {"max": D("40.00")}, {}, {"max": D("39.99")}),
        ("matching_ratio", {"ratio": D("1.25")}, {}, {"ratio": D("1.26")}),
        ("in_kind_cap", {"max_share": D("20.00")}, {}, {"max_share": D("19.99")}),
        ("partner_share", {"max_share": D("50.00")}, {}, {"max_share": D("49.99")}),
        ("project_size", {"min": D("1000000.00"), "max": D("2000000")}, {}, {"min": D("1000000.01")}),
        ("project_cap", {"max_funding": D("400000.00")}, {}, {"max_funding": D("399999.99")}),
        ("word_limit", {"words": 3}, {}, {"words": 2}),
        ("page_limit", {"pages": 1}, {}, None),
        ("required_attachments", {"kinds": ("project_plan",)}, {}, {"kinds": ("project_plan", "ip_strategy")}),
        ("min_ip_rights", {"count": 1}, {}, {"count": 2}),
    ],
)  # fmt: skip
def test_each_kind_passes_at_its_limit_and_fails_one_unit_past(
    kind: str, params: dict[str, Any], passing: dict[str, Any], failing: dict[str, Any] | None
) -> None:
    check = one(kind, **{**params, **passing})
    assert check.passed, check.message
    assert check.message  # a passing rule says why
    if failing is not None:
        broken = one(kind, **{**params, **failing})
        assert not broken.passed
        assert broken.message != check.message


def test_min_partners_of_types_counts_industry_and_smes_by_the_definition() -> None:
    at_limit = one("min_partners_of_types", count=2, types=("industry",), sme_max_employees=500)
    past = one("min_partners_of_types", count=3, types=("industry",), sme_max_employees=500)
    smes = one("min_partners_of_types", count=1, types=("sme",), sme_max_employees=40)

    assert at_limit.passed
    assert not past.passed
    assert past.message.startswith("3 partners of these types required (industry), 2 found: Acme, Bigco")
    assert not smes.passed  # Acme has 40 employees: not fewer than 40
    assert smes.code == "min_smes"
    assert smes.message == "1 SME required, 0 found: none (an SME is a company with fewer than 40 employees)"


def test_min_partners_of_types_large_company_and_post_secondary() -> None:
    check = one("min_partners_of_types", count=1, types=("post_secondary",), sme_max_employees=500)
    large = one("min_partners_of_types", count=2, types=("large_company",), sme_max_employees=500)

    assert check.passed
    assert check.figure == "1"
    assert not large.passed
    assert large.figure == "1"


def test_membership_of_every_partner_names_those_not_members() -> None:
    check = one("membership", who="every")

    assert not check.passed
    assert check.message == "Every partner must be a member of the program; not members: Polytechnique"
    assert check.figure == "Polytechnique"


def test_membership_of_the_lead_fails_when_the_lead_is_not_a_member() -> None:
    application = base()
    lead = replace(application.partners[0], member=False)
    check = one("membership", replace(application, partners=(lead, *application.partners[1:])), who="lead")

    assert not check.passed
    assert check.message == "The lead must be a member of the program: Acme is not"


def test_cluster_share_below_its_minimum_fails() -> None:
    at_min = one("cluster_share", min=D("40.00"), max=D("44.40"))
    below = one("cluster_share", min=D("40.01"), max=D("44.40"))

    assert at_min.passed
    assert not below.passed
    assert below.message == (
        "The cluster funds $400,000.00 of $1,000,000.00 of eligible costs: 40.00\xa0%, below 40.01\xa0%"
    )


def test_matching_counts_only_industry_money() -> None:
    # Companies bring 360,000 for 400,000 from the cluster (0.90:1); a university's 200,000 cash must not help.
    application = base()
    acme, bigco, poly = application.partners
    application = replace(
        application,
        partners=(replace(acme, cash=D("160000")), bigco, replace(poly, cash=D("200000"))),
    )
    only_companies = Rules((Rule("matching_ratio", {"ratio": D("1.00")}, APP),))
    everyone = Rules(
        (Rule("industry_types", {"types": ("large_company", "sme", "post_secondary")}, APP), *only_companies.rows)
    )

    [check] = checks(application, only_companies, stage="application")
    assert not check.passed
    assert check.figure == "0.90"
    assert "only Large company, Small or medium-sized enterprise count as industry" in check.message
    assert [c.passed for c in checks(application, everyone, stage="application")] == [True, True]


def test_in_kind_cap_ignores_a_universitys_in_kind() -> None:
    application = base()
    acme, bigco, poly = application.partners
    application = replace(application, partners=(acme, bigco, replace(poly, in_kind=D("500000"))))
    rules = Rules((Rule("in_kind_cap", {"max_share": D("20.00")}, APP),))

    [check] = checks(application, rules, stage="application")

    assert check.passed
    assert check.figure == "20.00"
    assert figures(application, rules).in_kind_share == D("20.00")
    assert figures(application).in_kind_share == D("60.00")  # everyone's money, as without rules


def test_size_bands_need_a_band_and_its_share() -> None:
    bands = ({"min": D("500000"), "max": D("999999.99"), "max_cluster_share": None},
             {"min": D("1000000"), "max": D("5000000"), "max_cluster_share": D("40.00")})  # fmt: skip
    tight = ({"min": D("1000000"), "max": D("5000000"), "max_cluster_share": D("39.99")},)
    outside = ({"min": D("1000000.01"), "max": D("5000000"), "max_cluster_share": None},)

    assert one("size_bands", bands=bands).passed
    assert not one("size_bands", bands=tight).passed
    check = one("size_bands", bands=outside)
    assert not check.passed
    assert check.message.startswith("Total eligible costs of $1,000,000.00 fall in none of the bands")


def test_admin_fee_always_passes_and_is_rounded_half_up_to_the_cent() -> None:
    application = replace(base(), partners=(partner("Acme", funding="1234.50", costs="5000"),))
    rules = Rules((Rule("admin_fee", {"percent": D("4.00")}, APP),))

    [check] = checks(application, rules, stage="application")

    assert check.passed
    assert check.message == "An administration fee of 4.00\xa0% of the cluster's $1,234.50: $49.38"
    assert admin_fee(figures(application, rules), rules) == D("49.38")
    assert admin_fee(figures(application), Rules()) == D("0.00")


def test_page_limit_counts_pages_of_each_text() -> None:
    long = "\n".join(["A paragraph of its own."] * 50)  # 50 lines: more than the 46 of a page
    check = one("page_limit", replace(base(), texts={"summary": long}, labels={"summary": "Summary"}), pages=1)

    assert not check.passed
    assert check.message == "Each text may take at most 1 page: Summary takes 2 pages"


def test_answers_hold_names_the_questions_that_fail() -> None:
    assert one("answers_hold").passed
    check = one("answers_hold", replace(base(), answers_failing=("Is the lead Canadian?",)))

    assert not check.passed
    assert check.message == "These answers do not give what the call requires: Is the lead Canadian?"


def test_a_rule_breaking_alone_is_the_only_failure() -> None:
    rules = Rules(
        (
            Rule("min_partners", {"count": 3}, APP),
            Rule("cluster_share", {"max": D("40.00")}, APP),
            Rule("project_cap", {"max_funding": D("300000")}, APP),
            Rule("word_limit", {"words": 3}, APP),
        )
    )

    found = checks(base(), rules, stage="application")

    assert [check.code for check in found if not check.passed] == ["project_cap"]


def test_rules_apply_only_at_their_stages() -> None:
    rules = Rules((Rule("word_limit", {"words": 1}, ("loi",)), Rule("min_partners", {"count": 9}, APP)))

    assert [check.code for check in checks(base(), rules, stage="loi")] == ["word_limits"]


def test_a_letter_of_intent_is_checked_against_project_size_from_its_estimate() -> None:
    loi = Application(
        partners=(partner("Acme", lead=True),), early=True,
        estimated_costs=D("300000.00"), estimated_funding=D("100000.00"),
    )  # fmt: skip
    rules = Rules(
        (
            Rule("project_size", {"min": D("500000"), "max": D("10000000")}, ("loi", "application")),
            Rule("matching_ratio", {"ratio": D("1.00")}, ("loi", "application")),
        )
    )

    size, matching = checks(loi, rules, stage="loi")

    assert not size.passed
    assert size.message == "Total eligible costs of $300,000.00, below the minimum of $500,000.00"
    assert matching.passed
    assert matching.message == "Not measured at this stage: no contributions are entered yet"


def test_two_rules_of_one_kind_are_told_apart() -> None:
    rules = Rules(
        (
            Rule("min_partners_of_types", {"count": 1, "types": ("post_secondary",), "sme_max_employees": 500}, APP),
            Rule("min_partners_of_types", {"count": 2, "types": ("industry",), "sme_max_employees": 500}, APP),
        )
    )

    assert [check.code for check in checks(base(), rules, stage="application")] == [
        "min_partners_of_types",
        "min_partners_of_types#2",
    ]


def test_rules_round_trip_exactly_through_json() -> None:
    rules = Rules(
        (
            Rule("cluster_share", {"min": D("37.00"), "max": D("44.40")}, APP, 7, 1),
            Rule("size_bands", {"bands": ({"min": D("1"), "max": D("2.50"), "max_cluster_share": None},)}, APP, 8, 2),
            Rule("required_roles", {"roles": ("adopter",)}, ("loi", "application"), 9, 3),
            Rule("answers_hold", {}, ("questionnaire",), 10, 4),
        )
    )

    data = rules_to_data(rules)

    assert data[0]["params"] == {"min": "37.00", "max": "44.40"}
    assert rules_from_data(data) == rules


def test_rules_from_data_reads_the_former_fields_as_rows() -> None:
    former = {
        "min_partners": 3, "min_smes": 1, "sme_max_employees": 500, "funded_partner_types": ["sme"],
        "max_cluster_share": "40.00", "min_matching_ratio": "1.00", "max_in_kind_share": "25.00",
        "max_partner_share": "70.00", "min_project_size": "1000000.00", "max_project_size": "50000000.00",
        "word_limit": 5, "required_attachments": ["project_plan"],
    }  # fmt: skip

    rules = rules_from_data(former)

    assert [rule.kind for rule in rules.at("application")][:5] == [
        "min_partners", "min_partners_of_types", "funded_types", "cluster_share", "industry_types",
    ]  # fmt: skip
    assert [rule.kind for rule in rules.at("loi")] == ["word_limit"]
    assert rules.first("cluster_share").params == {"min": None, "max": D("40.00")}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        ("cluster_share", {"max": "101"}, "max"),
        ("cluster_share", {"min": "45", "max": "40"}, "max"),
        ("project_size", {"min": "2", "max": "1"}, "max"),
        ("project_size", {"min": "1.001", "max": "2"}, "min"),
        ("min_partners", {"count": "two"}, "count"),
        ("funded_types", {"types": ["robots"]}, "types"),
        ("size_bands", {"bands": [{"min": "0", "max": "10"}, {"min": "10", "max": "20"}]}, "bands"),
        ("membership", {"who": "some"}, "who"),
    ],
)
def test_params_problems_name_the_parameter_at_fault(kind: str, params: dict[str, Any], field: str) -> None:
    assert field in params_problems(kind, params)


def test_params_problems_accept_good_parameters() -> None:
    assert params_problems("cluster_share", {"min": "37", "max": "44.40"}) == {}
    assert params_problems("size_bands", {"bands": [{"min": "0", "max": "9.99"}, {"min": "10", "max": "20"}]}) == {}
