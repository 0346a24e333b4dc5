"""The IP manager's review of applications: who reads which, conflicts, the verdict where staff and the board see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from board.models import AgendaItem, BoardMeeting
from intake.models import Call, ConsortiumMember, Program, Proposal
from records.events import Event
from records.models import AuditRecord, Notification
from registry.models import IPReview, IPVerdict
from registry.services.ip_reviews import ip_review_declare_conflict, ip_review_declare_none, ip_review_submit
from tests.conftest import client_for
from tests.factories import (
    CallFactory,
    ConflictFactory,
    MembershipFactory,
    ProgramFactory,
    ProposalFactory,
    UserFactory,
)
from workflow.access import proposals_visible_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def program() -> Program:
    return ProgramFactory()


@pytest.fixture
def ip_call(program: Program) -> Call:
    return CallFactory(program=program, ip_review=True)


@pytest.fixture
def ip_manager(program: Program) -> User:
    return UserFactory(role=Role.IP_MANAGER, programs=[program], email="ivy@example.com", display_name="Ivy IP")


@pytest.fixture
def submitted(ip_call: Call) -> Proposal:
    return ProposalFactory(call=ip_call, state="submitted", submitted_at=timezone.now())


def _reads(user: User, proposal: Proposal) -> bool:
    return proposals_visible_to(user=user).filter(pk=proposal.pk).exists()


def test_ip_review_read_only_after_declaring_no_conflict(ip_manager: User, submitted: Proposal) -> None:
    assert not _reads(ip_manager, submitted)

    ip_review_declare_none(proposal=submitted, by=ip_manager)

    assert _reads(ip_manager, submitted)


def test_ip_review_never_a_call_without_the_review(ip_manager: User, program: Program) -> None:
    proposal = ProposalFactory(call=CallFactory(program=program, ip_review=False), state="submitted")

    with pytest.raises(ActionForbidden):
        ip_review_declare_none(proposal=proposal, by=ip_manager)
    assert not _reads(ip_manager, proposal)


def test_ip_review_never_another_programs_application(ip_manager: User) -> None:
    elsewhere = ProposalFactory(call=CallFactory(ip_review=True), state="submitted")

    with pytest.raises(ActionForbidden):
        ip_review_declare_none(proposal=elsewhere, by=ip_manager)
    assert not _reads(ip_manager, elsewhere)


def test_ip_review_never_a_draft(ip_manager: User, ip_call: Call) -> None:
    draft = ProposalFactory(call=ip_call)

    with pytest.raises(ActionForbidden):
        ip_review_declare_none(proposal=draft, by=ip_manager)


def test_ip_review_member_of_a_partner_is_conflicted(ip_manager: User, submitted: Proposal) -> None:
    partner = ConsortiumMember.objects.filter(proposal=submitted).first()
    assert partner is not None
    MembershipFactory(user=ip_manager, organization=partner.organization)

    with pytest.raises(DomainError):
        ip_review_declare_none(proposal=submitted, by=ip_manager)
    assert not _reads(ip_manager, submitted)


def test_ip_review_conflict_found_after_declaring_hides_the_application(ip_manager: User, submitted: Proposal) -> None:
    ip_review_declare_none(proposal=submitted, by=ip_manager)
    ConflictFactory(assessor=ip_manager, proposal=submitted)

    assert not _reads(ip_manager, submitted)
    with pytest.raises(ActionForbidden):
        ip_review_submit(proposal=submitted, by=ip_manager, findings="Fine.", verdict=IPVerdict.SATISFACTORY)


def test_ip_review_declared_conflict_tells_staff_and_hides_it(
    ip_manager: User, submitted: Proposal, program: Program, django_capture_on_commit_callbacks
) -> None:
    staff = UserFactory(role=Role.STAFF, programs=[program])

    with django_capture_on_commit_callbacks(execute=True):
        ip_review_declare_conflict(proposal=submitted, by=ip_manager, nature="I advise the lead.")

    assert not _reads(ip_manager, submitted)
    assert Notification.objects.filter(recipient=staff, event=Event.IP_CONFLICT_DECLARED).count() == 2
    assert AuditRecord.objects.filter(proposal=submitted, action="ip_review_conflict").count() == 1
    with pytest.raises(StaleAction):
        ip_review_declare_none(proposal=submitted, by=ip_manager)


def test_ip_review_other_roles_visibility_unchanged(ip_manager: User, submitted: Proposal, program: Program) -> None:
    staff = UserFactory(role=Role.STAFF, programs=[program])
    stranger = UserFactory(role=Role.APPLICANT)

    assert _reads(staff, submitted)
    assert _reads(submitted.lead_applicant, submitted)
    assert not _reads(stranger, submitted)


def test_ip_review_submit_records_audits_and_tells_staff(
    ip_manager: User, submitted: Proposal, program: Program
) -> None:
    staff = UserFactory(role=Role.STAFF, programs=[program])
    ip_review_declare_none(proposal=submitted, by=ip_manager)

    review = ip_review_submit(
        proposal=submitted,
        by=ip_manager,
        findings="The plan leaves the firmware's owner unnamed.",
        verdict=IPVerdict.NEEDS_CHANGES,
        changes_needed="Name the owner of the firmware.",
    )

    assert review.verdict == IPVerdict.NEEDS_CHANGES
    assert AuditRecord.objects.get(proposal=submitted, action="ip_review").data == {"verdict": "needs_changes"}
    assert Notification.objects.filter(recipient=staff, event=Event.IP_REVIEW_RECORDED).count() == 2


def test_ip_review_needs_changes_requires_what(ip_manager: User, submitted: Proposal) -> None:
    ip_review_declare_none(proposal=submitted, by=ip_manager)

    with pytest.raises(ValidationError) as raised:
        ip_review_submit(proposal=submitted, by=ip_manager, findings="Gaps.", verdict=IPVerdict.NEEDS_CHANGES)

    assert "changes_needed" in raised.value.message_dict
    assert not IPReview.objects.exists()


def test_ip_review_stale_revision_is_refused(ip_manager: User, submitted: Proposal, program: Program) -> None:
    other = UserFactory(role=Role.IP_MANAGER, programs=[program])
    for person in (ip_manager, other):
        ip_review_declare_none(proposal=submitted, by=person)
    ip_review_submit(proposal=submitted, by=ip_manager, findings="Fine.", verdict=IPVerdict.SATISFACTORY)

    with pytest.raises(StaleAction):
        ip_review_submit(proposal=submitted, by=other, findings="Not fine.", verdict=IPVerdict.UNSATISFACTORY)


def test_ip_review_pages_list_declare_and_review(ip_manager: User, submitted: Proposal) -> None:
    client = client_for(ip_manager)

    listed = client.get(reverse("ip_review:list"))
    before = client.get(reverse("ip_review:review", args=[submitted.pk]))
    declared = client.post(reverse("ip_review:declare", args=[submitted.pk]), {"answer": "none"})
    page = client.get(reverse("ip_review:review", args=[submitted.pk]))
    refused = client.post(
        reverse("ip_review:review", args=[submitted.pk]), {"findings": "Gaps.", "verdict": "needs_changes"}
    )
    saved = client.post(
        reverse("ip_review:review", args=[submitted.pk]),
        {"findings": "Gaps.", "verdict": "needs_changes", "changes_needed": "Name the owner."},
    )

    assert submitted.title in listed.content.decode()
    assert before.status_code == 404
    assert declared.status_code == 302
    assert page.status_code == 200
    assert refused.status_code == 400
    assert "Say what the applicants must change." in refused.content.decode()
    assert saved.status_code == 302
    assert IPReview.objects.get(proposal=submitted).changes_needed == "Name the owner."


def test_ip_review_list_queries_constant(ip_manager: User, ip_call: Call, django_assert_max_num_queries) -> None:
    client = client_for(ip_manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("ip_review:list")).status_code == 200
        return len(queries)

    ProposalFactory(call=ip_call, state="submitted")
    one = count()
    for _ in range(4):
        ProposalFactory(call=ip_call, state="submitted")

    assert count() == one


def _review(proposal: Proposal, ip_manager: User) -> IPReview:
    ip_review_declare_none(proposal=proposal, by=ip_manager)
    return ip_review_submit(
        proposal=proposal,
        by=ip_manager,
        findings="The firmware's owner is unnamed.",
        verdict=IPVerdict.NEEDS_CHANGES,
        changes_needed="Name the owner of the firmware.",
    )


def test_ip_review_verdict_on_staff_page_offers_request_changes(
    ip_manager: User, submitted: Proposal, program: Program
) -> None:
    _review(submitted, ip_manager)
    staff = client_for(UserFactory(role=Role.STAFF, programs=[program]))

    page = staff.get(reverse("workflow:proposal_detail", args=[submitted.pk])).content.decode()
    prefilled = staff.get(reverse("workflow:proposal_detail", args=[submitted.pk]) + "?prefill=ip_review")

    assert "Needs changes" in page
    assert "?prefill=ip_review#action-request_changes" in page
    assert prefilled.status_code == 200
    form = next(form for form, _unmet in prefilled.context["action_forms"] if form.action == "request_changes")
    assert form.initial["message"] == "Name the owner of the firmware."
    assert submitted.__class__.objects.get(pk=submitted.pk).state == "submitted"


def _meeting(call: Call, member: User) -> BoardMeeting:
    meeting = BoardMeeting.objects.create(
        call=call, held_at=timezone.now() + timedelta(days=7), quorum=1, chair=member, created_by=UserFactory()
    )
    meeting.members.add(member)
    return meeting


def test_ip_review_verdict_on_the_board_agenda_in_constant_queries(ip_manager: User, ip_call: Call) -> None:
    board = UserFactory(role=Role.BOARD_MEMBER, programs=[ip_call.program])
    meeting = _meeting(ip_call, board)
    client = client_for(board)
    first = ProposalFactory(call=ip_call, state="board_review", submitted_at=timezone.now())
    AgendaItem.objects.create(meeting=meeting, proposal=first)

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("board:meeting_agenda", args=[meeting.pk]))
        assert response.status_code == 200
        return len(queries), response.content.decode()

    without, _page = count()
    _review(first, ip_manager)
    for _ in range(3):
        other = ProposalFactory(call=ip_call, state="board_review", submitted_at=timezone.now())
        AgendaItem.objects.create(meeting=meeting, proposal=other)
        _review(other, ip_manager)
    many, page = count()

    assert many == without
    assert page.count("Name the owner of the firmware.") == 4
