"""The program's outcomes page: a program of 300 active projects with 8 quarters of accepted reports each.

Seeded with ``bulk_create`` (proposals, projects, three partners each, 2,400 reports and an IP
right in every other report); the case reads ``/staff/programs/<pk>/outcomes/`` as its staff.
The scale does not change it: the figures are the issue's (300 projects, 8 quarters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.test import Client
from django.urls import reverse

from bench.intake import application_texts, organizations_create
from bench.people import bench_user, staff_of_every_program
from bench.registry import SeedContext, case
from bench.sign_in import log_in

PROJECTS = 300
QUARTERS = 8
CALLS = 3
PARTNERS = 3


@dataclass(frozen=True)
class Outcomes:
    program_pk: int
    staff: Any


def seed_outcomes(ctx: SeedContext) -> Outcomes:
    from accounts.choices import Role
    from intake.models import Call, Program, Proposal
    from intake.services.stages import call_stages_default
    from intake.states import ProposalState
    from projects.models import Project, ProjectPartner, Report, ReportedIPRight, ReportState

    now = ctx.now
    today = now.date()
    program = Program.objects.create(slug="bench-outcomes", name_en="Bench outcomes", name_fr="Retombées de test")
    calls = [
        Call.objects.create(
            program=program,
            slug=f"outcomes-{number}",
            title_en=f"Funded call {number}",
            title_fr=f"Appel financé {number}",
            loi_opens_at=now - timedelta(days=1200),
            loi_closes_at=now - timedelta(days=1150),
            application_closes_at=now - timedelta(days=1100),
            review_due_at=now - timedelta(days=1050),
            board_meeting_at=now - timedelta(days=1000),
            funding_envelope=Decimal("900000000.00"),
        )
        for number in range(CALLS)
    ]
    stages = {call.pk: call_stages_default(call=call) for call in calls}
    staff = bench_user("outcomes-staff@bench.clusterflow.test", "Sam Staff", Role.STAFF.value)
    staff_of_every_program(staff, Role.STAFF.value)
    applicant = bench_user("outcomes-applicant@bench.clusterflow.test", "Ann Applicant", Role.APPLICANT.value)
    organizations = organizations_create("Outcomes Bench Organization", province="ON")
    proposals = Proposal.objects.bulk_create(
        Proposal(
            stage=stages[calls[index % CALLS].pk]["application"],
            path=list(stages[calls[index % CALLS].pk]),
            call=calls[index % CALLS],
            lead_applicant=applicant,
            lead_organization=organizations[index % len(organizations)],
            **application_texts(index),
            state=ProposalState.ACTIVE,
            submitted_at=now - timedelta(days=1100),
            version_count=1,
            approved_amount=Decimal("1500000.00"),
            jobs_during=12,
            jobs_after=30,
            revenue_during=Decimal("2000000.00"),
            revenue_after=Decimal("9000000.00"),
            ip_rights_during=2,
            ip_rights_after=3,
            smes_scaled_during=1,
            smes_scaled_after=2,
        )
        for index in range(PROJECTS)
    )
    started = today - timedelta(days=QUARTERS * 92 + 40)
    projects = Project.objects.bulk_create(
        Project(
            proposal=proposal,
            amount=Decimal("1500000.00"),
            paid=Decimal("750000.00"),
            holdback_percent=Decimal("10"),
            claim_period_months=3,
            started_on=started,
        )
        for proposal in proposals
    )
    ProjectPartner.objects.bulk_create(
        ProjectPartner(
            project=project,
            organization=organizations[(index + offset) % len(organizations)],
            is_lead=offset == 0,
            cash_committed=Decimal("600000.00"),
            in_kind_committed=Decimal("300000.00"),
            funding_approved=Decimal("500000.00"),
        )
        for index, project in enumerate(projects)
        for offset in range(PARTNERS)
    )
    reports = Report.objects.bulk_create(
        (
            Report(
                project=project,
                period=quarter,
                starts_on=started + timedelta(days=92 * (quarter - 1)),
                ends_on=started + timedelta(days=92 * quarter - 1),
                state=ReportState.ACCEPTED,
                jobs_created=Decimal("1.50"),
                jobs_maintained=Decimal("8.00"),
                jobs_women=Decimal("4.00") if quarter % 2 else None,
                revenue=Decimal("125000.00"),
                follow_on_investment=Decimal("50000.00"),
                smes_scaled=quarter % 2,
                new_products=1,
                participants=PARTNERS,
                created_by=applicant,
                submitted_by=applicant,
                submitted_at=now,
                decided_by=staff,
                decided_at=now,
            )
            for project in projects
            for quarter in range(1, QUARTERS + 1)
        ),
        batch_size=1000,
    )
    ReportedIPRight.objects.bulk_create(
        (
            ReportedIPRight(report=report, title=f"Method {report.pk}", kind="patent", status="filed")
            for report in reports[::2]
        ),
        batch_size=1000,
    )
    return Outcomes(program_pk=program.pk, staff=staff)


def _log_in(client: Client, data: Outcomes) -> None:
    log_in(client, data.staff)


@case(
    "program_outcomes",
    target_ratio=40,
    max_queries=6,
    seed=seed_outcomes,
    prepare=_log_in,
    description=(
        "A program's outcomes page, as its staff: 300 active projects in 3 calls, 8 quarters of accepted "
        "reports each, aggregated in the database."
    ),
)
def program_outcomes(client: Client, data: Outcomes) -> Any:
    return client.get(reverse("projects:program_outcomes", args=[data.program_pk]))
