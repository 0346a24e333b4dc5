"""The eligibility engine (a leaf: pure functions over plain data, no database).

``Application`` holds what the applicant entered and ``Rules`` what the call demands;
``figures`` computes the budget's derived numbers (never typed by anyone), and the
checks below explain each rule's result with the numbers and organizations involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.choices import OrganizationType
from intake.choices import AttachmentType, VersionKind
from intake.templatetags.money import money

ZERO = Decimal("0")
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Partner:
    """One consortium member as the engine sees it."""

    name: str
    kind: str  # accounts.choices.OrganizationType
    employees: int
    country: str
    province: str
    is_lead: bool
    cash: Decimal
    in_kind: Decimal
    funding_requested: Decimal
    costs: dict[str, Decimal] = field(default_factory=dict)  # by intake.choices.CostCategory

    @property
    def eligible_costs(self) -> Decimal:
        return sum(self.costs.values(), ZERO)


@dataclass(frozen=True)
class Rules:
    """A call's rules (see ``intake.models.Call``)."""

    min_partners: int
    min_smes: int
    sme_max_employees: int
    funded_partner_types: tuple[str, ...]
    max_cluster_share: Decimal  # percent of eligible costs
    min_matching_ratio: Decimal  # industry dollars per cluster dollar
    max_in_kind_share: Decimal  # percent of the industry contribution
    max_partner_share: Decimal  # percent of the reimbursement
    min_project_size: Decimal
    max_project_size: Decimal
    word_limit: int
    required_attachments: tuple[str, ...]


