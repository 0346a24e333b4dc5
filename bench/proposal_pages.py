"""Benchmarks of one proposal as program staff handle it: its staff page, and a state change posted on it.

The seed writes with ``bulk_create``: one call past its application deadline with 3,000
applications (the volume of issue 23), each with four consortium members drawn from 400
organizations (an SME, a large company, another SME and a university that asks for no funds),
two budget lines per member, two attachment rows (no files) and the versions its letter of
intent and application froze, with the rules in force then, so that each passes eligibility.
One of them, the proposal the staff page reads, is assessed: three submitted reviews scoring
every criterion of the call's default rubric with a comment each, its standing, and a history
of seven audit records from its letter of intent to its assessment's end. The others are
submitted, untouched: the state change starts the assessment of the next one each time, so
every POST finds its proposal as staff would. ``--scale`` does not apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.calls import call_in_review, submitted_document
from bench.intake import ORGANIZATIONS, application_texts, organizations_create
from bench.people import bench_user, staff_of_every_program
from bench.registry import SeedContext, case
from bench.sign_in import log_in, messages_shown

PROPOSALS = 3000
MEMBERS_PER_PROPOSAL = 4
REVIEWS = 3
BATCH = 1000


@dataclass
class ProposalPages:
    staff: Any
    read_pk: int
    submitted: Iterator[int] = field(default_factory=lambda: iter(()))


def seed_proposal_pages(ctx: SeedContext) -> ProposalPages:
    """Create one call with 3,000 submitted applications, one of them assessed with its reviews and history."""
    from accounts.choices import Role
    from assessment.choices import AssignmentState, ReviewState
    from assessment.models import Assignment, Review, Score
    from assessment.services.rubrics import rubric_criteria, rubric_for
    from assessment.services.standings import standings_refresh
    from intake.models import Attachment, BudgetLine, ConsortiumMember, Proposal, ProposalVersion
    from intake.states import ProposalState as S
    from records.models import AuditRecord

    now = ctx.now
    call, stages = call_in_review(
        now=now,
        program=("bench-proposal-pages", "Bench proposals", "Propositions"),
        slug="proposal-pages",
        title=("Collaborative technology projects", "Projets technologiques collaboratifs"),
    )
    applicant = bench_user("pages-applicant@bench.clusterflow.test", "Ann Applicant", Role.APPLICANT.value)
    staff = bench_user("pages-staff@bench.clusterflow.test", "Sam Staff", Role.STAFF.value)
    staff_of_every_program(staff, Role.STAFF.value)
    assessors = [
        bench_user(f"pages-assessor{index}@bench.clusterflow.test", f"Assessor {index}", Role.ASSESSOR.value)
        for index in range(REVIEWS)
    ]
    organizations = organizations_create("Pages Bench Organization", province="NS")
    pks: list[int] = []
    for start in range(0, PROPOSALS, BATCH):
        indexes = range(start, min(PROPOSALS, start + BATCH))
        proposals = Proposal.objects.bulk_create(
            Proposal(
                call=call,
                stage=stages["application"],
                path=list(stages),
                lead_applicant=applicant,
                lead_organization=organizations[(index * MEMBERS_PER_PROPOSAL) % ORGANIZATIONS],
                **application_texts(index),
                state=S.ASSESSED if index == 0 else S.SUBMITTED,
                submitted_at=now - timedelta(days=6, minutes=index),
                version_count=2,
            )
            for index in indexes
        )
        if not all(proposal.pk for proposal in proposals):  # A backend that returns no keys from bulk_create.
            proposals = list(Proposal.objects.filter(call=call).order_by("pk")[start : start + len(indexes)])
        members = ConsortiumMember.objects.bulk_create(
            ConsortiumMember(
                proposal=proposal,
                organization=organizations[(index * MEMBERS_PER_PROPOSAL + offset) % ORGANIZATIONS],
                is_lead=offset == 0,
                cash_contribution=Decimal("500000.00"),
                in_kind_contribution=Decimal("100000.00"),
                # The university partner (every fourth organization) asks for nothing: only companies may.
                funding_requested=Decimal("0.00") if offset == 3 else Decimal("300000.00"),
                background_ip="Process know-how.",
            )
            for index, proposal in zip(indexes, proposals, strict=True)
            for offset in range(MEMBERS_PER_PROPOSAL)
        )
        if not all(member.pk for member in members):
            members = list(ConsortiumMember.objects.filter(proposal__in=proposals).order_by("pk"))
        BudgetLine.objects.bulk_create(
            BudgetLine(member=member, category=category, amount=amount)
            for member in members
            for category, amount in (("labour", Decimal("600000.00")), ("equipment", Decimal("150000.00")))
        )
        Attachment.objects.bulk_create(
            Attachment(
                proposal=proposal,
                kind=kind,
                file=f"proposals/{proposal.pk}/bench-{kind}",
                original_name=f"{kind}.pdf",
                content_type="application/pdf",
                size=1024,
                sha256="0" * 64,
                uploaded_by=applicant,
            )
            for proposal in proposals
            for kind in ("project_plan", "letters_of_support")
        )
        # Each submission froze its version with the rules in force then, as the intake services do.
        ProposalVersion.objects.bulk_create(
            ProposalVersion(
                proposal=proposal,
                number=number,
                kind=kind,
                data=submitted_document(call, proposal, kind),
                submitted_by=applicant,
                submitted_at=proposal.submitted_at - timedelta(days=days),
            )
            for proposal in proposals
            for number, kind, days in ((1, "loi", 90), (2, "application", 0))
        )
        pks += [proposal.pk for proposal in proposals]
    read = Proposal.objects.get(pk=pks[0])
    rubric = rubric_for(call=call)
    criteria = rubric_criteria(rubric=rubric)
    assignments = Assignment.objects.bulk_create(
        Assignment(
            proposal=read,
            assessor=assessor,
            rubric=rubric,
            due_at=now - timedelta(days=1),
            state=AssignmentState.ACCEPTED,
            no_conflict_declared_at=now - timedelta(days=5),
        )
        for assessor in assessors
    )
    reviews = Review.objects.bulk_create(
        Review(
            assignment=assignment,
            state=ReviewState.SUBMITTED,
            recommendation="fund",
            confidence="high",
            overall_comment="A credible consortium; the work plan is tight but feasible.",
            submitted_at=now - timedelta(days=2),
        )
        for assignment in assignments
    )
    Score.objects.bulk_create(
        Score(
            review=review,
            criterion=criterion,
            value=(number * 2 + position) % (criterion.scale_max + 1),
            comment="Clear evidence for this criterion.",
        )
        for number, review in enumerate(reviews)
        for position, criterion in enumerate(criteria)
    )
    standings_refresh([read.pk])
    history = [
        ("submit_loi", S.DRAFT, S.LOI_SUBMITTED, applicant, "", {"stage": "loi"}, 90),
        ("invite", S.LOI_SUBMITTED, S.INVITED, staff, "Welcome to the full application.", {"stage": "application"}, 75),
        ("submit_application", S.INVITED, S.SUBMITTED, applicant, "", {"stage": "application"}, 10),
        ("request_changes", S.SUBMITTED, S.CHANGES_REQUESTED, staff, "Add the letters of support.",
         {"due_at": (now - timedelta(days=7)).isoformat()}, 9),
        ("submit_application", S.CHANGES_REQUESTED, S.SUBMITTED, applicant, "", {"stage": "application"}, 6),
        ("start_assessment", S.SUBMITTED, S.IN_ASSESSMENT, staff, "", {}, 5),
        ("complete_assessment", S.IN_ASSESSMENT, S.ASSESSED, None, "", {}, 1),
    ]  # fmt: skip
    AuditRecord.objects.bulk_create(
        AuditRecord(
            proposal=read,
            action=action,
            from_state=source,
            to_state=target,
            actor=actor,
            reason=reason,
            data=data,
            at=now - timedelta(days=days),
        )
        for action, source, target, actor, reason, data, days in history
    )
    return ProposalPages(staff=staff, read_pk=read.pk, submitted=iter(pks[1:]))


def log_in_staff(client: Any, data: ProposalPages) -> None:
    log_in(client, data.staff)


@case(
    "proposal_staff_page",
    target_ratio=15,
    seed=seed_proposal_pages,
    prepare=log_in_staff,
    description=(
        "Program staff read an assessed proposal's staff page: its consortium's eligibility, versions, "
        "3 reviews' scores, actions and a history of 7 records, in a call of 3,000 (scale ignored)."
    ),
)
def proposal_staff_page(client: Any, data: ProposalPages) -> Any:
    from django.urls import reverse

    return client.get(reverse("workflow:proposal_detail", args=[data.read_pk]))


@case(
    "staff_state_change",
    target_ratio=15,
    max_queries=10,
    seed=seed_proposal_pages,
    prepare=log_in_staff,
    expected_status=302,
    description=(
        "Program staff start the assessment of a submitted proposal: the POST of the action, a fresh one each time."
    ),
)
def staff_state_change(client: Any, data: ProposalPages) -> Any:
    from django.urls import reverse

    pk = next(data.submitted)
    messages_shown(client)  # the last round's "Done", shown by the page its redirect led to
    return client.post(
        reverse("workflow:proposal_act", args=[pk, "start_assessment"]),
        {"start_assessment-expected_state": "submitted", "start_assessment-reason": ""},
    )
