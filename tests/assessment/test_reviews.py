"""The assessor's dashboard, accepting and declining, the review page, submission, completion and reopening."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.errors import DomainError, StaleAction
from accounts.models import User
from assessment.choices import AssignmentState, ConflictSource, ReviewState
from assessment.models import AFFILIATION_CONFLICT_YEARS, Assignment, Conflict, Review, Rubric
from assessment.services import reviews
from intake.models import Attachment, ConsortiumMember, Proposal
from intake.states import ProposalState
from records.events import Channel, Event
from records.models import AuditRecord, Notification
from tests.assessment.reviewing import assessor_make, assignment_make, review_make, rubric_make
from tests.concurrency import race, require_row_locks
from tests.conftest import client_for
from tests.factories import FormerMembershipFactory, OrganizationFactory, ProposalFactory, ProposalVersionFactory
from workflow import reviews as review_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal() -> Proposal:
    proposal = ProposalFactory(state=ProposalState.IN_ASSESSMENT, title="Shared quantum testbed")
    version = ProposalVersionFactory(proposal=proposal, kind="application")
    version.attachments.set(Attachment.objects.filter(proposal=proposal))
    return proposal


@pytest.fixture
def rubric(proposal: Proposal) -> Rubric:
    return rubric_make(proposal.call, k=2)


def _complete(rubric: Rubric, *, comment: str = "Solid.") -> dict[str, Any]:
    data: dict[str, Any] = {"recommendation": "fund", "confidence": "high", "overall_comment": ""}
    for criterion in rubric.criteria.all():
        data[f"score_{criterion.pk}"] = str(criterion.scale_max)
        data[f"comment_{criterion.pk}"] = comment
    return data


def _review_url(assignment: Assignment) -> str:
    return reverse("assessment:review", kwargs={"pk": assignment.pk})


# --- Dashboard -----------------------------------------------------------------------------------


def test_dashboard_shows_each_assignment_with_its_next_step(assessor: User, assessor_client: Client) -> None:
    call_rubric = rubric_make(ProposalFactory().call)
    undeclared = assignment_make(
        ProposalFactory(call=call_rubric.call, title="Undeclared one"),
        rubric=call_rubric,
        assessor=assessor,
        state=AssignmentState.OFFERED,
        declared=False,
    )
    offered = assignment_make(
        ProposalFactory(call=call_rubric.call, title="Offered one"),
        rubric=call_rubric,
        assessor=assessor,
        state=AssignmentState.OFFERED,
    )
    accepted = assignment_make(
        ProposalFactory(call=call_rubric.call, title="Accepted one"), rubric=call_rubric, assessor=assessor
    )
    done = assignment_make(
        ProposalFactory(call=call_rubric.call, title="Done one"), rubric=call_rubric, assessor=assessor
    )
    review_make(done)
    assignment_make(ProposalFactory(title="Somebody else's"), rubric=call_rubric)

    response = assessor_client.get(reverse("assessment:dashboard"))

    assert response.status_code == 200
    steps = {row.proposal.title: row.next_step for row in response.context["live"]}
    assert steps == {"Undeclared one": "declare", "Offered one": "respond", "Accepted one": "review"}
    assert [row.proposal.title for row in response.context["past"]] == ["Done one"]
    body = response.content.decode()
    assert reverse("assessment:declare", kwargs={"pk": undeclared.pk}) in body
    assert reverse("assessment:respond", kwargs={"pk": offered.pk}) in body
    assert _review_url(accepted) in body
    assert "Somebody else&#x27;s" not in body
    assert "Somebody else's" not in body


def test_french_dashboard_names_a_submitted_review_without_a_dangling_date(
    assessor: User, assessor_client: Client, rubric: Rubric
) -> None:
    review_make(assignment_make(ProposalFactory(call=rubric.call), rubric=rubric, assessor=assessor))
    User.objects.filter(pk=assessor.pk).update(preferred_language="fr")

    body = assessor_client.get(reverse("assessment:dashboard")).content.decode()

    assert "<td>Soumise</td>" in body
    assert "Soumise le" not in body


def test_dashboard_shows_a_conflicted_assignment_as_past(
    assessor: User, assessor_client: Client, rubric: Rubric
) -> None:
    assignment = assignment_make(ProposalFactory(call=rubric.call), rubric=rubric, assessor=assessor)
    Conflict.objects.create(assessor=assessor, proposal=assignment.proposal, source=ConflictSource.RECORDED)

    response = assessor_client.get(reverse("assessment:dashboard"))

    assert response.context["live"] == []
    assert [row.next_step for row in response.context["past"]] == ["none"]


def test_dashboard_conflict_of_a_former_membership_ends_with_its_years(
    assessor: User, assessor_client: Client, rubric: Rubric
) -> None:
    """The dashboard's read is compiled once a day: the day after the years end, the conflict is gone."""
    assignment = assignment_make(ProposalFactory(call=rubric.call), rubric=rubric, assessor=assessor)
    organization = OrganizationFactory()
    ConsortiumMember.objects.create(proposal=assignment.proposal, organization=organization)
    left_at = timezone.now() - timedelta(days=365 * AFFILIATION_CONFLICT_YEARS) + timedelta(hours=12)
    FormerMembershipFactory(user=assessor, organization=organization, left_at=left_at)

    conflicted_today = [row.is_conflicted for row in reviews.assignments_of_assessor(user=assessor)]
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        conflicted_later = [row.is_conflicted for row in reviews.assignments_of_assessor(user=assessor)]

    assert (conflicted_today, conflicted_later) == ([True], [False])


