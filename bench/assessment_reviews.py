"""Benchmark of the assessor's dashboard: one assessor with 50 assignments in every state.

The seed writes with ``bulk_create``: one call in assessment, 50 proposals (bare: the
dashboard reads only their titles), the application rubric, and 50 assignments of one
assessor cycling through offered (half undeclared), accepted (half with a draft review,
some submitted), declined and withdrawn; plus, for the conflict check to have rows to
look through, a declared conflict and a current affiliation with a lead organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.registry import SeedContext, case
from bench.sign_in import log_in

ASSIGNMENTS = 50


@dataclass(frozen=True)
class AssessorAssignments:
    assessor: Any


def seed_assessor_assignments(ctx: SeedContext) -> AssessorAssignments:
    """Create one assessor with 50 assignments of one call, in every state the dashboard shows."""
    from django.contrib.auth.models import Group

    from accounts.choices import OrganizationType, Role
    from accounts.models import Organization, User
    from assessment.choices import AssignmentState, ConflictSource, ReviewState
    from assessment.models import Affiliation, Assignment, Conflict, Review, Rubric
    from intake.models import Call, Program, Proposal
    from intake.services.rule_rows import call_rules_write, rules_from_fields
    from intake.services.stages import call_stages_default
    from intake.states import ProposalState

    now = ctx.now
    program = Program.objects.create(slug="bench-assessment", name_en="Bench review", name_fr="Évaluation de test")
    call = Call.objects.create(
        program=program,
        slug="reviews",
        title_en="Projects in assessment",
        title_fr="Projets en évaluation",
        loi_opens_at=now - timedelta(days=150),
        loi_closes_at=now - timedelta(days=110),
        application_closes_at=now - timedelta(days=20),
        review_due_at=now + timedelta(days=20),
        board_meeting_at=now + timedelta(days=45),
        funding_envelope=Decimal("25000000.00"),
    )
    call_rules_write(
        call=call, rules=rules_from_fields(funded_partner_types=[OrganizationType.SME], required_attachments=[])
    )
    stages = call_stages_default(call=call)
    assessor = User(email="assessor@bench.clusterflow.test", display_name="Ada Assessor")
    assessor.set_unusable_password()
    assessor.save()
    assessor.groups.add(Group.objects.get_or_create(name=Role.ASSESSOR.value)[0])
    applicant = User(email="reviews-applicant@bench.clusterflow.test", display_name="Ann Applicant")
    applicant.set_unusable_password()
    applicant.save()
    organization = Organization.objects.create(
        legal_name="Bench Reviewed Inc.", kind=OrganizationType.SME, employee_count=40, country="CA", province="ON"
    )
    proposals = Proposal.objects.bulk_create(
        Proposal(
            stage=stages["application"],
            path=list(stages),
            call=call,
            lead_applicant=applicant,
            lead_organization=organization,
            title=f"Project {index}: a shared testbed",
            state=ProposalState.IN_ASSESSMENT,
        )
        for index in range(ASSIGNMENTS)
    )
    rubric = Rubric.objects.create(call=call)
    states = [AssignmentState.OFFERED, AssignmentState.ACCEPTED, AssignmentState.ACCEPTED, AssignmentState.DECLINED]
    assignments = Assignment.objects.bulk_create(
        Assignment(
            proposal=proposal,
            assessor=assessor,
            rubric=rubric,
            state=AssignmentState.WITHDRAWN if index == ASSIGNMENTS - 1 else states[index % len(states)],
            due_at=now + timedelta(days=index % 20 - 3, hours=index),
            no_conflict_declared_at=None if index % 8 == 0 else now - timedelta(days=2),
        )
        for index, proposal in enumerate(proposals)
    )
    Review.objects.bulk_create(
        Review(
            assignment=assignment,
            state=ReviewState.SUBMITTED if index % 3 == 0 else ReviewState.DRAFT,
            submitted_at=now if index % 3 == 0 else None,
        )
        for index, assignment in enumerate(assignments)
        if assignment.state == AssignmentState.ACCEPTED and index % 2
    )
    Conflict.objects.create(assessor=assessor, proposal=proposals[5], source=ConflictSource.DECLARED)
    elsewhere = Organization.objects.create(
        legal_name="Elsewhere", kind=OrganizationType.SME, employee_count=40, country="CA", province="ON"
    )
    Affiliation.objects.create(assessor=assessor, organization=elsewhere)
    return AssessorAssignments(assessor=assessor)


def log_in_assessor(client: Any, data: AssessorAssignments) -> None:
    log_in(client, data.assessor)


@case(
    "assessor_dashboard",
    target_ratio=15,
    seed=seed_assessor_assignments,
    prepare=log_in_assessor,
    description="The assessor's dashboard with 50 assignments in every state (the scale does not apply).",
)
def assessor_dashboard(client: Any, data: AssessorAssignments) -> Any:
    from django.urls import reverse

    return client.get(reverse("assessment:dashboard"))
