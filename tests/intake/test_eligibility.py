"""The eligibility engine: each check passes and fails exactly at its limit, and the arithmetic is exact.

The rules here are the rows equivalent to the call's former fields (``legacy_rules``): every rule at
the full application, the word limit at every stage, and every organization type counting as
industry, so each case and boundary checks what it checked when the rules were fields.
"""

from __future__ import annotations

import json
from dataclasses import fields, replace
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from intake.eligibility import (
    CODES,
    Application,
    Check,
    Partner,
    Rule,
    Rules,
    checks,
    failures,
    figures,
    legacy_rules,
    outcomes,
    rules_from_data,
    rules_to_data,
    verdicts,
    word_count,
)

D = Decimal

#: The rules as the call's former fields gave them.
FIELDS: dict[str, Any] = {
    "min_partners": 3,
    "min_smes": 1,
    "sme_max_employees": 500,
    "funded_partner_types": ("large_company", "sme"),
    "max_cluster_share": D("40"),
    "min_matching_ratio": D("1.00"),
    "max_in_kind_share": D("25"),
    "max_partner_share": D("70"),
    "min_project_size": D("1000000"),
    "max_project_size": D("50000000"),
    "word_limit": 5,
    "required_attachments": ("project_plan",),
}


def rules_of(**changes: Any) -> Rules:
    """Return the rows equivalent to ``FIELDS`` with ``changes`` (field names as they were)."""
    return legacy_rules({**FIELDS, **changes})


RULES = rules_of()
#: The checks the rows give at the full application, in order: the former fields' and the
#: ``industry_types`` row's (which always passes: it says whose money counts as industry's).
APPLICATION_CODES = [
    "min_partners", "min_smes", "funded_types", "cluster_share", "industry_types", "matching_ratio",
    "in_kind_cap", "partner_share", "project_size", "word_limits", "attachments",
]  # fmt: skip


def partner(
    name: str,
    kind: str = "sme",
    employees: int = 40,
    *,
    cash: str = "0",
    in_kind: str = "0",
    funding: str = "0",
    costs: str = "0",
    lead: bool = False,
) -> Partner:
    return Partner(
        name=name,
        kind=kind,
        employees=employees,
        country="CA",
        province="ON",
        is_lead=lead,
        cash=D(cash),
        in_kind=D(in_kind),
        funding_requested=D(funding),
        costs={"labour": D(costs)},
    )


def eligible() -> Application:
    """An application that meets every rule of ``RULES``, none of them exactly at its limit."""
    return Application(
        partners=(
            partner("Acme Robotics", cash="400000", funding="500000", costs="1000000", lead=True),
            partner("Bigco", "large_company", 2000, cash="500000", funding="500000", costs="1500000"),
            partner("University of Waterloo", "post_secondary", 5000, in_kind="200000"),
        ),
        texts={"Summary": "A shared testbed."},
        attachments=frozenset({"project_plan"}),
    )


def results(application: Application, rules: Rules = RULES, stage: str = "application") -> dict[str, Check]:
    return {check.code: check for check in checks(application, rules, stage=stage)}


def failed(application: Application, rules: Rules = RULES) -> set[str]:
    return {code for code, check in results(application, rules).items() if not check.passed}


def with_partner(application: Application, index: int, **changes: object) -> Application:
    partners = list(application.partners)
    partners[index] = replace(partners[index], **changes)  # type: ignore[arg-type]
    return replace(application, partners=tuple(partners))


def test_checks_eligible_application_passes_every_check_in_order() -> None:
    found = checks(eligible(), RULES, stage="application")

    assert [check.code for check in found] == APPLICATION_CODES
    assert [code for code in APPLICATION_CODES if code != "industry_types"] == list(CODES)
    assert [check.code for check in found if not check.passed] == []
    assert all(check.hard for check in found)


def test_checks_loi_stage_holds_only_the_word_limits() -> None:
    application = Application(partners=(), texts={"Summary": "one two three four five six"})

    found = checks(application, RULES, stage="loi")

    assert [(check.code, check.passed) for check in found] == [("word_limits", False)]
    assert found[0].message == "Each text may have at most 5 words: Summary has 6 words"


