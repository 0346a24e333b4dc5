"""Rules as JSON keeps them, exactly: a submitted version freezes its rules so (docs/eligibility.md).

``rules_to_data`` writes the rows as a list of ``{"kind", "params", "stages", "id", "position"}``
with Decimals as their strings; ``rules_from_data`` reads them back, and reads the rules
frozen before rules were rows too: the dict of the call's fields (with the stage's word
limit), turned into the equivalent rows (``legacy_rules``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from intake.choices import STAGE_ORDER, VersionKind
from intake.eligibility.base import Rule, Rules
from intake.eligibility.params import KINDS, params_from_data, params_to_data

#: The fields a call's rules were before they were rows (the second shape of a version's rules).
LEGACY_FIELDS = (
    "min_partners", "min_smes", "sme_max_employees", "funded_partner_types", "max_cluster_share",
    "min_matching_ratio", "max_in_kind_share", "max_partner_share", "min_project_size", "max_project_size",
    "word_limit", "required_attachments",
)  # fmt: skip
ALL_STAGES: tuple[str, ...] = tuple(str(stage) for stage in STAGE_ORDER)
APPLICATION_ONLY: tuple[str, ...] = (VersionKind.APPLICATION.value,)
#: Every organization type: an ``industry_types`` row of them all counts everyone's money, as before rows.
ALL_TYPES = ("large_company", "sme", "post_secondary", "not_for_profit", "government", "foreign")


def rule_to_data(rule: Rule) -> dict[str, Any]:
    return {
        "kind": rule.kind,
        "params": params_to_data(rule.params),
        "stages": list(rule.stages),
        "id": rule.id,
        "position": rule.position,
    }


def rules_to_data(rules: Rules) -> list[dict[str, Any]]:
    """Return ``rules`` as JSON keeps them exactly: Decimals as their strings ("40.00" stays so), tuples as lists."""
    return [rule_to_data(rule) for rule in rules]


def rule_from_data(item: Any) -> Rule:
    if not isinstance(item, Mapping) or item.get("kind") not in KINDS:
        raise ValueError(f"not a rule as rules_to_data writes one: {item!r}")
    stages = item.get("stages")
    if not isinstance(stages, list | tuple) or any(stage not in ALL_STAGES for stage in stages):
        raise ValueError(f"not a rule's stages: {stages!r}")
    return Rule(
        kind=item["kind"],
        params=params_from_data(item["kind"], item.get("params") or {}),
        stages=tuple(stages),
        id=item.get("id"),
        position=int(item.get("position") or 0),
    )


def rules_from_data(data: Any) -> Rules:
    """Return the ``Rules`` ``rules_to_data`` turned into ``data``; refuse (``ValueError``) anything else.

    The rules frozen before rules were rows (a dict of the call's fields, ``LEGACY_FIELDS``) are
    read as their equivalent rows (``legacy_rules``).
    """
    if isinstance(data, Mapping):
        if set(data) != set(LEGACY_FIELDS):
            raise ValueError(f"not rules as rules_to_data writes them: {data!r}")
        return legacy_rules(data)
    if not isinstance(data, list):
        raise ValueError(f"not rules as rules_to_data writes them: {data!r}")
    return Rules(tuple(rule_from_data(item) for item in data))


def legacy_rows(
    fields: Mapping[str, Any], *, word_limits: Mapping[str, int | None] | None = None
) -> list[tuple[str, dict[str, Any], tuple[str, ...]]]:
    """Return the rows equivalent to a call's former rule fields: ``(kind, params as JSON, stages)`` in order.

    ``word_limits`` gives each stage's word limit (the letter of intent's and the others');
    without, ``fields["word_limit"]`` applies at every stage (rules frozen at one stage). The
    other rules apply at the full application, as they did; every type counts as industry, as
    every partner's money did, so the verdicts stay the same.
    """

    def text(value: Any) -> str:
        return str(Decimal(str(value)))

    rows: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
        ("min_partners", {"count": int(fields["min_partners"])}, APPLICATION_ONLY),
        (
            "min_partners_of_types",
            {"count": int(fields["min_smes"]), "types": ["sme"], "sme_max_employees": int(fields["sme_max_employees"])},
            APPLICATION_ONLY,
        ),
        ("funded_types", {"types": list(fields["funded_partner_types"])}, APPLICATION_ONLY),
        ("cluster_share", {"max": text(fields["max_cluster_share"])}, APPLICATION_ONLY),
        ("industry_types", {"types": list(ALL_TYPES)}, APPLICATION_ONLY),
        ("matching_ratio", {"ratio": text(fields["min_matching_ratio"])}, APPLICATION_ONLY),
        ("in_kind_cap", {"max_share": text(fields["max_in_kind_share"])}, APPLICATION_ONLY),
        ("partner_share", {"max_share": text(fields["max_partner_share"])}, APPLICATION_ONLY),
        (
            "project_size",
            {"min": text(fields["min_project_size"]), "max": text(fields["max_project_size"])},
            APPLICATION_ONLY,
        ),
    ]
    if word_limits is None:
        rows.append(("word_limit", {"words": int(fields["word_limit"])}, ALL_STAGES))
    else:
        # A letter of intent's texts were held to its own limit, every other stage's to the application's.
        by_limit: dict[int, list[str]] = {}
        for stage in ALL_STAGES:
            limit = word_limits.get(stage)
            if limit is not None:
                by_limit.setdefault(int(limit), []).append(stage)
        rows += [("word_limit", {"words": words}, tuple(stages)) for words, stages in by_limit.items()]
    rows.append(("required_attachments", {"kinds": list(fields["required_attachments"])}, APPLICATION_ONLY))
    return rows


def legacy_rules(fields: Mapping[str, Any]) -> Rules:
    """Return the rows equivalent to the rules frozen as a call's fields with one ``word_limit``."""
    return Rules(
        tuple(
            Rule(kind, params_from_data(kind, params), stages, None, position)
            for position, (kind, params, stages) in enumerate(legacy_rows(fields), start=1)
        )
    )
