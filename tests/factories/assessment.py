"""Factories of the assessment app: rubrics and criteria, assessors' profiles, ties and conflicts, assignments, reviews.

``tests/assessment/reviewing.py`` builds a whole rubric or a scored review in one call;
these make one row each.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.choices import Role
from assessment.choices import AssignmentState, Confidence, ConflictSource, PairRuleKind, Recommendation, ReviewState
from assessment.models import (
    Affiliation,
    AssessorInvitation,
    AssessorProfile,
    Assignment,
    AssignmentPlan,
    Conflict,
    Criterion,
    PairRule,
    PlannedPair,
    Review,
    Rubric,
    Score,
)
from assessment.services.standings import stage_standings_create
from intake.choices import VersionKind
from tests.factories.accounts import OrganizationFactory, UserFactory
from tests.factories.intake import CallFactory, ProposalFactory


class RubricFactory(factory.django.DjangoModelFactory):
    """The application rubric of a new call, without criteria (``CriterionFactory(rubric=...)`` adds them)."""

    class Meta:
        model = Rubric

    call = factory.SubFactory(CallFactory)
    stage = VersionKind.APPLICATION
    assessors_per_proposal = 3
    pass_threshold = Decimal("60")


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    rubric = factory.SubFactory(RubricFactory)
    position = factory.Sequence(lambda n: n + 1)
    name_en = factory.Sequence(lambda n: f"Criterion {n}")
    name_fr = factory.Sequence(lambda n: f"Critère {n}")
    guidance_en = "How sound is the plan?"
    guidance_fr = "Le plan est-il solide ?"
    weight = Decimal("1")
    scale_min = 0
    scale_max = 5


class AssessorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessorProfile

    user = factory.SubFactory(UserFactory, role=Role.ASSESSOR)
    sectors = factory.LazyFunction(lambda: ["manufacturing"])
    keywords = factory.LazyFunction(lambda: ["robotics"])
    languages = factory.LazyFunction(lambda: ["en"])


class AffiliationFactory(factory.django.DjangoModelFactory):
    """An assessor's current tie to an organization, since two years ago."""

    class Meta:
        model = Affiliation

    assessor = factory.SubFactory(UserFactory, role=Role.ASSESSOR)
    organization = factory.SubFactory(OrganizationFactory)
    role = "Adviser"
    started_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=730))


class AssessorInvitationFactory(factory.django.DjangoModelFactory):
    """Staff's invitation to the pool, valid for two weeks."""

    class Meta:
        model = AssessorInvitation

    email = factory.Sequence(lambda n: f"expert{n}@example.com")
    invited_by = factory.SubFactory(UserFactory, role=Role.STAFF)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class ConflictFactory(factory.django.DjangoModelFactory):
    """A conflict the assessor declared on a proposal."""

    class Meta:
        model = Conflict

    assessor = factory.SubFactory(UserFactory, role=Role.ASSESSOR)
    proposal = factory.SubFactory(ProposalFactory)
    source = ConflictSource.DECLARED
    nature = "I advise the lead organization."


class PairRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PairRule

    proposal = factory.SubFactory(ProposalFactory)
    assessor = factory.SubFactory(UserFactory, role=Role.ASSESSOR)
    kind = PairRuleKind.FORBID
    created_by = factory.SubFactory(UserFactory, role=Role.STAFF)


class AssignmentPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssignmentPlan

    call = factory.SubFactory(CallFactory)
    created_by = factory.SubFactory(UserFactory, role=Role.STAFF)


class PlannedPairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlannedPair

    plan = factory.SubFactory(AssignmentPlanFactory)
    proposal = factory.SubFactory(ProposalFactory, call=factory.SelfAttribute("..plan.call"))
    assessor = factory.SubFactory(UserFactory, role=Role.ASSESSOR)
    affinity = 3


class AssignmentFactory(factory.django.DjangoModelFactory):
    """A new assessor's accepted assignment to a proposal under its call's rubric, due in two weeks."""

    class Meta:
        model = Assignment

    proposal = factory.SubFactory(ProposalFactory)
    assessor = factory.SubFactory(UserFactory, role=Role.ASSESSOR)
    rubric = factory.SubFactory(RubricFactory, call=factory.SelfAttribute("..proposal.call"))
    state = AssignmentState.ACCEPTED
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    no_conflict_declared_at = factory.LazyFunction(timezone.now)
    responded_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class: type[Assignment], *args: object, **kwargs: object) -> Assignment:
        assignment = super()._create(model_class, *args, **kwargs)
        # As the assignments' services do: the results rank every proposal assigned under a rubric.
        stage_standings_create([(assignment.proposal_id, assignment.rubric_id)])
        return assignment


class ReviewFactory(factory.django.DjangoModelFactory):
    """A draft review of an assignment (``submitted=True``: a submitted one), without scores."""

    class Meta:
        model = Review

    class Params:
        submitted = factory.Trait(state=ReviewState.SUBMITTED, submitted_at=factory.LazyFunction(timezone.now))

    assignment = factory.SubFactory(AssignmentFactory)
    state = ReviewState.DRAFT
    recommendation = Recommendation.FUND
    confidence = Confidence.HIGH
    overall_comment = "A sound plan."


class ScoreFactory(factory.django.DjangoModelFactory):
    """A score of a review on a criterion of its assignment's rubric."""

    class Meta:
        model = Score

    review = factory.SubFactory(ReviewFactory)
    criterion = factory.SubFactory(CriterionFactory, rubric=factory.SelfAttribute("..review.assignment.rubric"))
    value = 4
    comment = "Convincing."
