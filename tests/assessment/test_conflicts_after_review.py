"""A conflict recorded after the assessor submitted their review: the review is set aside, kept and audited,
counted nowhere, and staff are told a replacement assessor is needed."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from assessment.choices import AssignmentState, ReviewState
from assessment.models import Conflict, Review, Rubric, Standing
from assessment.services import reviews
from assessment.services.results import call_results, call_scores_csv
from intake.models import Proposal
from intake.states import ProposalState
from records import notifications
from records.events import Channel, Event
from records.models import AuditRecord, Notification
from tests.assessment.reviewing import assignment_make, review_make, rubric_make
from tests.concurrency import race, require_row_locks
from tests.conftest import client_for
from tests.factories import ProposalFactory, UserFactory
from workflow import reviews as review_actions
from workflow.reviews import conflict_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessed() -> tuple[Proposal, Review, Review]:
    """An assessed proposal with its two required reviews in: one all highest, one all lowest."""
    proposal = cast(Proposal, ProposalFactory(state=ProposalState.ASSESSED, title="Tidal turbines"))
    rubric = rubric_make(proposal.call, k=2)
    high = review_make(assignment_make(proposal, rubric=rubric))
    low = review_make(assignment_make(proposal, rubric=rubric), values=[0, 0])
    return proposal, high, low


def test_conflict_after_submission_removes_the_review_from_the_standing(
    staff: User, assessed: tuple[Proposal, Review, Review], django_capture_on_commit_callbacks: Any
) -> None:
    proposal, high, low = assessed
    assert Standing.objects.get(proposal=proposal).total == 50.0

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        conflict_record(
            by=staff, assessor=low.assignment.assessor, proposal=proposal, nature="Joined the lead's board."
        )

    standing = Standing.objects.get(proposal=proposal)
    assert (standing.total, standing.reviews) == (100.0, 1)
    low.refresh_from_db()
    assert (low.state, low.submitted_at is not None, low.scores.count()) == (ReviewState.SET_ASIDE, True, 2)
    high.refresh_from_db()
    assert high.state == ReviewState.SUBMITTED
    low.assignment.refresh_from_db()
    assert low.assignment.state == AssignmentState.WITHDRAWN
    assert len(callbacks) >= 1


def test_conflict_after_submission_reopens_the_assessment_and_is_audited(
    staff: User, assessed: tuple[Proposal, Review, Review]
) -> None:
    proposal, _high, low = assessed

    conflict_record(by=staff, assessor=low.assignment.assessor, proposal=proposal, nature="Former student.")

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.IN_ASSESSMENT
    assert proposal.required_reviews_missing() == 1
    record = AuditRecord.objects.get(proposal=proposal, action="set_aside_review")
    assert (record.actor, record.reason, record.data) == (
        staff,
        "Former student.",
        {"review": low.pk, "assessor": low.assignment.assessor_id},
    )
    assert AuditRecord.objects.filter(proposal=proposal, action="reopen_assessment").count() == 1


def test_conflict_after_submission_tells_staff_a_replacement_is_needed(
    staff: User,
    assessed: tuple[Proposal, Review, Review],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proposal, _high, low = assessed
    other_staff = cast(User, UserFactory(role=Role.STAFF))
    UserFactory(role=Role.ASSESSOR)
    queued: list[int] = []
    monkeypatch.setattr(notifications, "_queue", lambda ids: queued.extend(ids))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        conflict_record(by=staff, assessor=low.assignment.assessor, proposal=proposal, nature="Spouse.")
    assert queued == []
    for callback in callbacks:
        callback()

    told = Notification.objects.filter(event=Event.REVIEW_SET_ASIDE, proposal=proposal)
    assert set(told.values_list("recipient_id", "channel")) == {
        (staff.pk, Channel.INBOX),
        (staff.pk, Channel.EMAIL),
        (other_staff.pk, Channel.INBOX),
        (other_staff.pk, Channel.EMAIL),
    }
    assert sorted(queued) == sorted(told.filter(channel=Channel.EMAIL).values_list("pk", flat=True))
    assert told.get(recipient=staff, channel=Channel.INBOX).context == {
        "assessor": str(low.assignment.assessor),
        "nature": "Spouse.",
    }


def test_conflict_after_submission_results_and_export_agree(
    staff: User, assessed: tuple[Proposal, Review, Review]
) -> None:
    proposal, high, low = assessed

    conflict_record(by=staff, assessor=low.assignment.assessor, proposal=proposal, nature="Spouse.")

    row = call_results(call=proposal.call).rows[0]
    assert (row.submitted, row.scores.total, [review for _name, review in row.reviews]) == (1, 100.0, [high.pk])
    csv = "".join(call_scores_csv(call=proposal.call))
    assert low.assignment.assessor.display_name not in csv
    assert high.assignment.assessor.display_name in csv
    page = client_for(staff).get(reverse("assessment:results", kwargs={"pk": proposal.call_id}))
    assert page.status_code == 200


def test_conflict_without_a_submitted_review_sets_nothing_aside(staff: User) -> None:
    proposal = cast(Proposal, ProposalFactory(state=ProposalState.IN_ASSESSMENT))
    rubric = rubric_make(proposal.call, k=2)
    draft = review_make(assignment_make(proposal, rubric=rubric), submitted=False)

    conflict_record(by=staff, assessor=draft.assignment.assessor, proposal=proposal, nature="Spouse.")

    draft.refresh_from_db()
    assert draft.state == ReviewState.DRAFT
    assert not Notification.objects.filter(event=Event.REVIEW_SET_ASIDE).exists()
    assert not AuditRecord.objects.filter(action="set_aside_review").exists()


# --- Two at once (PostgreSQL) ----------------------------------------------------------------------


@pytest.mark.postgres
def test_conflict_recorded_while_the_review_is_submitted_never_counts_it(transactional_db: None) -> None:
    require_row_locks()
    staff = cast(User, UserFactory(role=Role.STAFF))
    proposal = cast(Proposal, ProposalFactory(state=ProposalState.IN_ASSESSMENT))
    rubric = rubric_make(proposal.call, k=2)
    review_make(assignment_make(proposal, rubric=rubric))
    Rubric.objects.filter(pk=rubric.pk).update(locked_at=timezone.now())
    assignment = assignment_make(proposal, rubric=rubric)
    data = reviews.ReviewInput(
        scores={c.pk: reviews.ScoreInput(c.scale_min, "Weak.") for c in rubric.criteria.all()},
        recommendation="do_not_fund",
        confidence="high",
        overall_comment="",
    )

    outcomes = race(
        [
            lambda: review_actions.review_submit(
                assignment=assignment, by=assignment.assessor, data=data, expected_updated_at=None
            ),
            lambda: conflict_record(by=staff, assessor=assignment.assessor, proposal=proposal, nature="Spouse."),
        ]
    )

    # Either the review went in first and was set aside, or the conflict came first and the submission found nothing.
    assert isinstance(outcomes[1], Conflict), outcomes
    assert isinstance(outcomes[0], (Review, Http404)), outcomes
    assert not Review.objects.filter(assignment=assignment, state=ReviewState.SUBMITTED).exists()
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.IN_ASSESSMENT
    standing = Standing.objects.get(proposal=proposal)
    assert (standing.total, standing.reviews) == (100.0, 1)
