"""Retention and disposition of unsuccessful proposals: when, what goes, what stays, and legal holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from assessment.choices import AssignmentState, ConflictSource, ReviewState
from assessment.models import Assignment, Conflict, Criterion, Review, Score
from assessment.services.rubrics import rubric_for
from board.models import AgendaItem, BoardConflict, BoardMeeting, DecisionLetter, Vote
from board.services.program import program_overview
from intake.lifecycle import actions_for
from intake.models import (
    Attachment,
    BudgetLine,
    Call,
    CoApplicant,
    ConsortiumMember,
    EligibilityOverride,
    ForegroundIP,
    Milestone,
    Program,
    Proposal,
    ProposalVersion,
)
from intake.states import ProposalState as S
from records.events import Event
from records.models import AuditRecord, Notification
from records.notifications import notify
from tests.factories import (
    AttachmentFactory,
    CallFactory,
    ProgramFactory,
    ProposalFactory,
    ProposalVersionFactory,
    UserFactory,
    user_with_role,
)
from workflow import actions
from workflow.retention import (
    call_legal_hold_lift,
    call_legal_hold_set,
    disposals_upcoming,
    proposal_legal_hold_lift,
    proposal_legal_hold_set,
    proposals_dispose_due,
    proposals_due_for_disposal,
    retention_figures,
)

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)
DECIDED = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.RETENTION_UNSUCCESSFUL_DAYS = 730


@pytest.fixture
def program() -> Program:
    return ProgramFactory(retention_days=100)


@pytest.fixture
def call(program: Program) -> Call:
    return CallFactory(program=program)


def decided(call: Call, *, state: str = S.DECLINED, at: datetime = DECIDED, **fields: Any) -> Proposal:
    """A proposal moved into ``state`` at ``at``, as its audit record says."""
    proposal = ProposalFactory(call=call, state=state, **fields)
    AuditRecord.objects.create(proposal=proposal, action="decide", from_state=S.BOARD_REVIEW, to_state=state, at=at)
    return proposal


def due_moment(program: Program, at: datetime = DECIDED) -> datetime:
    return at + timedelta(days=program.effective_retention_days)


# --- When ---------------------------------------------------------------------------------------


def test_dispose_at_exactly_the_retention_disposes_and_a_second_before_does_not(program: Program, call: Call) -> None:
    proposal = decided(call)

    assert proposals_dispose_due(now=due_moment(program) - SECOND) == 0
    assert Proposal.objects.get(pk=proposal.pk).disposed_at is None
    assert proposals_dispose_due(now=due_moment(program)) == 1
    assert Proposal.objects.get(pk=proposal.pk).disposed_at == due_moment(program)


def test_dispose_uses_the_setting_when_the_program_sets_no_retention(settings: Any) -> None:
    settings.RETENTION_UNSUCCESSFUL_DAYS = 10
    call = CallFactory(program=ProgramFactory(retention_days=None))
    proposal = decided(call, state=S.WITHDRAWN)

    assert proposals_dispose_due(now=DECIDED + timedelta(days=10) - SECOND) == 0
    assert proposals_dispose_due(now=DECIDED + timedelta(days=10)) == 1
    assert Proposal.objects.get(pk=proposal.pk).disposed_at is not None


def test_dispose_takes_every_unsuccessful_state_and_never_an_approved_or_live_proposal(
    program: Program, call: Call
) -> None:
    unsuccessful = {
        decided(call, state=state).pk for state in (S.LOI_DECLINED, S.INELIGIBLE, S.DECLINED, S.WITHDRAWN, S.EXPIRED)
    }
    kept = {decided(call, state=state).pk for state in (S.APPROVED, S.BOARD_REVIEW, S.DRAFT, S.SUBMITTED)}

    assert proposals_dispose_due(now=due_moment(program) + timedelta(days=3650)) == 5
    assert set(Proposal.objects.filter(disposed_at__isnull=False).values_list("pk", flat=True)) == unsuccessful
    assert set(Proposal.objects.filter(disposed_at__isnull=True).values_list("pk", flat=True)) == kept


def test_dispose_counts_from_the_last_move_into_the_final_state(program: Program, call: Call) -> None:
    proposal = decided(call)
    later = DECIDED + timedelta(days=5)
    # Later records that leave the state alone (an extension, a hold lifted) do not move the decision.
    AuditRecord.objects.create(proposal=proposal, action="decide", from_state=S.ASSESSED, to_state=S.DECLINED, at=later)
    AuditRecord.objects.create(
        proposal=proposal, action="note", from_state=S.DECLINED, to_state=S.DECLINED, at=later + timedelta(days=50)
    )

    assert proposals_dispose_due(now=due_moment(program, later) - SECOND) == 0
    assert proposals_dispose_due(now=due_moment(program, later)) == 1


# --- Idempotency and the audit record -----------------------------------------------------------


def test_dispose_twice_changes_nothing_the_second_time(program: Program, call: Call) -> None:
    proposal = decided(call)
    now = due_moment(program)
    proposals_dispose_due(now=now)
    before = (
        Proposal.objects.filter(pk=proposal.pk).values().get(),
        AuditRecord.objects.count(),
        ConsortiumMember.objects.count(),
    )

    assert proposals_dispose_due(now=now + timedelta(days=1)) == 0
    assert (
        Proposal.objects.filter(pk=proposal.pk).values().get(),
        AuditRecord.objects.count(),
        ConsortiumMember.objects.count(),
    ) == before


def test_dispose_writes_one_dispose_record_per_proposal_and_leaves_the_earlier_ones(
    program: Program, call: Call
) -> None:
    first, second = decided(call), decided(call, state=S.EXPIRED)
    earlier = list(AuditRecord.objects.order_by("pk").values_list("pk", "action", "to_state"))

    proposals_dispose_due(now=due_moment(program), chunk=1)

    assert (
        list(AuditRecord.objects.filter(pk__in=[pk for pk, *_ in earlier]).values_list("pk", "action", "to_state"))
        == earlier
    )
    records = AuditRecord.objects.filter(action="dispose").order_by("proposal_id")
    assert [(r.proposal_id, r.from_state, r.to_state, r.actor_id, r.at) for r in records] == [
        (first.pk, S.DECLINED, S.DECLINED, None, due_moment(program)),
        (second.pk, S.EXPIRED, S.EXPIRED, None, due_moment(program)),
    ]
    assert records[0].data == {"decided_at": DECIDED.isoformat()}


def test_dispose_command_disposes_of_what_is_due(program: Program, call: Call, capsys: Any) -> None:
    ProposalFactory(call=call, state=S.DECLINED)  # No record: decided at its last change, now; not due.
    old = decided(call, at=timezone.now() - timedelta(days=101))

    call_command("dispose_due", "--dry-run")
    assert capsys.readouterr().out == "1 proposals are due for disposition.\n"
    call_command("dispose_due")

    assert capsys.readouterr().out == "Disposed of 1 proposals.\n"
    assert list(Proposal.objects.filter(disposed_at__isnull=False).values_list("pk", flat=True)) == [old.pk]


# --- What goes, what stays ----------------------------------------------------------------------


@pytest.fixture
def full(call: Call) -> Proposal:
    """A declined proposal with everything around it: files, versions, reviews, the board's papers."""
    proposal = decided(call, sectors=["manufacturing"], keywords=["twin"], decision_conditions="None.")
    applicant = proposal.lead_applicant
    CoApplicant.objects.create(proposal=proposal, user=user_with_role(Role.APPLICANT), invited_by=applicant)
    AttachmentFactory(proposal=proposal)
    version = ProposalVersionFactory(proposal=proposal)
    version.attachments.set(Attachment.objects.filter(proposal=proposal))
    staff = user_with_role(Role.STAFF)
    EligibilityOverride.objects.create(proposal=proposal, check_code="min_smes", reason="The SME is counted.", by=staff)
    rubric = rubric_for(call=call)
    criterion = Criterion.objects.get_or_create(rubric=rubric, position=1, defaults={"name_en": "I", "name_fr": "I"})[0]
    assignment = Assignment.objects.create(
        proposal=proposal, assessor=user_with_role(Role.ASSESSOR), rubric=rubric, state=AssignmentState.ACCEPTED,
        due_at=DECIDED, decline_reason="",
    )  # fmt: skip
    Assignment.objects.create(
        proposal=proposal, assessor=user_with_role(Role.ASSESSOR), rubric=rubric, state=AssignmentState.DECLINED,
        due_at=DECIDED, decline_reason="I know the lead.",
    )  # fmt: skip
    review = Review.objects.create(
        assignment=assignment, state=ReviewState.SUBMITTED, recommendation="do_not_fund", overall_comment="Weak plan."
    )
    Score.objects.create(review=review, criterion=criterion, value=2, comment="Thin budget.")
    Conflict.objects.create(
        assessor=user_with_role(Role.ASSESSOR), proposal=proposal, source=ConflictSource.DECLARED, nature="My cousin."
    )
    member = user_with_role(Role.BOARD_MEMBER)
    meeting = BoardMeeting.objects.create(call=call, held_at=DECIDED, chair=member, created_by=staff, quorum=1)
    item = AgendaItem.objects.create(meeting=meeting, proposal=proposal)
    Vote.objects.create(item=item, member=member, choice="decline", comment="Not ready.")
    BoardConflict.objects.create(member=user_with_role(Role.BOARD_MEMBER), proposal=proposal, nature="Shareholder.")
    DecisionLetter.objects.create(item=item, language="en", subject="Your proposal", body="Dear Ann, no.")
    notify(event=Event.DECISION_MADE, recipients=[applicant], proposal=proposal, occurrence="x", context={"a": 1})
    return proposal