@pytest.mark.parametrize("count", [1, 50])
def test_dashboard_reads_in_constant_queries(
    count: int, assessor: User, assessor_client: Client, rubric: Rubric, django_assert_max_num_queries: Any
) -> None:
    proposals = [ProposalFactory(call=rubric.call, application=False) for _ in range(count)]
    for index, proposal in enumerate(proposals):
        assignment = assignment_make(proposal, rubric=rubric, assessor=assessor)
        if index % 2:
            review_make(assignment, submitted=False)

    with django_assert_max_num_queries(6):
        response = assessor_client.get(reverse("assessment:dashboard"))

    assert len(response.context["live"]) == count


# --- Accepting and declining ----------------------------------------------------------------------


def test_accept_records_the_answer_and_opens_the_review(
    assessor: User, assessor_client: Client, rubric: Rubric
) -> None:
    assignment = assignment_make(
        ProposalFactory(call=rubric.call), rubric=rubric, assessor=assessor, state=AssignmentState.OFFERED
    )

    response = assessor_client.post(reverse("assessment:respond", kwargs={"pk": assignment.pk}), {"answer": "accept"})

    assignment.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == _review_url(assignment)
    assert assignment.state == AssignmentState.ACCEPTED
    assert assignment.responded_at is not None


def test_decline_frees_the_slot_and_tells_staff(
    assessor: User, assessor_client: Client, staff: User, rubric: Rubric
) -> None:
    assignment = assignment_make(
        ProposalFactory(call=rubric.call), rubric=rubric, assessor=assessor, state=AssignmentState.OFFERED
    )

    response = assessor_client.post(
        reverse("assessment:respond", kwargs={"pk": assignment.pk}), {"answer": "decline", "reason": "Travelling."}
    )

    assignment.refresh_from_db()
    assert response.status_code == 302
    assert (assignment.state, assignment.decline_reason) == (AssignmentState.DECLINED, "Travelling.")
    told = Notification.objects.filter(event=Event.ASSIGNMENT_DECLINED)
    assert sorted(told.values_list("recipient_id", "channel")) == [(staff.pk, Channel.EMAIL), (staff.pk, Channel.INBOX)]
    assert told.first().context == {"reason": "Travelling.", "assessor": assessor.get_full_name()}
    # The slot is free: the same assessor may be offered the proposal again.
    assignment_make(assignment.proposal, rubric=rubric, assessor=assessor, state=AssignmentState.OFFERED)


