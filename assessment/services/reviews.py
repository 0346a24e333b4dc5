"""Use cases of reviewing: the assessor's list, accepting or declining, writing and submitting a review.

An assessor reads a proposal's content only through an assignment that is accepted, for
which they declared no conflict, and on which ``assessment.selectors.conflicted`` does not
hold: anything else is a 404, not a hint. Assessors are blind to each other: nothing here
reads another assessor's review for an assessor before their own is submitted, and after
that only where the rubric shares them (``Rubric.reviews_shared``), without names.

Submitting a review, reopening one and setting one aside may move the proposal (its
assessment completes or reopens): those are the workflow's actions (``workflow.reviews``),
which use ``review_lock`` and ``review_store`` from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from assessment.choices import AssignmentState, ReviewState
from assessment.models import Assignment, Criterion, Review, Score
from assessment.selectors import conflict_moments, conflicted
from intake.models import Proposal, ProposalVersion
from intake.program_roles import audience, in_programs
from records.events import Event
from records.notifications import notify_audiences
from records.sql import rows_read_compiled

# --- The assessor's list -----------------------------------------------------------------------


class Step:
    """What the assessor does next with an assignment, in the order they do it."""

    DECLARE = "declare"
    RESPOND = "respond"
    REVIEW = "review"
    SUBMITTED = "submitted"
    NONE = "none"


def assignment_next_step(assignment: Any) -> str:
    """Return the assessor's next step on ``assignment`` (annotated as ``assignments_of_assessor`` does)."""
    if assignment.state not in (AssignmentState.OFFERED, AssignmentState.ACCEPTED) or assignment.is_conflicted:
        return Step.NONE
    if assignment.no_conflict_declared_at is None:
        return Step.DECLARE
    if assignment.state == AssignmentState.OFFERED:
        return Step.RESPOND
    if assignment.review_state == ReviewState.SUBMITTED:
        return Step.SUBMITTED
    return Step.REVIEW


def _with_conflict(assignments: QuerySet[Assignment]) -> QuerySet[Assignment]:
    return assignments.annotate(
        is_conflicted=ExpressionWrapper(
            conflicted(assessor=OuterRef("assessor_id"), proposal=OuterRef("proposal_id")),
            output_field=BooleanField(),
        )
    )


def _assessor_rows(assessor: int) -> QuerySet[Assignment]:
    return (
        _with_conflict(Assignment.objects.filter(assessor_id=assessor))
        .select_related("proposal__call")
        .only(
            "pk",
            "state",
            "due_at",
            "no_conflict_declared_at",
            "responded_at",
            "created_at",
            "proposal__title",
            "proposal__state",  # the lifecycle's protected field reads it on load
            "proposal__call__title_en",
            "proposal__call__title_fr",
            "proposal__call__timezone",
        )
        .annotate(review_state=F("review__state"))
        .order_by("due_at", "pk")
    )


def assignments_of_assessor(*, user: User) -> list[Any]:
    """Return every assignment of ``user``, soonest due first, each with its next step, in one query.

    Each carries ``is_conflicted``, ``review_state`` (None before a draft) and ``next_step``.
    Only the proposal's title and call are read: that is all an assessor sees before declaring.
    """
    # Annotated rows (``is_conflicted``, ``review_state``, ``next_step``), hence ``Any``. Built and
    # compiled once a day per connection (the conflicts' dates change with the day), then run with
    # the assessor's key (``records.sql.rows_read_compiled``, ADR 0051).
    key = ("assignments_of_assessor", *conflict_moments())
    rows: list[Any] = rows_read_compiled(Assignment, key, _assessor_rows, user.pk, clock_in_key=True)
    # Each label translated once per list, not once per row.
    states = {value: str(label) for value, label in AssignmentState.choices}
    for row in rows:
        row.next_step = assignment_next_step(row)
        row.state_label = states[row.state]
    return rows


def assignment_for_assessor(*, user: User, pk: int) -> Any:
    """Return ``user``'s assignment ``pk`` with its proposal's title and call, or 404 for anyone else's."""
    assignment: Any = get_object_or_404(
        _with_conflict(Assignment.objects.select_related("proposal__call", "rubric")).annotate(
            review_state=F("review__state")
        ),
        pk=pk,
        assessor=user,
    )
    assignment.next_step = assignment_next_step(assignment)
    return assignment


# --- Accepting and declining ------------------------------------------------------------------