def test_word_count_splits_on_any_whitespace() -> None:
    assert word_count("  one\ttwo\nthree  four ") == 4
    assert word_count("") == 0
    assert word_count("l'eau, c'est-à-dire") == 2


def test_word_limits_at_the_limit_passes() -> None:
    application = replace(eligible(), texts={"Summary": "one two three four five", "Work plan": "x"})

    check = results(application)["word_limits"]

    assert check.passed
    assert check.message == "Every text is within 5 words"


def test_word_limits_one_word_over_fails_naming_the_text() -> None:
    application = replace(eligible(), texts={"Summary": "ok", "Work plan": "one two three four five six"})

    check = results(application)["word_limits"]

    assert not check.passed
    assert check.message == "Each text may have at most 5 words: Work plan has 6 words"


def test_min_partners_at_the_minimum_passes() -> None:
    check = results(eligible())["min_partners"]

    assert check.passed
    assert check.message == "3 organizations required, 3 found: Acme Robotics, Bigco, University of Waterloo"


def test_min_partners_one_short_fails_naming_them() -> None:
    application = replace(eligible(), partners=eligible().partners[:2])

    check = results(application)["min_partners"]

    assert not check.passed
    assert check.message == "3 organizations required, 2 found: Acme Robotics, Bigco"


def test_min_smes_counts_companies_below_the_employee_cap() -> None:
    rules = rules_of(min_smes=2)

    check = results(eligible(), rules)["min_smes"]

    assert not check.passed
    assert check.message == (
        "2 SMEs required, 1 found: Acme Robotics (an SME is a company with fewer than 500 employees)"
    )


def test_min_smes_a_company_at_the_cap_is_not_an_sme() -> None:
    application = with_partner(eligible(), 0, employees=500)

    check = results(application)["min_smes"]

    assert not check.passed
    assert check.message.startswith("1 SME required, 0 found: none")


def test_min_smes_a_large_company_below_the_cap_counts_but_a_university_does_not() -> None:
    application = with_partner(eligible(), 0, employees=600)
    application = with_partner(application, 1, employees=499)
    application = with_partner(application, 2, employees=10)

    check = results(application)["min_smes"]

    assert check.passed
    assert check.message.startswith("1 SME required, 1 found: Bigco ")


def test_funded_types_a_university_requesting_funds_fails() -> None:
    application = with_partner(eligible(), 2, funding_requested=D("1"))

    check = results(application)["funded_types"]

    assert not check.passed
    assert check.message == (
        "Only these types may receive funds: Large company, Small or medium-sized enterprise. "
        "Funding is requested for: University of Waterloo (Post-secondary institution, $1.00)"
    )


def test_funded_types_a_university_requesting_nothing_passes() -> None:
    assert results(eligible())["funded_types"].passed


def test_cluster_share_exactly_at_the_limit_passes() -> None:
    # 1,000,000 of 2,500,000 is exactly 40\u00a0%.
    check = results(eligible())["cluster_share"]

    assert check.passed
    assert check.message == (
        "The cluster funds $1,000,000.00 of $2,500,000.00 of eligible costs: 40.00\u00a0%, within 40.00\u00a0%"
    )


def test_cluster_share_one_cent_above_fails_and_shows_the_difference() -> None:
    application = with_partner(eligible(), 0, funding_requested=D("500000.01"), cash=D("400000.01"))

    check = results(application)["cluster_share"]

    assert not check.passed
    assert check.message == (
        "The cluster funds $1,000,000.01 of $2,500,000.00 of eligible costs: 40.01\u00a0%, above 40.00\u00a0%"
    )
    assert failed(application) == {"cluster_share"}


def test_cluster_share_without_costs_fails() -> None:
    application = replace(eligible(), partners=tuple(replace(p, costs={}) for p in eligible().partners))

    check = results(application)["cluster_share"]

    assert not check.passed
    assert "No eligible costs" in check.message


def test_matching_ratio_exactly_one_to_one_passes() -> None:
    application = with_partner(eligible(), 1, cash=D("400000"))  # 800,000 cash + 200,000 in kind

    check = results(application)["matching_ratio"]

    assert check.passed
    assert check.message == (
        "Industry contributes $1,000,000.00 for $1,000,000.00 from the cluster: "
        "1.00 to 1, at least the 1.00 to 1 required"
    )


