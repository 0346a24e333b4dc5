"""Benchmark of the board's agenda: one meeting with 2,000 proposals and 6,000 submitted reviews.

The seed writes with ``bulk_create``: one call before the board with an envelope that runs
out part-way down the ranking, 2,000 proposals in board review on one meeting's agenda, each
with four consortium members (drawn from 400 organizations, SMEs among them), two budget
lines per member, two attachment rows (no files), its submitted application version, and
three submitted reviews scoring every criterion of the call's default rubric
(``assessment.services.rubrics.rubric_for``) with a comment each; 1 in 10 has an
eligibility override. The page is read by a member of the meeting who declared a conflict
on 1 in 50 proposals and has a current affiliation with one organization, so the recusal
check has rows to look through. The page read is the first: the ranking, running total and
chart cover all 2,000, the details the page's 50 rows. ``--scale`` does not apply: the
budget is for 2,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.calls import call_in_review
from bench.intake import (
    MEMBERS_PER_PROPOSAL,
    ORGANIZATIONS,
    application_rows_create,
    application_texts,
    organizations_create,
)
from bench.people import bench_user, staff_of_every_program
from bench.registry import SeedContext, case
from bench.sign_in import log_in

AGENDA = 2000
ASSESSORS = 60
REVIEWS_PER_PROPOSAL = 3


@dataclass(frozen=True)
class BoardAgenda:
    meeting_pk: int
    member: Any


def _user(email: str, name: str, role: str) -> Any:
    user = bench_user(email, name, role)
    staff_of_every_program(user, role)
    return user


def seed_board_agenda(ctx: SeedContext) -> BoardAgenda:
    """Create one meeting whose agenda holds 2,000 assessed proposals with 3 reviews each."""
    from accounts.choices import Role
    from assessment.choices import AssignmentState, ReviewState
    from assessment.models import Affiliation, Assignment, Review, Score
    from assessment.services.rubrics import rubric_criteria, rubric_for
    from assessment.services.standings import standings_refresh
    from board.models import AgendaItem, BoardConflict, BoardMeeting
    from intake.models import (
        Proposal,
    )
    from intake.states import ProposalState

    now = ctx.now
    call, stages = call_in_review(
        now=now,
        program=("bench-board", "Bench board", "Conseil de test"),
        slug="board",
        title=("Projects before the board", "Projets devant le conseil"),
        days=(200, 160, 90, 10, -5),
        # Each proposal asks for $1.2M or $3.6M: the envelope runs out after a few hundred.
        envelope=Decimal("400000000.00"),
    )
    applicant = _user("board-applicant@bench.clusterflow.test", "Ann Applicant", Role.APPLICANT.value)
    staff = _user("board-staff@bench.clusterflow.test", "Sam Staff", Role.STAFF.value)
    members = [
        _user(f"board{index}@bench.clusterflow.test", f"Board Member {index}", Role.BOARD_MEMBER.value)
        for index in range(7)
    ]
    member = members[0]
    meeting = BoardMeeting.objects.create(
        call=call, held_at=now + timedelta(days=5), quorum=4, chair=members[1], created_by=staff
    )
    meeting.members.set(members)
    organizations = organizations_create("Board Bench Organization", province="QC")
    Affiliation.objects.create(assessor=member, organization=organizations[7], role="Adviser")
    assessors = [
        _user(f"board-assessor{index}@bench.clusterflow.test", f"Assessor {index}", Role.ASSESSOR.value)
        for index in range(ASSESSORS)
    ]
    rubric = rubric_for(call=call)
    criteria = rubric_criteria(rubric=rubric)
    proposals = Proposal.objects.bulk_create(
        Proposal(
            stage=stages["application"],
            path=list(stages),
            call=call,
            lead_applicant=applicant,
            lead_organization=organizations[(index * MEMBERS_PER_PROPOSAL) % ORGANIZATIONS],
            **application_texts(index),
            state=ProposalState.BOARD_REVIEW,
            submitted_at=now - timedelta(days=90, minutes=index),
            version_count=1,
        )
        for index in range(AGENDA)
    )
    assert all(proposal.pk for proposal in proposals), "the database returned no keys from bulk_create"
    application_rows_create(list(enumerate(proposals)), organizations, applicant=applicant, staff=staff)
    assignments = Assignment.objects.bulk_create(
        (
            Assignment(
                proposal=proposal,
                assessor=assessors[(index * REVIEWS_PER_PROPOSAL + offset) % ASSESSORS],
                rubric=rubric,
                due_at=now - timedelta(days=10),
                state=AssignmentState.ACCEPTED,
                no_conflict_declared_at=now - timedelta(days=40),
            )
            for index, proposal in enumerate(proposals)
            for offset in range(REVIEWS_PER_PROPOSAL)
        ),
        batch_size=2000,
    )
    reviews = Review.objects.bulk_create(
        (
            Review(
                assignment=assignment,
                state=ReviewState.SUBMITTED,
                recommendation="fund",
                confidence="high",
                overall_comment="A credible consortium; the work plan is tight but feasible.",
                submitted_at=now - timedelta(days=12),
            )
            for assignment in assignments
        ),
        batch_size=2000,
    )
    Score.objects.bulk_create(
        (
            Score(
                review=review,
                criterion=criterion,
                # Spread the totals so the ranking has work to do, with an outlier now and then.
                value=(number * 7 + position * 3 + (4 if number % 11 == 0 else 0)) % (criterion.scale_max + 1),
                comment="Clear evidence for this criterion.",
            )
            for number, review in enumerate(reviews)
            for position, criterion in enumerate(criteria)
        ),
        batch_size=5000,
    )
    # What submitting the reviews through the reviews' services keeps: each proposal's standing.
    standings_refresh(proposal.pk for proposal in proposals)
    AgendaItem.objects.bulk_create(AgendaItem(meeting=meeting, proposal=proposal) for proposal in proposals)
    BoardConflict.objects.bulk_create(
        BoardConflict(member=member, proposal=proposal, nature="A relative works there.")
        for index, proposal in enumerate(proposals)
        if index % 50 == 0
    )
    return BoardAgenda(meeting_pk=meeting.pk, member=member)


def log_in_member(client: Any, data: BoardAgenda) -> None:
    log_in(client, data.member)


@case(
    "board_agenda",
    target_ratio=40,
    seed=seed_board_agenda,
    prepare=log_in_member,
    description=(
        "A board member's agenda of one meeting: 2,000 proposals ranked, 6,000 reviews, the first page of 50 "
        "rows in detail (scale ignored)."
    ),
)
def board_agenda(client: Any, data: BoardAgenda) -> Any:
    from django.urls import reverse

    return client.get(reverse("board:meeting_agenda", args=[data.meeting_pk]))
