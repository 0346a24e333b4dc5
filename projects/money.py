"""The arithmetic of a claim (a leaf: pure functions over Decimals, no database). See docs/claims.md.

**The approved share.** The cluster funds ``Project.amount`` of the project's approved total
eligible cost, the sum of every partner's ``ProjectBudgetLine`` amounts (removed partners'
included: what they claimed stays claimed). The share is the exact fraction ``amount / total``,
never a rounded percent: every reimbursement multiplies by ``amount`` and divides by ``total``
in one step, with 60 significant digits, then rounds once.

**A claim's reimbursement** is computed on the partner's actuals to date (its approved claims
plus this one), so no rounding drifts from claim to claim:

1. In each category, the cumulative actuals (cash plus in kind) count only up to the
   category's budget line (a category without a line counts nothing). The claim's eligible
   actuals are what its lines add to the counted cumulative.
2. The cumulative share is the counted cumulative x the approved share, rounded to the cent.
3. It is capped at the partner's ``funding_approved``: the partner's cumulative
   reimbursements never exceed it.
4. The claim's reimbursement is the capped cumulative less what the partner's earlier claims
   were reimbursed (never below zero).
5. The holdback is ``holdback_percent`` of the reimbursement, rounded to the cent; the final
   claim holds nothing back and releases what the earlier claims held back.
6. The payable is the reimbursement less the holdback plus the holdback released.

Staff may approve less than the payable (never more): the difference counts as not reimbursed,
so a later claim's reimbursement may take it up again within the same caps.

Every rounding is to the cent, half up (``ROUND_HALF_UP``), as everywhere in Clusterflow.

**The call's money rules on actuals.** ``application_on_actuals`` reads the actuals to date as
an application the eligibility engine checks (``intake.eligibility``): each partner's costs are
its counted actuals by category, its funding requested what the cluster reimbursed it, its
in-kind the in-kind it gave, and its cash what it spent in cash less what the cluster
reimbursed it (its own money). ``rechecks`` runs the call's money rules (cluster share,
matching, in-kind cap, one partner's share, the cap and the fee) on it with the same functions
and explanations as eligibility.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.utils.translation import gettext as _

from intake.choices import VersionKind
from intake.eligibility import Application, Check, Partner, Rules, checks
from intake.formatting import money, percent

ZERO = Decimal("0")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
#: The kinds of rule that speak of money, re-checked on the actuals.
MONEY_KINDS = frozenset(
    {"industry_types", "cluster_share", "matching_ratio", "in_kind_cap", "partner_share", "project_cap", "admin_fee"}
)


def cents(value: Decimal) -> Decimal:
    """Round ``value`` to the cent, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def share_of_cost(eligible: Decimal, *, amount: Decimal, total: Decimal) -> Decimal:
    """Return ``eligible`` x ``amount`` / ``total`` to the cent, half up, divided once at 60 digits.

    Zero without a total.
    """
    if total <= ZERO:
        return ZERO.quantize(CENT)
    with localcontext() as context:
        context.prec = 60
        return cents(eligible * amount / total)


@dataclass(frozen=True)
class Line:
    """A category's actual costs: cash spent and the value of in kind given."""

    category: str
    cash: Decimal = ZERO
    in_kind: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.cash + self.in_kind


@dataclass(frozen=True)
class Earlier:
    """What a partner's approved claims before this one add up to.

    ``actuals`` the cumulative actuals (cash plus in kind) by category, ``reimbursed`` the
    cumulative reimbursement less what staff approved below the payable, ``held_back`` what
    their holdbacks kept.
    """

    actuals: Mapping[str, Decimal] = field(default_factory=dict)
    reimbursed: Decimal = ZERO
    held_back: Decimal = ZERO


@dataclass(frozen=True)
class Terms:
    """What a reimbursement is computed against: the project's share and holdback, the partner's budget and cap."""

    amount: Decimal  # the cluster's funding committed to the project
    total_eligible: Decimal  # the project's approved total eligible cost
    holdback_percent: Decimal
    funding_approved: Decimal  # the partner's part of the funding
    budget: Mapping[str, Decimal]  # the partner's budget by category


@dataclass(frozen=True)
class Reimbursement:
    """A claim's figures: what its actuals count, the share, the caps, the holdback and the payable."""

    claimed: Decimal  # the claim's actuals, cash and in kind
    eligible: Decimal  # what of them counts within the budget lines
    over_budget: tuple[tuple[str, Decimal], ...]  # category, what the budget line left uncounted
    cumulative_counted: Decimal
    cumulative_share: Decimal  # counted cumulative x the approved share, before the partner's cap
    cumulative_capped: Decimal
    capped_by_partner: bool
    earlier_reimbursed: Decimal
    share: Decimal  # the claim's cluster share before the partner's cap (its eligible actuals' share)
    reimbursement: Decimal
    holdback: Decimal
    released: Decimal
    payable: Decimal
    final: bool

    def explain(self, terms: Terms) -> list[tuple[str, str]]:
        """Explain each step with its figures, in the active language: (label, sentence)."""
        steps = [
            (
                _("Actuals claimed"),
                _("%(claimed)s claimed, of which %(eligible)s count within the partner's budget lines")
                % {"claimed": money(self.claimed, 2), "eligible": money(self.eligible, 2)},
            )
        ]
        for category, left in self.over_budget:
            steps.append(
                (
                    _("Budget line exceeded"),
                    _("%(left)s of %(category)s is above the budget line of %(budget)s and does not count")
                    % {
                        "left": money(left, 2),
                        "category": category,
                        "budget": money(terms.budget.get(category, ZERO), 2),
                    },
                )
            )
        steps.append(
            (
                _("Approved share"),
                _(
                    "The cluster funds %(amount)s of %(total)s of approved eligible costs: the partner's "
                    "%(counted)s counted to date make %(cumulative)s"
                )
                % {
                    "amount": money(terms.amount, 2),
                    "total": money(terms.total_eligible, 2),
                    "counted": money(self.cumulative_counted, 2),
                    "cumulative": money(self.cumulative_share, 2),
                },
            )
        )
        if self.capped_by_partner:
            steps.append(
                (
                    _("Partner's cap"),
                    _("Capped at the partner's approved funding of %(cap)s")
                    % {"cap": money(terms.funding_approved, 2)},
                )
            )
        steps.append(
            (
                _("Reimbursement"),
                _("%(cumulative)s to date less %(earlier)s reimbursed before: %(reimbursement)s")
                % {
                    "cumulative": money(self.cumulative_capped, 2),
                    "earlier": money(self.earlier_reimbursed, 2),
                    "reimbursement": money(self.reimbursement, 2),
                },
            )
        )
        if self.final:
            steps.append(
                (
                    _("Holdback released"),
                    _("The final claim holds nothing back and releases the %(released)s held back before")
                    % {"released": money(self.released, 2)},
                )
            )
        else:
            steps.append(
                (
                    _("Holdback"),
                    _("%(rate)s held back until the final claim: %(holdback)s")
                    % {"rate": percent(terms.holdback_percent), "holdback": money(self.holdback, 2)},
                )
            )
        steps.append((_("Payable"), money(self.payable, 2)))
        return steps


