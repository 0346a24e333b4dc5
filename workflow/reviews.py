"""The assessment's actions that move a proposal: the review that completes it, and what reopens it.

Submitting the last required review completes the proposal's assessment through the
lifecycle's action, in the same transaction; reopening a submitted review, or setting one
aside for a conflict found after it was submitted, reopens an assessed proposal. The
assessor's and staff's other steps (accepting, drafting, declaring) are the assessment
app's (``assessment.services``).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import DomainError, StaleAction
from accounts.models import User
from assessment.choices import ACTIVE_ASSIGNMENT_STATES, AssignmentState, ConflictSource, ReviewState
from assessment.models import Assignment, Conflict, Review
from assessment.services.conflicts import NATURE_MAX_LENGTH
from assessment.services.reviews import ReviewIncomplete, ReviewInput, review_lock, review_missing, review_store
from assessment.services.rubrics import rubric_lock_on_first_review
from assessment.services.standings import standings_refresh
from intake import program_roles
from intake.lifecycle import SYSTEM
from intake.models import Proposal
from intake.states import ProposalState
from records.events import Event
from records.models import AuditRecord
from records.notifications import notify_audiences
from workflow.actions import REOPEN_REVIEW, SET_ASIDE_REVIEW
from workflow.actions.assessment import proposal_complete_assessment, proposal_reopen_assessment


def review_submit(
    *, assignment: Assignment, by: User, data: ReviewInput, expected_updated_at: datetime | None
) -> Review:
    """Save the review and submit it if complete; raise ``ReviewIncomplete`` (draft kept) otherwise.

    Submitting locks the rubric (its first review) and, when it was the proposal's last
    required review, completes the assessment by the lifecycle's action, as Clusterflow.
    """
    with transaction.atomic():
        locked, review = review_lock(assignment=assignment, by=by, expected_updated_at=expected_updated_at)
        criteria = list(locked.rubric.criteria.all())
        review_store(review, data, criteria)
        errors = review_missing(data=data, criteria=criteria)
        if not errors:
            review.state = ReviewState.SUBMITTED
            review.submitted_at = timezone.now()
            review.save(update_fields=["state", "submitted_at", "updated_at"])
            rubric_lock_on_first_review(rubric=locked.rubric)
            standings_refresh([locked.proposal_id])
            proposal = Proposal.objects.select_related("call").get(pk=locked.proposal_id)
            if proposal.state == ProposalState.IN_ASSESSMENT and proposal.required_reviews_missing() == 0:
                proposal_complete_assessment(proposal=proposal, by=SYSTEM, expected_state=ProposalState.IN_ASSESSMENT)
    if errors:
        raise ReviewIncomplete(errors)
    return review


def review_reopen(*, review: Review, by: User, reason: str) -> Review:
    """Return a submitted review to its assessor as a draft, giving the reason (audited on the proposal).

    If the proposal was already assessed, its assessment is reopened too, since a required
    review is no longer in.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason the review is reopened."))
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().select_related("call").get(pk=review.assignment.proposal_id)
        locked = Review.objects.select_for_update().select_related("assignment").get(pk=review.pk)
        if locked.state != ReviewState.SUBMITTED:
            raise StaleAction(
                _("This review is not submitted (it may have been reopened already). Nothing was changed.")
            )
        locked.state = ReviewState.DRAFT
        locked.submitted_at = None
        locked.save(update_fields=["state", "submitted_at", "updated_at"])
        standings_refresh([proposal.pk])
        AuditRecord.objects.create(
            proposal=proposal,
            action=REOPEN_REVIEW.name,
            from_state=proposal.state,
            to_state=proposal.state,
            actor=by,
            reason=reason,
            data={"review": locked.pk, "assessor": locked.assignment.assessor_id},
        )
        if proposal.state == ProposalState.ASSESSED:
            proposal_reopen_assessment(proposal=proposal, by=by, reason=reason)
    return locked


def reviews_set_aside_for_conflict(*, proposal: Proposal, assessor: User, by: User, reason: str) -> list[Review]:
    """Set aside ``assessor``'s submitted reviews of ``proposal``, now known to be conflicted; return them.

    Call it inside the transaction that records the conflict. A set-aside review keeps its
    row, scores and submission time, and counts nowhere (standing, results, export, the
    board's agenda, the reviews required): only ``SUBMITTED`` reviews count. Each is audited
    on the proposal; an assessed proposal goes back to assessment since a required review is
    no longer in; the program's staff are told, after commit, that a replacement assessor is needed.
    """
    locked = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
    reviews = list(
        Review.objects.select_for_update()
        .filter(assignment__proposal=locked, assignment__assessor=assessor, state=ReviewState.SUBMITTED)
        .order_by("pk")
    )
    if not reviews:
        return []
    records = []
    for review in reviews:
        review.state = ReviewState.SET_ASIDE
        review.save(update_fields=["state", "updated_at"])
        records.append(
            AuditRecord.objects.create(
                proposal=locked,
                action=SET_ASIDE_REVIEW.name,
                from_state=locked.state,
                to_state=locked.state,
                actor=by,
                reason=reason,
                data={"review": review.pk, "assessor": assessor.pk},
            )
        )
    standings_refresh([locked.pk])
    if locked.state == ProposalState.ASSESSED and locked.required_reviews_missing() > 0:
        proposal_reopen_assessment(proposal=locked, by=by, reason=reason, expected_state=ProposalState.ASSESSED)
    notify_audiences(
        audiences=[(Event.REVIEW_SET_ASIDE, program_roles.audience(Role.STAFF, locked.call.program_id))],
        occurrence=f"audit{records[0].pk}",
        proposal=locked,
        context={"assessor": str(assessor), "nature": reason},
    )
    return reviews


def conflict_record(*, by: User, assessor: User, proposal: Proposal, nature: str) -> Conflict:
    """Record a conflict on ``assessor``'s behalf and withdraw any live assignment of the pair.

    A review the assessor already submitted is set aside (kept, no longer counted) and
    staff are told a replacement is needed (``reviews_set_aside_for_conflict``).
    """
    nature = nature.strip()
    if not nature:
        raise ValidationError({"nature": _("Say what the conflict is.")})
    try:
        with transaction.atomic():
            # The proposal first, as submitting a review does: one of the two waits for the other.
            Proposal.objects.select_for_update().filter(pk=proposal.pk).values_list("pk").get()
            conflict = Conflict.objects.create(
                assessor=assessor,
                proposal=proposal,
                source=ConflictSource.RECORDED,
                nature=nature[:NATURE_MAX_LENGTH],
                recorded_by=by,
            )
            Assignment.objects.filter(assessor=assessor, proposal=proposal, state__in=ACTIVE_ASSIGNMENT_STATES).update(
                state=AssignmentState.WITHDRAWN, updated_at=timezone.now()
            )
            reviews_set_aside_for_conflict(proposal=proposal, assessor=assessor, by=by, reason=conflict.nature)
    except IntegrityError as error:
        raise ValidationError(
            {
                "assessor": _("A conflict of %(assessor)s with this proposal is already on record.")
                % {"assessor": assessor}
            }
        ) from error
    return conflict
