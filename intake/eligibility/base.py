"""What the engine reads: the partners, the application, the rules as rows, and the budget's figures (pure)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from accounts.choices import OrganizationType
from intake.choices import VersionKind

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")

#: Organization types that are companies, the only ones that can be SMEs.
COMPANY_KINDS = (OrganizationType.LARGE_COMPANY, OrganizationType.SME)
#: The types whose cash and in-kind count as industry's when a call names none (``industry_types``).
DEFAULT_INDUSTRY_TYPES: tuple[str, ...] = (OrganizationType.LARGE_COMPANY, OrganizationType.SME)
#: The SME definition when no rule gives one: a company with fewer than this many employees.
DEFAULT_SME_MAX_EMPLOYEES = 500


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
    #: The consortium roles the partner takes (slugs named per call).
    roles: frozenset[str] = frozenset()
    #: Whether the organization is a member of the call's program.
    member: bool = False

    @property
    def eligible_costs(self) -> Decimal:
        return sum(self.costs.values(), ZERO)


@dataclass(frozen=True)
class Application:
    """What the applicant entered at a stage: partners, long texts, attachments, IP rights, answers.

    ``texts`` are keyed by a name that does not change with the language (a field's name), and
    ``labels`` give each key its label in the explanations (the key itself when missing);
    ``pages`` each text's page count where it is known. At an early stage (a letter of intent, a
    questionnaire) the proposal states its size and the funding it asks as estimates:
    ``estimated_costs`` and ``estimated_funding`` then stand for the partners' sums, and
    ``early`` tells the rules that contributions and costs are not entered yet.
    """

    partners: tuple[Partner, ...]
    texts: dict[str, str] = field(default_factory=dict)
    attachments: frozenset[str] = frozenset()
    labels: dict[str, str] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    #: How many expected IP rights the proposal lists.
    ip_rights: int = 0
    #: The labels of the questions whose answers that must hold do not.
    answers_failing: tuple[str, ...] = ()
    estimated_costs: Decimal | None = None
    estimated_funding: Decimal | None = None
    early: bool = False


@dataclass(frozen=True)
class Rule:
    """One rule of a call: a kind the engine knows, its parameters and the stages it applies at.

    ``params`` hold Python values (Decimals, ints, tuples of strings, bands as tuples of dicts);
    ``intake.eligibility.data`` turns them into JSON and back. ``id`` and ``position`` name the
    row it came from (``intake.models.CallRule``).
    """

    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    stages: tuple[str, ...] = (VersionKind.APPLICATION,)
    id: int | None = None
    position: int = 0

    def applies_at(self, stage: str) -> bool:
        return stage in self.stages

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def kept(self, derive: Callable[[Rule], Any]) -> Any:
        """Return ``derive(self)``, derived once for this rule (its parameters never change), as ``Rules.kept``.

        The rule functions keep what they read of the parameters alone (limits as numbers and as
        canonical text): a list checks each of its rows against the same rules.
        """
        memo: dict[Any, Any] = self.__dict__.setdefault("_kept", {})
        try:
            return memo[derive]
        except KeyError:
            found = memo[derive] = derive(self)
            return found


@dataclass(frozen=True)
class Rules:
    """A call's rules: an ordered collection of ``Rule`` rows.

    What is derived from the rows alone (the rules of a stage, the checks' codes) is kept with
    them, in the instance's own ``__dict__`` (``kept``): a list checks each of its rows against
    the same rules, and deriving it again for every row cost a tenth of the checks.
    """

    rows: tuple[Rule, ...] = ()

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def kept(self, name: Any, derive: Callable[[Rules], Any]) -> Any:
        """Return ``derive(self)``, derived once for these rules under ``name`` (the rows never change)."""
        # A frozen dataclass refuses attributes, not entries of its ``__dict__``; fields, equality and
        # hashing ignore them.
        memo: dict[Any, Any] = self.__dict__.setdefault("_kept", {})
        if name not in memo:
            memo[name] = derive(self)
        return memo[name]

    @property
    def key(self) -> str:
        """Everything the rows hold, written once for these rules: what the engine keeps decisions by (``_kept``)."""
        found: str = self.kept("key", lambda rules: repr(rules.rows))
        return found

    def at(self, stage: str) -> Rules:
        """Return the rules that apply at ``stage``, in order."""
        found: Rules = self.kept(("at", stage), lambda rules: Rules(tuple(r for r in rules if r.applies_at(stage))))
        return found

    def of_kind(self, kind: str) -> list[Rule]:
        return [rule for rule in self.rows if rule.kind == kind]

    def first(self, kind: str) -> Rule | None:
        return next((rule for rule in self.rows if rule.kind == kind), None)

    @property
    def industry_types(self) -> tuple[str, ...]:
        """The partner types whose cash and in-kind count as industry's (``industry_types``; companies by default)."""
        found: tuple[str, ...] = self.kept("industry_types", _industry_types)
        return found

    @property
    def sme_max_employees(self) -> int:
        """The SME definition: the first ``min_partners_of_types`` rule's, or 500 employees."""
        for rule in self.of_kind("min_partners_of_types"):
            if rule.param("sme_max_employees"):
                return int(rule.param("sme_max_employees"))
        return DEFAULT_SME_MAX_EMPLOYEES


def _industry_types(rules: Rules) -> tuple[str, ...]:
    rule = rules.first("industry_types")
    return tuple(rule.param("types") or ()) if rule is not None else DEFAULT_INDUSTRY_TYPES


def is_sme(partner: Partner, rules: Rules | int) -> bool:
    """Return whether ``partner`` is an SME: a company with fewer employees than ``rules``' SME definition.

    ``rules`` is the call's rules (their ``sme_max_employees``) or the definition itself.
    """
    cap = rules if isinstance(rules, int) else rules.sme_max_employees
    return partner.kind in COMPANY_KINDS and partner.employees < cap


def word_count(text: str) -> int:
    """Count the words of ``text`` as the limits do: runs of non-whitespace (the pages' script mirrors this)."""
    return len((text or "").split())


# --- The budget's figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The budget's derived numbers. Ratios and shares are ``None`` when their base is zero.

    ``cash`` and ``in_kind`` are every partner's; ``industry_contribution``, the matching ratio
    and the in-kind share count the industry partners' money only (``Rules.industry_types``).
    """

    eligible_costs: Decimal
    cluster_funding: Decimal
    cash: Decimal
    in_kind: Decimal
    industry_contribution: Decimal
    cluster_share: Decimal | None  # percent of eligible costs
    matching_ratio: Decimal | None  # industry dollars per cluster dollar
    in_kind_share: Decimal | None  # percent of the industry contribution
    partner_shares: tuple[tuple[str, Decimal], ...]  # each partner's percent of the reimbursement


def rounded_percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == ZERO:
        return None
    return (part * HUNDRED / whole).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Totals:
    """The sums the rules compare: what ``figures`` starts from, without its rounded ratios and shares."""

    eligible_costs: Decimal
    cluster_funding: Decimal
    cash: Decimal
    in_kind: Decimal
    industry_cash: Decimal
    industry_in_kind: Decimal
    #: The partners' own funding requests (at an early stage the estimate may stand for their sum).
    partners_funding: Decimal

    @property
    def industry_contribution(self) -> Decimal:
        return self.industry_cash + self.industry_in_kind


def totals(application: Application, industry_types: tuple[str, ...] | None) -> Totals:
    """Sum ``application``'s money; ``industry_types`` None counts every partner's money as industry's."""
    # One pass over the partners, each sum started from ZERO and added in the partners' order, as ``sum`` adds.
    partners_funding = costs = cash = in_kind = industry_cash = industry_in_kind = ZERO
    for p in application.partners:
        partners_funding += p.funding_requested
        costs += sum(p.costs.values(), ZERO)
        cash += p.cash
        in_kind += p.in_kind
        if industry_types is None or p.kind in industry_types:
            industry_cash += p.cash
            industry_in_kind += p.in_kind
    return Totals(
        eligible_costs=application.estimated_costs if application.estimated_costs is not None else costs,
        cluster_funding=(
            application.estimated_funding if application.estimated_funding is not None else partners_funding
        ),
        cash=cash,
        in_kind=in_kind,
        industry_cash=industry_cash,
        industry_in_kind=industry_in_kind,
        partners_funding=partners_funding,
    )


def figures(application: Application, rules: Rules | None = None) -> Figures:
    """Compute totals, the cluster's share, the matching ratio, the in-kind share and each partner's share.

    With ``rules``, only the partners of its industry types count towards the industry
    contribution, the matching ratio and the in-kind share; without, every partner does.
    """
    sums = totals(application, None if rules is None else rules.industry_types)
    funding, industry = sums.cluster_funding, sums.industry_contribution
    matching = None if funding == ZERO else (industry / funding).quantize(CENT, rounding=ROUND_HALF_UP)
    shares = tuple((p.name, rounded_percent(p.funding_requested, funding) or ZERO) for p in application.partners)
    return Figures(
        eligible_costs=sums.eligible_costs,
        cluster_funding=funding,
        cash=sums.cash,
        in_kind=sums.in_kind,
        industry_contribution=industry,
        cluster_share=rounded_percent(funding, sums.eligible_costs),
        matching_ratio=matching,
        in_kind_share=rounded_percent(sums.industry_in_kind, industry),
        partner_shares=shares,
    )


def admin_fee_rate(rules: Rules) -> Decimal | None:
    """Return the percent of the ``admin_fee`` rule of ``rules`` (every stage's), or None without one."""
    rule = rules.first("admin_fee")
    return None if rule is None else Decimal(str(rule.param("percent", ZERO)))


def fee_on(amount: Decimal, rate: Decimal) -> Decimal:
    """Return ``rate`` percent of ``amount``, to the cent, half up: the fee on an amount of the cluster's funding."""
    return (amount * rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def admin_fee(figures: Figures, rules: Rules) -> Decimal:
    """Return the administration fee on the cluster's funding: ``admin_fee``'s percent, to the cent, half up.

    Zero when the rules hold no ``admin_fee``; the rules of every stage count (pass them ``.at(stage)``
    to narrow them). The approved amount takes the same fee (``Proposal.approved_fee``).
    """
    rate = admin_fee_rate(rules)
    return ZERO.quantize(CENT) if rate is None else fee_on(figures.cluster_funding, rate)