def test_dispose_removes_the_content_and_personal_data_and_keeps_the_minimal_record(
    program: Program, call: Call, full: Proposal
) -> None:
    before = Proposal.objects.get(pk=full.pk)
    other = decided(call, at=DECIDED + timedelta(days=1))  # Not due yet: untouched.
    other_members = ConsortiumMember.objects.filter(proposal=other).count()

    proposals_dispose_due(now=due_moment(program))

    after = Proposal.objects.get(pk=full.pk)
    texts = ("summary", "challenge", "technology", "expected_partners", "project_description", "work_plan",
             "ip_ownership_terms", "ip_partner_licensing", "ip_member_licensing", "decision_conditions")  # fmt: skip
    numbers = ("jobs_during", "jobs_after", "revenue_during", "revenue_after", "ip_rights_during", "ip_rights_after",
               "smes_scaled_during", "smes_scaled_after")  # fmt: skip
    assert all(getattr(before, name) not in ("", None) for name in (*texts, *numbers))
    assert {name: getattr(after, name) for name in texts} == dict.fromkeys(texts, "")
    assert {name: getattr(after, name) for name in numbers} == dict.fromkeys(numbers, None)
    assert (after.sectors, after.keywords) == ([], [])
    assert after.title == f"#{full.pk}"
    kept = ("call_id", "state", "created_at", "submitted_at", "lead_organization_id", "lead_applicant_id",
            "estimated_total_cost", "estimated_funding_requested", "approved_amount", "version_count")  # fmt: skip
    assert {k: getattr(after, k) for k in kept} == {k: getattr(before, k) for k in kept}
    assert after.requested_at_disposal == Decimal("1000000.00")
    assert ConsortiumMember.objects.filter(proposal=full).count() == 0
    assert BudgetLine.objects.filter(member__proposal=full).count() == 0
    assert Milestone.objects.filter(proposal=full).count() == 0
    assert ForegroundIP.objects.filter(proposal=full).count() == 0
    assert CoApplicant.objects.filter(proposal=full).count() == 0
    assert Attachment.objects.filter(proposal=full).count() == 0
    assert Notification.objects.filter(proposal=full).count() == 0
    assert list(ProposalVersion.objects.filter(proposal=full).values_list("number", "data")) == [(1, {})]
    assert list(EligibilityOverride.objects.filter(proposal=full).values_list("check_code", "reason")) == [
        ("min_smes", "")
    ]
    assert sorted(Assignment.objects.filter(proposal=full).values_list("state", "decline_reason")) == [
        (AssignmentState.ACCEPTED, ""),
        (AssignmentState.DECLINED, ""),
    ]
    assert list(Review.objects.filter(assignment__proposal=full).values_list("recommendation", "overall_comment")) == [
        ("do_not_fund", "")
    ]
    assert list(Score.objects.filter(review__assignment__proposal=full).values_list("value", "comment")) == [(2, "")]
    assert list(Conflict.objects.filter(proposal=full).values_list("nature", flat=True)) == [""]
    assert list(BoardConflict.objects.filter(proposal=full).values_list("nature", flat=True)) == [""]
    assert list(Vote.objects.filter(item__proposal=full).values_list("choice", "comment")) == [("decline", "")]
    assert list(DecisionLetter.objects.filter(item__proposal=full).values_list("subject", "body")) == [("", "")]
    assert AgendaItem.objects.filter(proposal=full).count() == 1
    assert ConsortiumMember.objects.filter(proposal=other).count() == other_members > 0
    assert Proposal.objects.get(pk=other.pk).summary != ""


