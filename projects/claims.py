"""Reads of the partners' claims: their periods and due dates, their computed figures, the staff's queue.

The figures come from ``projects.money`` (pure) given what is read here: the project's approved
total eligible cost, the partner's budget and cap, its approved claims before this one, and every
partner's actuals to date for the call's money rules (docs/claims.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    DecimalField,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from intake.choices import VersionKind
from intake.eligibility import Check
from intake.models import Program
from intake.selectors import proposal_rules
from projects.models import (
    CLAIM_COUNTED,
    Claim,
    ClaimLine,
    ClaimState,
    EvidenceKind,
    Project,
    ProjectBudgetLine,
    ProjectPartner,
)
from projects.money import (
    ZERO,
    Earlier,
    Line,
    PartnerActuals,
    Reimbursement,
    Terms,
    application_on_actuals,
    earlier_from,
    rechecks,
    reimbursement,
)
from projects.services import months_after

MONEY = DecimalField(max_digits=16, decimal_places=2)


def claim_period_dates(*, project: Project, period: int) -> tuple[date, date]:
    """Return the first and last day of ``project``'s period ``period`` (from 1), counted from its start."""
    if project.started_on is None:
        raise ValueError("A project that has not started has no claim periods.")
    months = project.claim_period_months
    start = months_after(project.started_on, (period - 1) * months)
    return start, months_after(project.started_on, period * months) - timedelta(days=1)


def claim_due_on(period_end: date) -> date:
    """Return when the claim of a period ending ``period_end`` is due: ``CLAIM_DUE_DAYS`` days after it ends."""
    return period_end + timedelta(days=settings.CLAIM_DUE_DAYS)


def claim_current_period(*, project: Project, on: date) -> int:
    """Return the period ``on`` falls in (1 before the start)."""
    period = 1
    while claim_period_dates(project=project, period=period + 1)[0] <= on:
        period += 1
    return period


def lines_of(claim: Claim) -> list[Line]:
    return [Line(line.category, line.cash, line.in_kind) for line in claim.lines.all()]


def claim_terms(*, claim: Claim) -> Terms:
    """Return what ``claim``'s reimbursement is computed against (2 queries)."""
    project, partner = claim.project, claim.partner
    total = ProjectBudgetLine.objects.filter(partner__project=project).aggregate(total=Sum("amount"))["total"] or ZERO
    budget = dict(ProjectBudgetLine.objects.filter(partner=partner).values_list("category", "amount"))
    return Terms(
        amount=project.amount,
        total_eligible=total,
        holdback_percent=project.holdback_percent,
        funding_approved=partner.funding_approved,
        budget=budget,
    )


def _counted_claims(partner_ids: Iterable[int], *, besides: int) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(partner_id__in=list(partner_ids), state__in=CLAIM_COUNTED)
        .exclude(pk=besides)
        .prefetch_related("lines")
        .order_by("period", "pk")
    )


def claim_earlier(*, claim: Claim) -> Earlier:
    """Return what the partner's approved claims other than ``claim`` add up to (2 queries)."""
    return earlier_from(
        (lines_of(other), other.reimbursement or ZERO, other.holdback or ZERO, other.payable or ZERO,
         other.approved_amount or ZERO)
        for other in _counted_claims([claim.partner_id], besides=claim.pk)
    )  # fmt: skip


@dataclass(frozen=True)
class ClaimFigures:
    """A claim's figures as computed now, their explanation, and the call's money rules on the actuals to date."""

    terms: Terms
    reimbursement: Reimbursement
    steps: list[tuple[str, str]]
    checks: list[Check]


def claim_compute(*, claim: Claim) -> Reimbursement:
    """Compute ``claim``'s reimbursement on the partner's actuals to date (its approved claims and this one)."""
    return reimbursement(
        lines=lines_of(claim), earlier=claim_earlier(claim=claim), terms=claim_terms(claim=claim), final=claim.final
    )