def test_matching_ratio_below_fails_with_the_numbers() -> None:
    application = with_partner(eligible(), 1, cash=D("0"))  # 400,000 cash + 200,000 in kind

    check = results(application)["matching_ratio"]

    assert not check.passed
    assert check.message == (
        "Industry contributes $600,000.00 for $1,000,000.00 from the cluster: 0.60 to 1, below the 1.00 to 1 required"
    )


def test_matching_ratio_one_cent_short_never_looks_equal() -> None:
    application = with_partner(eligible(), 1, cash=D("399999.99"))

    check = results(application)["matching_ratio"]

    assert not check.passed
    assert check.message == (
        "Industry contributes $999,999.99 for $1,000,000.00 from the cluster: 0.99 to 1, below the 1.00 to 1 required"
    )


def test_in_kind_cap_exactly_at_the_limit_passes() -> None:
    # 250,000 in kind of 1,000,000 from industry is exactly 25\u00a0%.
    application = with_partner(eligible(), 1, cash=D("350000"))
    application = with_partner(application, 2, in_kind=D("250000"))

    check = results(application)["in_kind_cap"]

    assert check.passed
    assert check.message == "$250,000.00 in kind of $1,000,000.00 from industry: 25.00\u00a0%, within 25.00\u00a0%"


def test_in_kind_cap_above_fails() -> None:
    application = with_partner(eligible(), 2, in_kind=D("400000"))

    check = results(application)["in_kind_cap"]

    assert not check.passed
    assert check.message == "$400,000.00 in kind of $1,300,000.00 from industry: 30.77\u00a0%, above 25.00\u00a0%"


def test_partner_share_exactly_at_the_limit_passes() -> None:
    application = with_partner(eligible(), 0, funding_requested=D("700000"))
    application = with_partner(application, 1, funding_requested=D("300000"))

    check = results(application)["partner_share"]

    assert check.passed
    assert check.message == "The largest share is Acme Robotics's: 70.00\u00a0% of $1,000,000.00, within 70.00\u00a0%"


def test_partner_share_above_fails_naming_the_partner() -> None:
    application = with_partner(eligible(), 0, funding_requested=D("700001"))
    application = with_partner(application, 1, funding_requested=D("299999"))

    check = results(application)["partner_share"]

    assert not check.passed
    assert check.message == (
        "At most 70.00\u00a0% of the cluster's $1,000,000.00 may go to one partner; "
        "above it: Acme Robotics 70.01\u00a0%"
    )


def test_project_size_at_both_bounds_passes() -> None:
    low = rules_of(min_project_size=D("2500000"))
    high = rules_of(max_project_size=D("2500000"))

    assert results(eligible(), low)["project_size"].passed
    assert results(eligible(), high)["project_size"].passed


def test_project_size_below_and_above_fail() -> None:
    low = rules_of(min_project_size=D("2500000.01"))
    high = rules_of(max_project_size=D("2499999.99"))

    assert results(eligible(), low)["project_size"].message == (
        "Total eligible costs of $2,500,000.00, below the minimum of $2,500,000.01"
    )
    assert results(eligible(), high)["project_size"].message == (
        "Total eligible costs of $2,500,000.00, above the maximum of $2,499,999.99"
    )
    assert failed(eligible(), low) == {"project_size"}


def test_attachments_missing_named() -> None:
    rules = rules_of(required_attachments=("project_plan", "risk_register"))

    check = results(eligible(), rules)["attachments"]

    assert not check.passed
    assert check.message == "Missing: Risk register"


def test_attachments_none_required_passes() -> None:
    application = replace(eligible(), attachments=frozenset())

    assert results(application, rules_of(required_attachments=()))["attachments"].passed
    assert not results(application)["attachments"].passed


# --- Properties ----------------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=10**10).map(lambda n: D(n) / 100)
kinds = st.sampled_from(["large_company", "sme", "post_secondary", "not_for_profit", "government", "foreign"])


@st.composite
def applications(draw: st.DrawFn) -> Application:
    count = draw(st.integers(min_value=1, max_value=6))
    partners = tuple(
        Partner(
            name=f"Partner {index}",
            kind=draw(kinds),
            employees=draw(st.integers(min_value=0, max_value=5000)),
            country="CA",
            province="ON",
            is_lead=index == 0,
            cash=draw(cents),
            in_kind=draw(cents),
            funding_requested=draw(cents),
            costs={"labour": draw(cents), "equipment": draw(cents)},
        )
        for index in range(count)
    )
    return Application(partners=partners, texts={}, attachments=frozenset({"project_plan"}))