def _lock_offered(*, assignment: Assignment, by: User) -> Any:
    """Lock ``assignment`` and refuse what ``by`` may no longer answer: not theirs, answered, undeclared, conflicted."""
    locked: Any = get_object_or_404(
        _with_conflict(Assignment.objects.select_for_update(of=("self",)).select_related("proposal__call")),
        pk=assignment.pk,
        assessor=by,
    )
    if locked.state != AssignmentState.OFFERED:
        raise StaleAction(
            _("This assignment is already “%(state)s”. Nothing was changed.") % {"state": locked.get_state_display()}
        )
    if locked.is_conflicted:
        raise ActionForbidden(_("You have a conflict of interest with this proposal."))
    if locked.no_conflict_declared_at is None:
        raise DomainError(_("Declare whether you have a conflict of interest before you accept or decline."))
    return locked


def assignment_accept(*, assignment: Assignment, by: User) -> Assignment:
    """Accept the assignment: the assessor will review the proposal by its due date."""
    with transaction.atomic():
        locked = _lock_offered(assignment=assignment, by=by)
        locked.state = AssignmentState.ACCEPTED
        locked.responded_at = timezone.now()
        locked.save(update_fields=["state", "responded_at", "updated_at"])
    return locked


def assignment_decline(*, assignment: Assignment, by: User, reason: str) -> Assignment:
    """Decline the assignment with a reason, freeing its slot for another assessor; the program's staff are told."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason you decline this assignment."))
    with transaction.atomic():
        locked = _lock_offered(assignment=assignment, by=by)
        locked.state = AssignmentState.DECLINED
        locked.decline_reason = reason
        locked.responded_at = timezone.now()
        locked.save(update_fields=["state", "decline_reason", "responded_at", "updated_at"])
        notify_audiences(
            audiences=[(Event.ASSIGNMENT_DECLINED, audience(Role.STAFF, locked.proposal.call.program_id))],
            occurrence=f"assignment{locked.pk}:declined",
            proposal=locked.proposal,
            context={"reason": reason, "assessor": by.get_full_name()},
        )
    return locked


# --- The review page ---------------------------------------------------------------------------


@dataclass
class ReviewPage:
    """What the review page shows: the assignment, the review (None before the first save), the rubric."""

    assignment: Assignment
    review: Review | None
    criteria: list[Criterion]
    scores: dict[int, Score]
    version: ProposalVersion | None
    extra: dict[str, Any] = field(default_factory=dict)
    #: The others' submitted reviews, shown only when the rubric shares them and this one is submitted.
    others: list[Review] = field(default_factory=list)

    @property
    def is_submitted(self) -> bool:
        return self.review is not None and self.review.state == ReviewState.SUBMITTED


def _reviewable(user: User) -> QuerySet[Assignment]:
    """The assignments through which ``user`` may read a proposal: accepted, declared, not conflicted."""
    return (
        Assignment.objects.filter(assessor=user, state=AssignmentState.ACCEPTED, no_conflict_declared_at__isnull=False)
        .exclude(conflicted(assessor=OuterRef("assessor_id"), proposal=OuterRef("proposal_id")))
        .select_related("proposal__call__program", "proposal__lead_organization", "rubric")
    )


def review_page_for_assessor(*, user: User, pk: int) -> ReviewPage:
    """Return the review page of ``user``'s assignment ``pk``, or 404 unless they may read its proposal."""
    assignment = get_object_or_404(_reviewable(user), pk=pk)
    review = Review.objects.filter(assignment=assignment).first()
    scores = {score.criterion_id: score for score in Score.objects.filter(review=review)} if review else {}
    # The version the assessor reads is the latest submitted at the rubric's stage.
    version = (
        ProposalVersion.objects.filter(proposal=assignment.proposal, kind=assignment.rubric.stage)
        .prefetch_related("attachments")
        .order_by("-number")
        .first()
    )
    page = ReviewPage(
        assignment=assignment,
        review=review,
        criteria=list(assignment.rubric.criteria.order_by("position")),
        scores=scores,
        version=version,
    )
    if assignment.rubric.reviews_shared and page.is_submitted:
        page.others = reviews_shared_with(assignment=assignment)
    return page


def reviews_shared_with(*, assignment: Assignment) -> list[Review]:
    """Return the other submitted reviews of ``assignment``'s proposal under the same rubric, with their scores.

    Only for an assessor whose own review is submitted, under a rubric that shares them; the
    reviews come in a stable order and without their assessors (the page numbers them).
    """
    return list(
        Review.objects.filter(
            assignment__proposal_id=assignment.proposal_id,
            assignment__rubric_id=assignment.rubric_id,
            state=ReviewState.SUBMITTED,
        )
        .exclude(assignment=assignment)
        .prefetch_related(
            Prefetch("scores", queryset=Score.objects.select_related("criterion").order_by("criterion__position"))
        )
        .order_by("submitted_at", "pk")
    )