def reimbursement(*, lines: Iterable[Line], earlier: Earlier, terms: Terms, final: bool) -> Reimbursement:
    """Compute a claim's reimbursement on the partner's actuals to date (the module's steps 1 to 6)."""
    claimed_by: dict[str, Decimal] = {}
    for line in lines:
        claimed_by[line.category] = claimed_by.get(line.category, ZERO) + line.total
    categories = sorted(set(claimed_by) | set(earlier.actuals))
    eligible = ZERO
    counted_after = ZERO
    over: list[tuple[str, Decimal]] = []
    for category in categories:
        budget = terms.budget.get(category, ZERO)
        before = earlier.actuals.get(category, ZERO)
        after = before + claimed_by.get(category, ZERO)
        counted = min(after, budget)
        eligible += counted - min(before, budget)
        counted_after += counted
        if category in claimed_by and after > budget:
            over.append((category, min(after - budget, claimed_by[category])))
    cumulative_share = share_of_cost(counted_after, amount=terms.amount, total=terms.total_eligible)
    capped = min(cumulative_share, terms.funding_approved)
    amount = max(capped - earlier.reimbursed, ZERO)
    holdback = ZERO if final else cents(amount * terms.holdback_percent / HUNDRED)
    released = earlier.held_back if final else ZERO
    return Reimbursement(
        claimed=sum(claimed_by.values(), ZERO),
        eligible=eligible,
        over_budget=tuple(over),
        cumulative_counted=counted_after,
        cumulative_share=cumulative_share,
        cumulative_capped=capped,
        capped_by_partner=cumulative_share > terms.funding_approved,
        earlier_reimbursed=earlier.reimbursed,
        share=share_of_cost(eligible, amount=terms.amount, total=terms.total_eligible),
        reimbursement=amount,
        holdback=holdback,
        released=released,
        payable=amount - holdback + released,
        final=final,
    )


def earlier_from(claims: Iterable[tuple[Sequence[Line], Decimal, Decimal, Decimal, Decimal]]) -> Earlier:
    """Sum a partner's approved claims: each its lines, reimbursement, holdback, payable and approved amount.

    What staff approved below the payable counts as not reimbursed.
    """
    actuals: dict[str, Decimal] = {}
    reimbursed = held_back = ZERO
    for lines, amount, holdback, payable, approved in claims:
        for line in lines:
            actuals[line.category] = actuals.get(line.category, ZERO) + line.total
        reimbursed += amount - (payable - approved)
        held_back += holdback
    return Earlier(actuals=actuals, reimbursed=reimbursed, held_back=held_back)


# --- The call's money rules on the actuals ---------------------------------------------------------


@dataclass(frozen=True)
class PartnerActuals:
    """One partner's actuals to date, as ``application_on_actuals`` reads them."""

    name: str
    kind: str  # accounts.choices.OrganizationType
    employees: int
    is_lead: bool
    cash: Decimal  # spent in cash, cumulative
    in_kind: Decimal  # given in kind, cumulative
    reimbursed: Decimal  # by the cluster, cumulative
    counted: Mapping[str, Decimal]  # actuals counted within the budget, by category
    country: str = "CA"
    province: str = ""


def application_on_actuals(partners: Iterable[PartnerActuals]) -> Application:
    """Return the actuals to date as the eligibility engine reads an application (see the module)."""
    return Application(
        partners=tuple(
            Partner(
                name=p.name,
                kind=p.kind,
                employees=p.employees,
                country=p.country,
                province=p.province,
                is_lead=p.is_lead,
                cash=max(p.cash - p.reimbursed, ZERO),
                in_kind=p.in_kind,
                funding_requested=p.reimbursed,
                costs=dict(p.counted),
            )
            for p in partners
        )
    )


def money_rules(rules: Rules) -> Rules:
    """Return the money rules among ``rules`` (those of the full application, where the budget is checked)."""
    at_application = rules.at(VersionKind.APPLICATION)
    return Rules(tuple(rule for rule in at_application if rule.kind in MONEY_KINDS))


def rechecks(application: Application, rules: Rules) -> list[Check]:
    """Check the actuals against the call's money rules, explained as eligibility explains its checks."""
    return checks(application, money_rules(rules), stage=VersionKind.APPLICATION)
