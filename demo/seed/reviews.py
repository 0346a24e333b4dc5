"""Seed the call under review: its rubric, a proposal in assessment and an assessed one, and their assessors.

The proposal in assessment is offered to the demo assessor, who has a profile and has not
declared yet: logging in as the assessor shows the declare, accept and review steps. Three
more assessors (``reviewer1@`` to ``reviewer3@``) each declared no conflict, accepted and
submitted a complete review of the assessed proposal through the assessors' services, so
its assessment completed as it does for real.
"""

from __future__ import annotations

from typing import Any

from accounts.choices import Role
from accounts.errors import DomainError
from accounts.models import Organization, User
from assessment.choices import Confidence, Recommendation
from assessment.choices import Language as AssessorLanguage
from assessment.models import AssessorProfile
from assessment.services.assignment import assignment_create
from assessment.services.conflicts import conflict_declare_none
from assessment.services.pool import assessor_profile_save
from assessment.services.reviews import ReviewInput, ScoreInput, assignment_accept
from assessment.services.rubrics import rubric_criteria, rubric_for
from demo.seed.common import DemoSummary
from demo.seed.people import REVIEWERS, DemoPeople, demo_user
from demo.seed.proposals import ASSESSED, IN_ASSESSMENT, PORT_TEXTS, WHEEL_TEXTS, fresh, invited_build
from intake.choices import Sector
from intake.models import Call, Program, Proposal
from intake.states import ProposalState
from workflow.actions import proposal_start_assessment, proposal_submit_application
from workflow.reviews import review_submit

# Each reviewer's scores of the default rubric's criteria in order (economy, technology, consortium,
# intellectual property, feasibility) with a comment on each, then recommendation, confidence, overall comment.
REVIEWS: list[tuple[list[tuple[int, str]], str, str, str]] = [
    (
        [
            (4, "Fewer broken rails and derailments save the operator far more than the project costs."),
            (4, "Acoustic detection exists for bearings; for wheel flats at line speed it is a real step forward."),
            (5, "The operator's removed-wheel records and the SME's alerting make a complete chain."),
            (4, "Ownership is clear; the licence to members should name the fields of use."),
            (4, "The winter trial at the first site is the main risk, and it comes early in the plan."),
        ],
        Recommendation.FUND,
        Confidence.HIGH,
        "A well-argued project with an operator committed to using the results.",
    ),
    (
        [
            (4, "The jobs after the project depend on selling the arrays to other railways; the plan says how."),
            (3, "The model is state of the art; the arrays themselves are an adaptation of known designs."),
            (4, "Two SMEs with real roles, and a polytechnic that brings the data science."),
            (4, "The self-heating housing is worth patenting; the software's joint ownership is well set out."),
            (4, "The budget is credible; four sites in 24 months is ambitious but staged."),
        ],
        Recommendation.FUND_WITH_CHANGES,
        Confidence.MEDIUM,
        "Fund, asking for a second operator's letter of interest before the third site.",
    ),
    (
        [
            (5, "Each broken rail avoided is a closure avoided; the benefits reach every shipper on the line."),
            (4, "Telling a defective wheel from train noise at speed is hard, and the approach is sound."),
            (4, "Complementary partners; the polytechnic asks for no funding, which helps the leverage."),
            (3, "Background IP of the operator's recordings needs a clearer licence for the model's training."),
            (4, "Milestones are measurable and the operator has the sites ready."),
        ],
        Recommendation.FUND,
        Confidence.MEDIUM,
        "A clear plan with measurable results; the data licence should be settled at contract.",
    ),
]


def reviews_seed(*, program: Program, people: DemoPeople, summary: DemoSummary) -> Call:
    """Create what the call under review of ``program`` is missing for assessment; return that call."""
    if _assessor_profile_create(assessor=people.assessor):
        summary.created.append(f"assessor profile {people.assessor.email}")
    in_review = Call.objects.get(program=program, slug="in-review")
    if not in_review.rubrics.exists():
        summary.created.append(f"rubric {program.slug}/{in_review.slug}")
    rubric_for(call=in_review)
    if _in_assessment_create(
        call=in_review,
        applicant=people.applicant,
        staff=people.staff,
        organization=people.organization,
        assessor=people.assessor,
    ):
        summary.created.append(f"proposal {IN_ASSESSMENT['title']}")
    reviewers = []
    for email, name, language in REVIEWERS:
        reviewer = demo_user(email=email, name=name, role=Role.ASSESSOR, language=language, summary=summary)
        if _assessor_profile_create(assessor=reviewer):
            summary.created.append(f"assessor profile {reviewer.email}")
        reviewers.append(reviewer)
    if _assessed_create(
        call=in_review,
        applicant=people.applicant,
        staff=people.staff,
        organization=people.organization,
        reviewers=reviewers,
    ):
        summary.created.append(f"proposal {ASSESSED['title']} (assessed)")
    return in_review


