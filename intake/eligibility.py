"""The eligibility engine (a leaf: pure functions over plain data, no database).

``Application`` holds what the applicant entered and ``Rules`` what the call demands;
``figures`` computes the budget's derived numbers (never typed by anyone), and the
checks below explain each rule's result with the numbers and organizations involved.
Each rule decides pass or fail once and formats its explanation only when asked, so
``outcomes`` (pass or fail per check), ``verdicts`` (with the measured figure and the limit,
for lists) and ``checks`` (explained, for the pages that show them) share the same decisions.

Each check also carries its measured figure and its limit in a canonical form, the same in
every language ("45.01" for a percent, "0.90" for a ratio, "2" for a count, "300000.00" for
money, a sorted list for the checks that name offenders): an override binds to them
(``Check.binding``) and lapses when they change. Figures are shown through
``intake.formatting``, whose ``shown`` keeps a failing figure from reading as its limit.
``rules_to_data`` and ``rules_from_data`` turn ``Rules`` into JSON and back exactly: a submitted
version keeps its rules (docs/eligibility.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.choices import OrganizationType
from intake.choices import AttachmentType, VersionKind
from intake.formatting import money, percent, plain, ratio, shown

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


def rules_to_data(rules: Rules) -> list[dict[str, Any]] | dict[str, Any]:
    """Return ``rules`` as JSON keeps them exactly: Decimals as their strings ("40.00" stays so), tuples as lists."""
    plain: dict[type, Callable[[Any], Any]] = {Decimal: str, tuple: list}
    return {name: plain.get(type(value), lambda same: same)(value) for name, value in vars(rules).items()}


def rules_from_data(data: Any) -> Rules:
    """Return the ``Rules`` ``rules_to_data`` turned into ``data``; refuse (``ValueError``) anything else."""
    if not isinstance(data, dict) or set(data) != set(kinds := {item.name: str(item.type) for item in fields(Rules)}):
        raise ValueError(f"not rules as rules_to_data writes them: {data!r}")
    values: dict[str, Any] = {
        name: Decimal(str(data[name])) if kind == "Decimal" else tuple(data[name]) if kind.startswith("tuple")
        else int(data[name])
        for name, kind in kinds.items()
    }  # fmt: skip
    return Rules(**values)


@dataclass(frozen=True)
class Application:
    """What the applicant entered: partners, long texts and the attachment types present.

    ``texts`` are keyed by a name that does not change with the language (a field's name), and
    ``labels`` give each key its label in the explanations (the key itself when missing).
    """

    partners: tuple[Partner, ...]
    texts: dict[str, str] = field(default_factory=dict)
    attachments: frozenset[str] = frozenset()
    labels: dict[str, str] = field(default_factory=dict)


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


@dataclass(frozen=True)
class _Totals:
    """The sums the checks compare: what ``figures`` starts from, without its rounded ratios and shares."""

    eligible_costs: Decimal
    cluster_funding: Decimal
    cash: Decimal
    in_kind: Decimal

    @property
    def industry_contribution(self) -> Decimal:
        return self.cash + self.in_kind


def _totals(application: Application) -> _Totals:
    partners = application.partners
    return _Totals(
        eligible_costs=sum((p.eligible_costs for p in partners), ZERO),
        cluster_funding=sum((p.funding_requested for p in partners), ZERO),
        cash=sum((p.cash for p in partners), ZERO),
        in_kind=sum((p.in_kind for p in partners), ZERO),
    )


def figures(application: Application) -> Figures:
    """Compute totals, the cluster's share, the matching ratio, the in-kind share and each partner's share."""
    totals = _totals(application)
    funding, industry = totals.cluster_funding, totals.industry_contribution
    matching = None if funding == ZERO else (industry / funding).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    shares = tuple((p.name, _percent(p.funding_requested, funding) or ZERO) for p in application.partners)
    return Figures(
        eligible_costs=totals.eligible_costs,
        cluster_funding=funding,
        cash=totals.cash,
        in_kind=totals.in_kind,
        industry_contribution=industry,
        cluster_share=_percent(funding, totals.eligible_costs),
        matching_ratio=matching,
        in_kind_share=_percent(totals.in_kind, industry),
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
    """One rule's result for one application, explained with its numbers and organizations.

    ``stage`` is the stage it was checked at (``intake.choices.VersionKind``); ``figure`` and
    ``limit`` the measured value and the rule's limit in canonical form (empty when nothing
    could be measured, e.g. a share of no costs).
    """

    code: str
    label: str
    passed: bool
    hard: bool
    message: str
    stage: str = ""
    figure: str = ""
    limit: str = ""

    @property
    def binding(self) -> tuple[str, str, str, str]:
        """What an override of this check binds to: the check, the stage, the figure and the limit."""
        return (self.code, self.stage, self.figure, self.limit)


@dataclass(frozen=True)
class Verdict:
    """One rule's verdict with its figure and limit, unexplained (for lists)."""

    code: str
    stage: str
    passed: bool
    figure: str
    limit: str

    @property
    def binding(self) -> tuple[str, str, str, str]:
        """What an override of this check binds to, as ``Check.binding``."""
        return (self.code, self.stage, self.figure, self.limit)