def test_dispose_deletes_the_attachments_files_from_storage(program: Program, call: Call) -> None:
    proposal = decided(call)
    names = [AttachmentFactory(proposal=proposal).file.name for _ in range(2)]
    kept = AttachmentFactory(proposal=decided(call, at=DECIDED + timedelta(days=1))).file.name
    assert all(default_storage.exists(name) for name in [*names, kept])

    proposals_dispose_due(now=due_moment(program))

    assert [default_storage.exists(name) for name in names] == [False, False]
    assert default_storage.exists(kept)


def test_dispose_keeps_the_programs_figures(program: Program, call: Call) -> None:
    declined, withdrawn = decided(call), decided(call, state=S.WITHDRAWN)
    approved = decided(call, state=S.APPROVED, approved_amount=Decimal("900000"))
    before = program_overview(calls=[call], label="all").total
    assert (before.requested, before.committed) == (Decimal("2000000.00"), Decimal("900000"))

    proposals_dispose_due(now=due_moment(program))

    after = program_overview(calls=[call], label="all").total
    assert Proposal.objects.filter(pk__in=[declined.pk, withdrawn.pk], disposed_at__isnull=False).count() == 2
    assert Proposal.objects.get(pk=approved.pk).disposed_at is None
    assert (after.requested, after.committed, after.by_state, after.industry, after.smes) == (
        before.requested, before.committed, before.by_state, before.industry, before.smes,
    )  # fmt: skip


