"""Assign one assessor to one proposal by hand, and withdraw an assignment.

A pair assigned by hand passes the same checks as a pair of the optimal plan
(``pair_checks``); the assessor is told at once.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError, StaleAction
from accounts.models import User
from assessment.choices import AssignmentState, ReviewState
from assessment.models import Assignment, Review
from assessment.services.pair_checks import LIVE, assessor_load, pair_check, rubric_at
from assessment.services.standings import stage_standings_create
from intake.locks import proposal_locked
from intake.models import Proposal
from records.events import Event
from records.notifications import notification_list_create, notification_rows


def assignment_create(*, proposal: Proposal, assessor: User, by: User, due_at: datetime | None = None) -> Assignment:
    """Assign one assessor to one proposal by hand, with the same checks as the optimal plan.

    The assignment is under the rubric of the stage the proposal is in, whose k it fills.
    """
    with transaction.atomic():
        locked = proposal_locked(Proposal.objects.select_for_update().select_related("call", "stage"), proposal.pk)
        rubric = rubric_at(proposal=locked)
        profile = pair_check(proposal=locked, assessor=assessor, rubric=rubric)
        if assessor_load(assessor, locked.call_id) >= profile.max_assignments_per_call:
            raise DomainError(
                _("%(name)s already has %(cap)d assignments in this call, their most.")
                % {"name": assessor, "cap": profile.max_assignments_per_call}
            )
        if (
            Assignment.objects.filter(proposal=locked, rubric=rubric, state__in=LIVE).count()
            >= rubric.assessors_per_proposal
        ):
            raise DomainError(
                _("This proposal already has its %(k)d assessors.") % {"k": rubric.assessors_per_proposal}
            )
        due = due_at or locked.call.review_due_at
        if due <= timezone.now():
            raise DomainError(_("The due date must be in the future."))
        assignment = Assignment.objects.create(
            proposal=locked, assessor=assessor, rubric=rubric, due_at=due, assigned_by=by
        )
        stage_standings_create([(locked.pk, rubric.pk)])
        notification_list_create(
            notification_rows(
                event=Event.ASSIGNMENTS_OFFERED,
                recipients=[assessor],
                occurrence=f"assignment-{assignment.pk}",
                proposal=locked,
                context={"assignments": [{"id": locked.pk, "title": locked.title}], "due_at": due.isoformat()},
            )
        )
    return assignment


def assignment_withdraw(*, assignment: Assignment, by: User) -> Assignment:
    """Withdraw an offered or accepted assignment, freeing the slot; a submitted review cannot be withdrawn."""
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
        if locked is None or locked.state not in LIVE:
            raise StaleAction(_("This assignment was already withdrawn or declined."))
        if Review.objects.filter(assignment=locked, state=ReviewState.SUBMITTED).exists():
            raise DomainError(_("The assessor has submitted the review; it cannot be withdrawn."))
        locked.state = AssignmentState.WITHDRAWN
        locked.save(update_fields=["state", "updated_at"])
    return locked
