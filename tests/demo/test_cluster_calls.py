"""The demo's five cluster calls: each carries its cluster's published rules, met by a compliant consortium.

Each rule set is checked end to end by the engine: a consortium that meets every rule of a
cluster passes all of them, and breaking one of the cluster's own rules fails that rule alone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from accounts.choices import OrganizationType
from demo.seed import demo_seed
from demo.seed.cluster_calls import CLUSTER_CALLS
from intake.choices import VersionKind
from intake.eligibility import Application, Partner, admin_fee, checks, figures
from intake.models import Call, ConsortiumRole

pytestmark = pytest.mark.django_db

APPLICATION = VersionKind.APPLICATION


def _partner(name: str, kind: str, employees: int, **money: Any) -> Partner:
    values = {"cash": Decimal("0"), "in_kind": Decimal("0"), "funding_requested": Decimal("0"), "costs": {}}
    values.update(money)
    return Partner(
        name=name, kind=kind, employees=employees, country="CA", province="NS", is_lead=name == "Lead SME",
        roles=frozenset(values.pop("roles", ())), member=values.pop("member", True), **values,
    )  # fmt: skip


def _compliant(**changes: Any) -> Application:
    """$1.5M of costs, $600,000 (40 %) asked by the two companies, $900,000 from them ($200,000 in kind)."""
    partners = [
        _partner(
            "Lead SME", OrganizationType.SME, 40, cash=Decimal("400000"), in_kind=Decimal("100000"),
            funding_requested=Decimal("300000"), costs={"salaries": Decimal("800000")}, roles={"adopter"},
        ),
        _partner(
            "Large Co", OrganizationType.LARGE_COMPANY, 5000, cash=Decimal("300000"), in_kind=Decimal("100000"),
            funding_requested=Decimal("300000"), costs={"salaries": Decimal("600000")}, roles={"ai-provider"},
        ),
        _partner("A University", OrganizationType.POST_SECONDARY, 3000, costs={"salaries": Decimal("100000")}),
    ]  # fmt: skip
    values: dict[str, Any] = {
        "partners": tuple(partners),
        "texts": {"project_description": "A short text."},
        "attachments": frozenset({"project_plan", "ip_strategy"}),
        "ip_rights": 1,
    }
    values.update(changes)
    return Application(**values)


def _call(program: str, slug: str) -> Call:
    return Call.objects.get(program__slug=program, slug=slug)


@pytest.fixture
def seeded() -> None:
    demo_seed()


def _failed(call: Call, application: Application, stage: str = APPLICATION) -> list[str]:
    return [check.code for check in checks(application, call.eligibility_rules(stage), stage=stage) if not check.passed]


@pytest.mark.parametrize(
    ("program", "slug"),
    [(program, named[0][0]) for program, (named, _rules) in CLUSTER_CALLS.items()],
)
def test_a_compliant_consortium_meets_every_rule_of_each_cluster(seeded: None, program: str, slug: str) -> None:
    call = _call(program, slug)

    assert _failed(call, _compliant()) == []
    assert {rule.kind for rule in call.eligibility_rules(APPLICATION)} >= {
        "industry_types", "matching_ratio", "in_kind_cap", "min_ip_rights", "membership",
    }  # fmt: skip


def test_each_cluster_s_calls_are_named_distinctly(seeded: None) -> None:
    titles = [title for program in CLUSTER_CALLS for title in Call.objects.filter(program__slug=program).values_list(
        "title_en", flat=True
    )]  # fmt: skip

    assert len(titles) == len(set(titles))


def test_ocean_caps_the_cluster_s_funding_at_two_million_to_the_cent(seeded: None) -> None:
    call = _call("ocean", "open-loi")
    big = _compliant(
        partners=(
            _partner(
                "Lead SME", OrganizationType.SME, 40, cash=Decimal("2000000.01"), in_kind=Decimal("0"),
                funding_requested=Decimal("2000000.01"), costs={"salaries": Decimal("6000000")},
            ),
        )
    )  # fmt: skip
    at_cap = _compliant(partners=(
        _partner(
            "Lead SME", OrganizationType.SME, 40, cash=Decimal("2000000"), in_kind=Decimal("0"),
            funding_requested=Decimal("2000000"), costs={"salaries": Decimal("6000000")},
        ),
        _partner("Large Co", OrganizationType.LARGE_COMPANY, 5000),
    ))  # fmt: skip

    assert "project_cap" in _failed(call, big)
    assert "project_cap" not in _failed(call, at_cap)


def test_protein_industries_charges_its_four_percent_fee_on_the_cluster_s_funding(seeded: None) -> None:
    call = _call("protein", "three-stages-2027")
    application = _compliant()

    rules = call.eligibility_rules(APPLICATION)

    assert admin_fee(figures(application, rules), rules) == Decimal("24000.00")


def test_scale_ai_requires_an_adopter_and_an_ai_provider(seeded: None) -> None:
    call = _call("scale-ai", "open-loi")
    partners = list(_compliant().partners)
    partners[1] = _partner(
        "Large Co", OrganizationType.LARGE_COMPANY, 5000, cash=Decimal("300000"), in_kind=Decimal("100000"),
        funding_requested=Decimal("300000"), costs={"salaries": Decimal("600000")},
    )  # fmt: skip

    assert _failed(call, _compliant(partners=tuple(partners))) == ["required_roles"]
    assert set(ConsortiumRole.objects.filter(call=call).values_list("slug", flat=True)) == {"adopter", "ai-provider"}


def test_protein_industries_requires_every_partner_to_be_a_member(seeded: None) -> None:
    call = _call("protein", "three-stages-2027")
    partners = list(_compliant().partners)
    partners[2] = _partner(
        "A University", OrganizationType.POST_SECONDARY, 3000, costs={"salaries": Decimal("100000")}, member=False
    )

    assert _failed(call, _compliant(partners=tuple(partners))) == ["membership"]


def test_ngen_catches_an_estimate_under_its_minimum_at_the_letter_of_intent(seeded: None) -> None:
    call = _call("ngen", "by-size-2027")
    lead = _compliant().partners[:1]
    below = Application(
        partners=lead, early=True, estimated_costs=Decimal("499999.99"), estimated_funding=Decimal("200000")
    )
    at = Application(partners=lead, early=True, estimated_costs=Decimal("500000"), estimated_funding=Decimal("200000"))

    assert _failed(call, below, VersionKind.LOI) == ["project_size"]
    assert _failed(call, at, VersionKind.LOI) == []


def test_a_university_s_money_does_not_count_as_industry_s(seeded: None) -> None:
    call = _call("digital", "open-loi")
    partners = list(_compliant().partners)
    # The companies bring $590,000 for $600,000 (0.98:1); a university's $500,000 would have made it pass.
    partners[0] = _partner(
        "Lead SME", OrganizationType.SME, 40, cash=Decimal("190000"),
        funding_requested=Decimal("300000"), costs={"salaries": Decimal("800000")},
    )  # fmt: skip
    partners[2] = _partner(
        "A University", OrganizationType.POST_SECONDARY, 3000, cash=Decimal("500000"),
        costs={"salaries": Decimal("100000")},
    )  # fmt: skip

    assert _failed(call, _compliant(partners=tuple(partners))) == ["matching_ratio"]


def test_seeding_twice_adds_no_rule(seeded: None) -> None:
    call = _call("ocean", "open-loi")
    before = list(call.rules.values_list("kind", flat=True))

    demo_seed()

    assert list(_call("ocean", "open-loi").rules.values_list("kind", flat=True)) == before