#: How a rule explains its verdict when asked: its label and its message, in the active language.
_Explain = Callable[[], tuple[str, str]]


class _Verdict(NamedTuple):
    """A rule's verdict (whether it passes), its canonical figure and limit, and its explanation if called."""

    passed: bool
    figure: str
    limit: str
    explain: _Explain


def _listed(items: Sequence[str]) -> str:
    """Return ``items`` as one canonical figure: sorted, separated by semicolons."""
    return "; ".join(sorted(items))


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


def _min_partners(application: Application, rules: Rules, totals: _Totals) -> _Verdict:
    found = len(application.partners)

    def explain() -> tuple[str, str]:
        message = ngettext(
            "%(required)d organization required, %(found)d found: %(names)s",
            "%(required)d organizations required, %(found)d found: %(names)s",
            rules.min_partners,
        ) % {"required": rules.min_partners, "found": found, "names": _names(application.partners)}
        return _("Partners"), message

    return _Verdict(found >= rules.min_partners, str(found), str(rules.min_partners), explain)


def _min_smes(application: Application, rules: Rules, totals: _Totals) -> _Verdict:
    smes = [p for p in application.partners if is_sme(p, rules)]

    def explain() -> tuple[str, str]:
        message = ngettext(
            "%(required)d SME required, %(found)d found: %(names)s",
            "%(required)d SMEs required, %(found)d found: %(names)s",
            rules.min_smes,
        ) % {"required": rules.min_smes, "found": len(smes), "names": _names(smes)}
        definition = _("(an SME is a company with fewer than %(employees)d employees)") % {
            "employees": rules.sme_max_employees
        }
        return _("SMEs"), f"{message} {definition}"

    return _Verdict(len(smes) >= rules.min_smes, str(len(smes)), str(rules.min_smes), explain)


def _funded_types(application: Application, rules: Rules, totals: _Totals) -> _Verdict:
    offenders = [
        p for p in application.partners if p.funding_requested > ZERO and p.kind not in rules.funded_partner_types
    ]

    def explain() -> tuple[str, str]:
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
        return _("Partners receiving funds"), message

    return _Verdict(
        not offenders,
        _listed([p.name for p in offenders]),
        _listed(list(rules.funded_partner_types)),
        explain,
    )