def claim_figures(*, claim: Claim) -> ClaimFigures:
    """Return ``claim``'s figures as they stand, frozen ones if staff approved it, explained, with the rules' checks.

    The checks read every partner of the project with its approved claims, and this claim with
    what it would be reimbursed.
    """
    terms = claim_terms(claim=claim)
    computed = reimbursement(lines=lines_of(claim), earlier=claim_earlier(claim=claim), terms=terms, final=claim.final)
    partners = list(ProjectPartner.objects.filter(project_id=claim.project_id).select_related("organization"))
    budget_by_partner: dict[int, dict[str, Decimal]] = {}
    for budget_line in ProjectBudgetLine.objects.filter(partner__project_id=claim.project_id):
        budget_by_partner.setdefault(budget_line.partner_id, {})[budget_line.category] = budget_line.amount
    sums: dict[int, dict[str, Decimal]] = {p.pk: {} for p in partners}
    cash: dict[int, Decimal] = dict.fromkeys(sums, ZERO)
    in_kind: dict[int, Decimal] = dict.fromkeys(sums, ZERO)
    reimbursed: dict[int, Decimal] = dict.fromkeys(sums, ZERO)
    counted = [(other, other.reimbursement or ZERO, other.payable or ZERO, other.approved_amount or ZERO)
               for other in _counted_claims(sums, besides=claim.pk)]  # fmt: skip
    counted.append((claim, computed.reimbursement, computed.payable, computed.payable))
    for other, amount, payable, approved in counted:
        for line in lines_of(other):
            category_sums = sums[other.partner_id]
            category_sums[line.category] = category_sums.get(line.category, ZERO) + line.total
            cash[other.partner_id] += line.cash
            in_kind[other.partner_id] += line.in_kind
        reimbursed[other.partner_id] += amount - (payable - approved)
    actuals = [
        PartnerActuals(
            name=p.organization.legal_name,
            kind=p.organization.kind,
            employees=p.organization.employee_count,
            is_lead=p.is_lead,
            cash=cash[p.pk],
            in_kind=in_kind[p.pk],
            reimbursed=reimbursed[p.pk],
            counted={
                category: min(total, budget_by_partner.get(p.pk, {}).get(category, ZERO))
                for category, total in sums[p.pk].items()
            },
            country=str(p.organization.country),
            province=p.organization.province,
        )
        for p in partners
    ]
    rules = proposal_rules(proposal=claim.project.proposal, stage=VersionKind.APPLICATION).rules
    return ClaimFigures(
        terms=terms,
        reimbursement=computed,
        steps=computed.explain(terms),
        checks=rechecks(application_on_actuals(actuals), rules),
    )


def claim_assurance_missing(*, claim: Claim, payable: Decimal, first: bool, threshold: Decimal | None,
                            first_and_last: bool) -> list[str]:  # fmt: skip
    """Return why ``claim`` needs an accountant's report it lacks (empty when it has one or needs none)."""
    from django.utils.translation import gettext as _

    from intake.formatting import money

    reasons = []
    if threshold is not None and payable > threshold:
        reasons.append(
            _("its reimbursement of %(payable)s is above the program's assurance threshold of %(threshold)s")
            % {"payable": money(payable, 2), "threshold": money(threshold, 2)}
        )
    if first_and_last and first:
        reasons.append(_("it is the partner's first claim"))
    if first_and_last and claim.final:
        reasons.append(_("it is the partner's final claim"))
    if reasons and claim.evidence.filter(kind=EvidenceKind.ACCOUNTANT_REPORT).exists():
        return []
    return reasons


# --- Lists -------------------------------------------------------------------------------------------


def _claimed_total() -> Subquery:
    """The sum of a claim's lines, cash and in kind, as an expression of a claims query."""
    return Subquery(
        ClaimLine.objects.filter(claim_id=OuterRef("pk"))
        .values("claim_id")
        .annotate(total=Sum(F("cash") + F("in_kind")))
        .values("total")[:1],
        output_field=MONEY,
    )


def claims_with_totals(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Return ``claims`` with their project, partner and ``claimed`` (their lines' sum), in the same read."""
    return claims.select_related(
        "project", "project__proposal", "project__proposal__call", "partner", "partner__organization"
    ).annotate(claimed=Coalesce(_claimed_total(), Value(ZERO), output_field=MONEY))


def claims_queue(*, program: Program) -> QuerySet[Claim]:
    """Return ``program``'s claims awaiting review, the oldest submitted first, with their totals (one query)."""
    return claims_with_totals(
        Claim.objects.filter(project__proposal__call__program=program, state=ClaimState.SUBMITTED)
    ).order_by("submitted_at", "pk")


def claims_of_project(*, project: Project) -> QuerySet[Claim]:
    """Return ``project``'s claims, by period and partner, with their totals (one query)."""
    return claims_with_totals(Claim.objects.filter(project=project)).order_by("period", "partner_id", "pk")