def _assessor_profile_create(*, assessor: User) -> bool:
    """Give a demo assessor their expertise and a cap of five per call; False if they have a profile."""
    if AssessorProfile.objects.filter(user=assessor).exists():
        return False
    assessor_profile_save(
        user=assessor,
        expected_updated_at=None,
        sectors=[Sector.ADVANCED_MANUFACTURING, Sector.TRANSPORTATION, Sector.ARTIFICIAL_INTELLIGENCE],
        keywords=["robotics", "non-destructive testing", "computer vision"],
        languages=[AssessorLanguage.FRENCH, AssessorLanguage.ENGLISH],
        max_assignments_per_call=5,
        affiliations=[],
    )
    return True


def _in_assessment_create(
    *, call: Call, applicant: User, staff: User, organization: Organization, assessor: User
) -> bool:
    """Build a proposal in assessment in ``call``, offered to ``assessor``, who has not declared; False if it exists.

    Built as the invited one (its closed application window extended, with that reason in
    the history), then submitted, sent to assessment by staff and assigned by hand to the
    demo assessor with the same checks as the assignment pages.
    """
    if Proposal.objects.filter(call=call, lead_applicant=applicant, title=IN_ASSESSMENT["title"]).exists():
        return False
    proposal = invited_build(
        call=call, applicant=applicant, staff=staff, organization=organization, loi=IN_ASSESSMENT, texts=PORT_TEXTS
    )
    proposal_submit_application(proposal=fresh(proposal), by=applicant)
    proposal_start_assessment(proposal=fresh(proposal), by=staff)
    assignment_create(proposal=fresh(proposal), assessor=assessor, by=staff)
    return True


def _assessed_create(
    *, call: Call, applicant: User, staff: User, organization: Organization, reviewers: list[User]
) -> bool:
    """Build the assessed proposal ``ASSESSED`` in ``call``, reviewed by ``reviewers``; False if it exists."""
    if Proposal.objects.filter(call=call, lead_applicant=applicant, title=ASSESSED["title"]).exists():
        return False
    assessed_build(
        call=call, applicant=applicant, staff=staff, organization=organization, reviewers=reviewers,
        loi=ASSESSED, texts=WHEEL_TEXTS, reviews=REVIEWS,
    )  # fmt: skip
    return True


def assessed_build(
    *,
    call: Call,
    applicant: User,
    staff: User,
    organization: Organization,
    reviewers: list[User],
    loi: dict[str, Any],
    texts: dict[str, Any],
    reviews: list[tuple[list[tuple[int, str]], str, str, str]],
) -> Proposal:
    """Build the proposal ``loi`` (with ``texts``) in ``call`` and have ``reviewers`` assess it with ``reviews``.

    Built and sent to assessment as the proposal in assessment is, then assigned to each
    reviewer, who declares no conflict, accepts and submits a complete review. The last
    review required by the call's rubric completes the assessment, as it does on the pages.
    """
    # The reviews score the default rubric's five criteria, the only rubric the demo makes.
    proposal = invited_build(
        call=call, applicant=applicant, staff=staff, organization=organization, loi=loi, texts=texts
    )
    proposal_submit_application(proposal=fresh(proposal), by=applicant)
    proposal_start_assessment(proposal=fresh(proposal), by=staff)
    criteria = rubric_criteria(rubric=rubric_for(call=call))
    required = fresh(proposal).required_reviews_missing()
    if required > min(len(reviewers), len(reviews)):
        raise DomainError(f"The call's rubric asks for {required} reviews; the demo has {len(reviews)} reviewers.")
    for reviewer, (scores, recommendation, confidence, overall) in zip(
        reviewers[:required], reviews[:required], strict=True
    ):
        assignment = assignment_create(proposal=fresh(proposal), assessor=reviewer, by=staff)
        conflict_declare_none(assignment=assignment, by=reviewer)
        assignment_accept(assignment=assignment, by=reviewer)
        review_submit(
            assignment=assignment,
            by=reviewer,
            data=ReviewInput(
                scores={
                    criterion.pk: ScoreInput(value, comment)
                    for criterion, (value, comment) in zip(criteria, scores, strict=True)
                },
                recommendation=recommendation,
                confidence=confidence,
                overall_comment=overall,
            ),
            expected_updated_at=None,
        )
    if fresh(proposal).state != ProposalState.ASSESSED:
        raise DomainError(f"{loi['title']} is still in assessment after its reviews.")
    return fresh(proposal)