def _cluster_share(application: Application, rules: Rules, totals: _Totals) -> _Verdict:
    funding, costs = totals.cluster_funding, totals.eligible_costs
    limit = rules.max_cluster_share
    passed = costs != ZERO and funding * HUNDRED <= limit * costs

    def explain() -> tuple[str, str]:
        label = _("Cluster share of eligible costs")
        if costs == ZERO:
            message = _("No eligible costs are entered, so the cluster's share cannot be at most %(limit)s") % {
                "limit": percent(limit)
            }
            return label, message
        values = {
            "funding": money(funding, 2),
            "costs": money(costs, 2),
            "share": percent(funding * HUNDRED / costs, limit),
            "limit": percent(limit),
        }
        if passed:
            message = _("The cluster funds %(funding)s of %(costs)s of eligible costs: %(share)s, within %(limit)s")
        else:
            message = _("The cluster funds %(funding)s of %(costs)s of eligible costs: %(share)s, above %(limit)s")
        return label, message % values

    figure = "" if costs == ZERO else str(shown(funding * HUNDRED / costs, limit))
    return _Verdict(passed, figure, plain(limit), explain)


def _matching_ratio(application: Application, rules: Rules, totals: _Totals) -> _Verdict:
    industry, funding = totals.industry_contribution, totals.cluster_funding
    limit = rules.min_matching_ratio
    passed = funding == ZERO or industry >= limit * funding

    def explain() -> tuple[str, str]:
        label = _("Industry matching ratio")
        if funding == ZERO:
            return label, _("No funding is requested from the cluster, so there is nothing to match")
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
        return label, message % values

    figure = "" if funding == ZERO else str(shown(industry / funding, limit))
    return _Verdict(passed, figure, plain(limit), explain)


def _in_kind_cap(application: Application, rules: Rules, totals: _Totals) -> _Verdict:
    industry, in_kind = totals.industry_contribution, totals.in_kind
    limit = rules.max_in_kind_share
    passed = in_kind * HUNDRED <= limit * industry

    def explain() -> tuple[str, str]:
        label = _("In-kind share of the industry contribution")
        if industry == ZERO:
            return label, _("No industry contribution is entered, so no in-kind either")
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
        return label, message % values

    figure = "" if industry == ZERO else str(shown(in_kind * HUNDRED / industry, limit))
    return _Verdict(passed, figure, plain(limit), explain)


def _partner_share(application: Application, rules: Rules, totals: _Totals) -> _Verdict:
    funding = totals.cluster_funding
    limit = rules.max_partner_share
    over = (
        [] if funding == ZERO else [p for p in application.partners if p.funding_requested * HUNDRED > limit * funding]
    )

    def share(partner: Partner) -> Decimal:
        return partner.funding_requested * HUNDRED / funding

    def explain() -> tuple[str, str]:
        label = _("One partner's share of the reimbursement")
        if funding == ZERO:
            return label, _("No funding is requested from the cluster")
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
        return label, message

    figure = _listed([f"{p.name}: {shown(share(p), limit)}" for p in over])
    return _Verdict(not over, figure, plain(limit), explain)


def _project_size(application: Application, rules: Rules, totals: _Totals) -> _Verdict:
    total = totals.eligible_costs

    def explain() -> tuple[str, str]:
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
        return _("Project size"), message

    return _Verdict(
        rules.min_project_size <= total <= rules.max_project_size,
        plain(total),
        f"{plain(rules.min_project_size)}..{plain(rules.max_project_size)}",
        explain,
    )


def _word_limits(application: Application, rules: Rules, totals: _Totals) -> _Verdict:
    counts = [(key, word_count(text)) for key, text in application.texts.items()]
    over = [(key, count) for key, count in counts if count > rules.word_limit]

    def explain() -> tuple[str, str]:
        if over:
            named = ", ".join(
                ngettext("%(text)s has %(count)d word", "%(text)s has %(count)d words", count)
                % {"text": application.labels.get(key, key), "count": count}
                for key, count in over
            )
            message = _("Each text may have at most %(limit)d words: %(named)s") % {
                "limit": rules.word_limit,
                "named": named,
            }
        else:
            message = _("Every text is within %(limit)d words") % {"limit": rules.word_limit}
        return _("Word limits"), message

    return _Verdict(not over, _listed([f"{key}: {count}" for key, count in over]), str(rules.word_limit), explain)