def test_a_disposed_proposal_cannot_be_acted_on(program: Program, call: Call, staff: User) -> None:
    proposal = decided(call)
    proposals_dispose_due(now=due_moment(program))
    proposal.refresh_from_db()

    assert actions_for(proposal, staff) == []
    assert actions_for(proposal, proposal.lead_applicant) == []
    with pytest.raises(DomainError):
        actions.proposal_withdraw(proposal=proposal, by=proposal.lead_applicant, reason="Changed plans.")
    with pytest.raises(StaleAction):
        proposal_legal_hold_set(proposal=proposal, by=staff, reason="Litigation.")


# --- Legal holds --------------------------------------------------------------------------------


def test_a_proposal_under_legal_hold_is_not_disposed_of_until_lifted(program: Program, call: Call, staff: User) -> None:
    proposal = decided(call)
    proposal_legal_hold_set(proposal=proposal, by=staff, reason="Litigation with a partner.")

    assert proposals_dispose_due(now=due_moment(program) + timedelta(days=900)) == 0
    proposal_legal_hold_lift(proposal=proposal, by=staff, reason="Settled.")
    assert proposals_dispose_due(now=due_moment(program)) == 1


def test_a_call_under_legal_hold_keeps_every_proposal_of_it(program: Program, call: Call, staff: User) -> None:
    held = [decided(call), decided(call, state=S.EXPIRED)]
    elsewhere = decided(CallFactory(program=program))
    call_legal_hold_set(call=call, by=staff, reason="An inquiry into the call.")

    assert proposals_dispose_due(now=due_moment(program)) == 1
    assert Proposal.objects.get(pk=elsewhere.pk).disposed_at is not None
    assert all(Proposal.objects.get(pk=p.pk).disposed_at is None for p in held)
    call_legal_hold_lift(call=call, by=staff, reason="Closed.")
    assert proposals_dispose_due(now=due_moment(program)) == 2


def test_proposal_legal_hold_is_audited_with_who_and_why(call: Call, staff: User) -> None:
    proposal = decided(call)

    proposal_legal_hold_set(proposal=proposal, by=staff, reason="Litigation.")
    proposal_legal_hold_lift(proposal=proposal, by=staff, reason="Settled.")

    records = AuditRecord.objects.filter(proposal=proposal, action__startswith="legal_hold").order_by("pk")
    assert [(r.action, r.actor_id, r.reason, r.from_state, r.to_state) for r in records] == [
        ("legal_hold", staff.pk, "Litigation.", S.DECLINED, S.DECLINED),
        ("legal_hold_lift", staff.pk, "Settled.", S.DECLINED, S.DECLINED),
    ]
    proposal.refresh_from_db()
    assert (proposal.legal_hold_at, proposal.legal_hold_by, proposal.legal_hold_reason) == (None, None, "")