RATIO_CHECKS = ("cluster_share", "matching_ratio", "in_kind_cap", "partner_share")


@given(applications(), st.integers(min_value=2, max_value=1000))
def test_property_scaling_every_amount_keeps_the_ratio_checks(application: Application, factor: int) -> None:
    scaled = replace(
        application,
        partners=tuple(
            replace(
                p,
                cash=p.cash * factor,
                in_kind=p.in_kind * factor,
                funding_requested=p.funding_requested * factor,
                costs={k: v * factor for k, v in p.costs.items()},
            )
            for p in application.partners
        ),
    )

    before, after = results(application), results(scaled)

    assert {code: before[code].passed for code in RATIO_CHECKS} == {code: after[code].passed for code in RATIO_CHECKS}


@given(applications(), cents)
def test_property_adding_cash_never_breaks_matching(application: Application, extra: Decimal) -> None:
    more = with_partner(application, 0, cash=application.partners[0].cash + extra)

    if results(application)["matching_ratio"].passed:
        assert results(more)["matching_ratio"].passed


@given(applications())
def test_property_each_check_fails_iff_its_inequality_fails(application: Application) -> None:
    numbers = figures(application)
    found = results(application)
    funding, industry, eligible_costs = numbers.cluster_funding, numbers.industry_contribution, numbers.eligible_costs

    assert found["min_partners"].passed == (len(application.partners) >= FIELDS["min_partners"])
    smes = [p for p in application.partners if p.kind in ("sme", "large_company") and p.employees < 500]
    assert found["min_smes"].passed == (len(smes) >= FIELDS["min_smes"])
    assert found["funded_types"].passed == all(
        p.funding_requested == 0 or p.kind in FIELDS["funded_partner_types"] for p in application.partners
    )
    assert found["cluster_share"].passed == (eligible_costs > 0 and funding / eligible_costs <= D("0.40"))
    assert found["matching_ratio"].passed == (industry >= funding)
    assert found["in_kind_cap"].passed == (numbers.in_kind * 4 <= industry)
    assert found["partner_share"].passed == all(p.funding_requested * 10 <= funding * 7 for p in application.partners)
    assert found["project_size"].passed == (D("1000000") <= eligible_costs <= D("50000000"))


@pytest.mark.parametrize("code", [code for code in CODES if code != "word_limits"])
def test_breaking_one_rule_fails_only_that_check(code: str) -> None:
    breakers = {
        "min_partners": lambda a: (a, rules_of(min_partners=4)),
        "min_smes": lambda a: (a, rules_of(min_smes=2)),
        "funded_types": lambda a: (
            with_partner(with_partner(a, 1, funding_requested=D("499999")), 2, funding_requested=D("1")),
            RULES,
        ),
        "cluster_share": lambda a: (a, rules_of(max_cluster_share=D("39.99"))),
        "matching_ratio": lambda a: (a, rules_of(min_matching_ratio=D("1.11"))),
        "in_kind_cap": lambda a: (a, rules_of(max_in_kind_share=D("18"))),
        "partner_share": lambda a: (a, rules_of(max_partner_share=D("49.99"))),
        "project_size": lambda a: (a, rules_of(min_project_size=D("2500000.01"))),
        "attachments": lambda a: (replace(a, attachments=frozenset()), RULES),
    }
    application, rules = breakers[code](eligible())

    assert failed(application, rules) == {code}


def test_breaking_the_word_limit_fails_only_that_check() -> None:
    application = replace(eligible(), texts={"Summary": "one two three four five six"})

    assert failed(application) == {"word_limits"}


@pytest.mark.parametrize("stage", ["loi", "application"])
def test_checks_are_deterministic(stage: str) -> None:
    assert checks(eligible(), RULES, stage=stage) == checks(eligible(), RULES, stage=stage)


# --- Pass or fail without explanations ---------------------------------------------------------

