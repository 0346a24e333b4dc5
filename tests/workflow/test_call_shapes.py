"""The shapes of call of issue 15, each configured on the staff pages and walked from its first stage to the board.

Protein Industries' three stages: an eligibility questionnaire whose yes-or-no answers must
hold moves a proposal on by itself, two assessors screen its letter of intent, staff invite
it to the full application, which is assessed and approved by the board. NGen's path by
size: under $5M a project goes straight to the full application with one technology
assessment; at or over $5M it writes a letter of intent first. The figure chooses the path
until the first submission, never after. A rolling call with two review cut-offs:
a proposal submitted in each batch, and staff send the first batch to a board meeting.
The steps are in ``tests.workflow.shapes``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from board.models import BoardMeeting
from intake.choices import Advance, IntakeMode, PathFigure, QuestionKind, VersionKind
from intake.models import Answer, Call, Proposal
from intake.states import ProposalState
from tests.browser import follow, submit, text_of
from tests.conftest import client_for
from tests.factories import CallFactory, UserFactory, fill_application
from tests.workflow.shapes import (
    act,
    answers_save,
    applicant_make,
    assessor_make,
    assign,
    board_decides,
    local,
    meeting_plan,
    proposal_create,
    question_add,
    review,
    rubric_set,
    stages_configure,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


@pytest.fixture(autouse=True)
def _sessions_outlast_the_travel(settings: Any) -> None:
    # The stories travel to a later batch and to the meeting's date: sessions must not time out on the way
    # (the timeouts have their own tests, tests/accounts/test_session_timeouts.py).
    month = 30 * 24 * 3600
    settings.SESSION_IDLE_TIMEOUT_SECONDS = settings.SESSION_IDLE_TIMEOUT_STAFF_SECONDS = month
    settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS = settings.SESSION_ABSOLUTE_TIMEOUT_STAFF_SECONDS = month
    settings.SESSION_COOKIE_AGE = month


def _where(proposal: Proposal) -> tuple[str, str, list[str]]:
    stored = Proposal.objects.select_related("stage").get(pk=proposal.pk)
    return stored.state, stored.stage.kind, list(stored.path)


@pytest.fixture
def ngen() -> Call:
    now = timezone.now()
    return cast(Call, CallFactory(review_due_at=now + timedelta(days=100), board_meeting_at=now + timedelta(days=110)))


def test_ngen_path_by_size_from_first_stage_to_the_board(ngen: Call, request: pytest.FixtureRequest) -> None:
    now = timezone.now()
    staff_user = cast(User, UserFactory(role=Role.STAFF))
    staff = client_for(staff_user)
    rubric_set(staff, ngen, VersionKind.APPLICATION, 1)
    stages_configure(staff, ngen, {
        "loi_include": "on", "loi_opens_at": local(ngen, now - timedelta(days=1)),
        "loi_closes_at": local(ngen, now + timedelta(days=20)), "loi_advance": Advance.INVITATION,
        "application_include": "on", "application_opens_at": local(ngen, now - timedelta(days=1)),
        "application_closes_at": local(ngen, now + timedelta(days=60)),
        "intake_mode": IntakeMode.FIXED, "path_figure": PathFigure.ESTIMATED_TOTAL_COST,
        "path_threshold": "5000000", "path_below": [VersionKind.APPLICATION],
    })  # fmt: skip
    _small_user, small_org, small = applicant_make("small@example.com")
    _big_user, big_org, big = applicant_make("big@example.com")

    tiny = proposal_create(small, ngen, small_org, "A small digital twin", "4,999,999")
    large = proposal_create(big, ngen, big_org, "A large production line", "5,000,000")
    assert _where(tiny) == (ProposalState.DRAFT, VersionKind.APPLICATION, [VersionKind.APPLICATION])
    assert _where(large) == (ProposalState.DRAFT, VersionKind.LOI, [VersionKind.LOI, VersionKind.APPLICATION])

    # Before the first submission the figure chooses the path, both ways.
    edit = reverse("intake:proposal_update", args=[large.pk])
    follow(big, submit(big, big.get(edit), values={"estimated_total_cost": "4,000,000"}))
    assert _where(large) == (ProposalState.DRAFT, VersionKind.APPLICATION, [VersionKind.APPLICATION])
    follow(big, submit(big, big.get(edit), values={"estimated_total_cost": "6,000,000"}))
    assert _where(large) == (ProposalState.DRAFT, VersionKind.LOI, [VersionKind.LOI, VersionKind.APPLICATION])

    # The large project's letter of intent, then its invitation to the full application.
    assert "The proposal is now “Letter of intent submitted”." in act(big, large, "submit_loi")
    act(staff, large, "invite", staff=True, reason="A strong consortium.")
    assert _where(large) == (ProposalState.INVITED, VersionKind.APPLICATION, [VersionKind.LOI, VersionKind.APPLICATION])
    # After the first submission the figure no longer moves the path.
    big.post(edit, {"estimated_total_cost": "1,000,000"})
    assert _where(large)[2] == [VersionKind.LOI, VersionKind.APPLICATION]

    # Both full applications, each assessed by one technology assessor.
    expert, expert_client = assessor_make("tech@example.com")
    for client, proposal in ((small, tiny), (big, large)):
        fill_application(proposal)
        assert "The proposal is now “Application submitted”." in act(client, proposal, "submit_application")
        act(staff, proposal, "start_assessment", staff=True)
        assign(staff, proposal, expert)
        review(expert_client, proposal.title, 4)
        assert _where(proposal)[0] == ProposalState.ASSESSED
    assert [v.kind for v in tiny.versions.order_by("number")] == [VersionKind.APPLICATION]
    assert [v.kind for v in large.versions.order_by("number")] == [VersionKind.LOI, VersionKind.APPLICATION]

    # The board approves both.
    chair = cast(User, UserFactory(role=Role.BOARD_MEMBER, display_name="Carla Chair"))
    meeting_pk = meeting_plan(staff, ngen, [chair])
    page = staff.get(reverse("board:meeting_send", kwargs={"pk": meeting_pk}))
    sent = text_of(submit(staff, page, values={"proposals": [str(tiny.pk), str(large.pk)]}))
    assert "Sent A small digital twin" in sent
    assert "Sent A large production line" in sent
    clock = time_machine.travel(BoardMeeting.objects.get(pk=meeting_pk).held_at + timedelta(minutes=1), tick=True)
    clock.start()
    request.addfinalizer(clock.stop)
    chair_client = client_for(chair)
    for proposal in (tiny, large):
        board_decides(chair_client, meeting_pk, proposal, amount="1000000.00")
        assert _where(proposal)[0] == ProposalState.APPROVED


def test_rolling_call_two_cut_offs_one_batch_sent_to_the_board(request: pytest.FixtureRequest) -> None:
    """A rolling call with two cut-offs: a proposal in each batch; staff send the first batch to a meeting."""
    now = timezone.now()
    call = cast(Call, CallFactory(review_due_at=now + timedelta(days=100), board_meeting_at=now + timedelta(days=110)))
    staff_user = cast(User, UserFactory(role=Role.STAFF))
    staff = client_for(staff_user)
    rubric_set(staff, call, VersionKind.APPLICATION, 1)
    first_cut, second_cut = now + timedelta(days=5), now + timedelta(days=15)
    stages_configure(staff, call, {
        "application_include": "on", "application_opens_at": local(call, now - timedelta(days=1)),
        "application_closes_at": local(call, now + timedelta(days=60)), "intake_mode": IntakeMode.ROLLING,
        "cut_offs": "\n".join(local(call, at).replace("T", " ") for at in (first_cut, second_cut)),
    })  # fmt: skip
    assert call.cut_offs.count() == 2
    _u1, org1, early_client = applicant_make("early@example.com")
    _u2, org2, late_client = applicant_make("late@example.com")
    early = proposal_create(early_client, call, org1, "An early sensor", "3,000,000")
    late = proposal_create(late_client, call, org2, "A later sensor", "3,000,000")
    expert, expert_client = assessor_make("tech@example.com")

    fill_application(early)
    act(early_client, early, "submit_application")
    clock = time_machine.travel(first_cut + timedelta(days=2), tick=True)
    coordinates = clock.start()
    request.addfinalizer(clock.stop)
    fill_application(late)
    act(late_client, late, "submit_application")
    for proposal in (early, late):
        act(staff, proposal, "start_assessment", staff=True)
        assign(staff, proposal, expert)
        review(expert_client, proposal.title, 4)
        assert _where(proposal)[0] == ProposalState.ASSESSED
    # A draft left unsubmitted did not expire at the first cut-off (its sweep has its own test).

    chair = cast(User, UserFactory(role=Role.BOARD_MEMBER, display_name="Carla Chair"))
    meeting_pk = meeting_plan(staff, call, [chair])
    page = staff.get(reverse("board:meeting_send", kwargs={"pk": meeting_pk}))
    first = call.cut_offs.order_by("at").first()
    assert first is not None
    sent = text_of(submit(staff, page, values={"batch": str(first.pk)}))
    assert "Sent An early sensor" in sent
    assert "Sent A later sensor" not in sent  # still offered below, assessed and waiting
    assert _where(late)[0] == ProposalState.ASSESSED

    coordinates.move_to(BoardMeeting.objects.get(pk=meeting_pk).held_at + timedelta(minutes=1))
    board_decides(client_for(chair), meeting_pk, early, amount="1000000.00")
    assert _where(early)[0] == ProposalState.APPROVED


def test_protein_industries_three_stages_from_the_questionnaire_to_the_board(request: pytest.FixtureRequest) -> None:
    now = timezone.now()
    call = cast(Call, CallFactory(review_due_at=now + timedelta(days=100), board_meeting_at=now + timedelta(days=110)))
    staff = client_for(cast(User, UserFactory(role=Role.STAFF)))
    rubric_set(staff, call, VersionKind.LOI, 2)
    rubric_set(staff, call, VersionKind.APPLICATION, 1)
    stages_configure(staff, call, {
        "questionnaire_include": "on", "questionnaire_opens_at": local(call, now - timedelta(days=1)),
        "questionnaire_closes_at": local(call, now + timedelta(days=10)), "questionnaire_advance": Advance.AUTOMATIC,
        "loi_include": "on", "loi_opens_at": local(call, now - timedelta(days=1)),
        "loi_closes_at": local(call, now + timedelta(days=20)), "loi_advance": Advance.INVITATION,
        "loi_assessed": "on", "application_include": "on",
        "application_opens_at": local(call, now - timedelta(days=1)),
        "application_closes_at": local(call, now + timedelta(days=60)), "intake_mode": IntakeMode.FIXED,
    })  # fmt: skip
    assert list(call.stages.values_list("kind", "advance", "assessed")) == [
        (VersionKind.QUESTIONNAIRE, Advance.AUTOMATIC, False),
        (VersionKind.LOI, Advance.INVITATION, True),
        (VersionKind.APPLICATION, Advance.INVITATION, True),
    ]
    for english, french in (
        ("Is the lead organization a member of Protein Industries Canada?", "L'organisation est-elle membre ?"),
        ("Is the project carried out in Canada?", "Le projet est-il réalisé au Canada ?"),
    ):
        question_add(staff, call, VersionKind.QUESTIONNAIRE, QuestionKind.YES_NO, {
            "section_en": "Eligibility", "section_fr": "Admissibilité", "label_en": english, "label_fr": french,
            "must_hold_yes_no": "yes",
        })  # fmt: skip
    question_add(staff, call, VersionKind.LOI, QuestionKind.TABLE, {
        "section_en": "Consortium", "section_fr": "Consortium", "label_en": "Project partners and their roles",
        "label_fr": "Partenaires du projet et leurs rôles", "max_rows": "10",
        "columns": "text | Organization | Organisation\ntext | Role | Rôle\nmoney | Contribution | Contribution",
    })  # fmt: skip
    member, residence = call.questions.filter(stage=VersionKind.QUESTIONNAIRE).order_by("position")
    assert (member.must_hold, residence.must_hold) == (True, True)
    partners = call.questions.get(stage=VersionKind.LOI)
    _user, organization, applicant = applicant_make("lead@example.com")
    proposal = proposal_create(applicant, call, organization, "Pea protein isolates", "3,000,000")
    assert _where(proposal) == (
        ProposalState.DRAFT, VersionKind.QUESTIONNAIRE,
        [VersionKind.QUESTIONNAIRE, VersionKind.LOI, VersionKind.APPLICATION],
    )  # fmt: skip

    # The questionnaire's answers hold: submitting it moves the proposal on to the letter of intent by itself.
    answers_save(applicant, proposal, 1, {f"q{member.pk}": "yes", f"q{residence.pk}": "yes"})
    act(applicant, proposal, "submit_loi")
    assert _where(proposal)[:2] == (ProposalState.INVITED, VersionKind.LOI)
    # An answer that does not hold: the questionnaire is submitted but waits for staff.
    _other, other_organization, other = applicant_make("abroad@example.com")
    abroad = proposal_create(other, call, other_organization, "Lentil flour abroad", "3,000,000")
    answers_save(other, abroad, 1, {f"q{member.pk}": "yes", f"q{residence.pk}": "no"})
    act(other, abroad, "submit_loi")
    assert _where(abroad)[:2] == (ProposalState.LOI_SUBMITTED, VersionKind.QUESTIONNAIRE)

    # The letter of intent: the partners' table, then two assessors screen it with the stage's rubric.
    rows = [["Prairie Pulse Inc.", "Lead, processing", "400,000"], ["University of Saskatchewan", "Research", "0"]]
    table = {f"q{partners.pk}-TOTAL_FORMS": "2", f"q{partners.pk}-INITIAL_FORMS": "0"}
    table.update({f"q{partners.pk}-{row}-c{column}": cell for row, cells in enumerate(rows) for column, cell in
                  enumerate(cells)})  # fmt: skip
    answers_save(applicant, proposal, 1, table)
    assert Answer.objects.get(proposal=proposal, question=partners).value == [
        ["Prairie Pulse Inc.", "Lead, processing", "400000.00"],
        ["University of Saskatchewan", "Research", "0.00"],
    ]
    act(applicant, proposal, "submit_loi")
    assert _where(proposal)[:2] == (ProposalState.LOI_SUBMITTED, VersionKind.LOI)
    act(staff, proposal, "start_assessment", staff=True)
    first, first_client = assessor_make("first@example.com")
    second, second_client = assessor_make("second@example.com")
    assign(staff, proposal, first)
    assign(staff, proposal, second)
    review(first_client, proposal.title, 4)
    assert _where(proposal)[:2] == (ProposalState.IN_ASSESSMENT, VersionKind.LOI)
    review(second_client, proposal.title, 3)
    assert _where(proposal)[:2] == (ProposalState.ASSESSED, VersionKind.LOI)

    # Invited to the full application, which one assessor assesses.
    act(staff, proposal, "invite", staff=True, reason="A strong letter of intent.")
    assert _where(proposal)[:2] == (ProposalState.INVITED, VersionKind.APPLICATION)
    fill_application(proposal)
    assert "The proposal is now “Application submitted”." in act(applicant, proposal, "submit_application")
    act(staff, proposal, "start_assessment", staff=True)
    assign(staff, proposal, first)
    review(first_client, proposal.title, 4)
    assert _where(proposal)[0] == ProposalState.ASSESSED
    assert [v.kind for v in proposal.versions.order_by("number")] == [
        VersionKind.QUESTIONNAIRE, VersionKind.LOI, VersionKind.APPLICATION,
    ]  # fmt: skip

    # The board approves it.
    chair = cast(User, UserFactory(role=Role.BOARD_MEMBER, display_name="Carla Chair"))
    meeting_pk = meeting_plan(staff, call, [chair])
    page = staff.get(reverse("board:meeting_send", kwargs={"pk": meeting_pk}))
    assert "Sent Pea protein isolates" in text_of(submit(staff, page, values={"proposals": [str(proposal.pk)]}))
    clock = time_machine.travel(BoardMeeting.objects.get(pk=meeting_pk).held_at + timedelta(minutes=1), tick=True)
    clock.start()
    request.addfinalizer(clock.stop)
    board_decides(client_for(chair), meeting_pk, proposal, amount="1000000.00")
    assert _where(proposal)[0] == ProposalState.APPROVED
