"""A rule's parameters and stages in words, in the active language (the call's pages, the staff's rules page)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intake.choices import VersionKind
from intake.eligibility.base import Rule
from intake.eligibility.kinds import attachment_label, kind_label
from intake.eligibility.params import KINDS
from intake.formatting import money, percent, ratio


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def rule_label(rule: Rule) -> str:
    return str(KINDS[rule.kind].label) if rule.kind in KINDS else rule.kind


def stages_label(stages: tuple[str, ...] | list[str]) -> str:
    return ", ".join(str(VersionKind(stage).label) for stage in stages if stage in VersionKind.values) or _("none")


def describe(rule: Rule) -> str:
    """Return what ``rule`` demands, in words ("at least 2 partners of these types: industry")."""
    p = rule.params
    kind = rule.kind
    if kind == "min_partners":
        return ngettext("at least %(count)d organization", "at least %(count)d organizations", p["count"]) % {
            "count": p["count"]
        }
    if kind == "min_partners_of_types":
        text = ngettext(
            "at least %(count)d partner of these types: %(types)s",
            "at least %(count)d partners of these types: %(types)s",
            p["count"],
        ) % {"count": p["count"], "types": ", ".join(kind_label(t) for t in p["types"])}
        return text + " " + _("(an SME has fewer than %(employees)d employees)") % {"employees": p["sme_max_employees"]}
    if kind == "required_roles":
        return _("roles taken: %(roles)s") % {"roles": ", ".join(p["roles"])}
    if kind == "membership":
        return _("the lead is a member of the program") if p["who"] == "lead" else _("every partner is a member")
    if kind in ("funded_types", "industry_types"):
        return ", ".join(kind_label(t) for t in p["types"]) or _("none")
    if kind == "cluster_share":
        if p.get("min") is None:
            return _("at most %(max)s") % {"max": percent(_dec(p["max"]))}
        return _("from %(min)s to %(max)s") % {"min": percent(_dec(p["min"])), "max": percent(_dec(p["max"]))}
    if kind == "matching_ratio":
        return _("at least %(ratio)s") % {"ratio": ratio(_dec(p["ratio"]))}
    if kind in ("in_kind_cap", "partner_share"):
        return _("at most %(max)s") % {"max": percent(_dec(p["max_share"]))}
    if kind == "project_size":
        return _("%(low)s to %(high)s") % {"low": money(_dec(p["min"]), 2), "high": money(_dec(p["max"]), 2)}
    if kind == "size_bands":
        parts = []
        for band in p["bands"]:
            text = _("%(low)s to %(high)s") % {"low": money(_dec(band["min"]), 2), "high": money(_dec(band["max"]), 2)}
            if band.get("max_cluster_share") is not None:
                text += " " + _("(cluster share at most %(max)s)") % {"max": percent(_dec(band["max_cluster_share"]))}
            parts.append(text)
        return "; ".join(parts)
    if kind == "project_cap":
        return _("at most %(max)s from the cluster") % {"max": money(_dec(p["max_funding"]), 2)}
    if kind == "admin_fee":
        return _("%(rate)s of the cluster's funding") % {"rate": percent(_dec(p["percent"]))}
    if kind == "word_limit":
        return ngettext("%(count)d word per text", "%(count)d words per text", p["words"]) % {"count": p["words"]}
    if kind == "page_limit":
        return ngettext("%(count)d page per text", "%(count)d pages per text", p["pages"]) % {"count": p["pages"]}
    if kind == "required_attachments":
        return ", ".join(attachment_label(k) for k in p["kinds"]) or _("none")
    if kind == "min_ip_rights":
        return ngettext("at least %(count)d expected IP right", "at least %(count)d expected IP rights", p["count"]) % {
            "count": p["count"]
        }
    if kind == "answers_hold":
        return _("the answers the call's questions require")
    return kind