def test_decline_without_a_reason_is_refused_beside_the_field(
    assessor: User, assessor_client: Client, rubric: Rubric
) -> None:
    assignment = assignment_make(
        ProposalFactory(call=rubric.call), rubric=rubric, assessor=assessor, state=AssignmentState.OFFERED
    )

    response = assessor_client.post(reverse("assessment:respond", kwargs={"pk": assignment.pk}), {"answer": "decline"})

    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["Give the reason you decline this assignment."]
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.OFFERED


def test_respond_before_declaring_sends_to_the_declaration(
    assessor: User, assessor_client: Client, rubric: Rubric
) -> None:
    assignment = assignment_make(
        ProposalFactory(call=rubric.call),
        rubric=rubric,
        assessor=assessor,
        state=AssignmentState.OFFERED,
        declared=False,
    )

    response = assessor_client.post(reverse("assessment:respond", kwargs={"pk": assignment.pk}), {"answer": "accept"})

    assert response.status_code == 302
    assert response["Location"] == reverse("assessment:declare", kwargs={"pk": assignment.pk})
    with pytest.raises(DomainError):
        reviews.assignment_accept(assignment=assignment, by=assessor)


def test_answering_twice_is_stale(assessor: User, rubric: Rubric) -> None:
    assignment = assignment_make(
        ProposalFactory(call=rubric.call), rubric=rubric, assessor=assessor, state=AssignmentState.OFFERED
    )
    reviews.assignment_accept(assignment=assignment, by=assessor)

    with pytest.raises(StaleAction):
        reviews.assignment_decline(assignment=assignment, by=assessor, reason="Changed my mind.")


def test_another_assessors_assignment_is_not_found(assessor_client: Client, rubric: Rubric) -> None:
    assignment = assignment_make(ProposalFactory(call=rubric.call), rubric=rubric, state=AssignmentState.OFFERED)

    assert assessor_client.get(reverse("assessment:respond", kwargs={"pk": assignment.pk})).status_code == 404
    assert assessor_client.get(_review_url(assignment)).status_code == 404


# --- The review page -------------------------------------------------------------------------------


def test_review_page_shows_the_submitted_version_and_the_criteria(
    assessor: User, assessor_client: Client, proposal: Proposal, rubric: Rubric
) -> None:
    assignment = assignment_make(proposal, rubric=rubric, assessor=assessor)

    response = assessor_client.get(_review_url(assignment))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Shared quantum testbed" in body
    assert "We build a shared testbed." in body  # the frozen project description
    assert "Criterion 1" in body
    assert "How good is aspect 1?" in body
    assert (
        reverse("intake:attachment_download", kwargs={"pk": response.context["sheet"]["attachments"][0]["id"]}) in body
    )


@pytest.mark.parametrize("case", ["offered", "undeclared", "conflicted", "withdrawn"])
def test_review_page_is_not_found_unless_the_proposal_is_the_assessors_to_read(
    case: str, assessor: User, assessor_client: Client, proposal: Proposal, rubric: Rubric
) -> None:
    state = {"offered": AssignmentState.OFFERED, "withdrawn": AssignmentState.WITHDRAWN}.get(
        case, AssignmentState.ACCEPTED
    )
    assignment = assignment_make(proposal, rubric=rubric, assessor=assessor, state=state, declared=case != "undeclared")
    if case == "conflicted":
        Conflict.objects.create(assessor=assessor, proposal=proposal, source=ConflictSource.DECLARED)

    response = assessor_client.get(_review_url(assignment))

    assert response.status_code == 404
    assert b"Shared quantum testbed" not in response.content


def test_save_draft_keeps_an_incomplete_review(
    assessor: User, assessor_client: Client, proposal: Proposal, rubric: Rubric
) -> None:
    assignment = assignment_make(proposal, rubric=rubric, assessor=assessor)
    first = rubric.criteria.get(position=1)

    response = assessor_client.post(
        _review_url(assignment), {f"score_{first.pk}": "3", f"comment_{first.pk}": "Half done.", "save": "1"}
    )

    review = Review.objects.get(assignment=assignment)
    assert response.status_code == 302
    assert review.state == ReviewState.DRAFT
    assert list(review.scores.order_by("criterion__position").values_list("value", "comment")) == [
        (3, "Half done."),
        (None, ""),
    ]


