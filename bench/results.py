"""Benchmark of staff's results of a call: ``--scale`` assessed proposals, three submitted reviews each.

The seed writes with ``bulk_create``: one call in assessment under its default application
rubric (five criteria), ``scale`` proposals with three accepted assignments drawn from 60
assessors, each with a submitted review scoring every criterion with a comment; 1 in 25
proposals has only two reviews in and its third still a draft, and 1 in 40 has no review
in at all (unscored, ranked last). The totals are spread with ties, and 1 in 7 titles
repeats another, so the ranking's tie rule (title, then key) has work to do. The standings are refreshed as the reviews'
services keep them. The page read is the first (50 rows), as program staff.

``--scale`` is the number of proposals: run it at 2,000 and 10,000 to see the page stay flat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.people import bench_user, staff_of_every_program
from bench.registry import SeedContext, case
from bench.sign_in import log_in

ASSESSORS = 60
REVIEWS_PER_PROPOSAL = 3


@dataclass(frozen=True)
class CallResultsData:
    call_pk: int
    staff: Any


def seed_call_results(ctx: SeedContext) -> CallResultsData:
    """Create one call with ``scale`` assessed proposals, three reviews each, and a staff member of its program."""
    from accounts.choices import OrganizationType, Role
    from accounts.models import Organization
    from assessment.choices import AssignmentState, ReviewState
    from assessment.models import Assignment, Review, Score
    from assessment.services.rubrics import rubric_criteria, rubric_for
    from assessment.services.standings import standings_refresh
    from intake.models import Call, Program, Proposal
    from intake.services.rule_rows import call_rules_write, rules_from_fields
    from intake.services.stages import call_stages_default
    from intake.states import ProposalState

    now = ctx.now
    program = Program.objects.create(slug="bench-results", name_en="Bench results", name_fr="Résultats de test")
    call = Call.objects.create(
        program=program,
        slug="results",
        title_en="Projects assessed",
        title_fr="Projets évalués",
        loi_opens_at=now - timedelta(days=200),
        loi_closes_at=now - timedelta(days=160),
        application_closes_at=now - timedelta(days=60),
        review_due_at=now - timedelta(days=5),
        board_meeting_at=now + timedelta(days=20),
        funding_envelope=Decimal("400000000.00"),
    )
    call_rules_write(
        call=call,
        rules=rules_from_fields(
            funded_partner_types=[OrganizationType.LARGE_COMPANY, OrganizationType.SME], required_attachments=[]
        ),
    )
    stages = call_stages_default(call=call)
    applicant = bench_user("results-applicant@bench.clusterflow.test", "Ann Applicant", Role.APPLICANT.value)
    staff = bench_user("results-staff@bench.clusterflow.test", "Sam Staff", Role.STAFF.value)
    staff_of_every_program(staff)
    organization = Organization.objects.create(
        legal_name="Bench Results Inc.", kind=OrganizationType.SME, employee_count=40, country="CA", province="ON"
    )
    assessors = [
        bench_user(f"results-assessor{index}@bench.clusterflow.test", f"Assessor {index}", Role.ASSESSOR.value)
        for index in range(ASSESSORS)
    ]
    rubric = rubric_for(call=call)
    criteria = rubric_criteria(rubric=rubric)
    proposals = Proposal.objects.bulk_create(
        (
            Proposal(
                stage=stages["application"],
                path=list(stages),
                call=call,
                lead_applicant=applicant,
                lead_organization=organization,
                # Every 97th title repeats, so equal totals fall back on the title, then the key.
                title=f"Project {index % 97 if index % 7 == 0 else index}: a shared testbed",
                state=ProposalState.IN_ASSESSMENT if index % 25 == 0 else ProposalState.ASSESSED,
                submitted_at=now - timedelta(days=60, minutes=index),
                version_count=1,
            )
            for index in range(ctx.scale)
        ),
        batch_size=2000,
    )
    assert all(proposal.pk for proposal in proposals), "the database returned no keys from bulk_create"
    assignments = Assignment.objects.bulk_create(
        (
            Assignment(
                proposal=proposal,
                assessor=assessors[(index * REVIEWS_PER_PROPOSAL + offset) % ASSESSORS],
                rubric=rubric,
                due_at=now - timedelta(days=5),
                state=AssignmentState.ACCEPTED,
                no_conflict_declared_at=now - timedelta(days=40),
            )
            for index, proposal in enumerate(proposals)
            for offset in range(REVIEWS_PER_PROPOSAL)
        ),
        batch_size=2000,
    )

    def submitted(number: int) -> bool:
        proposal_index, offset = divmod(number, REVIEWS_PER_PROPOSAL)
        if proposal_index % 40 == 1:
            return False
        return not (proposal_index % 25 == 0 and offset == REVIEWS_PER_PROPOSAL - 1)

    reviews = Review.objects.bulk_create(
        (
            Review(
                assignment=assignment,
                state=ReviewState.SUBMITTED if submitted(number) else ReviewState.DRAFT,
                recommendation="fund",
                confidence="high",
                overall_comment="A credible consortium; the work plan is tight but feasible.",
                submitted_at=now - timedelta(days=6) if submitted(number) else None,
            )
            for number, assignment in enumerate(assignments)
        ),
        batch_size=2000,
    )
    Score.objects.bulk_create(
        (
            Score(
                review=review,
                criterion=criterion,
                # Spread as the board's bench spreads them, ties among them, an outlier now and then.
                value=(number * 7 + position * 3 + (4 if number % 11 == 0 else 0)) % (criterion.scale_max + 1),
                comment="Clear evidence for this criterion.",
            )
            for number, review in enumerate(reviews)
            for position, criterion in enumerate(criteria)
        ),
        batch_size=5000,
    )
    # What submitting the reviews through the reviews' services keeps: each proposal's standings.
    ids = [proposal.pk for proposal in proposals]
    for start in range(0, len(ids), 2000):
        standings_refresh(ids[start : start + 2000])
    return CallResultsData(call_pk=call.pk, staff=staff)


def log_in_results_staff(client: Any, data: CallResultsData) -> None:
    log_in(client, data.staff)


@case(
    "call_results",
    target_ratio=40,
    seed=seed_call_results,
    prepare=log_in_results_staff,
    description="Staff's results of one call: `scale` proposals ranked, 3 reviews each, the first page of rows.",
)
def call_results(client: Any, data: CallResultsData) -> Any:
    from django.urls import reverse

    return client.get(reverse("assessment:results", args=[data.call_pk]))
