"""The staff home: a work queue across the calls of the staff member's programs, each kind a count and a link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from assessment.choices import AssignmentState
from board.models import BoardMeeting
from intake.choices import VersionKind
from intake.models import Call, Program, ProgramRole, Proposal
from intake.states import ProposalState
from projects.agreements import agreements_draft
from projects.models import (
    Claim,
    ClaimState,
    MilestoneCompletion,
    Project,
    ProjectMilestone,
    ProjectPartner,
    Report,
    ReportState,
    Signature,
)
from tests.assessment.reviewing import assignment_make, review_make, rubric_make
from tests.board.making import board_members_make, meeting_make
from tests.conftest import client_for
from tests.factories import AgendaItemFactory, CallFactory, ProjectFactory, ProposalFactory, UserFactory
from tests.factories.intake import ProgramFactory
from workflow.work_queue import staff_work_queue

pytestmark = pytest.mark.django_db

S = ProposalState


def _proposal(call: Call, state: str, **fields: Any) -> Proposal:
    return cast(Proposal, ProposalFactory(call=call, state=state, **fields))


def _every_kind(call: Call) -> dict[str, Any]:
    """Give ``call`` one piece of each kind of waiting work; return what the links should lead to."""
    now = timezone.now()
    _proposal(call, S.LOI_SUBMITTED, submitted_at=now - timedelta(days=9))
    _proposal(call, S.SUBMITTED, submitted_at=now - timedelta(days=8))
    rubric = rubric_make(call, k=2)
    short = _proposal(call, S.IN_ASSESSMENT)
    assignment_make(short, rubric=rubric)  # 1 of 2 assessors
    late = _proposal(call, S.IN_ASSESSMENT)
    assignment_make(late, rubric=rubric, due_at=now - timedelta(days=3))
    review_make(assignment_make(late, rubric=rubric))
    _proposal(call, S.ASSESSED)
    members = board_members_make(2)
    coming = meeting_make(call, members=members, days=5)
    before = _proposal(call, S.BOARD_REVIEW)
    AgendaItemFactory(meeting=coming, proposal=before)
    held = meeting_make(call, members=members, held_at=now - timedelta(days=2))
    AgendaItemFactory(meeting=held, proposal=_proposal(call, S.APPROVED))
    return {"coming": coming, "held": held}


def _project_work(call: Call) -> dict[str, Project]:
    """Give ``call`` a project in contracting lacking signatures and an active one with a claim, a report and a
    milestone waiting for staff; return both projects."""
    now = timezone.now()
    signing = cast(Project, ProjectFactory(proposal__call=call, proposal__state=S.CONTRACTING))
    agreements_draft(project=signing)
    funding = signing.agreements.get(kind="funding")
    lead = signing.partners.get(is_lead=True)
    signer = cast(User, UserFactory())
    Signature.objects.create(
        agreement=funding, partner=lead, signer=signer, organization=lead.organization, version=1,
        sha256=funding.sha256, adapter="built-in",
    )  # fmt: skip
    active = cast(Project, ProjectFactory(proposal__call=call))
    partner = active.partners.get(is_lead=True)
    person = cast(User, UserFactory())
    start = active.started_on
    assert start is not None
    Claim.objects.create(
        project=active, partner=partner, period=1, period_start=start, period_end=start + timedelta(days=90),
        state=ClaimState.SUBMITTED, created_by=person, submitted_at=now - timedelta(days=6),
    )  # fmt: skip
    Claim.objects.create(  # a draft waits for the partner, not for staff
        project=active, partner=partner, period=2, period_start=start, period_end=start + timedelta(days=90),
        created_by=person,
    )  # fmt: skip
    Report.objects.create(
        project=active, period=1, starts_on=start, ends_on=start + timedelta(days=90),
        state=ReportState.SUBMITTED, created_by=person, submitted_at=now - timedelta(days=5),
    )  # fmt: skip
    Report.objects.create(project=active, period=2, starts_on=start, ends_on=start, created_by=person)
    milestone = ProjectMilestone.objects.create(project=active, title="Prototype", month=2, due_on=start)
    MilestoneCompletion.objects.create(milestone=milestone, note="Built.", submitted_by=person)
    return {"signing": signing, "active": active}


def test_the_staff_home_lists_each_kind_of_waiting_work_with_its_count_and_link() -> None:
    call = cast(Call, CallFactory())
    made = _every_kind(call)
    staff = cast(User, UserFactory(role=Role.STAFF))

    work = staff_work_queue(user=staff)

    proposals = reverse("workflow:call_proposals", args=[call.pk])
    assignments = reverse("assessment:assignments", args=[call.pk])
    assert [(item.kind, item.count, item.url) for item in work] == [
        ("letters", 1, f"{proposals}?stage=loi"),
        ("applications", 1, f"{proposals}?stage=application"),
        ("overdue", 1, assignments),
        ("release", 1, reverse("board:meeting_letters", args=[made["held"].pk])),
        ("short", 1, assignments),
        ("assessed", 1, reverse("board:meeting_send", args=[made["coming"].pk])),
        ("votes", 2, reverse("board:meeting_agenda", args=[made["coming"].pk])),
    ]
    assert [item.label for item in work][:2] == [
        "1 letter of intent to screen",
        "1 application whose eligibility to check",
    ]
    page = client_for(staff).get(reverse("workflow:staff_dashboard")).content.decode()
    assert f'href="{proposals}?stage=loi"' in page
    assert "2 votes missing before a coming board meeting" in page
    assert f"{call.program.name} · {call.title}" in page


def test_the_staff_home_lists_the_funded_projects_work_with_its_count_and_link() -> None:
    call = cast(Call, CallFactory())
    made = _project_work(call)
    signing, active = made["signing"], made["active"]
    staff = cast(User, UserFactory(role=Role.STAFF))
    partners = ProjectPartner.objects.filter(project=signing, removed_at__isnull=True).count()

    work = staff_work_queue(user=staff)

    signing_page = reverse("projects:project_detail", args=[signing.pk])
    active_page = reverse("projects:project_detail", args=[active.pk])
    assert [(item.kind, item.count, item.url, item.project) for item in work] == [
        ("claims", 1, reverse("projects:program_claims", args=[call.program_id]), ""),
        ("reports", 1, reverse("projects:report_list", args=[active.pk]), active.proposal.title),
        # Both agreements are owed by every partner; the lead signed one.
        ("signatures", 2 * partners - 1, f"{signing_page}#agreements-heading", signing.proposal.title),
        ("milestones", 1, f"{active_page}#milestones-heading", active.proposal.title),
    ]
    assert [item.label for item in work][:2] == ["1 claim to review", "1 report to review"]
    page = client_for(staff).get(reverse("workflow:staff_dashboard")).content.decode()
    assert f'href="{active_page}#milestones-heading"' in page
    assert "1 milestone marked done to review" in page
    assert active.proposal.title in page


def test_the_funded_projects_done_work_leaves_the_queue() -> None:
    call = cast(Call, CallFactory())
    made = _project_work(call)
    signing, active = made["signing"], made["active"]
    signer = cast(User, UserFactory())
    for agreement in signing.agreements.all():
        for partner in signing.partners.exclude(signatures__agreement=agreement):
            Signature.objects.create(
                agreement=agreement, partner=partner, signer=signer, organization=partner.organization,
                version=agreement.version, sha256=agreement.sha256, adapter="built-in",
            )  # fmt: skip
    Claim.objects.filter(project=active).update(state=ClaimState.APPROVED)
    Report.objects.filter(project=active).update(state=ReportState.ACCEPTED)
    MilestoneCompletion.objects.filter(milestone__project=active).update(outcome="accepted")

    assert staff_work_queue(user=cast(User, UserFactory(role=Role.STAFF))) == []


def test_an_active_projects_redrafted_agreements_wait_for_signatures_again() -> None:
    active = cast(Project, ProjectFactory())
    agreements_draft(project=active)
    staff = cast(User, UserFactory(role=Role.STAFF))

    (item,) = staff_work_queue(user=staff)

    assert (item.kind, item.project) == ("signatures", active.proposal.title)


def test_an_assessed_early_stage_is_to_invite_or_decline() -> None:
    call = cast(Call, CallFactory())
    loi = call.stages.get(kind=VersionKind.LOI)
    _proposal(call, S.ASSESSED, stage=loi)
    staff = cast(User, UserFactory(role=Role.STAFF))

    (item,) = staff_work_queue(user=staff)

    assert (item.label, item.url) == (
        "1 assessed proposal to invite to the next stage or decline",
        reverse("workflow:call_proposals", args=[call.pk]) + "?state=assessed",
    )


def test_assessed_proposals_without_a_coming_meeting_link_to_planning_one() -> None:
    call = cast(Call, CallFactory())
    _proposal(call, S.ASSESSED)
    meeting_make(call, held_at=timezone.now() - timedelta(days=1))  # held already: nothing is sent to it
    staff = cast(User, UserFactory(role=Role.STAFF))

    (item,) = staff_work_queue(user=staff)

    assert (item.kind, item.url) == ("assessed", reverse("board:meeting_create", args=[call.pk]))


def test_an_approved_proposal_waits_for_its_contracting_once_its_decision_is_released() -> None:
    call = cast(Call, CallFactory())
    meeting = meeting_make(call, members=board_members_make(1), held_at=timezone.now() - timedelta(days=2))
    approved = _proposal(call, S.APPROVED)
    AgendaItemFactory(meeting=meeting, proposal=approved)
    staff = cast(User, UserFactory(role=Role.STAFF))
    assert [item.kind for item in staff_work_queue(user=staff)] == ["release"]

    released_at = timezone.now() - timedelta(days=1)
    BoardMeeting.objects.filter(pk=meeting.pk).update(decisions_released_at=released_at)
    (item,) = staff_work_queue(user=staff)

    assert (item.kind, item.label, item.since) == ("contracting", "1 approved project whose contracting to start",
                                                    released_at)  # fmt: skip
    assert item.url == reverse("workflow:call_proposals", args=[call.pk]) + "?state=approved"
    Proposal.objects.filter(pk=approved.pk).update(state=S.CONTRACTING)
    assert staff_work_queue(user=staff) == []


def test_done_work_leaves_the_queue() -> None:
    call = cast(Call, CallFactory())
    rubric = rubric_make(call, k=1)
    assessed = _proposal(call, S.IN_ASSESSMENT)
    review_make(assignment_make(assessed, rubric=rubric))
    declined = _proposal(call, S.IN_ASSESSMENT)
    assignment_make(declined, rubric=rubric, state=AssignmentState.DECLINED)
    assignment_make(declined, rubric=rubric)
    member = board_members_make(1)[0]
    meeting = meeting_make(call, members=[member])
    item = AgendaItemFactory(meeting=meeting, proposal=_proposal(call, S.BOARD_REVIEW))
    item.votes.create(member=member, choice="approve")
    released = meeting_make(call, members=[member], held_at=timezone.now() - timedelta(days=1))
    released.decisions_released_at = timezone.now()
    released.save(update_fields=["decisions_released_at"])
    AgendaItemFactory(meeting=released, proposal=_proposal(call, S.DECLINED))
    _proposal(call, S.DRAFT)
    _proposal(call, S.INVITED)

    assert staff_work_queue(user=cast(User, UserFactory(role=Role.STAFF))) == []


def test_staff_of_one_program_never_see_another_programs_work() -> None:
    mine, theirs = ProgramFactory(), ProgramFactory()
    my_call = cast(Call, CallFactory(program=mine))
    their_call = cast(Call, CallFactory(program=theirs, title_en="Their secret call"))
    _every_kind(their_call)
    _project_work(their_call)
    _proposal(my_call, S.LOI_SUBMITTED)
    staff = cast(User, UserFactory(role=Role.STAFF, programs=[mine]))

    work = staff_work_queue(user=staff)
    page = client_for(staff).get(reverse("workflow:staff_dashboard")).content.decode()

    assert [(item.kind, item.call) for item in work] == [("letters", my_call)]
    assert "Their secret call" not in page
    assert staff_work_queue(user=cast(User, UserFactory(role=Role.APPLICANT))) == []


def _queries(client: Client) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("workflow:staff_dashboard"))
    return len(captured), response


def test_the_staff_home_reads_the_same_queries_with_one_call_and_many() -> None:
    first = cast(Program, ProgramFactory())
    _every_kind(cast(Call, CallFactory(program=first)))
    _project_work(cast(Call, CallFactory(program=first)))
    staff = cast(User, UserFactory(role=Role.STAFF, programs=[first]))
    client = client_for(staff)
    client.get(reverse("workflow:staff_dashboard"))  # the session read and renewed once
    one, _response = _queries(client)
    for _ in range(3):
        program = cast(Program, ProgramFactory())
        ProgramRole.objects.get_or_create(user=staff, program=program, role=Role.STAFF)
        for _call in range(2):
            call = cast(Call, CallFactory(program=program))
            _every_kind(call)
            _project_work(call)

    many, response = _queries(client)

    assert len(response.context["work"]) == 7 * (7 + 4)
    assert many == one
    # The session, the user, the second factor and the grants; the queue's eleven reads; the open calls
    # with their stages; the join requests.
    assert one <= 17


def test_calls_are_named_with_their_program_on_the_staff_home() -> None:
    a, b = ProgramFactory(name_en="Ocean Supercluster"), ProgramFactory(name_en="Protein Industries Canada")
    for program in (a, b):
        CallFactory(program=program, title_en="Projects 2027")
    staff = cast(User, UserFactory(role=Role.STAFF))

    page = client_for(staff).get(reverse("workflow:staff_dashboard")).content.decode()

    assert "Proposals of Ocean Supercluster · Projects 2027" in page
    assert "Proposals of Protein Industries Canada · Projects 2027" in page


def test_meetings_elsewhere_are_not_counted() -> None:
    meeting = cast(BoardMeeting, meeting_make(cast(Call, CallFactory())))
    AgendaItemFactory(meeting=meeting)
    staff = cast(User, UserFactory(role=Role.STAFF, programs=[ProgramFactory()]))

    assert staff_work_queue(user=staff) == []
