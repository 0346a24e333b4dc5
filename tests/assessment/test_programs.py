"""Assessment held per program: staff reach only their programs' calls, assessors assess only for theirs.

Two programs, A and B, each with its own staff; the assessors of A are never offered B's
proposals, the staff of B get a 404 on everything of A and hear nothing of A's proposals.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError
from accounts.models import User
from assessment.choices import AssignmentState, ReviewState
from assessment.models import AssessorInvitation, AssessorProfile, Assignment, Review, Rubric
from assessment.services import assignment as by_hand
from assessment.services import pool as services
from assessment.services.assignment_overview import candidate_assessors
from assessment.services.conflicts import assessors_for_record, conflicts_for_call
from assessment.services.pair_rules import pair_rule_set
from assessment.services.planning import assignment_plan_compute
from assessment.services.rubrics import rubric_for
from intake import program_roles
from intake.models import Call, Program, ProgramRole, Proposal
from intake.selectors import call_for_staff_results
from intake.services.program_roles import program_role_revoke
from intake.states import ProposalState
from records.events import Event
from records.models import Notification
from tests.assessment.reviewing import assignment_make, review_make, rubric_make
from tests.conftest import client_for
from tests.factories import AffiliationFactory, CallFactory, ProgramFactory, ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_task_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    # The invitation email is queued by name; its sending is tested in test_pool.py.
    monkeypatch.setattr(services, "_queue_email", lambda **kwargs: None)


@pytest.fixture
def program_a() -> Program:
    return ProgramFactory(name_en="Ocean cluster")


@pytest.fixture
def program_b(program_a: Program) -> Program:
    # Made after A, and before any user held to one program: the factory gives a new program
    # only to those who hold their role in every other one.
    return ProgramFactory(name_en="Health cluster")


@pytest.fixture
def staff_a(program_a: Program, program_b: Program) -> User:
    return UserFactory(role=Role.STAFF, programs=[program_a], display_name="Alma A-Staff")


@pytest.fixture
def staff_b(program_a: Program, program_b: Program) -> User:
    return UserFactory(role=Role.STAFF, programs=[program_b], display_name="Bert B-Staff")


@pytest.fixture
def call_a(program_a: Program) -> Call:
    return CallFactory(program=program_a)


@pytest.fixture
def call_b(program_b: Program) -> Call:
    return CallFactory(program=program_b)


def _assessor(*programs: Program, **fields: Any) -> User:
    user = UserFactory(role=Role.ASSESSOR, programs=list(programs), **fields)
    AssessorProfile.objects.create(user=user, sectors=["ocean"], keywords=["sensors"], max_assignments_per_call=3)
    return user


def _in_assessment(call: Call, **fields: Any) -> Proposal:
    return ProposalFactory(call=call, state=ProposalState.IN_ASSESSMENT, **fields)


# --- Staff of another program get a 404 ------------------------------------------------------


def _pages_of(call: Call) -> dict[str, str]:
    proposal = _in_assessment(call)
    rubric = rubric_make(call, k=1)
    review = review_make(assignment_make(proposal, rubric=rubric, assessor=_assessor(call.program)))
    return {
        "rubric": reverse("assessment:rubric", kwargs={"pk": call.pk}),
        "results": reverse("assessment:results", kwargs={"pk": call.pk}),
        "results_csv": reverse("assessment:results_csv", kwargs={"pk": call.pk}),
        "conflicts": reverse("assessment:call_conflicts", kwargs={"pk": call.pk}),
        "assignments": reverse("assessment:assignments", kwargs={"pk": call.pk}),
        "assignment_proposal": reverse(
            "assessment:assignment_proposal", kwargs={"pk": call.pk, "proposal_pk": proposal.pk}
        ),
        "review_reopen": reverse("assessment:review_reopen", kwargs={"pk": review.pk}),
    }


PAGES = ["rubric", "results", "results_csv", "conflicts", "assignments", "assignment_proposal", "review_reopen"]


@pytest.mark.parametrize("page", PAGES)
def test_staff_of_another_program_get_404_on_the_calls_pages(
    page: str, call_a: Call, staff_a: User, staff_b: User
) -> None:
    url = _pages_of(call_a)[page]

    assert client_for(staff_b).get(url).status_code == 404
    assert client_for(staff_a).get(url).status_code == 200


def test_the_results_call_read_compiled_once_answers_each_reader_for_their_own_programs(
    call_a: Call, call_b: Call, staff_a: User, staff_b: User
) -> None:
    for _round in range(2):  # the second round replays the reads the first compiled
        read = call_for_staff_results(user=staff_a, pk=call_a.pk)
        assert read == call_a
        with CaptureQueriesContext(connection) as captured:
            kinds = [stage.kind for stage in read.stages.all()]
        assert kinds == [stage.kind for stage in call_a.stages.order_by("position")]
        assert len(captured) == 0  # kept as a prefetch keeps them
        assert call_for_staff_results(user=staff_b, pk=call_b.pk) == call_b
        with pytest.raises(Http404):
            call_for_staff_results(user=staff_a, pk=call_b.pk)
        with pytest.raises(Http404):
            call_for_staff_results(user=staff_b, pk=call_a.pk)
    with pytest.raises(Http404):
        call_for_staff_results(user=UserFactory(role=Role.ASSESSOR, programs=[call_a.program]), pk=call_a.pk)


def test_staff_of_another_program_cannot_reopen_a_review(call_a: Call, staff_b: User) -> None:
    url = _pages_of(call_a)["review_reopen"]

    response = client_for(staff_b).post(url, {"reason": "Scores look swapped."})

    assert response.status_code == 404
    assert Review.objects.get().state == ReviewState.SUBMITTED


def test_staff_of_another_program_cannot_compute_or_assign(call_a: Call, staff_b: User) -> None:
    proposal = _in_assessment(call_a)
    rubric_for(call=call_a)
    client = client_for(staff_b)

    computed = client.post(reverse("assessment:assignment_plan_compute", kwargs={"pk": call_a.pk}))
    assigned = client.post(
        reverse("assessment:assignment_proposal", kwargs={"pk": call_a.pk, "proposal_pk": proposal.pk}),
        {"assign-assessor": _assessor(call_a.program).pk},
    )

    assert (computed.status_code, assigned.status_code) == (404, 404)
    assert not Assignment.objects.exists()


# --- The pool page ---------------------------------------------------------------------------


def test_pool_shows_only_the_staffs_assessors_calls_and_invitations(
    staff_a: User, staff_b: User, call_a: Call, call_b: Call, program_a: Program, program_b: Program
) -> None:
    only_a, only_b, both = _assessor(program_a), _assessor(program_b), _assessor(program_a, program_b)
    AssessorInvitation.objects.create(
        email="for-a@example.org", program=program_a, invited_by=staff_a, expires_at=timezone.now() + timedelta(days=3)
    )
    AssessorInvitation.objects.create(
        email="for-b@example.org", program=program_b, invited_by=staff_b, expires_at=timezone.now() + timedelta(days=3)
    )
    client = client_for(staff_b)

    page = client.get(reverse("assessment:pool"))
    of_a_call = client.get(reverse("assessment:pool"), {"call": call_a.pk})

    assert {row.user for row in page.context["rows"]} == {only_b, both}
    assert list(page.context["calls"]) == [call_b]
    assert [invitation.email for invitation in page.context["invitations"]] == ["for-b@example.org"]
    content = page.content.decode()
    assert only_a.email not in content
    assert "for-a@example.org" not in content
    # Another program's call is not one to choose: the page shows the pool without a load.
    assert of_a_call.context["chosen"] is None
    assert {row.user for row in of_a_call.context["rows"]} == {only_b, both}


def test_pool_for_a_chosen_call_shows_its_programs_assessors(
    staff: User, call_a: Call, program_a: Program, program_b: Program
) -> None:
    only_a, only_b, both = _assessor(program_a), _assessor(program_b), _assessor(program_a, program_b)

    everyone = services.assessor_pool(user=staff)
    for_a = services.assessor_pool(user=staff, call=call_a)

    assert {row.user for row in everyone} >= {only_a, only_b, both}
    assert {row.user for row in for_a} == {only_a, both}


# --- Invitations per program -----------------------------------------------------------------


def test_invite_form_offers_the_staffs_programs_and_preselects_the_only_one(
    staff_a: User, staff: User, program_a: Program, program_b: Program
) -> None:
    form_a = client_for(staff_a).get(reverse("assessment:pool_invite")).context["form"]
    form_all = client_for(staff).get(reverse("assessment:pool_invite")).context["form"]

    assert list(form_a.fields["program"].queryset) == [program_a]
    assert form_a["program"].value() == program_a.pk
    assert set(form_all.fields["program"].queryset) >= {program_a, program_b}
    assert form_all["program"].value() is None


def test_staff_invite_only_for_their_program(staff_b: User, program_a: Program) -> None:
    response = client_for(staff_b).post(
        reverse("assessment:pool_invite"),
        {"program": program_a.pk, "email": "expert@example.org", "language": "en", "message": ""},
    )

    assert response.status_code == 400
    assert "program" in response.context["form"].errors
    with pytest.raises(ActionForbidden):
        services.invitation_send(email="expert@example.org", by=staff_b, program=program_a)
    assert not AssessorInvitation.objects.exists()


def test_an_expert_invited_by_two_programs_assesses_for_both_with_one_profile(
    staff_a: User, staff_b: User, call_a: Call, call_b: Call, program_a: Program, program_b: Program
) -> None:
    by_a = services.invitation_send(email="nora@example.org", by=staff_a, program=program_a)
    # Another program may invite the same address while A's invitation is pending.
    by_b = services.invitation_send(email="nora@example.org", by=staff_b, program=program_b)
    anonymous = Client()
    anonymous.post(
        reverse("assessment:invitation", kwargs={"token": by_a.token}),
        {
            "display_name": "Nora Expert",
            "preferred_language": "en",
            "password1": "a-long-and-uncommon-passphrase",
            "password2": "a-long-and-uncommon-passphrase",
        },
    )
    nora = User.objects.get(email="nora@example.org")
    assert program_roles.program_ids(nora, Role.ASSESSOR) == frozenset({program_a.pk})

    accepted = client_for(nora).post(reverse("assessment:invitation", kwargs={"token": by_b.token}))

    assert accepted.status_code == 302
    nora = User.objects.get(pk=nora.pk)
    assert program_roles.program_ids(nora, Role.ASSESSOR) == frozenset({program_a.pk, program_b.pk})
    grants = ProgramRole.objects.filter(user=nora, role=Role.ASSESSOR)
    assert {(grant.program_id, grant.granted_by_id) for grant in grants} == {
        (program_a.pk, staff_a.pk),
        (program_b.pk, staff_b.pk),
    }
    assert AssessorProfile.objects.filter(user=nora).count() == 1
    AssessorProfile.objects.filter(user=nora).update(max_assignments_per_call=2)
    for call in (call_a, call_b):
        assert nora in [user for user, *_rest in candidate_assessors(proposal=_in_assessment(call))]


def test_invite_refuses_an_assessor_of_the_program_only(
    staff_a: User, staff_b: User, program_a: Program, program_b: Program
) -> None:
    ada = _assessor(program_a, email="ada@example.org")

    with pytest.raises(Exception, match="already an assessor of Ocean cluster"):
        services.invitation_send(email="ada@example.org", by=staff_a, program=program_a)
    invitation = services.invitation_send(email="ada@example.org", by=staff_b, program=program_b)

    assert invitation.program == program_b
    assert ada.acts_in(Role.ASSESSOR, program_a.pk)


def test_accepting_for_a_program_already_held_is_fine(staff_a: User, program_a: Program) -> None:
    ada = _assessor(program_a)
    invitation = AssessorInvitation.objects.create(
        email=ada.email, program=program_a, invited_by=staff_a, expires_at=timezone.now() + timedelta(days=3)
    )

    services.invitation_accept(invitation=invitation, user=ada)

    assert ProgramRole.objects.filter(user=ada, role=Role.ASSESSOR).count() == 1
    assert AssessorProfile.objects.filter(user=ada).count() == 1
    invitation.refresh_from_db()
    assert invitation.accepted_by == ada


def test_an_invitation_sent_before_programs_admits_to_the_pool_and_grants_no_program(
    staff_a: User, applicant: User
) -> None:
    invitation = AssessorInvitation.objects.create(
        email=applicant.email, invited_by=staff_a, expires_at=timezone.now() + timedelta(days=3)
    )

    response = client_for(applicant).post(reverse("assessment:invitation", kwargs={"token": invitation.token}))

    assert response.status_code == 302
    applicant = User.objects.get(pk=applicant.pk)
    assert applicant.has_role(Role.ASSESSOR)
    assert program_roles.program_ids(applicant, Role.ASSESSOR) == frozenset()
    assert not ProgramRole.objects.filter(user=applicant).exists()
    assert AssessorProfile.objects.filter(user=applicant).exists()


def test_an_invitation_of_someone_no_longer_staff_admits_nobody(
    staff_a: User, applicant: User, program_a: Program
) -> None:
    invitation = services.invitation_send(email=applicant.email, by=staff_a, program=program_a)
    grant = ProgramRole.objects.get(user=staff_a, role=Role.STAFF)
    program_role_revoke(by=UserFactory(role=Role.STAFF, programs=[program_a]), grant=grant)

    response = client_for(applicant).post(reverse("assessment:invitation", kwargs={"token": invitation.token}))

    assert response.status_code == 410
    assert "no longer staff of Ocean cluster" in response.content.decode()
    assert not User.objects.get(pk=applicant.pk).has_role(Role.ASSESSOR)
    assert AssessorInvitation.objects.get(pk=invitation.pk).accepted_at is None


# --- Candidates: only the call's program's assessors ----------------------------------------


def test_an_assessor_of_another_program_is_never_a_candidate(
    staff_a: User, call_a: Call, program_a: Program, program_b: Program
) -> None:
    only_a, only_b = _assessor(program_a), _assessor(program_b)
    proposal = _in_assessment(call_a)
    rubric_make(call_a, k=1)

    assert [user for user, *_rest in candidate_assessors(proposal=proposal)] == [only_a]
    assert list(assessors_for_record(call=call_a)) == [only_a]
    outcome = assignment_plan_compute(call=call_a, by=staff_a)
    assert outcome.plan is not None
    assert {pair.assessor_id for pair in outcome.plan.pairs.all()} == {only_a.pk}
    with pytest.raises(DomainError, match="does not assess for this program"):
        by_hand.assignment_create(proposal=proposal, assessor=only_b, by=staff_a)
    with pytest.raises(DomainError, match="does not assess for this program"):
        pair_rule_set(proposal=proposal, assessor=only_b, kind="pin", by=staff_a)
    page = client_for(staff_a).get(
        reverse("assessment:assignment_proposal", kwargs={"pk": call_a.pk, "proposal_pk": proposal.pk})
    )
    offered = {pk for pk, _label in page.context["form"].fields["assessor"].choices if pk}
    ruled = {pk for pk, _label in page.context["rule_form"].fields["assessor"].choices if pk}
    assert offered == ruled == {only_a.pk}


def test_a_plan_with_only_another_programs_assessors_has_no_candidates(
    staff_a: User, call_a: Call, program_b: Program
) -> None:
    _assessor(program_b)
    _in_assessment(call_a)
    rubric_make(call_a, k=1)

    outcome = assignment_plan_compute(call=call_a, by=staff_a)

    assert outcome.plan is None
    assert outcome.reasons


def test_conflicts_page_lists_the_programs_assessors_only(
    staff_a: User, call_a: Call, program_a: Program, program_b: Program
) -> None:
    proposal = _in_assessment(call_a)
    tied_a = _assessor(program_a, display_name="Tied A")
    tied_b = _assessor(program_b, display_name="Tied B")
    for assessor in (tied_a, tied_b):
        AffiliationFactory(assessor=assessor, organization=proposal.lead_organization)

    rows = conflicts_for_call(call=call_a)
    page = client_for(staff_a).get(reverse("assessment:call_conflicts", kwargs={"pk": call_a.pk}))

    assert [row.assessor_name for row in rows] == ["Tied A"]
    assert list(page.context["form"].fields["assessor"].queryset) == [tied_a]
    assert "Tied B" not in page.content.decode()


# --- "Tell staff": only the proposal's program ----------------------------------------------


def _told(event: str) -> set[int]:
    return set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))


def test_a_declined_assignment_tells_only_its_programs_staff(
    staff_a: User, staff_b: User, call_a: Call, program_a: Program
) -> None:
    ada = _assessor(program_a)
    rubric = Rubric.objects.create(call=call_a, stage="application", assessors_per_proposal=1)
    assignment = assignment_make(_in_assessment(call_a), rubric=rubric, assessor=ada, state=AssignmentState.OFFERED)

    response = client_for(ada).post(
        reverse("assessment:respond", kwargs={"pk": assignment.pk}), {"answer": "decline", "reason": "Travelling."}
    )

    assert response.status_code == 302
    assert _told(Event.ASSIGNMENT_DECLINED) == {staff_a.pk}


def test_a_declared_conflict_tells_only_its_programs_staff(
    staff_a: User, staff_b: User, call_a: Call, program_a: Program
) -> None:
    ada = _assessor(program_a)
    rubric = Rubric.objects.create(call=call_a, stage="application", assessors_per_proposal=1)
    assignment = assignment_make(
        _in_assessment(call_a), rubric=rubric, assessor=ada, state=AssignmentState.OFFERED, declared=False
    )

    response = client_for(ada).post(
        reverse("assessment:declare", kwargs={"pk": assignment.pk}),
        {"answer": "conflict", "nature": "I advise the lead organization."},
    )

    assert response.status_code == 302
    assert _told(Event.CONFLICT_DECLARED) == {staff_a.pk}
