"""Rows of the reviewing part made directly: rubrics with criteria, assignments, reviews and scores.

The other parts (rubrics, the pool, the solver) have their own services; the tests of
reviews and results build exactly the rows they need here, so they depend on none of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from assessment.choices import AssignmentState, Confidence, Recommendation, ReviewState
from assessment.models import Assignment, Criterion, Review, Rubric, Score
from assessment.services.standings import stage_standings_create, standings_refresh
from intake.choices import VersionKind
from intake.models import Call, Proposal
from tests.factories import UserFactory

#: (weight, scale_min, scale_max) of the criteria ``rubric_make`` creates unless told.
CRITERIA = ((Decimal("2"), 0, 5), (Decimal("1"), 0, 10))


def rubric_make(
    call: Call,
    *,
    k: int = 3,
    criteria: Sequence[tuple[Decimal, int, int]] = CRITERIA,
    pass_threshold: Decimal = Decimal("60"),
    stage: str = VersionKind.APPLICATION,
) -> Rubric:
    """Return the rubric of ``call`` at ``stage`` with ``criteria`` as (weight, lowest, highest)."""
    rubric = Rubric.objects.create(call=call, stage=stage, assessors_per_proposal=k, pass_threshold=pass_threshold)
    Criterion.objects.bulk_create(
        Criterion(
            rubric=rubric,
            position=index,
            name_en=f"Criterion {index}",
            name_fr=f"Critère {index}",
            guidance_en=f"How good is aspect {index}?",
            guidance_fr=f"Quelle est la qualité de l'aspect {index} ?",
            weight=weight,
            scale_min=low,
            scale_max=high,
        )
        for index, (weight, low, high) in enumerate(criteria, start=1)
    )
    return rubric


def assessor_make(**fields: object) -> User:
    return UserFactory(role=Role.ASSESSOR, **fields)


def assignment_make(
    proposal: Proposal,
    *,
    rubric: Rubric,
    assessor: User | None = None,
    state: str = AssignmentState.ACCEPTED,
    due_at: datetime | None = None,
    declared: bool = True,
) -> Assignment:
    """Return an assignment of ``assessor`` (a new one if None) to ``proposal``; ``declared``: no conflict said."""
    now = timezone.now()
    assignment = Assignment.objects.create(
        proposal=proposal,
        assessor=assessor or assessor_make(),
        rubric=rubric,
        state=state,
        due_at=due_at or now + timedelta(days=14),
        no_conflict_declared_at=now if declared else None,
        responded_at=now if state != AssignmentState.OFFERED else None,
    )
    stage_standings_create([(proposal.pk, rubric.pk)])  # as the assignments' services do
    return assignment


def review_make(
    assignment: Assignment,
    *,
    values: Sequence[int | None] | None = None,
    submitted: bool = True,
    recommendation: str = Recommendation.FUND,
    confidence: str = Confidence.HIGH,
) -> Review:
    """Return ``assignment``'s review with one score per criterion (``values``, or each criterion's highest)."""
    review = Review.objects.create(
        assignment=assignment,
        state=ReviewState.SUBMITTED if submitted else ReviewState.DRAFT,
        recommendation=recommendation,
        confidence=confidence,
        submitted_at=timezone.now() if submitted else None,
    )
    criteria = list(assignment.rubric.criteria.order_by("position"))
    chosen = values if values is not None else [criterion.scale_max for criterion in criteria]
    Score.objects.bulk_create(
        Score(review=review, criterion=criterion, value=value, comment=f"Comment on {criterion.name_en}.")
        for criterion, value in zip(criteria, chosen, strict=True)
    )
    if submitted:
        standings_refresh([assignment.proposal_id])  # as submitting through the reviews' services does
    return review


def reviews_all_in(proposal: Proposal) -> list[Review]:
    """Give ``proposal`` every required review: its application rubric (k = 1 if new), each one submitted."""
    rubric = Rubric.objects.filter(call=proposal.call, stage=VersionKind.APPLICATION).first()
    if rubric is None:
        rubric = rubric_make(proposal.call, k=1)
    return [review_make(assignment_make(proposal, rubric=rubric)) for _ in range(proposal.required_reviews_missing())]
