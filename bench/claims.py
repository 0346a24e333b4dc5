"""Benchmark of staff's queue of a program's claims: ``--scale`` active projects, 8 quarters of claims each.

The seed writes with ``bulk_create``: one program and call, ``scale`` active projects started two
years and a week ago (quarterly periods, so eight have ended), each with two partners (a lead and
an SME), a budget line each and, per partner, eight claims with two lines (labour and materials,
cash and in kind). Quarters 1 to 7 are approved and paid; the lead's eighth claim is submitted and
waits for review, the other partner's is still a draft. The queue, read by the program's staff,
lists the ``scale`` submitted claims, the oldest first (docs/claims.md).

``--scale`` is the number of projects: 300 is the issue's program; run it at 30 and 300 to see the
queries stay the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bench.people import bench_user, staff_of_every_program
from bench.registry import SeedContext, case
from bench.sign_in import log_in

QUARTERS = 8
BATCH = 2000
FUNDING = Decimal("1000000.00")
LABOUR = Decimal("2000000.00")
#: What each paid claim was paid: 25 % of the 40,000 counted in labour, less 10 % held back.
PAID = Decimal("9000.00")


@dataclass(frozen=True)
class ClaimsQueueData:
    program_pk: int
    staff: Any


def seed_claims_queue(ctx: SeedContext) -> ClaimsQueueData:
    """Create one program with ``scale`` active projects, two partners each and eight quarters of their claims."""
    from accounts.choices import OrganizationType, Role
    from accounts.models import Organization
    from intake.models import Call, Program, Proposal
    from intake.services.stages import call_stages_default
    from intake.states import ProposalState
    from projects.claims import claim_period_dates
    from projects.models import Claim, ClaimLine, ClaimState, Project, ProjectBudgetLine, ProjectPartner

    now = ctx.now
    today = now.date()
    started = today - timedelta(days=2 * 365 + 7)
    program = Program.objects.create(slug="bench-claims", name_en="Bench claims", name_fr="Remboursements de test")
    call = Call.objects.create(
        program=program,
        slug="funded",
        title_en="Projects funded",
        title_fr="Projets financés",
        loi_opens_at=now - timedelta(days=1000),
        loi_closes_at=now - timedelta(days=960),
        application_closes_at=now - timedelta(days=900),
        review_due_at=now - timedelta(days=870),
        board_meeting_at=now - timedelta(days=850),
        funding_envelope=Decimal("400000000.00"),
    )
    stages = call_stages_default(call=call)
    applicant = bench_user("claims-applicant@bench.clusterflow.test", "Ann Applicant", Role.APPLICANT.value)
    staff = bench_user("claims-staff@bench.clusterflow.test", "Sam Staff", Role.STAFF.value)
    staff_of_every_program(staff)
    organizations = Organization.objects.bulk_create(
        Organization(
            legal_name=f"Bench Claims {index} {'Inc.' if index % 2 else 'Ltd.'}",
            kind=OrganizationType.LARGE_COMPANY if index % 2 == 0 else OrganizationType.SME,
            employee_count=800 if index % 2 == 0 else 40,
            country="CA",
            province="ON",
        )
        for index in range(40)
    )
    proposals = Proposal.objects.bulk_create(
        (
            Proposal(
                stage=stages["application"],
                path=list(stages),
                call=call,
                lead_applicant=applicant,
                lead_organization=organizations[(2 * index) % len(organizations)],
                title=f"Funded project {index}: a shared testbed",
                state=ProposalState.ACTIVE,
                submitted_at=now - timedelta(days=900),
                approved_amount=FUNDING,
                version_count=1,
            )
            for index in range(ctx.scale)
        ),
        batch_size=BATCH,
    )
    projects = Project.objects.bulk_create(
        (
            Project(
                proposal=proposal, amount=FUNDING, holdback_percent=Decimal("10"), claim_period_months=3,
                started_on=started,
            )
            for proposal in proposals
        ),
        batch_size=BATCH,
    )  # fmt: skip
    partners = ProjectPartner.objects.bulk_create(
        (
            ProjectPartner(
                project=project,
                organization=organizations[(2 * index + offset) % len(organizations)],
                is_lead=offset == 0,
                cash_committed=Decimal("1500000.00"),
                funding_approved=Decimal("600000.00") if offset == 0 else Decimal("400000.00"),
            )
            for index, project in enumerate(projects)
            for offset in (0, 1)
        ),
        batch_size=BATCH,
    )
    ProjectBudgetLine.objects.bulk_create(
        (ProjectBudgetLine(partner=partner, category="labour", amount=LABOUR) for partner in partners),
        batch_size=BATCH,
    )
    # Every project started the same day: its periods' dates are the same for all.
    periods = [claim_period_dates(project=projects[0], period=quarter) for quarter in range(1, QUARTERS + 1)]
    claims = Claim.objects.bulk_create(
        (
            _claim(partner, quarter, periods[quarter - 1], staff=staff, applicant=applicant, number=number, now=now)
            for number, partner in enumerate(partners)
            for quarter in range(1, QUARTERS + 1)
        ),
        batch_size=BATCH,
    )
    ClaimLine.objects.bulk_create(
        (
            ClaimLine(claim=claim, category=category, cash=Decimal("30000.00"), in_kind=Decimal("10000.00"))
            for claim in claims
            for category in ("labour", "materials")
        ),
        batch_size=BATCH * 2,
    )
    # What the payments' service keeps: each project's paid, its two partners' seven paid claims.
    Project.objects.filter(pk__in=[project.pk for project in projects]).update(paid=2 * (QUARTERS - 1) * PAID)
    assert Claim.objects.filter(state=ClaimState.SUBMITTED).count() == ctx.scale
    return ClaimsQueueData(program_pk=program.pk, staff=staff)


def _claim(partner: Any, quarter: int, dates: tuple[date, date], *, staff: Any, applicant: Any, number: int,
           now: Any) -> Any:  # fmt: skip
    """One partner's claim of one quarter: paid before the eighth; the lead's eighth submitted, the other's a draft."""
    from projects.models import Claim, ClaimState

    start, end = dates
    submitted_at = now - timedelta(days=(QUARTERS - quarter) * 91 + 5, minutes=number)
    if quarter < QUARTERS:
        # 25 % of the 40,000 counted in labour (materials have no line), less 10 % held back: ``PAID``.
        return Claim(
            project_id=partner.project_id, partner=partner, period=quarter, period_start=start, period_end=end,
            state=ClaimState.PAID, created_by=applicant, submitted_at=submitted_at, submitted_by=applicant,
            decided_at=submitted_at + timedelta(days=10), decided_by=staff, eligible_actuals=Decimal("40000.00"),
            cluster_share=Decimal("10000.00"), reimbursement=Decimal("10000.00"), holdback=Decimal("1000.00"),
            holdback_released=Decimal("0"), payable=PAID, approved_amount=PAID,
            paid_amount=PAID, paid_on=(submitted_at + timedelta(days=20)).date(),
        )  # fmt: skip
    waiting = partner.is_lead
    return Claim(
        project_id=partner.project_id, partner=partner, period=quarter, period_start=start, period_end=end,
        state=ClaimState.SUBMITTED if waiting else ClaimState.DRAFT, created_by=applicant,
        submitted_at=submitted_at if waiting else None, submitted_by=applicant if waiting else None,
    )  # fmt: skip


def log_in_claims_staff(client: Any, data: ClaimsQueueData) -> None:
    log_in(client, data.staff)


@case(
    "claims_queue",
    seed=seed_claims_queue,
    prepare=log_in_claims_staff,
    description="Staff's queue of a program's claims: `scale` active projects, 8 quarters of 2 partners' claims, "
    "`scale` submitted.",
)
def claims_queue(client: Any, data: ClaimsQueueData) -> Any:
    from django.urls import reverse

    return client.get(reverse("projects:program_claims", args=[data.program_pk]))