@dataclass(frozen=True)
class Application:
    """What the applicant entered: partners, long texts (by label) and the attachment types present."""

    partners: tuple[Partner, ...]
    texts: dict[str, str] = field(default_factory=dict)
    attachments: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Figures:
    """The budget's derived numbers. Ratios and shares are ``None`` when their base is zero."""

    eligible_costs: Decimal
    cluster_funding: Decimal
    cash: Decimal
    in_kind: Decimal
    industry_contribution: Decimal
    cluster_share: Decimal | None  # percent of eligible costs
    matching_ratio: Decimal | None  # industry dollars per cluster dollar
    in_kind_share: Decimal | None  # percent of the industry contribution
    partner_shares: tuple[tuple[str, Decimal], ...]  # each partner's percent of the reimbursement


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == ZERO:
        return None
    return (part * HUNDRED / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def figures(application: Application) -> Figures:
    """Compute totals, the cluster's share, the matching ratio, the in-kind share and each partner's share."""
    partners = application.partners
    eligible = sum((p.eligible_costs for p in partners), ZERO)
    funding = sum((p.funding_requested for p in partners), ZERO)
    cash = sum((p.cash for p in partners), ZERO)
    in_kind = sum((p.in_kind for p in partners), ZERO)
    industry = cash + in_kind
    ratio = None if funding == ZERO else (industry / funding).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    shares = tuple((p.name, _percent(p.funding_requested, funding) or ZERO) for p in partners)
    return Figures(
        eligible_costs=eligible,
        cluster_funding=funding,
        cash=cash,
        in_kind=in_kind,
        industry_contribution=industry,
        cluster_share=_percent(funding, eligible),
        matching_ratio=ratio,
        in_kind_share=_percent(in_kind, industry),
        partner_shares=shares,
    )


# --- The checks ------------------------------------------------------------------------------

#: The stable codes of the checks, in the order they are shown (an override names one of these).
MIN_PARTNERS = "min_partners"
MIN_SMES = "min_smes"
FUNDED_TYPES = "funded_types"
CLUSTER_SHARE = "cluster_share"
MATCHING_RATIO = "matching_ratio"
IN_KIND_CAP = "in_kind_cap"
PARTNER_SHARE = "partner_share"
PROJECT_SIZE = "project_size"
WORD_LIMITS = "word_limits"
ATTACHMENTS = "attachments"
CODES = (
    MIN_PARTNERS,
    MIN_SMES,
    FUNDED_TYPES,
    CLUSTER_SHARE,
    MATCHING_RATIO,
    IN_KIND_CAP,
    PARTNER_SHARE,
    PROJECT_SIZE,
    WORD_LIMITS,
    ATTACHMENTS,
)
#: Organization types that are companies, the only ones that can be SMEs.
COMPANY_KINDS = (OrganizationType.LARGE_COMPANY, OrganizationType.SME)


@dataclass(frozen=True)
class Check:
    """One rule's result for one application, explained with its numbers and organizations."""

    code: str
    label: str
    passed: bool
    hard: bool
    message: str


def word_count(text: str) -> int:
    """Count the words of ``text`` as the limits do: runs of non-whitespace (the pages' script mirrors this)."""
    return len((text or "").split())


def is_sme(partner: Partner, rules: Rules) -> bool:
    """Return whether ``partner`` is an SME by the call's definition: a company below the employee cap."""
    return partner.kind in COMPANY_KINDS and partner.employees < rules.sme_max_employees


def _names(partners: Sequence[Partner]) -> str:
    return ", ".join(p.name for p in partners) if partners else _("none")


def _kind_label(kind: str) -> str:
    return str(OrganizationType(kind).label) if kind in OrganizationType.values else kind


def _number(value: Decimal, limit: Decimal) -> tuple[str, str]:
    """Show ``value`` and ``limit`` to the cent, ``value`` rounded away from ``limit``: unequal never looks equal."""
    step = Decimal("0.01")
    rounding = ROUND_CEILING if value > limit else ROUND_FLOOR if value < limit else ROUND_HALF_UP
    return f"{value.quantize(step, rounding=rounding)}", f"{limit.quantize(step, rounding=ROUND_HALF_UP)}"


def _min_partners(application: Application, rules: Rules) -> Check:
    found = len(application.partners)
    passed = found >= rules.min_partners
    message = ngettext(
        "%(required)d organization required, %(found)d found: %(names)s",
        "%(required)d organizations required, %(found)d found: %(names)s",
        rules.min_partners,
    ) % {"required": rules.min_partners, "found": found, "names": _names(application.partners)}
    return Check(MIN_PARTNERS, _("Partners"), passed, True, message)


def _min_smes(application: Application, rules: Rules) -> Check:
    smes = [p for p in application.partners if is_sme(p, rules)]
    passed = len(smes) >= rules.min_smes
    message = ngettext(
        "%(required)d SME required, %(found)d found: %(names)s",
        "%(required)d SMEs required, %(found)d found: %(names)s",
        rules.min_smes,
    ) % {"required": rules.min_smes, "found": len(smes), "names": _names(smes)}
    definition = _("(an SME is a company with fewer than %(employees)d employees)") % {
        "employees": rules.sme_max_employees
    }
    return Check(MIN_SMES, _("SMEs"), passed, True, f"{message} {definition}")


def _funded_types(application: Application, rules: Rules) -> Check:
    offenders = [
        p for p in application.partners if p.funding_requested > ZERO and p.kind not in rules.funded_partner_types
    ]
    allowed = ", ".join(_kind_label(kind) for kind in rules.funded_partner_types) or _("none")
    if offenders:
        named = ", ".join(
            _("%(name)s (%(kind)s, %(amount)s)")
            % {"name": p.name, "kind": _kind_label(p.kind), "amount": money(p.funding_requested, 2)}
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
    return Check(FUNDED_TYPES, _("Partners receiving funds"), not offenders, True, message)


def _cluster_share(application: Application, rules: Rules, numbers: Figures) -> Check:
    label = _("Cluster share of eligible costs")
    if numbers.eligible_costs == ZERO:
        message = _("No eligible costs are entered, so the cluster's share cannot be at most %(limit)s %%") % {
            "limit": rules.max_cluster_share
        }
        return Check(CLUSTER_SHARE, label, False, True, message)
    passed = numbers.cluster_funding * HUNDRED <= rules.max_cluster_share * numbers.eligible_costs
    share, limit = _number(numbers.cluster_funding * HUNDRED / numbers.eligible_costs, rules.max_cluster_share)
    values = {
        "funding": money(numbers.cluster_funding, 2),
        "costs": money(numbers.eligible_costs, 2),
        "share": share,
        "limit": limit,
    }
    if passed:
        message = _("The cluster funds %(funding)s of %(costs)s of eligible costs: %(share)s %%, within %(limit)s %%")
    else:
        message = _("The cluster funds %(funding)s of %(costs)s of eligible costs: %(share)s %%, above %(limit)s %%")
    return Check(CLUSTER_SHARE, label, passed, True, message % values)


def _matching_ratio(application: Application, rules: Rules, numbers: Figures) -> Check:
    label = _("Industry matching ratio")
    industry, funding = numbers.industry_contribution, numbers.cluster_funding
    if funding == ZERO:
        message = _("No funding is requested from the cluster, so there is nothing to match")
        return Check(MATCHING_RATIO, label, True, True, message)
    passed = industry >= rules.min_matching_ratio * funding
    ratio, required = _number(industry / funding, rules.min_matching_ratio)
    values = {"industry": money(industry, 2), "funding": money(funding, 2), "ratio": ratio, "required": required}
    if passed:
        message = _(
            "Industry contributes %(industry)s for %(funding)s from the cluster: "
            "%(ratio)s to 1, at least the %(required)s to 1 required"
        )
    else:
        message = _(
            "Industry contributes %(industry)s for %(funding)s from the cluster: "
            "%(ratio)s to 1, below the %(required)s to 1 required"
        )
    return Check(MATCHING_RATIO, label, passed, True, message % values)


def _in_kind_cap(application: Application, rules: Rules, numbers: Figures) -> Check:
    label = _("In-kind share of the industry contribution")
    industry, in_kind = numbers.industry_contribution, numbers.in_kind
    passed = in_kind * HUNDRED <= rules.max_in_kind_share * industry
    if industry == ZERO:
        message = _("No industry contribution is entered, so no in-kind either")
        return Check(IN_KIND_CAP, label, passed, True, message)
    share, limit = _number(in_kind * HUNDRED / industry, rules.max_in_kind_share)
    values = {"in_kind": money(in_kind, 2), "industry": money(industry, 2), "share": share, "limit": limit}
    if passed:
        message = _("%(in_kind)s in kind of %(industry)s from industry: %(share)s %%, within %(limit)s %%")
    else:
        message = _("%(in_kind)s in kind of %(industry)s from industry: %(share)s %%, above %(limit)s %%")
    return Check(IN_KIND_CAP, label, passed, True, message % values)


def _partner_share(application: Application, rules: Rules, numbers: Figures) -> Check:
    label = _("One partner's share of the reimbursement")
    funding = numbers.cluster_funding
    if funding == ZERO:
        message = _("No funding is requested from the cluster")
        return Check(PARTNER_SHARE, label, True, True, message)
    over = [p for p in application.partners if p.funding_requested * HUNDRED > rules.max_partner_share * funding]

    def share(partner: Partner) -> tuple[str, str]:
        return _number(partner.funding_requested * HUNDRED / funding, rules.max_partner_share)

    if over:
        named = ", ".join(_("%(name)s %(share)s %%") % {"name": p.name, "share": share(p)[0]} for p in over)
        message = _("At most %(limit)s %% of the cluster's %(funding)s may go to one partner; above it: %(named)s") % {
            "limit": share(over[0])[1],
            "funding": money(funding, 2),
            "named": named,
        }
    else:
        top = max(application.partners, key=lambda p: p.funding_requested)
        message = _("The largest share is %(name)s's: %(share)s %% of %(funding)s, within %(limit)s %%") % {
            "name": top.name,
            "share": share(top)[0],
            "funding": money(funding, 2),
            "limit": share(top)[1],
        }
    return Check(PARTNER_SHARE, label, not over, True, message)


def _project_size(application: Application, rules: Rules, numbers: Figures) -> Check:
    total = numbers.eligible_costs
    passed = rules.min_project_size <= total <= rules.max_project_size
    values = {
        "total": money(total, 2),
        "low": money(rules.min_project_size, 2),
        "high": money(rules.max_project_size, 2),
    }
    if total < rules.min_project_size:
        message = _("Total eligible costs of %(total)s, below the minimum of %(low)s") % values
    elif total > rules.max_project_size:
        message = _("Total eligible costs of %(total)s, above the maximum of %(high)s") % values
    else:
        message = _("Total eligible costs of %(total)s, between %(low)s and %(high)s") % values
    return Check(PROJECT_SIZE, _("Project size"), passed, True, message)


def _word_limits(application: Application, rules: Rules) -> Check:
    over = [(label, word_count(text)) for label, text in application.texts.items()]
    over = [(label, count) for label, count in over if count > rules.word_limit]
    if over:
        named = ", ".join(
            ngettext("%(text)s has %(count)d word", "%(text)s has %(count)d words", count)
            % {"text": label, "count": count}
            for label, count in over
        )
        message = _("Each text may have at most %(limit)d words: %(named)s") % {
            "limit": rules.word_limit,
            "named": named,
        }
    else:
        message = _("Every text is within %(limit)d words") % {"limit": rules.word_limit}
    return Check(WORD_LIMITS, _("Word limits"), not over, True, message)


def _attachments(application: Application, rules: Rules) -> Check:
    def label(kind: str) -> str:
        return str(AttachmentType(kind).label) if kind in AttachmentType.values else kind

    missing = [kind for kind in rules.required_attachments if kind not in application.attachments]
    if missing:
        message = _("Missing: %(missing)s") % {"missing": ", ".join(label(kind) for kind in missing)}
    elif rules.required_attachments:
        message = _("Every required attachment is present: %(present)s") % {
            "present": ", ".join(label(kind) for kind in rules.required_attachments)
        }
    else:
        message = _("The call requires no attachment")
    return Check(ATTACHMENTS, _("Required attachments"), not missing, True, message)


def checks(application: Application, rules: Rules, *, stage: str) -> list[Check]:
    """Check ``application`` against the call's ``rules`` at ``stage`` (``intake.choices.VersionKind``).

    A letter of intent is held to the word limits only; a full application to every rule.
    """
    if stage == VersionKind.LOI:
        return [_word_limits(application, rules)]
    numbers = figures(application)
    return [
        _min_partners(application, rules),
        _min_smes(application, rules),
        _funded_types(application, rules),
        _cluster_share(application, rules, numbers),
        _matching_ratio(application, rules, numbers),
        _in_kind_cap(application, rules, numbers),
        _partner_share(application, rules, numbers),
        _project_size(application, rules, numbers),
        _word_limits(application, rules),
        _attachments(application, rules),
    ]