percents = st.integers(min_value=0, max_value=10000).map(lambda n: D(n) / 100)
attachment_kinds = st.sampled_from(["project_plan", "letters_of_support", "budget_justification"])


@st.composite
def any_rules(draw: st.DrawFn) -> Rules:
    return rules_of(
        min_partners=draw(st.integers(min_value=0, max_value=7)),
        min_smes=draw(st.integers(min_value=0, max_value=4)),
        sme_max_employees=draw(st.integers(min_value=0, max_value=5000)),
        funded_partner_types=tuple(draw(st.lists(kinds, unique=True, max_size=3))),
        max_cluster_share=draw(percents),
        min_matching_ratio=draw(st.integers(min_value=0, max_value=500).map(lambda n: D(n) / 100)),
        max_in_kind_share=draw(percents),
        max_partner_share=draw(percents),
        min_project_size=draw(cents),
        max_project_size=draw(cents),
        word_limit=draw(st.integers(min_value=0, max_value=8)),
        required_attachments=tuple(draw(st.lists(attachment_kinds, unique=True, max_size=3))),
    )


@st.composite
def any_applications(draw: st.DrawFn) -> Application:
    """Applications with any partners (none included), texts and attachments."""
    base = draw(applications())
    return replace(
        base,
        partners=base.partners[: draw(st.integers(min_value=0, max_value=len(base.partners)))],
        texts=draw(st.dictionaries(st.sampled_from(["Summary", "Work plan"]), st.text(" \nab", max_size=30))),
        attachments=frozenset(draw(st.lists(attachment_kinds, max_size=3))),
    )


@given(any_applications(), any_rules(), st.sampled_from(["loi", "application"]))
def test_property_outcomes_agree_with_checks(application: Application, rules: Rules, stage: str) -> None:
    explained = checks(application, rules, stage=stage)

    assert outcomes(application, rules, stage=stage) == {check.code: check.passed for check in explained}
    assert list(outcomes(application, rules, stage=stage)) == [check.code for check in explained]


@given(any_applications(), any_applications(), any_rules(), st.sampled_from(["loi", "application"]))
def test_property_failures_agree_with_verdicts_on_rules_kept_and_fresh(
    first: Application, second: Application, rules: Rules, stage: str
) -> None:
    """The rules checked once keep what they read of their parameters: a second application reads them as fresh ones."""
    failures(first, rules, stage=stage)  # the rules now keep their limits
    fresh = Rules(tuple(replace(rule) for rule in rules))

    found = failures(second, rules, stage=stage)

    expected = verdicts(second, fresh, stage=stage)
    assert found == ([verdict.binding for verdict in expected if not verdict.passed], len(expected))
    assert verdicts(second, rules, stage=stage) == expected


def test_outcomes_stages_hold_the_same_checks_as_checks() -> None:
    application = replace(eligible(), texts={"Summary": "one two three four five six"})

    assert outcomes(application, RULES, stage="loi") == {"word_limits": False}
    assert outcomes(application, RULES, stage="application") == {
        code: code != "word_limits" for code in APPLICATION_CODES
    }


