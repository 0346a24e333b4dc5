"""The eligibility engine (a leaf: pure functions over plain data, no database).

``Application`` holds what the applicant entered and ``Rules`` what the call demands;
``figures`` computes the budget's derived numbers (never typed by anyone), and the
checks below explain each rule's result with the numbers and organizations involved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

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
