"""Seed one call per cluster with the rules the cluster publishes, on top of the program-level rules.

Each cluster's open call (Protein Industries' and NGen's: their shaped calls) is named after
what it funds and gets its cluster's rules as rows; docs/cluster-rules.md lists each rule with
its public source. A call keeps rules staff changed since: the rows are written only for a call
that has none of its cluster's yet (the demo seeds twice without duplicating anything).
"""

from __future__ import annotations

from decimal import Decimal

from accounts.choices import OrganizationType
from demo.seed.common import DemoSummary
from intake.choices import VersionKind
from intake.eligibility import Rule
from intake.models import Call, ConsortiumRole
from intake.services.rule_rows import call_rules_write

APPLICATION = (VersionKind.APPLICATION,)
EVERY_STAGE = (VersionKind.QUESTIONNAIRE, VersionKind.LOI, VersionKind.APPLICATION)
COMPANIES = (OrganizationType.LARGE_COMPANY.value, OrganizationType.SME.value)
#: An SME is a company with fewer than 500 employees (499 or fewer), as every cluster defines it.
SME_BELOW = 500


def program_level_rules() -> list[Rule]:
    """The Global Innovation Clusters' rules every cluster applies: 1:1 matching, in-kind ≤ 25 %, ≥ 1 IP right."""
    return [
        Rule("industry_types", {"types": COMPANIES}, APPLICATION),
        Rule("matching_ratio", {"ratio": Decimal("1.00")}, APPLICATION),
        Rule("in_kind_cap", {"max_share": Decimal("25.00")}, APPLICATION),
        Rule("min_ip_rights", {"count": 1}, APPLICATION),
        Rule("word_limit", {"words": 500}, (VersionKind.LOI,)),
        Rule("word_limit", {"words": 2000}, APPLICATION),
        Rule("required_attachments", {"kinds": ("project_plan", "ip_strategy")}, APPLICATION),
    ]


def _types(count: int, *types: str) -> Rule:
    return Rule(
        "min_partners_of_types", {"count": count, "types": tuple(types), "sme_max_employees": SME_BELOW}, APPLICATION
    )


#: By program: its calls given the cluster's rules (slug, title in English and French), and those rules.
CLUSTER_CALLS: dict[str, tuple[tuple[tuple[str, str, str], ...], list[Rule]]] = {
    "digital": (
        (("open-loi", "Digital technology leadership 2027", "Leadership en technologies numériques 2027"),),
        [
            Rule("min_partners", {"count": 2}, APPLICATION),
            _types(1, OrganizationType.LARGE_COMPANY),
            _types(1, "sme"),
            _types(1, OrganizationType.POST_SECONDARY),
            Rule("funded_types", {"types": COMPANIES}, APPLICATION),
            Rule("cluster_share", {"min": None, "max": Decimal("50.00")}, APPLICATION),
            Rule("membership", {"who": "lead"}, APPLICATION),
        ],
    ),
    "protein": (
        (
            (
                "three-stages-2027",
                "Plant-based ingredients projects 2027",
                "Projets d'ingrédients d'origine végétale 2027",
            ),
            ("open-loi", "Food processing and co-products 2027", "Transformation alimentaire et coproduits 2027"),
        ),
        [
            _types(2, "industry"),
            _types(1, "sme"),
            Rule("membership", {"who": "every"}, APPLICATION),
            Rule("funded_types", {"types": COMPANIES}, APPLICATION),
            Rule("cluster_share", {"min": None, "max": Decimal("45.00")}, APPLICATION),
            Rule("admin_fee", {"percent": Decimal("4.00")}, APPLICATION),
        ],
    ),
    "ngen": (
        (
            ("by-size-2027", "Advanced manufacturing projects 2027", "Projets de fabrication de pointe 2027"),
            ("open-loi", "Manufacturing technology leadership 2027", "Leadership technologique manufacturier 2027"),
        ),
        [
            _types(2, "industry"),
            _types(1, "sme"),
            Rule("membership", {"who": "lead"}, APPLICATION),
            Rule("funded_types", {"types": COMPANIES}, APPLICATION),
            Rule("project_size", {"min": Decimal("500000.00"), "max": Decimal("50000000.00")}, EVERY_STAGE),
            Rule("cluster_share", {"min": Decimal("37.00"), "max": Decimal("44.40")}, APPLICATION),
        ],
    ),
    "scale-ai": (
        (("open-loi", "Generative AI adoption 2027", "Adoption de l'IA générative 2027"),),
        [
            Rule("min_partners", {"count": 2}, APPLICATION),
            Rule("required_roles", {"roles": ("adopter", "ai-provider")}, APPLICATION),
            Rule("membership", {"who": "lead"}, APPLICATION),
            Rule("funded_types", {"types": COMPANIES}, APPLICATION),
        ],
    ),
    "ocean": (
        (("open-loi", "Ocean technology leadership 2027", "Leadership technologique océanique 2027"),),
        [
            Rule("min_partners", {"count": 2}, APPLICATION),
            Rule("membership", {"who": "lead"}, APPLICATION),
            Rule("funded_types", {"types": COMPANIES}, APPLICATION),
            Rule("project_size", {"min": Decimal("1000000.00"), "max": Decimal("50000000.00")}, EVERY_STAGE),
            Rule("cluster_share", {"min": None, "max": Decimal("40.00")}, APPLICATION),
            Rule("project_cap", {"max_funding": Decimal("2000000.00")}, APPLICATION),
        ],
    ),
}
#: Scale AI's generative AI call names the roles its rule requires.
SCALE_AI_ROLES = (("adopter", "Adopter", "Adoptant"), ("ai-provider", "AI provider", "Fournisseur d'IA"))


def cluster_calls_seed(*, summary: DemoSummary) -> list[Call]:
    """Give each cluster's calls their published rules and titles of their own; return the calls."""
    calls = []
    for program_slug, (named, rules) in CLUSTER_CALLS.items():
        for call_slug, title_en, title_fr in named:
            call = Call.objects.filter(program__slug=program_slug, slug=call_slug).first()
            if call is None:
                continue
            if program_slug == "scale-ai":
                for position, (slug, name_en, name_fr) in enumerate(SCALE_AI_ROLES, start=1):
                    ConsortiumRole.objects.get_or_create(
                        call=call, slug=slug, defaults={"name_en": name_en, "name_fr": name_fr, "position": position}
                    )
            if call.title_en != title_en:
                Call.objects.filter(pk=call.pk).update(title_en=title_en, title_fr=title_fr)
            if not call.rules.filter(kind="membership").exists():
                call_rules_write(call=call, rules=[*rules, *program_level_rules()])
                summary.created.append(f"rules of {program_slug}/{call_slug}")
            calls.append(call)
    return calls