def test_outcomes_formats_no_explanation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Break every rule, then make formatting amounts or translating fail: only ``checks`` needs them."""

    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("an explanation was formatted")

    application = Application(
        partners=(partner("Lab", "post_secondary", 5000, in_kind="5", funding="10", costs="5"),),
        texts={"Summary": "one two three four five six"},
    )
    for name in ("_", "ngettext", "money"):
        monkeypatch.setattr(f"intake.eligibility.kinds.{name}", refuse)

    found = outcomes(application, RULES, stage="application")

    # Every rule is broken; the industry_types row never fails (it only says whose money counts).
    assert found == {code: code == "industry_types" for code in APPLICATION_CODES}
    with pytest.raises(AssertionError, match="an explanation was formatted"):
        checks(application, RULES, stage="application")


# --- Rules as data: what a submitted version keeps ------------------------------------------


def test_rules_to_data_keeps_decimals_as_their_exact_strings() -> None:
    rules = rules_of(max_cluster_share=D("44.40"), min_project_size=D("500000.00"))

    data = rules_to_data(rules)

    application = ["application"]
    assert [(row["kind"], row["params"], row["stages"], row["position"]) for row in data] == [
        ("min_partners", {"count": 3}, application, 1),
        ("min_partners_of_types", {"count": 1, "types": ["sme"], "sme_max_employees": 500}, application, 2),
        ("funded_types", {"types": ["large_company", "sme"]}, application, 3),
        ("cluster_share", {"min": None, "max": "44.40"}, application, 4),
        (
            "industry_types",
            {"types": ["large_company", "sme", "post_secondary", "not_for_profit", "government", "foreign"]},
            application,
            5,
        ),
        ("matching_ratio", {"ratio": "1.00"}, application, 6),
        ("in_kind_cap", {"max_share": "25"}, application, 7),
        ("partner_share", {"max_share": "70"}, application, 8),
        ("project_size", {"min": "500000.00", "max": "50000000"}, application, 9),
        ("word_limit", {"words": 5}, ["questionnaire", "loi", "application"], 10),
        ("required_attachments", {"kinds": ["project_plan"]}, application, 11),
    ]
    assert all(row["id"] is None for row in data)


def test_rules_from_data_round_trips_through_json_exactly() -> None:
    rules = rules_of(max_cluster_share=D("44.40"), max_partner_share=D("7E+1"), required_attachments=())

    back = rules_from_data(json.loads(json.dumps(rules_to_data(rules))))

    assert back == rules
    [share] = back.of_kind("cluster_share")
    [partner_share] = back.of_kind("partner_share")
    assert [str(share.param("max")), str(partner_share.param("max_share"))] == ["44.40", "7E+1"]


def test_rules_from_data_round_trips_rows_of_every_kind_with_their_ids() -> None:
    rules = Rules(
        (
            Rule(
                "min_partners_of_types", {"count": 2, "types": ("industry",), "sme_max_employees": 250}, ("loi",), 7, 1
            ),
            Rule("size_bands", {"bands": ({"min": D("0"), "max": D("5E+6"), "max_cluster_share": D("50.0")},)}),
            Rule("cluster_share", {"min": D("37"), "max": D("44.40")}, ("loi", "application"), 9, 3),
            Rule("answers_hold", {}, ("questionnaire",)),
        )
    )

    assert rules_from_data(json.loads(json.dumps(rules_to_data(rules)))) == rules


def test_rules_from_data_reads_the_former_fields_as_their_rows() -> None:
    former = json.loads(json.dumps({**FIELDS, "max_cluster_share": "44.40"}, default=str))

    assert rules_from_data(former) == rules_of(max_cluster_share=D("44.40"))


@given(
    share=st.decimals(min_value=0, max_value=100, places=2),
    size=st.decimals(min_value=0, max_value=10**12, places=2),
    types=st.lists(st.sampled_from(["sme", "large_company", "post_secondary"]), unique=True),
)
def test_rules_from_data_round_trips_any_rules(share: Decimal, size: Decimal, types: list[str]) -> None:
    rules = rules_of(max_in_kind_share=share, max_project_size=size, funded_partner_types=tuple(types))

    assert rules_from_data(json.loads(json.dumps(rules_to_data(rules)))) == rules


FORMER = json.loads(json.dumps(FIELDS, default=str))


@pytest.mark.parametrize(
    "data",
    [
        None,
        "min_partners",
        {},
        {**FORMER, "loi_word_limit": 500},
        {k: v for k, v in FORMER.items() if k != "word_limit"},
        [{"kind": "no_such_kind", "params": {}, "stages": ["application"]}],
        [{"kind": "min_partners", "params": {"count": 3}, "stages": ["board"]}],
        [{"kind": "min_partners", "params": {"count": 3, "maximum": 4}, "stages": ["application"]}],
        [["min_partners", {"count": 3}]],
    ],
)
def test_rules_from_data_refuses_what_rules_to_data_never_writes(data: object) -> None:
    with pytest.raises(ValueError, match=r"rules_to_data writes|unknown parameters|not a rule.s stages"):
        rules_from_data(data)


def test_rules_from_data_reads_no_rows_as_no_rules() -> None:
    assert rules_from_data([]) == Rules()


# --- Figures and limits: what an override binds to ------------------------------------------------


def test_every_check_carries_its_stage_figure_and_limit_in_canonical_form() -> None:
    found = results(eligible())

    assert {code: (check.stage, check.figure, check.limit) for code, check in found.items()} == {
        "min_partners": ("application", "3", "3"),
        "min_smes": ("application", "1", "1"),
        "funded_types": ("application", "", "large_company; sme"),
        "cluster_share": ("application", "40.00", "40.00"),
        "industry_types": (
            "application",
            "Acme Robotics; Bigco; University of Waterloo",
            "foreign; government; large_company; not_for_profit; post_secondary; sme",
        ),
        "matching_ratio": ("application", "1.10", "1.00"),
        "in_kind_cap": ("application", "18.18", "25.00"),
        "partner_share": ("application", "", "70.00"),
        "project_size": ("application", "2500000.00", "1000000.00..50000000.00"),
        "word_limits": ("application", "", "5"),
        "attachments": ("application", "", "project_plan"),
    }


def test_failing_list_checks_name_their_offenders_sorted() -> None:
    application = replace(
        with_partner(eligible(), 2, funding_requested=D("10")),
        texts={"work_plan": "one two three four five six", "summary": "one two three four five six seven"},
        labels={"work_plan": "Work plan", "summary": "Summary"},
        attachments=frozenset(),
    )
    application = with_partner(application, 0, funding_requested=D("5000000"))

    found = results(application)

    assert found["funded_types"].figure == "University of Waterloo"
    assert found["partner_share"].figure == "Acme Robotics: 90.91"  # 5,000,000 of 5,500,010
    assert found["word_limits"].figure == "summary: 7; work_plan: 6"
    assert (
        found["word_limits"].message == "Each text may have at most 5 words: Work plan has 6 words, Summary has 7 words"
    )
    assert found["attachments"].figure == "project_plan"


def test_a_share_one_cent_over_its_limit_is_bound_to_a_figure_above_the_limit() -> None:
    application = with_partner(
        eligible(), 0, funding_requested=D("500000.01")
    )  # 1,000,000.01 of 2,500,000: 40.0000004 %

    check = results(application)["cluster_share"]

    assert (check.passed, check.figure, check.limit) == (False, "40.01", "40.00")
    assert check.binding == ("cluster_share", "application", "40.01", "40.00")


def test_the_figure_does_not_depend_on_the_language() -> None:
    application = with_partner(eligible(), 0, funding_requested=D("500000.01"))

    with translation.override("fr"):
        french = results(application)["cluster_share"]
    english = results(application)["cluster_share"]

    assert french.binding == english.binding
    assert french.message != english.message


def test_verdicts_carry_the_same_figures_as_the_checks_without_explaining() -> None:
    application = with_partner(eligible(), 0, funding_requested=D("500000.01"))

    found = verdicts(application, RULES, stage="application")

    assert [verdict.binding for verdict in found] == [
        check.binding for check in checks(application, RULES, stage="application")
    ]
    assert [verdict.passed for verdict in found] == list(outcomes(application, RULES, stage="application").values())


def test_a_letter_of_intent_check_is_of_the_loi_stage() -> None:
    application = Application(partners=(), texts={"summary": "one two three four five six"})

    [check] = checks(application, RULES, stage="loi")

    assert check.binding == ("word_limits", "loi", "summary: 6", "5")


def test_rules_keep_what_they_derive_without_changing_their_equality() -> None:
    rules = Rules(
        (
            Rule("min_partners", {"count": 2}, stages=("application",), id=1),
            Rule("word_limit", {"words": 50}, stages=("loi", "application"), id=2),
            Rule("industry_types", {"types": ("sme",)}, stages=("application",), id=3),
        )
    )
    fresh = Rules(rules.rows)

    at_loi = rules.at("loi")

    assert rules.at("loi") is at_loi  # derived once
    assert at_loi == Rules((rules.rows[1],))
    assert rules.at("application") == rules
    assert rules.industry_types == ("sme",) == fresh.industry_types
    assert rules.kept("codes", lambda kept: [rule.kind for rule in kept]) == [
        "min_partners",
        "word_limit",
        "industry_types",
    ]
    assert rules == fresh
    assert repr(rules) == repr(fresh)


def test_a_rule_keeps_what_it_derives_without_changing_its_equality() -> None:
    rule = Rule("cluster_share", {"max": D("45")}, id=1)
    fresh = Rule("cluster_share", {"max": D("45")}, id=1)
    derived: list[Rule] = []

    def derive(kept: Rule) -> str:
        derived.append(kept)
        return str(kept.param("max"))

    assert rule.kept(derive) == "45"
    assert rule.kept(derive) == "45"
    assert derived == [rule]  # derived once
    assert rule == fresh
    assert repr(rule) == repr(fresh)


# --- Failures kept by what they are decided from -------------------------------------------------

#: For each field of ``Application`` and ``Partner``, a value other than ``eligible()``'s.
OTHER_APPLICATION_VALUES: dict[str, Any] = {
    "texts": {"Summary": "A shared testbeD."},  # the same length, one letter apart
    "attachments": frozenset({"project_plan", "letters_of_support"}),
    "pages": {"Summary": 2},
    "ip_rights": 3,
    "answers_failing": ("Is the lead Canadian?",),
    "estimated_costs": D("1000000"),
    "estimated_funding": D("400000"),
    "early": True,
}
OTHER_PARTNER_VALUES: dict[str, Any] = {
    "name": "Acme Robotix",
    "kind": "large_company",
    "employees": 41,
    "country": "FR",
    "province": "QC",
    "is_lead": False,
    "cash": D("400000.00"),  # equal in value, written otherwise
    "in_kind": D("1"),
    "funding_requested": D("500000.0"),
    "costs": {"labour": D("1000000.00")},
    "roles": frozenset({"integrator"}),
    "member": True,
}


def test_application_key_tells_apart_every_field_but_the_labels() -> None:
    from intake.eligibility.engine import application_key

    base = eligible()
    assert set(OTHER_APPLICATION_VALUES) == {f.name for f in fields(Application)} - {"partners", "labels"}
    assert set(OTHER_PARTNER_VALUES) == {f.name for f in fields(Partner)}
    for name, value in OTHER_APPLICATION_VALUES.items():
        assert application_key(replace(base, **{name: value})) != application_key(base), name
    for name, value in OTHER_PARTNER_VALUES.items():
        assert application_key(with_partner(base, 0, **{name: value})) != application_key(base), name
    assert application_key(replace(base, partners=base.partners[:2])) != application_key(base)
    # Only explanations read the labels: the same verdicts.
    assert application_key(replace(base, labels={"Summary": "Résumé"})) == application_key(base)


def test_rules_key_tells_apart_limits_equal_in_value() -> None:
    assert rules_of(max_cluster_share=D("40.00")).key != RULES.key == rules_of().key


def test_failures_kept_decide_afresh_an_application_changed_in_one_amount() -> None:
    before = eligible()
    failures(before, RULES, stage="application")
    # Asking the cluster for more than the industry brings breaks the matching ratio.
    after = with_partner(before, 0, funding_requested=D("5000000"))

    found = failures(after, RULES, stage="application")

    expected = verdicts(after, RULES, stage="application")
    assert found == ([verdict.binding for verdict in expected if not verdict.passed], len(expected))
    assert "matching_ratio" in {code for code, *_rest in found[0]}
    assert failures(before, RULES, stage="application") == ([], len(expected))


def test_decisions_kept_are_the_last_ones_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from intake.eligibility import engine

    monkeypatch.setattr(engine, "DECISIONS_KEPT", 3)
    monkeypatch.setattr(engine, "_decisions", type(engine._decisions)())
    applications = [with_partner(eligible(), 0, employees=count) for count in range(5)]
    for application in applications:
        failures(application, RULES, stage="application")
    failures(applications[2], RULES, stage="application")  # asked again: the most recent

    assert [key[3] for key in engine._decisions] == [engine.application_key(applications[index]) for index in (3, 4, 2)]


def test_checks_kept_are_explained_in_the_language_and_with_the_labels_asked() -> None:
    application = replace(eligible(), texts={"summary": "one two three four five six"}, labels={"summary": "Summary"})
    relabelled = replace(application, labels={"summary": "Abstract"})

    english = results(application)["word_limits"].message
    with translation.override("fr"):
        french = results(application)["word_limits"].message
    again = results(application)["word_limits"].message
    other = results(relabelled)["word_limits"].message

    assert "Summary has 6 words" in english
    assert again == english
    assert "Summary" in french
    assert french != english
    assert "Abstract has 6 words" in other