def _attachments(application: Application, rules: Rules, totals: _Totals) -> _Verdict:
    missing = [kind for kind in rules.required_attachments if kind not in application.attachments]

    def explain() -> tuple[str, str]:
        def label(kind: str) -> str:
            return str(AttachmentType(kind).label) if kind in AttachmentType.values else kind

        if missing:
            message = _("Missing: %(missing)s") % {"missing": ", ".join(label(kind) for kind in missing)}
        elif rules.required_attachments:
            message = _("Every required attachment is present: %(present)s") % {
                "present": ", ".join(label(kind) for kind in rules.required_attachments)
            }
        else:
            message = _("The call requires no attachment")
        return _("Required attachments"), message

    return _Verdict(not missing, _listed(missing), _listed(list(rules.required_attachments)), explain)


#: Each stage's rules by code, in the order they are shown. An eligibility questionnaire and a
#: letter of intent are held to the word limits only (a questionnaire's own test is its answers
#: that must hold, ``intake.selectors.proposal_answers_failing``); a full application to every rule.
_RULES: dict[str, tuple[tuple[str, Callable[[Application, Rules, _Totals], _Verdict]], ...]] = {
    VersionKind.QUESTIONNAIRE: ((WORD_LIMITS, _word_limits),),
    VersionKind.LOI: ((WORD_LIMITS, _word_limits),),
    VersionKind.APPLICATION: (
        (MIN_PARTNERS, _min_partners),
        (MIN_SMES, _min_smes),
        (FUNDED_TYPES, _funded_types),
        (CLUSTER_SHARE, _cluster_share),
        (MATCHING_RATIO, _matching_ratio),
        (IN_KIND_CAP, _in_kind_cap),
        (PARTNER_SHARE, _partner_share),
        (PROJECT_SIZE, _project_size),
        (WORD_LIMITS, _word_limits),
        (ATTACHMENTS, _attachments),
    ),
}


def _verdicts(application: Application, rules: Rules, stage: str) -> list[tuple[str, _Verdict]]:
    """Decide every rule of ``stage`` once; the callers choose whether to explain the verdicts."""
    totals = _totals(application)
    # Any other stage is held to every rule, as a full application is.
    table = _RULES.get(stage, _RULES[VersionKind.APPLICATION])
    return [(code, rule(application, rules, totals)) for code, rule in table]


def checks(application: Application, rules: Rules, *, stage: str) -> list[Check]:
    """Check ``application`` against the call's ``rules`` at ``stage`` (``intake.choices.VersionKind``).

    A letter of intent is held to the word limits only; a full application to every rule.
    Each check is explained with its numbers and organizations, in the active language, and
    carries its stage, figure and limit.
    """
    found = []
    for code, verdict in _verdicts(application, rules, stage):
        label, message = verdict.explain()
        found.append(Check(code, label, verdict.passed, True, message, stage, verdict.figure, verdict.limit))
    return found


def verdicts(application: Application, rules: Rules, *, stage: str) -> list[Verdict]:
    """Return the verdicts of ``checks()`` with their figures and limits, in the same order, explaining none."""
    return [
        Verdict(code, stage, verdict.passed, verdict.figure, verdict.limit)
        for code, verdict in _verdicts(application, rules, stage)
    ]


def outcomes(application: Application, rules: Rules, *, stage: str) -> dict[str, bool]:
    """Return whether each check of ``checks()`` passes, by code in the same order, explaining none.

    Lists that only count failures use this: formatting the amounts, organization types and
    translations of every explanation would cost them most of their time. The verdicts come
    from the same rule functions as ``checks()``, so the two cannot disagree.
    """
    return {code: verdict.passed for code, verdict in _verdicts(application, rules, stage)}