def test_submit_incomplete_saves_the_draft_and_names_each_missing_field(
    assessor: User, assessor_client: Client, proposal: Proposal, rubric: Rubric
) -> None:
    assignment = assignment_make(proposal, rubric=rubric, assessor=assessor)
    first, second = rubric.criteria.order_by("position")
    data = {f"score_{first.pk}": "4", f"comment_{first.pk}": "Good.", f"score_{second.pk}": "7", "submit": "1"}

    response = assessor_client.post(_review_url(assignment), data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors[f"comment_{second.pk}"] == ["Explain your score in a comment."]
    assert errors["recommendation"] == ["Give your overall recommendation."]
    assert errors["confidence"] == ["Say how confident you are in this review."]
    assert f"score_{first.pk}" not in errors
    review = Review.objects.get(assignment=assignment)
    assert review.state == ReviewState.DRAFT
    assert sorted(review.scores.values_list("value", flat=True)) == [4, 7]
    # The page keeps what was typed, and a save from it is not refused as stale.
    assert response.context["form"]["score_" + str(second.pk)].value() == "7"
    kept = {name: value for name, value in response.context["form"].data.dict().items() if name != "submit"}
    again = assessor_client.post(_review_url(assignment), {**kept, "save": "1"})
    assert again.status_code == 302


def test_submit_complete_is_read_only_after_and_locks_the_rubric(
    assessor: User, assessor_client: Client, proposal: Proposal, rubric: Rubric
) -> None:
    assignment = assignment_make(proposal, rubric=rubric, assessor=assessor)

    response = assessor_client.post(_review_url(assignment), {**_complete(rubric), "submit": "1"})

    review = Review.objects.get(assignment=assignment)
    rubric.refresh_from_db()
    assert response.status_code == 302
    assert review.state == ReviewState.SUBMITTED
    assert review.submitted_at is not None
    assert rubric.is_locked
    page = assessor_client.get(_review_url(assignment))
    assert b"can no longer be changed" in page.content
    assert b'name="submit"' not in page.content
    assessor_client.post(_review_url(assignment), {**_complete(rubric, comment="Changed."), "save": "1"})
    assert set(review.scores.values_list("comment", flat=True)) == {"Solid."}


def test_stale_form_is_refused_and_keeps_what_was_typed(
    assessor: User, assessor_client: Client, proposal: Proposal, rubric: Rubric
) -> None:
    assignment = assignment_make(proposal, rubric=rubric, assessor=assessor)
    opened = assessor_client.get(_review_url(assignment))  # no review yet: the form carries no time
    review_make(assignment, submitted=False)  # saved meanwhile in another tab

    response = assessor_client.post(
        _review_url(assignment), {**_complete(rubric, comment="Typed here."), "loaded_at": "", "save": "1"}
    )

    assert opened.status_code == 200
    assert response.status_code == 409
    assert "saved elsewhere" in str(response.context["form"].non_field_errors())
    assert "Typed here." in response.content.decode()
    assert not Review.objects.get(assignment=assignment).scores.filter(comment="Typed here.").exists()


def test_assessor_never_sees_another_assessors_review(
    assessor: User, assessor_client: Client, proposal: Proposal, rubric: Rubric
) -> None:
    assignment = assignment_make(proposal, rubric=rubric, assessor=assessor)
    other = assignment_make(proposal, rubric=rubric, assessor=assessor_make(display_name="Olga Other"))
    review = review_make(other)
    review.scores.update(comment="Olga's secret opinion.")
    review_make(assignment)

    body = assessor_client.get(_review_url(assignment)).content.decode()

    assert "secret opinion" not in body
    assert "Olga Other" not in body


# --- Completion ------------------------------------------------------------------------------------


def test_last_required_review_completes_the_assessment(
    assessor: User, proposal: Proposal, rubric: Rubric, staff: User
) -> None:
    first = assignment_make(proposal, rubric=rubric)
    review_make(first)
    mine = assignment_make(proposal, rubric=rubric, assessor=assessor)
    form_data = reviews.ReviewInput(
        scores={c.pk: reviews.ScoreInput(c.scale_max, "Fine.") for c in rubric.criteria.all()},
        recommendation="fund",
        confidence="high",
        overall_comment="",
    )

    review_actions.review_submit(assignment=mine, by=assessor, data=form_data, expected_updated_at=None)

    proposal.refresh_from_db()
    record = AuditRecord.objects.get(proposal=proposal)
    assert proposal.state == ProposalState.ASSESSED
    assert (record.action, record.actor) == ("complete_assessment", None)
    assert Notification.objects.filter(event=Event.ASSESSMENT_COMPLETED, recipient=staff).count() == 2


def test_a_review_short_of_k_leaves_the_proposal_in_assessment(
    assessor: User, proposal: Proposal, rubric: Rubric
) -> None:
    mine = assignment_make(proposal, rubric=rubric, assessor=assessor)
    form_data = reviews.ReviewInput(
        scores={c.pk: reviews.ScoreInput(c.scale_min, "Weak.") for c in rubric.criteria.all()},
        recommendation="do_not_fund",
        confidence="low",
        overall_comment="",
    )

    review_actions.review_submit(assignment=mine, by=assessor, data=form_data, expected_updated_at=None)

    proposal.refresh_from_db()
    assert proposal.state == ProposalState.IN_ASSESSMENT
    assert proposal.required_reviews_missing() == 1
    assert not AuditRecord.objects.filter(proposal=proposal).exists()


def test_missing_reviews_are_counted_in_the_refusal(proposal: Proposal, rubric: Rubric, staff: User) -> None:
    from workflow.actions.assessment import proposal_complete_assessment
    from workflow.actions.base import ConditionsNotMet

    review_make(assignment_make(proposal, rubric=rubric))
    review_make(assignment_make(proposal, rubric=rubric), submitted=False)

    with pytest.raises(ConditionsNotMet) as refused:
        proposal_complete_assessment(proposal=proposal, by=staff)

    assert refused.value.message == "1 required review is not submitted yet."


# --- Reopening --------------------------------------------------------------------------------------


def test_staff_reopen_a_review_of_an_assessed_proposal(
    staff: User, staff_client: Client, proposal: Proposal, rubric: Rubric
) -> None:
    first, second = (review_make(assignment_make(proposal, rubric=rubric)) for _ in range(2))
    Proposal.objects.filter(pk=proposal.pk).update(state=ProposalState.ASSESSED)

    response = staff_client.post(
        reverse("assessment:review_reopen", kwargs={"pk": second.pk}), {"reason": "Comment contradicts the score."}
    )

    second.refresh_from_db()
    proposal.refresh_from_db()
    assert response.status_code == 302
    assert (second.state, second.submitted_at) == (ReviewState.DRAFT, None)
    assert proposal.state == ProposalState.IN_ASSESSMENT
    records = list(
        AuditRecord.objects.filter(proposal=proposal).values_list("action", "from_state", "to_state", "reason", "data")
    )
    assert records == [
        ("reopen_review", "assessed", "assessed", "Comment contradicts the score.",
         {"review": second.pk, "assessor": second.assignment.assessor_id}),
        ("reopen_assessment", "assessed", "in_assessment", "Comment contradicts the score.", {}),
    ]  # fmt: skip
    assert first.state == ReviewState.SUBMITTED


def test_reopen_needs_a_reason_and_a_submitted_review(staff: User, proposal: Proposal, rubric: Rubric) -> None:
    draft = review_make(assignment_make(proposal, rubric=rubric), submitted=False)

    with pytest.raises(DomainError):
        review_actions.review_reopen(review=draft, by=staff, reason=" ")
    with pytest.raises(StaleAction):
        review_actions.review_reopen(review=draft, by=staff, reason="Why not.")
    assert not AuditRecord.objects.exists()


def test_reopened_review_can_be_changed_and_submitted_again(
    assessor: User, assessor_client: Client, staff: User, proposal: Proposal, rubric: Rubric
) -> None:
    assignment = assignment_make(proposal, rubric=rubric, assessor=assessor)
    review = review_make(assignment)
    review_actions.review_reopen(review=review, by=staff, reason="Check criterion 2.")

    page = assessor_client.get(_review_url(assignment))
    response = assessor_client.post(
        _review_url(assignment),
        {
            **_complete(rubric, comment="Checked."),
            "loaded_at": page.context["form"]["loaded_at"].value(),
            "submit": "1",
        },
    )

    review.refresh_from_db()
    assert response.status_code == 302
    assert review.state == ReviewState.SUBMITTED
    assert set(review.scores.values_list("comment", flat=True)) == {"Checked."}


def test_due_date_shows_in_the_calls_timezone_with_time_left(
    assessor: User, assessor_client: Client, rubric: Rubric
) -> None:
    due = timezone.now().replace(microsecond=0) + timedelta(days=2, hours=1)
    assignment_make(ProposalFactory(call=rubric.call), rubric=rubric, assessor=assessor, due_at=due)

    body = assessor_client.get(reverse("assessment:dashboard")).content.decode()

    assert "(America/Toronto)" in body
    assert "2\xa0days" in body
    assert "left" in body


def test_applicant_never_sees_assessor_names(applicant: User, proposal: Proposal, rubric: Rubric) -> None:
    named = assessor_make(display_name="Nadia Named")
    review_make(assignment_make(proposal, rubric=rubric, assessor=named))
    Proposal.objects.filter(pk=proposal.pk).update(lead_applicant=applicant)

    body = client_for(applicant).get(reverse("intake:proposal_detail", kwargs={"pk": proposal.pk})).content.decode()

    assert "Nadia Named" not in body


# --- Two at once (PostgreSQL) ----------------------------------------------------------------------


@pytest.mark.postgres
def test_last_two_reviews_submitted_at_once_complete_the_assessment_once(transactional_db: None) -> None:
    require_row_locks()
    proposal = ProposalFactory(state=ProposalState.IN_ASSESSMENT)
    rubric = rubric_make(proposal.call, k=3)
    # A first review is in and the rubric locked: nothing but the proposal's lock orders the last two.
    review_make(assignment_make(proposal, rubric=rubric))
    Rubric.objects.filter(pk=rubric.pk).update(locked_at=timezone.now())
    pairs = [
        (assessor, assignment_make(proposal, rubric=rubric, assessor=assessor))
        for assessor in (assessor_make(), assessor_make())
    ]
    data = reviews.ReviewInput(
        scores={c.pk: reviews.ScoreInput(c.scale_max, "Fine.") for c in rubric.criteria.all()},
        recommendation="fund",
        confidence="high",
        overall_comment="",
    )

    outcomes = race(
        [
            lambda who=who, assignment=assignment: review_actions.review_submit(
                assignment=assignment, by=who, data=data, expected_updated_at=None
            )
            for who, assignment in pairs
        ]
    )

    assert all(isinstance(outcome, Review) for outcome in outcomes), outcomes
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ASSESSED
    assert list(AuditRecord.objects.values_list("action", flat=True)) == ["complete_assessment"]


def test_shared_reviews_appear_only_after_one_s_own_is_submitted_and_without_names(
    assessor: User, assessor_client: Client, proposal: Proposal, rubric: Rubric
) -> None:
    rubric.reviews_shared = True
    rubric.save(update_fields=["reviews_shared"])
    assignment = assignment_make(proposal, rubric=rubric, assessor=assessor)
    other = assignment_make(proposal, rubric=rubric, assessor=assessor_make(display_name="Olga Other"))
    review_make(other).scores.update(comment="Olga's shared opinion.")
    review_make(assignment, submitted=False)

    before = assessor_client.get(_review_url(assignment)).content.decode()
    Review.objects.filter(assignment=assignment).update(state=ReviewState.SUBMITTED, submitted_at=timezone.now())
    after = assessor_client.get(_review_url(assignment)).content.decode()

    assert "shared opinion" not in before
    assert "shared opinion" in after
    assert "Assessor 1" in after
    assert "Olga Other" not in after
