"""One small function per kind of rule: it decides pass or fail and explains with the partner, figure and limit.

Each function takes the rule (its parameters), the application, the sums the rules compare
(``Totals``, industry counted by the rules' ``industry_types``) and the rules of the stage,
and returns a ``Decided``: whether it passes, its canonical figure and limit (what an
override binds to), and a function that explains it in the active language when asked.
A passing rule says why it passes.

At an early stage (``Application.early``: a letter of intent or a questionnaire) what is not
entered yet is not measured: a rule whose figure the stage does not state passes and says so,
rather than failing on a zero nobody typed (docs/rules.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.utils.translation import gettext_lazy, ngettext

from accounts.choices import OrganizationType
from accounts.i18n import gettext as _
from accounts.i18n import per_language
from intake.choices import AttachmentType
from intake.eligibility.base import (
    CENT,
    COMPANY_KINDS,
    HUNDRED,
    ZERO,
    Application,
    Partner,
    Rule,
    Rules,
    Totals,
    word_count,
)
from intake.formatting import money, percent, plain, ratio, shown
from intake.pagecount import text_pages

#: How a rule explains its verdict when asked: its label and its message, in the active language.
Explain = Callable[[], tuple[str, str]]


class Decided(NamedTuple):
    """A rule's verdict (whether it passes), its canonical figure and limit, and its explanation if called."""

    passed: bool
    figure: str
    limit: str
    explain: Explain


RuleFunction = Callable[[Rule, Application, Totals, Rules], Decided]


def listed(items: Sequence[str]) -> str:
    """Return ``items`` as one canonical figure: sorted, separated by semicolons."""
    return "; ".join(sorted(items))


def _names(partners: Sequence[Partner]) -> str:
    return ", ".join(p.name for p in partners) if partners else _("none")


#: The types' members by value, read once: a choices enumeration builds its list of values at each use.
_ORGANIZATION_TYPES = {member.value: member for member in OrganizationType}
_ATTACHMENT_TYPES = {member.value: member for member in AttachmentType}


@per_language
def _kind_labels() -> dict[str, str]:
    return {"industry": _("industry"), **{value: str(member.label) for value, member in _ORGANIZATION_TYPES.items()}}


@per_language
def _attachment_labels() -> dict[str, str]:
    return {value: str(member.label) for value, member in _ATTACHMENT_TYPES.items()}


def kind_label(kind: str) -> str:
    """Return an organization type's (or partner group's) label in the active language."""
    return _kind_labels().get(kind, kind)


def attachment_label(kind: str) -> str:
    return _attachment_labels().get(kind, kind)


def _types(values: Sequence[str]) -> str:
    return ", ".join(kind_label(kind) for kind in values) or _("none")


def _not_measured(label: Any, message: Any, limit: str) -> Decided:
    """A rule the stage cannot measure: it passes and says why (``label``, ``message`` lazy: translated if asked)."""
    return Decided(True, "", limit, lambda: (str(label), str(message)))


