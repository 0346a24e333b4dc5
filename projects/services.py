"""Use cases of the funded project: one function each, keyword-only."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden
from intake.models import ConsortiumMember, Proposal
from projects.models import ProgramTerms, Project, ProjectBudgetLine, ProjectMilestone, ProjectPartner
from projects.selectors import program_terms
from records.models import AuditRecord

CENT = Decimal("0.01")


def project_open(*, proposal: Proposal) -> Project:
    """Open the funded project of the approved ``proposal`` (inside its action's transaction).

    The project commits the board's approved amount and copies its program's claim period and
    holdback, so a later change of the program's terms does not move a project already open.
    It copies the consortium, the budget and the milestones the board approved: each partner's
    part of the funding is its request scaled to the approved amount, to the cent, the lead
    taking what rounding leaves.
    """
    terms = program_terms(proposal.call.program)
    amount = proposal.approved_amount or Decimal("0")
    project = Project.objects.create(
        proposal=proposal,
        amount=amount,
        holdback_percent=terms.holdback_percent,
        claim_period_months=terms.claim_period_months,
    )
    members = list(ConsortiumMember.objects.filter(proposal=proposal).prefetch_related("budget_lines"))
    shares = funding_shares(amount, [(member.pk, member.funding_requested, member.is_lead) for member in members])
    for member in members:
        partner = ProjectPartner.objects.create(
            project=project,
            organization_id=member.organization_id,
            member=member,
            is_lead=member.is_lead,
            cash_committed=member.cash_contribution or Decimal("0"),
            in_kind_committed=member.in_kind_contribution or Decimal("0"),
            funding_approved=shares[member.pk],
        )
        ProjectBudgetLine.objects.bulk_create(
            ProjectBudgetLine(partner=partner, category=line.category, amount=line.amount)
            for line in member.budget_lines.all()
        )
    ProjectMilestone.objects.bulk_create(
        ProjectMilestone(
            project=project, title=milestone.title, deliverables=milestone.description, month=milestone.month
        )
        for milestone in proposal.milestones.all()
    )
    return project


def funding_shares(amount: Decimal, requests: list[tuple[int, Decimal, bool]]) -> dict[int, Decimal]:
    """Split ``amount`` among ``requests`` (key, requested, is the lead) in proportion to what each requested.

    Each share is rounded to the cent; the lead takes what rounding leaves, so the shares sum
    to ``amount`` exactly. With nothing requested at all, the lead takes the whole amount.
    """
    requested = sum((request for _key, request, _lead in requests), Decimal("0"))
    lead = next((key for key, _request, is_lead in requests if is_lead), requests[0][0] if requests else None)
    shares = {
        key: (amount * request / requested).quantize(CENT, ROUND_HALF_UP) if requested else Decimal("0")
        for key, request, _lead in requests
    }
    if lead is not None:
        shares[lead] += amount - sum(shares.values(), Decimal("0"))
    return shares


def project_start(*, project: Project, on: date) -> Project:
    """Start ``project`` on ``on`` (inside its action's transaction): each milestone falls due in its month."""
    project.started_on = on
    project.save(update_fields=["started_on", "updated_at"])
    milestones = list(ProjectMilestone.objects.filter(project=project, due_on__isnull=True))
    for milestone in milestones:
        milestone.due_on = months_after(on, milestone.month)
    ProjectMilestone.objects.bulk_update(milestones, ["due_on"])
    return project


def months_after(start: date, months: int) -> date:
    """Return the day ``months`` months after ``start``; the month's last day where it is shorter."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def program_terms_save(*, program: Any, by: Any, terms: ProgramTerms) -> ProgramTerms:
    """Save ``program``'s terms for its projects as ``terms`` (validated), audited on the program.

    Projects already open keep the period and holdback they copied when they opened.
    """
    if not by.acts_in(Role.STAFF, program.pk):
        raise ActionForbidden(_("Only the program's staff set its terms."))
    with transaction.atomic():
        terms.program = program
        terms.pk = ProgramTerms.objects.filter(program=program).values_list("pk", flat=True).first()
        terms.save()
        AuditRecord.objects.create(
            program=program, action="program_terms", actor=by,
            data={field: str(getattr(terms, field)) for field in TERMS_FIELDS},
        )  # fmt: skip
    return terms


TERMS_FIELDS = (
    "claim_period_months", "holdback_percent", "assurance_threshold", "assurance_first_and_last",
    "target_participants", "target_smes", "target_ip_rights", "target_leverage", "target_jobs",
)  # fmt: skip