@dataclass(frozen=True)
class ScoreInput:
    value: int | None
    comment: str


@dataclass(frozen=True)
class ReviewInput:
    """What the assessor typed: a score and comment per criterion id, and the overall fields."""

    scores: dict[int, ScoreInput]
    recommendation: str
    confidence: str
    overall_comment: str


class ReviewIncomplete(DomainError):
    """The review cannot be submitted yet; ``errors`` names each field that lacks something. The draft is saved."""

    status = 400

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("The review is saved as a draft but cannot be submitted yet: complete the fields marked."))
        self.errors = errors


def review_missing(*, data: ReviewInput, criteria: list[Criterion]) -> dict[str, str]:
    """Return, by form field, what a complete review still lacks (empty when it may be submitted)."""
    errors: dict[str, str] = {}
    for criterion in criteria:
        given = data.scores.get(criterion.pk, ScoreInput(None, ""))
        if given.value is None:
            errors[f"score_{criterion.pk}"] = _("Give a score from %(low)d to %(high)d.") % {
                "low": criterion.scale_min,
                "high": criterion.scale_max,
            }
        if not given.comment.strip():
            errors[f"comment_{criterion.pk}"] = _("Explain your score in a comment.")
    if not data.recommendation:
        errors["recommendation"] = _("Give your overall recommendation.")
    if not data.confidence:
        errors["confidence"] = _("Say how confident you are in this review.")
    return errors


def review_lock(*, assignment: Assignment, by: User, expected_updated_at: datetime | None) -> tuple[Assignment, Review]:
    """Lock the proposal, the assignment and its review (made now if new) in that order; refuse a stale form."""
    proposal_id = _reviewable(by).filter(pk=assignment.pk).values_list("proposal_id", flat=True).first()
    if proposal_id is None:
        raise Http404
    # The proposal first: two assessors submitting its last reviews at once are counted one after the other.
    Proposal.objects.select_for_update().filter(pk=proposal_id).values_list("pk").get()
    locked = get_object_or_404(_reviewable(by).select_for_update(of=("self",)), pk=assignment.pk)
    review = Review.objects.select_for_update().filter(assignment=locked).first()
    if review is None:
        if expected_updated_at is not None:
            raise StaleAction(_("This review changed since you opened it. Nothing was saved."))
        review = Review.objects.create(assignment=locked)
    elif expected_updated_at is None or review.updated_at != expected_updated_at:
        raise StaleAction(
            _("This review was saved elsewhere since you opened it (another tab or window). Nothing was saved.")
        )
    if review.state == ReviewState.SUBMITTED:
        raise StaleAction(_("This review is submitted and can no longer be changed."))
    return locked, review


def review_store(review: Review, data: ReviewInput, criteria: list[Criterion]) -> None:
    review.recommendation = data.recommendation
    review.confidence = data.confidence
    review.overall_comment = data.overall_comment.strip()
    review.save(update_fields=["recommendation", "confidence", "overall_comment", "updated_at"])
    Score.objects.bulk_create(
        [
            Score(
                review=review,
                criterion=criterion,
                value=data.scores.get(criterion.pk, ScoreInput(None, "")).value,
                comment=data.scores.get(criterion.pk, ScoreInput(None, "")).comment.strip(),
            )
            for criterion in criteria
        ],
        update_conflicts=True,
        unique_fields=["review", "criterion"],
        update_fields=["value", "comment"],
    )


def review_save_draft(
    *, assignment: Assignment, by: User, data: ReviewInput, expected_updated_at: datetime | None
) -> Review:
    """Save what the assessor typed, complete or not, as the review's draft."""
    with transaction.atomic():
        locked, review = review_lock(assignment=assignment, by=by, expected_updated_at=expected_updated_at)
        review_store(review, data, list(locked.rubric.criteria.all()))
    return review


# --- Staff reopen a submitted review ----------------------------------------------------------


def review_for_staff(*, user: User, pk: int) -> Review:
    """Return review ``pk`` with its assignment and call; 404 unless ``user`` is staff of its program."""
    return get_object_or_404(
        Review.objects.filter(in_programs(user, Role.STAFF, "assignment__proposal__call__program")).select_related(
            "assignment__assessor", "assignment__proposal__call", "assignment__rubric"
        ),
        pk=pk,
    )