def test_call_legal_hold_records_who_when_and_why_on_the_call_and_logs_it(call: Call, staff: User, caplog: Any) -> None:
    updated_at = call.updated_at
    with caplog.at_level("INFO", logger="clusterflow.retention"):
        held = call_legal_hold_set(call=call, by=staff, reason="An inquiry.")
        lifted = call_legal_hold_lift(call=call, by=staff, reason="Closed.")

    assert (held.legal_hold_by, held.legal_hold_reason, held.legal_hold_at is not None) == (staff, "An inquiry.", True)
    assert (lifted.legal_hold_at, lifted.legal_hold_lifted_by, lifted.legal_hold_lift_reason) == (
        None,
        staff,
        "Closed.",
    )
    assert lifted.updated_at == updated_at
    assert [r.getMessage() for r in caplog.records] == [
        f"Legal hold set on call {call.pk} by user {staff.pk}: An inquiry.",
        f"Legal hold lifted on call {call.pk} by user {staff.pk}: Closed.",
    ]


def test_legal_hold_set_twice_tells_the_second_that_somebody_was_first(call: Call, staff: User) -> None:
    proposal = decided(call)
    proposal_legal_hold_set(proposal=proposal, by=staff, reason="One.")
    call_legal_hold_set(call=call, by=staff, reason="One.")

    with pytest.raises(StaleAction):
        proposal_legal_hold_set(proposal=proposal, by=staff, reason="Two.")
    with pytest.raises(StaleAction):
        call_legal_hold_set(call=call, by=staff, reason="Two.")
    with pytest.raises(StaleAction):
        proposal_legal_hold_lift(proposal=decided(call), by=staff, reason="Nothing to lift.")


def test_legal_hold_needs_staff_and_a_reason(call: Call, staff: User) -> None:
    proposal = decided(call)

    with pytest.raises(ActionForbidden):
        proposal_legal_hold_set(proposal=proposal, by=proposal.lead_applicant, reason="Mine.")
    with pytest.raises(ActionForbidden):
        call_legal_hold_set(call=call, by=UserFactory(role=Role.BOARD_MEMBER), reason="Mine.")
    with pytest.raises(DomainError):
        proposal_legal_hold_set(proposal=proposal, by=staff, reason="   ")


# --- The preview and the figures ---------------------------------------------------------------


def test_disposals_upcoming_lists_what_falls_due_within_30_days_with_due_dates_and_holds(
    program: Program, call: Call, staff: User
) -> None:
    now = due_moment(program)
    overdue = decided(call, at=DECIDED - timedelta(days=3))
    today = decided(call)
    last = decided(call, at=DECIDED + timedelta(days=30))
    decided(call, at=DECIDED + timedelta(days=30) + SECOND)  # Due a second after the window.
    decided(call, state=S.APPROVED)
    decided(CallFactory(), at=DECIDED - timedelta(days=1000))  # Another program.
    proposal_legal_hold_set(proposal=today, by=staff, reason="Litigation.")

    preview = disposals_upcoming(program=program, now=now)

    rows = [(row.proposal.pk, row.due_at) for row in preview.rows]
    assert rows == [
        (overdue.pk, now - timedelta(days=3)),
        (today.pk, now),
        (last.pk, now + timedelta(days=30)),
    ]
    assert (preview.page.paginator.count, preview.held, preview.retention_days) == (3, 1, 100)


def test_retention_figures_give_each_programs_effective_retention(settings: Any) -> None:
    settings.RETENTION_UNSUCCESSFUL_DAYS = 365
    own = ProgramFactory(retention_days=90, name_en="A")
    default = ProgramFactory(retention_days=None, name_en="B")

    assert retention_figures() == [(own, 90), (default, 365)]


def test_proposals_due_for_disposal_leaves_out_the_disposed(program: Program, call: Call) -> None:
    decided(call)
    proposals_dispose_due(now=due_moment(program))

    assert proposals_due_for_disposal(now=due_moment(program) + timedelta(days=1)).count() == 0