def _dec(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


# --- Partners -------------------------------------------------------------------------------------


def _count(rule: Rule) -> tuple[int, str]:
    """A rule's ``count`` as a number and as its canonical limit."""
    required = int(rule.param("count", 0))
    return required, str(required)


def min_partners(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    required, limit = rule.kept(_count)
    found = len(application.partners)

    def explain() -> tuple[str, str]:
        message = ngettext(
            "%(required)d organization required, %(found)d found: %(names)s",
            "%(required)d organizations required, %(found)d found: %(names)s",
            required,
        ) % {"required": required, "found": found, "names": _names(application.partners)}
        return _("Partners"), message

    return Decided(found >= required, str(found), limit, explain)


def in_group(partner: Partner, group: str, *, sme_max_employees: int, industry: Sequence[str]) -> bool:
    """Return whether ``partner`` is of ``group``: an organization type, "industry" or an SME by the definition.

    An SME is a company with fewer than ``sme_max_employees`` employees and a large company one
    with at least as many, whichever type the organization gave itself.
    """
    if group == "industry":
        return partner.kind in industry
    if group == OrganizationType.SME:
        return partner.kind in COMPANY_KINDS and partner.employees < sme_max_employees
    if group == OrganizationType.LARGE_COMPANY:
        return partner.kind in COMPANY_KINDS and partner.employees >= sme_max_employees
    return partner.kind == group


def _of_types(rule: Rule) -> tuple[int, tuple[str, ...], int, bool, str]:
    """A ``min_partners_of_types`` rule's count, groups, SME definition, whether it counts SMEs alone, and limit."""
    required = int(rule.param("count", 0))
    groups = tuple(rule.param("types") or ())
    smes_only = groups == (OrganizationType.SME,)
    limit = str(required) if smes_only else f"{required} {listed(list(groups))}"
    return required, groups, int(rule.param("sme_max_employees") or 500), smes_only, limit


def min_partners_of_types(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    required, groups, cap, smes_only, limit = rule.kept(_of_types)
    counted = [
        p
        for p in application.partners
        if any(in_group(p, group, sme_max_employees=cap, industry=rules.industry_types) for group in groups)
    ]

    def explain() -> tuple[str, str]:
        values = {"required": required, "found": len(counted), "names": _names(counted)}
        if smes_only:
            message = (
                ngettext(
                    "%(required)d SME required, %(found)d found: %(names)s",
                    "%(required)d SMEs required, %(found)d found: %(names)s",
                    required,
                )
                % values
            )
            label = _("SMEs")
        else:
            values["types"] = _types(groups)
            message = (
                ngettext(
                    "%(required)d partner of these types required (%(types)s), %(found)d found: %(names)s",
                    "%(required)d partners of these types required (%(types)s), %(found)d found: %(names)s",
                    required,
                )
                % values
            )
            label = _("Partners of chosen types")
        if OrganizationType.SME in groups or OrganizationType.LARGE_COMPANY in groups:
            message += " " + _("(an SME is a company with fewer than %(employees)d employees)") % {"employees": cap}
        if "industry" in groups:
            message += " " + _("(industry: %(types)s)") % {"types": _types(rules.industry_types)}
        return str(label), message

    return Decided(len(counted) >= required, str(len(counted)), limit, explain)


def required_roles(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    roles = tuple(rule.param("roles") or ())
    missing = [role for role in roles if not any(role in p.roles for p in application.partners)]

    def explain() -> tuple[str, str]:
        if missing:
            message = _("Each of these roles must be taken by a partner: %(roles)s. Not taken: %(missing)s") % {
                "roles": ", ".join(roles),
                "missing": ", ".join(missing),
            }
        else:
            taken = ", ".join(
                _("%(role)s by %(names)s")
                % {"role": role, "names": _names([p for p in application.partners if role in p.roles])}
                for role in roles
            )
            message = _("Every required role is taken: %(taken)s") % {"taken": taken or _("none required")}
        return _("Consortium roles"), message

    return Decided(not missing, listed(missing), listed(list(roles)), explain)


def membership(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    who = rule.param("who") or "lead"
    subject = [p for p in application.partners if p.is_lead] if who == "lead" else list(application.partners)
    outside = [p for p in subject if not p.member]

    def explain() -> tuple[str, str]:
        label = _("Membership of the program")
        if who == "lead":
            if not subject:
                return str(label), _("The lead must be a member of the program; no lead is named yet")
            if outside:
                message = _("The lead must be a member of the program: %(names)s is not")
                return str(label), message % {"names": _names(outside)}
            return str(label), _("The lead, %(names)s, is a member of the program") % {"names": _names(subject)}
        if outside:
            return str(label), _("Every partner must be a member of the program; not members: %(names)s") % {
                "names": _names(outside)
            }
        return str(label), _("Every partner is a member of the program: %(names)s") % {"names": _names(subject)}

    passed = not outside and bool(subject)
    return Decided(passed, listed([p.name for p in outside]), who, explain)


def _types_listed(rule: Rule) -> tuple[tuple[str, ...], str]:
    """A rule's ``types`` and their canonical limit."""
    types = tuple(rule.param("types") or ())
    return types, listed(list(types))


def funded_types(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    allowed_types, limit = rule.kept(_types_listed)
    offenders = [p for p in application.partners if p.funding_requested > ZERO and p.kind not in allowed_types]

    def explain() -> tuple[str, str]:
        allowed = _types(allowed_types)
        if offenders:
            named = ", ".join(
                _("%(name)s (%(kind)s, %(amount)s)")
                % {"name": p.name, "kind": kind_label(p.kind), "amount": money(p.funding_requested, 2)}
                for p in offenders
            )
            message = _("Only these types may receive funds: %(allowed)s. Funding is requested for: %(named)s") % {
                "allowed": allowed,
                "named": named,
            }
        else:
            message = _("Every partner requesting funds is of a type that may receive them: %(allowed)s") % {
                "allowed": allowed
            }
        return _("Partners receiving funds"), message

    return Decided(not offenders, listed([p.name for p in offenders]), limit, explain)


def industry_types(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    types, limit = rule.kept(_types_listed)
    industry = [p for p in application.partners if p.kind in types]

    def explain() -> tuple[str, str]:
        message = _(
            "Only these types' cash and in-kind count as industry's for matching and the in-kind cap: "
            "%(types)s. Industry partners: %(names)s"
        ) % {"types": _types(types), "names": _names(industry)}
        return _("Industry partners"), message

    return Decided(True, listed([p.name for p in industry]), limit, explain)


# --- Money ----------------------------------------------------------------------------------------


_CLUSTER_SHARE = gettext_lazy("Cluster share of eligible costs")
_CLUSTER_SHARE_NOT_MEASURED = gettext_lazy(
    "Not measured at this stage: the estimated costs and funding requested are not both given"
)


def _share_bounds(rule: Rule) -> tuple[Decimal, Decimal | None, str, tuple[Decimal, ...]]:
    """A ``cluster_share`` rule's maximum, minimum (None without), canonical limit and the limits a share meets."""
    high = _dec(rule.param("max"))
    low = None if rule.param("min") is None else _dec(rule.param("min"))
    limit = plain(high) if low is None else f"{plain(low)}..{plain(high)}"
    return high, low, limit, (high,) if low is None else (low, high)


def cluster_share(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    funding, costs = totals.cluster_funding, totals.eligible_costs
    high, low, limit, limits = rule.kept(_share_bounds)
    label = _CLUSTER_SHARE
    if application.early and (costs == ZERO or funding == ZERO):
        return _not_measured(label, _CLUSTER_SHARE_NOT_MEASURED, limit)
    passed = costs != ZERO and funding * HUNDRED <= high * costs and (low is None or funding * HUNDRED >= low * costs)

    def explain() -> tuple[str, str]:
        if costs == ZERO:
            message = _("No eligible costs are entered, so the cluster's share cannot be at most %(limit)s") % {
                "limit": percent(high)
            }
            return str(label), message
        values = {
            "funding": money(funding, 2),
            "costs": money(costs, 2),
            "share": percent(funding * HUNDRED / costs, *limits),
            "limit": percent(high),
            "low": percent(low) if low is not None else "",
        }
        if low is not None and funding * HUNDRED < low * costs:
            message = _("The cluster funds %(funding)s of %(costs)s of eligible costs: %(share)s, below %(low)s")
        elif passed and low is not None:
            message = _(
                "The cluster funds %(funding)s of %(costs)s of eligible costs: %(share)s, between %(low)s and %(limit)s"
            )
        elif passed:
            message = _("The cluster funds %(funding)s of %(costs)s of eligible costs: %(share)s, within %(limit)s")
        else:
            message = _("The cluster funds %(funding)s of %(costs)s of eligible costs: %(share)s, above %(limit)s")
        return str(label), message % values

    figure = "" if costs == ZERO else str(shown(funding * HUNDRED / costs, *limits))
    return Decided(passed, figure, limit, explain)


def _limit_of(name: str) -> Callable[[Rule], tuple[Decimal, str]]:
    """Read a rule's parameter ``name`` as a number and as its canonical limit (``plain``)."""

    def read(rule: Rule) -> tuple[Decimal, str]:
        limit = _dec(rule.param(name))
        return limit, plain(limit)

    read.__qualname__ = f"limit_of_{name}"
    return read


_RATIO = _limit_of("ratio")
_MAX_SHARE = _limit_of("max_share")
_MATCHING_RATIO = gettext_lazy("Industry matching ratio")
_MATCHING_NOT_MEASURED = gettext_lazy("Not measured at this stage: no contributions are entered yet")


def matching_ratio(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    industry, funding = totals.industry_contribution, totals.cluster_funding
    limit, written = rule.kept(_RATIO)
    label = _MATCHING_RATIO
    if application.early and totals.cash == ZERO and totals.in_kind == ZERO:
        return _not_measured(label, _MATCHING_NOT_MEASURED, written)
    passed = funding == ZERO or industry >= limit * funding

    def explain() -> tuple[str, str]:
        if funding == ZERO:
            return str(label), _("No funding is requested from the cluster, so there is nothing to match")
        values = {
            "industry": money(industry, 2),
            "funding": money(funding, 2),
            "ratio": ratio(industry / funding, limit),
            "required": ratio(limit),
        }
        if passed:
            message = _(
                "Industry contributes %(industry)s for %(funding)s from the cluster: "
                "%(ratio)s, at least the %(required)s required"
            )
        else:
            message = _(
                "Industry contributes %(industry)s for %(funding)s from the cluster: "
                "%(ratio)s, below the %(required)s required"
            )
        text = message % values
        if totals.industry_contribution != totals.cash + totals.in_kind:
            text += " " + _("(only %(types)s count as industry)") % {"types": _types(rules.industry_types)}
        return str(label), text

    figure = "" if funding == ZERO else str(shown(industry / funding, limit))
    return Decided(passed, figure, written, explain)


def in_kind_cap(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    industry, in_kind = totals.industry_contribution, totals.industry_in_kind
    limit, written = rule.kept(_MAX_SHARE)
    passed = in_kind * HUNDRED <= limit * industry

    def explain() -> tuple[str, str]:
        label = _("In-kind share of the industry contribution")
        if industry == ZERO:
            return str(label), _("No industry contribution is entered, so no in-kind either")
        values = {
            "in_kind": money(in_kind, 2),
            "industry": money(industry, 2),
            "share": percent(in_kind * HUNDRED / industry, limit),
            "limit": percent(limit),
        }
        if passed:
            message = _("%(in_kind)s in kind of %(industry)s from industry: %(share)s, within %(limit)s")
        else:
            message = _("%(in_kind)s in kind of %(industry)s from industry: %(share)s, above %(limit)s")
        text = message % values
        if totals.industry_contribution != totals.cash + totals.in_kind:
            text += " " + _("(only %(types)s count as industry)") % {"types": _types(rules.industry_types)}
        return str(label), text

    figure = "" if industry == ZERO else str(shown(in_kind * HUNDRED / industry, limit))
    return Decided(passed, figure, written, explain)


_PARTNER_SHARE = gettext_lazy("One partner's share of the reimbursement")
_PARTNER_SHARE_NOT_MEASURED = gettext_lazy("Not measured at this stage: no partner's request is entered yet")


def partner_share(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    # Each partner's share of what the partners ask: at an early stage the estimate stands for the sum.
    funding = totals.partners_funding
    limit, written = rule.kept(_MAX_SHARE)
    label = _PARTNER_SHARE
    if application.early and funding == ZERO:
        return _not_measured(label, _PARTNER_SHARE_NOT_MEASURED, written)
    over = [p for p in application.partners if funding != ZERO and p.funding_requested * HUNDRED > limit * funding]

    def share(partner: Partner) -> Decimal:
        return partner.funding_requested * HUNDRED / funding

    def explain() -> tuple[str, str]:
        if funding == ZERO:
            return str(label), _("No funding is requested from the cluster")
        if over:
            named = ", ".join(
                _("%(name)s %(share)s") % {"name": p.name, "share": percent(share(p), limit)} for p in over
            )
            message = _("At most %(limit)s of the cluster's %(funding)s may go to one partner; above it: %(named)s") % {
                "limit": percent(limit),
                "funding": money(funding, 2),
                "named": named,
            }
        else:
            top = max(application.partners, key=lambda p: p.funding_requested)
            message = _("The largest share is %(name)s's: %(share)s of %(funding)s, within %(limit)s") % {
                "name": top.name,
                "share": percent(share(top), limit),
                "funding": money(funding, 2),
                "limit": percent(limit),
            }
        return str(label), message

    figure = listed([f"{p.name}: {shown(share(p), limit)}" for p in over])
    return Decided(not over, figure, written, explain)


def _size_not_stated(application: Application, totals: Totals) -> bool:
    return application.early and application.estimated_costs is None and totals.eligible_costs == ZERO


_PROJECT_SIZE = gettext_lazy("Project size")
_SIZE_NOT_MEASURED = gettext_lazy("Not measured: the estimated total cost is not given yet")


def _size_bounds(rule: Rule) -> tuple[Decimal, Decimal, str]:
    """A ``project_size`` rule's minimum, maximum and canonical limit."""
    low, high = _dec(rule.param("min")), _dec(rule.param("max"))
    return low, high, f"{plain(low)}..{plain(high)}"


def project_size(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    total = totals.eligible_costs
    low, high, limit = rule.kept(_size_bounds)
    if _size_not_stated(application, totals):
        return _not_measured(_PROJECT_SIZE, _SIZE_NOT_MEASURED, limit)

    def explain() -> tuple[str, str]:
        values = {"total": money(total, 2), "low": money(low, 2), "high": money(high, 2)}
        if total < low:
            message = _("Total eligible costs of %(total)s, below the minimum of %(low)s") % values
        elif total > high:
            message = _("Total eligible costs of %(total)s, above the maximum of %(high)s") % values
        else:
            message = _("Total eligible costs of %(total)s, between %(low)s and %(high)s") % values
        return _("Project size"), message

    return Decided(low <= total <= high, plain(total), limit, explain)


def size_bands(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    total, funding = totals.eligible_costs, totals.cluster_funding
    bands = sorted(rule.param("bands") or (), key=lambda band: _dec(band["min"]))
    limit = "; ".join(
        f"{plain(_dec(b['min']))}..{plain(_dec(b['max']))}"
        + ("" if b.get("max_cluster_share") in (None, "") else f"@{plain(_dec(b['max_cluster_share']))}")
        for b in bands
    )
    label = gettext_lazy("Project size band")
    if _size_not_stated(application, totals):
        return _not_measured(label, gettext_lazy("Not measured: the estimated total cost is not given yet"), limit)
    band = next((b for b in bands if _dec(b["min"]) <= total <= _dec(b["max"])), None)
    cap = None if band is None or band.get("max_cluster_share") in (None, "") else _dec(band["max_cluster_share"])
    share_ok = cap is None or (total != ZERO and funding * HUNDRED <= cap * total)
    share_measured = not (application.early and funding == ZERO)
    passed = band is not None and (share_ok or not share_measured)

    def explain() -> tuple[str, str]:
        ranges = "; ".join(
            _("%(low)s to %(high)s") % {"low": money(_dec(b["min"]), 2), "high": money(_dec(b["max"]), 2)}
            for b in bands
        )
        if band is None:
            return str(label), _("Total eligible costs of %(total)s fall in none of the bands: %(bands)s") % {
                "total": money(total, 2),
                "bands": ranges,
            }
        values = {
            "total": money(total, 2),
            "low": money(_dec(band["min"]), 2),
            "high": money(_dec(band["max"]), 2),
        }
        message = _("Total eligible costs of %(total)s, in the band from %(low)s to %(high)s") % values
        if cap is not None:
            if not share_measured:
                message += "; " + _("the cluster's share is not measured at this stage")
            elif total == ZERO:
                message += "; " + _("no eligible costs to measure the cluster's share against")
            else:
                share = funding * HUNDRED / total
                shares = {"share": percent(share, cap), "cap": percent(cap)}
                if share_ok:
                    message += "; " + _("the cluster's share %(share)s is within the band's %(cap)s") % shares
                else:
                    message += "; " + _("the cluster's share %(share)s is above the band's %(cap)s") % shares
        return str(label), message

    figure = plain(total)
    if cap is not None and total != ZERO:
        figure += f"@{shown(funding * HUNDRED / total, cap)}"
    return Decided(passed, figure, limit, explain)


def project_cap(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    funding = totals.cluster_funding
    limit = _dec(rule.param("max_funding"))

    def explain() -> tuple[str, str]:
        values = {"funding": money(funding, 2), "limit": money(limit, 2)}
        if funding > limit:
            message = _("The cluster is asked for %(funding)s, above the cap of %(limit)s per project") % values
        else:
            message = _("The cluster is asked for %(funding)s, within the cap of %(limit)s per project") % values
        return _("Cap on the cluster's funding"), message

    return Decided(funding <= limit, plain(funding), plain(limit), explain)


def admin_fee(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    rate = _dec(rule.param("percent"))
    fee = (totals.cluster_funding * rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)

    def explain() -> tuple[str, str]:
        message = _("An administration fee of %(rate)s of the cluster's %(funding)s: %(fee)s") % {
            "rate": percent(rate),
            "funding": money(totals.cluster_funding, 2),
            "fee": money(fee, 2),
        }
        return _("Administration fee"), message

    return Decided(True, plain(fee), plain(rate), explain)


# --- Texts, attachments, IP and answers -------------------------------------------------------------


def _words(rule: Rule) -> tuple[int, str]:
    """A ``word_limit`` rule's limit as a number and as its canonical text."""
    limit = int(rule.param("words", 0))
    return limit, str(limit)


def word_limit(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    limit, written = rule.kept(_words)
    counts = [(key, word_count(text)) for key, text in application.texts.items()]
    over = [(key, count) for key, count in counts if count > limit]

    def explain() -> tuple[str, str]:
        if over:
            named = ", ".join(
                ngettext("%(text)s has %(count)d word", "%(text)s has %(count)d words", count)
                % {"text": application.labels.get(key, key), "count": count}
                for key, count in over
            )
            message = _("Each text may have at most %(limit)d words: %(named)s") % {"limit": limit, "named": named}
        else:
            message = _("Every text is within %(limit)d words") % {"limit": limit}
        return _("Word limits"), message

    return Decided(not over, listed([f"{key}: {count}" for key, count in over]), written, explain)


def page_limit(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    limit = int(rule.param("pages", 0))
    counts = [
        (key, application.pages[key] if key in application.pages else text_pages(text))
        for key, text in application.texts.items()
    ]
    over = [(key, count) for key, count in counts if count > limit]

    def explain() -> tuple[str, str]:
        if over:
            named = ", ".join(
                ngettext("%(text)s takes %(count)d page", "%(text)s takes %(count)d pages", count)
                % {"text": application.labels.get(key, key), "count": count}
                for key, count in over
            )
            message = _("Each text may take at most %(limit)s: %(named)s") % {
                "limit": ngettext("%(count)d page", "%(count)d pages", limit) % {"count": limit},
                "named": named,
            }
        else:
            message = _("Every text fits in %(limit)s") % {
                "limit": ngettext("%(count)d page", "%(count)d pages", limit) % {"count": limit}
            }
        return _("Page limits"), message

    return Decided(not over, listed([f"{key}: {count}" for key, count in over]), str(limit), explain)


def _kinds_listed(rule: Rule) -> tuple[tuple[str, ...], str]:
    """A ``required_attachments`` rule's kinds and their canonical limit."""
    required = tuple(rule.param("kinds") or ())
    return required, listed(list(required))


def required_attachments(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    required, limit = rule.kept(_kinds_listed)
    missing = [kind for kind in required if kind not in application.attachments]

    def explain() -> tuple[str, str]:
        if missing:
            message = _("Missing: %(missing)s") % {"missing": ", ".join(attachment_label(kind) for kind in missing)}
        elif required:
            message = _("Every required attachment is present: %(present)s") % {
                "present": ", ".join(attachment_label(kind) for kind in required)
            }
        else:
            message = _("The call requires no attachment")
        return _("Required attachments"), message

    return Decided(not missing, listed(missing), limit, explain)


def min_ip_rights(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    required = int(rule.param("count", 0))
    found = application.ip_rights

    def explain() -> tuple[str, str]:
        message = ngettext(
            "At least %(required)d expected IP right required, %(found)d listed",
            "At least %(required)d expected IP rights required, %(found)d listed",
            required,
        ) % {"required": required, "found": found}
        return _("Expected IP rights"), message

    return Decided(found >= required, str(found), str(required), explain)


def answers_hold(rule: Rule, application: Application, totals: Totals, rules: Rules) -> Decided:
    failing = application.answers_failing

    def explain() -> tuple[str, str]:
        if failing:
            return _("Answers that must hold"), _("These answers do not give what the call requires: %(questions)s") % {
                "questions": "; ".join(failing)
            }
        return _("Answers that must hold"), _("Every answer the call requires to hold does")

    return Decided(not failing, listed(list(failing)), "", explain)


#: Each kind's function, by its stable code.
FUNCTIONS: dict[str, RuleFunction] = {
    "min_partners": min_partners,
    "min_partners_of_types": min_partners_of_types,
    "required_roles": required_roles,
    "membership": membership,
    "funded_types": funded_types,
    "industry_types": industry_types,
    "cluster_share": cluster_share,
    "matching_ratio": matching_ratio,
    "in_kind_cap": in_kind_cap,
    "partner_share": partner_share,
    "project_size": project_size,
    "size_bands": size_bands,
    "project_cap": project_cap,
    "admin_fee": admin_fee,
    "word_limit": word_limit,
    "page_limit": page_limit,
    "required_attachments": required_attachments,
    "min_ip_rights": min_ip_rights,
    "answers_hold": answers_hold,
}


def check_code(rule: Rule) -> str:
    """Return the code of the check ``rule`` gives (what an override names).

    The kinds that were fields of the call keep the codes their checks had: a word limit's
    check is ``word_limits``, required attachments' ``attachments`` and a minimum of SMEs
    ``min_smes``, so overrides granted on them still bind.
    """
    if rule.kind == "word_limit":
        return "word_limits"
    if rule.kind == "required_attachments":
        return "attachments"
    if rule.kind == "min_partners_of_types" and tuple(rule.param("types") or ()) == (OrganizationType.SME,):
        return "min_smes"
    return rule.kind
