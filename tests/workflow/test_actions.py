"""Each action: who may do it, what it requires, what a stale one does, and deadlines to the millisecond."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from board.models import AgendaItem, BoardMeeting
from intake.lifecycle import SYSTEM
from intake.models import Proposal
from intake.states import ProposalState as S
from records.events import Channel, Event
from records.models import AuditRecord, Notification
from tests.assessment.reviewing import reviews_all_in
from tests.board.making import agenda_put, board_members_make, meeting_make, meeting_open, votes_cast
from tests.factories import CallFactory, UserFactory
from workflow import actions
from workflow.actions.base import ConditionsNotMet

MS = timedelta(milliseconds=1)
LATER = timedelta(days=5)


def _due() -> datetime:
    return timezone.now() + timedelta(days=7)


#: action: (a state it leaves, how to call it with valid input).
ACTIONS: dict[str, tuple[str, Callable[..., Proposal]]] = {
    "submit_loi": (S.DRAFT, lambda **kw: actions.proposal_submit_loi(**kw)),
    "invite": (S.LOI_SUBMITTED, lambda **kw: actions.proposal_invite(**kw)),
    "decline_loi": (S.LOI_SUBMITTED, lambda **kw: actions.proposal_decline_loi(reason="Out of scope.", **kw)),
    "submit_application": (S.INVITED, lambda **kw: actions.proposal_submit_application(**kw)),
    "request_changes": (
        S.SUBMITTED,
        lambda **kw: actions.proposal_request_changes(message="Add the budget.", due_at=_due(), **kw),
    ),
    "mark_ineligible": (S.SUBMITTED, lambda **kw: actions.proposal_mark_ineligible(failed_checks="No SME.", **kw)),
    "start_assessment": (S.SUBMITTED, lambda **kw: actions.proposal_start_assessment(**kw)),
    "complete_assessment": (S.IN_ASSESSMENT, lambda **kw: actions.proposal_complete_assessment(**kw)),
    "reopen_assessment": (S.ASSESSED, lambda **kw: actions.proposal_reopen_assessment(reason="Outlier.", **kw)),
    "send_to_board": (
        S.ASSESSED,
        lambda **kw: actions.proposal_send_to_board(meeting=_meeting_of(kw["proposal"]), **kw),
    ),
    "approve": (
        S.BOARD_REVIEW,
        lambda **kw: actions.proposal_approve(amount=Decimal("100000"), rationale="Strong.", **kw),
    ),
    "decline": (S.BOARD_REVIEW, lambda **kw: actions.proposal_decline(rationale="Weak.", **kw)),
    "withdraw": (S.DRAFT, lambda **kw: actions.proposal_withdraw(reason="Partner left.", **kw)),
    "expire": (S.DRAFT, lambda **kw: actions.proposal_expire(**kw)),
}

#: action: the personas allowed to do it.
ALLOWED = {
    "submit_loi": {"lead"},
    "invite": {"staff", "system"},  # the system: an early stage that moves on automatically
    "decline_loi": {"staff"},
    "submit_application": {"lead"},
    "request_changes": {"staff"},
    "mark_ineligible": {"staff"},
    "start_assessment": {"staff"},
    "complete_assessment": {"staff", "system"},
    "reopen_assessment": {"staff"},
    "send_to_board": {"staff"},
    "approve": {"chair"},
    "decline": {"chair"},
    "withdraw": {"lead"},
    "expire": {"system"},
}
#: ``chair``: the chair of the meeting the proposal is on; ``board``: a member of it who votes.
PERSONAS = ["lead", "other_applicant", "staff", "assessor", "board", "chair", "system"]


@pytest.fixture
def people(applicant: User, other_applicant: User, staff: User, assessor: User, board_member: User) -> dict[str, Any]:
    return {
        "lead": applicant,
        "other_applicant": other_applicant,
        "staff": staff,
        "assessor": assessor,
        "board": board_member,
        "chair": UserFactory(role=Role.BOARD_MEMBER, display_name="Cho Chair"),
        "system": SYSTEM,
    }


def _meeting_of(proposal: Proposal) -> BoardMeeting:
    return BoardMeeting.objects.filter(call_id=proposal.call_id).latest("pk")


class Snapshot:
    """What a refused action must leave as it was."""

    def __init__(self, proposal: Proposal) -> None:
        self.pk = proposal.pk
        self.row = self._row()
        self.audit = AuditRecord.objects.count()
        self.notifications = Notification.objects.count()

    def _row(self) -> dict[str, Any]:
        return Proposal.objects.filter(pk=self.pk).values().get()

    def assert_unchanged(self) -> None:
        assert self._row() == self.row
        assert AuditRecord.objects.count() == self.audit
        assert Notification.objects.count() == self.notifications


def _ready(action: str, make_proposal: Any, people: dict[str, Any]) -> Proposal:
    """Return a proposal on which ``action`` may succeed.

    Expiry: deadline passed; completion: reviews in; sending to the board: a meeting of the
    call ahead; decisions: on the agenda of ``chair``'s meeting, ``board`` having voted (quorum 1).
    """
    state, _call = ACTIONS[action]
    proposal = make_proposal(state)
    if action == "complete_assessment":
        reviews_all_in(proposal)
    if action == "send_to_board":
        meeting_make(proposal.call, chair=people["chair"], members=[people["board"]], quorum=1)
    if action in ("approve", "decline"):
        meeting = meeting_make(proposal.call, chair=people["chair"], members=[people["board"]], quorum=1)
        agenda_put(proposal, meeting)
        votes_cast(proposal, [people["board"]])
        meeting_open(meeting)
    if action == "expire":
        Proposal.objects.filter(pk=proposal.pk).update(deadline_extended_for=state,
                                                       deadline_extended_until=timezone.now() - MS)  # fmt: skip
    return proposal


# --- Permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "persona"),
    [(action, persona) for action in ACTIONS for persona in PERSONAS if persona not in ALLOWED[action]],
)
def test_action_by_the_wrong_person_is_forbidden_and_writes_nothing(
    action: str, persona: str, make_proposal: Any, people: dict[str, Any]
) -> None:
    proposal = _ready(action, make_proposal, people)
    before = Snapshot(proposal)

    with pytest.raises(ActionForbidden) as refused:
        ACTIONS[action][1](proposal=proposal, by=people[persona])

    assert refused.value.status == 403
    before.assert_unchanged()


@pytest.mark.parametrize(
    ("action", "persona"), [(action, persona) for action in ACTIONS for persona in sorted(ALLOWED[action])]
)
def test_action_by_the_right_person_moves_the_state_and_audits_it(
    action: str, persona: str, make_proposal: Any, people: dict[str, Any]
) -> None:
    proposal = _ready(action, make_proposal, people)
    from_state = proposal.state
    actor = people[persona]

    done = ACTIONS[action][1](proposal=proposal, by=actor, expected_state=from_state)

    stored = Proposal.objects.get(pk=proposal.pk)
    assert stored.state == done.state != from_state
    record = AuditRecord.objects.get(proposal=proposal)
    assert (record.action, record.from_state, record.to_state, record.actor) == (
        action,
        from_state,
        stored.state,
        None if actor is SYSTEM else actor,
    )
    keys = Notification.objects.filter(proposal=proposal).values_list("key", flat=True)
    assert all(f":audit{record.pk}:" in key for key in keys)


def test_extend_deadline_by_anyone_but_staff_is_forbidden(make_proposal: Any, people: dict[str, Any]) -> None:
    proposal = make_proposal()
    before = Snapshot(proposal)

    for persona in ("lead", "other_applicant", "assessor", "board", "chair", "system"):
        with pytest.raises(ActionForbidden):
            actions.proposal_extend_deadline(
                proposal=proposal, by=people[persona], until=proposal.deadline + LATER, reason="Illness."
            )

    before.assert_unchanged()


# --- Conditions: the message names what is missing ----------------------------------------------


def test_submit_loi_incomplete_names_what_is_missing(make_proposal: Any, applicant: User) -> None:
    proposal = make_proposal(summary="  ", title="")
    before = Snapshot(proposal)

    with pytest.raises(ConditionsNotMet) as refused:
        actions.proposal_submit_loi(proposal=proposal, by=applicant)

    assert refused.value.status == 409
    assert refused.value.message == "The proposal is not complete: it lacks a title, a summary."
    before.assert_unchanged()


def test_submit_loi_before_the_window_opens_says_the_window_is_not_open(make_proposal: Any, applicant: User) -> None:
    proposal = make_proposal()
    before = Snapshot(proposal)

    with time_machine.travel(proposal.call.loi_opens_at - MS, tick=False), pytest.raises(ConditionsNotMet) as refused:
        actions.proposal_submit_loi(proposal=proposal, by=applicant)

    assert refused.value.message == "The stage's window is not open by the server's clock."
    before.assert_unchanged()


def test_submit_application_late_and_incomplete_names_both(make_proposal: Any, applicant: User) -> None:
    proposal = make_proposal(S.INVITED, summary="")

    with (
        time_machine.travel(proposal.call.application_closes_at, tick=False),
        pytest.raises(ConditionsNotMet) as refused,
    ):
        actions.proposal_submit_application(proposal=proposal, by=applicant)

    assert refused.value.message == (
        "The deadline has passed by the server's clock. The proposal is not complete: it lacks a summary."
    )


def test_expire_before_the_deadline_says_it_has_not_passed(make_proposal: Any) -> None:
    proposal = make_proposal()
    before = Snapshot(proposal)

    with pytest.raises(ConditionsNotMet) as refused:
        actions.proposal_expire(proposal=proposal, by=SYSTEM)

    assert refused.value.message == "The deadline has not passed yet."
    before.assert_unchanged()


def test_send_to_board_after_the_meeting_says_it_took_place(
    make_proposal: Any, staff: User, board_member: User
) -> None:
    proposal = make_proposal(S.ASSESSED)
    meeting = meeting_make(proposal.call, chair=board_member, members=[], quorum=1)
    before = Snapshot(proposal)

    with time_machine.travel(meeting.held_at, tick=False), pytest.raises(DomainError) as refused:
        actions.proposal_send_to_board(proposal=proposal, by=staff, meeting=meeting)

    assert refused.value.message == "This board meeting has already taken place: choose one still to be held."
    before.assert_unchanged()
    assert not AgendaItem.objects.exists()


def test_send_to_board_to_a_meeting_of_another_call_is_refused(
    make_proposal: Any, staff: User, board_member: User
) -> None:
    proposal = make_proposal(S.ASSESSED)
    elsewhere = meeting_make(CallFactory(), chair=board_member, members=[], quorum=1)
    before = Snapshot(proposal)

    with pytest.raises(DomainError) as refused:
        actions.proposal_send_to_board(proposal=proposal, by=staff, meeting=elsewhere)

    assert refused.value.message == "This board meeting is not one of the proposal's call."
    before.assert_unchanged()


def test_send_to_board_puts_the_proposal_on_the_meetings_agenda(
    make_proposal: Any, staff: User, board_member: User
) -> None:
    proposal = make_proposal(S.ASSESSED)
    meeting = meeting_make(proposal.call, chair=board_member, members=[], quorum=1)

    actions.proposal_send_to_board(proposal=proposal, by=staff, meeting=meeting)

    item = AgendaItem.objects.get(proposal=proposal)
    assert (item.meeting, item.deferred_to) == (meeting, None)
    record = AuditRecord.objects.get(proposal=proposal)
    assert record.data == {"meeting": meeting.pk, "board_meeting_at": meeting.held_at.isoformat()}


def test_decision_by_the_chair_before_a_quorum_voted_says_how_many_have(
    make_proposal: Any, people: dict[str, Any]
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    voters = board_members_make(2)
    meeting = meeting_make(proposal.call, chair=people["chair"], members=[people["board"], *voters], quorum=3)
    agenda_put(proposal, meeting)
    votes_cast(proposal, voters)
    meeting_open(meeting)
    before = Snapshot(proposal)

    for decide in (ACTIONS["approve"][1], ACTIONS["decline"][1]):
        with pytest.raises(ConditionsNotMet) as refused:
            decide(proposal=proposal, by=people["chair"])
        assert refused.value.message == ("A quorum of 3 board members who are not recused has not voted yet: 2 have.")

    before.assert_unchanged()


def test_decision_on_a_proposal_on_no_agenda_is_forbidden_even_to_a_chair(
    make_proposal: Any, people: dict[str, Any]
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    meeting_make(proposal.call, chair=people["chair"], members=[people["board"]], quorum=1)
    before = Snapshot(proposal)

    with pytest.raises(ActionForbidden):
        ACTIONS["approve"][1](proposal=proposal, by=people["chair"])

    before.assert_unchanged()


# --- Required input --------------------------------------------------------------------------

REQUIRED_INPUT = [
    (
        "decline_loi",
        S.LOI_SUBMITTED,
        "staff",
        lambda **kw: actions.proposal_decline_loi(reason=" ", **kw),
        "Give the reason the letter of intent is not retained.",
    ),
    (
        "request_changes",
        S.SUBMITTED,
        "staff",
        lambda **kw: actions.proposal_request_changes(message="", due_at=_due(), **kw),
        "Say which changes are needed.",
    ),
    (
        "request_changes",
        S.SUBMITTED,
        "staff",
        lambda **kw: actions.proposal_request_changes(message="Add the budget.", due_at=None, **kw),
        "Give the date by which the changes are due.",
    ),
    (
        "request_changes",
        S.SUBMITTED,
        "staff",
        lambda **kw: actions.proposal_request_changes(message="Add the budget.", due_at=timezone.now(), **kw),
        "The due date for the changes must be in the future.",
    ),
    (
        "mark_ineligible",
        S.SUBMITTED,
        "staff",
        lambda **kw: actions.proposal_mark_ineligible(failed_checks="", **kw),
        "Name the eligibility checks the application failed.",
    ),
    (
        "reopen_assessment",
        S.ASSESSED,
        "staff",
        lambda **kw: actions.proposal_reopen_assessment(reason="\n", **kw),
        "Give the reason the assessment is reopened.",
    ),
    (
        "approve",
        S.BOARD_REVIEW,
        "board",
        lambda **kw: actions.proposal_approve(amount=Decimal("1"), rationale="", **kw),
        "Give the rationale of the decision.",
    ),
    (
        "approve",
        S.BOARD_REVIEW,
        "board",
        lambda **kw: actions.proposal_approve(amount=None, rationale="Strong.", **kw),
        "Give the approved amount, above $0.",
    ),
    (
        "approve",
        S.BOARD_REVIEW,
        "board",
        lambda **kw: actions.proposal_approve(amount=Decimal("0"), rationale="Strong.", **kw),
        "Give the approved amount, above $0.",
    ),
    (
        "decline",
        S.BOARD_REVIEW,
        "board",
        lambda **kw: actions.proposal_decline(rationale="", **kw),
        "Give the rationale of the decision.",
    ),
    (
        "withdraw",
        S.INVITED,
        "lead",
        lambda **kw: actions.proposal_withdraw(reason="", **kw),
        "Give the reason you withdraw the proposal.",
    ),
    (
        "extend_deadline",
        S.DRAFT,
        "staff",
        lambda **kw: actions.proposal_extend_deadline(until=timezone.now() + timedelta(days=99), reason="", **kw),
        "Give the reason for the extension.",
    ),
    (
        "extend_deadline",
        S.DRAFT,
        "staff",
        lambda **kw: actions.proposal_extend_deadline(until=timezone.now(), reason="Illness.", **kw),
        "The new deadline must be later than the current one.",
    ),
]


@pytest.mark.parametrize(
    ("action", "state", "persona", "perform", "message"),
    REQUIRED_INPUT,
    ids=[f"{row[0]}-{index}" for index, row in enumerate(REQUIRED_INPUT)],
)
def test_action_without_required_input_says_what_to_give_and_writes_nothing(
    action: str, state: str, persona: str, perform: Any, message: str, make_proposal: Any, people: dict[str, Any]
) -> None:
    proposal = make_proposal(state)
    before = Snapshot(proposal)

    with pytest.raises(DomainError) as refused:
        perform(proposal=proposal, by=people[persona])

    assert type(refused.value) is DomainError
    assert refused.value.message == message
    before.assert_unchanged()


# --- Stale actions ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(ACTIONS))
def test_action_with_a_stale_expected_state_is_refused_and_writes_nothing(
    action: str, make_proposal: Any, people: dict[str, Any]
) -> None:
    proposal = _ready(action, make_proposal, people)
    persona = sorted(ALLOWED[action])[0]
    before = Snapshot(proposal)

    with pytest.raises(StaleAction) as refused:
        ACTIONS[action][1](proposal=proposal, by=people[persona], expected_state=S.APPROVED)

    assert refused.value.status == 409
    assert "Nothing was changed." in refused.value.message
    before.assert_unchanged()


def test_action_from_a_state_it_does_not_leave_is_stale(make_proposal: Any, staff: User) -> None:
    proposal = make_proposal(S.DRAFT)
    before = Snapshot(proposal)

    with pytest.raises(StaleAction) as refused:
        actions.proposal_invite(proposal=proposal, by=staff)

    assert refused.value.message == (
        "This proposal is now “Letter of intent in preparation”, so this action is no longer possible. "
        "Nothing was changed."
    )
    before.assert_unchanged()


def test_second_identical_action_is_stale(make_proposal: Any, applicant: User) -> None:
    proposal = make_proposal()
    actions.proposal_submit_loi(proposal=proposal, by=applicant, expected_state=S.DRAFT)
    before = Snapshot(proposal)

    # The same (now outdated) object, as a second click on an old page would send.
    with pytest.raises(StaleAction):
        actions.proposal_submit_loi(proposal=proposal, by=applicant, expected_state=S.DRAFT)

    before.assert_unchanged()


def test_extend_deadline_in_a_state_without_a_deadline_is_stale(make_proposal: Any, staff: User) -> None:
    proposal = make_proposal(S.SUBMITTED)
    before = Snapshot(proposal)

    with pytest.raises(StaleAction):
        actions.proposal_extend_deadline(
            proposal=proposal, by=staff, until=timezone.now() + timedelta(days=99), reason="Illness."
        )

    before.assert_unchanged()


# --- Extensions ------------------------------------------------------------------------------


def test_extend_deadline_moves_that_proposals_deadline_only_and_is_audited(
    make_proposal: Any, staff: User, applicant: User
) -> None:
    extended, neighbour = make_proposal(), make_proposal()
    original = extended.deadline
    until = original + LATER

    actions.proposal_extend_deadline(proposal=extended, by=staff, until=until, reason="Illness.")

    assert Proposal.objects.get(pk=extended.pk).deadline == until
    assert Proposal.objects.get(pk=neighbour.pk).deadline == original
    record = AuditRecord.objects.get(proposal=extended)
    assert (record.action, record.from_state, record.to_state, record.actor, record.reason, record.data) == (
        "extend_deadline",
        S.DRAFT,
        S.DRAFT,
        staff,
        "Illness.",
        {"from": original.isoformat(), "until": until.isoformat()},
    )
    assert not AuditRecord.objects.filter(proposal=neighbour).exists()
    assert sorted(Notification.objects.values_list("event", "channel", "recipient", "proposal")) == [
        (Event.EXTENSION_GRANTED, Channel.EMAIL, applicant.pk, extended.pk),
        (Event.EXTENSION_GRANTED, Channel.INBOX, applicant.pk, extended.pk),
    ]


def test_extension_lapses_when_the_proposal_moves_on(make_proposal: Any, staff: User, applicant: User) -> None:
    proposal = make_proposal()
    actions.proposal_extend_deadline(
        proposal=proposal, by=staff, until=proposal.call.loi_closes_at + LATER, reason="Illness."
    )
    actions.proposal_submit_loi(proposal=proposal, by=applicant)
    actions.proposal_invite(proposal=proposal, by=staff)

    assert Proposal.objects.get(pk=proposal.pk).deadline == proposal.call.application_closes_at


# --- Deadline boundaries, to the millisecond, by a frozen clock ----------------------------------


@pytest.fixture
def frozen() -> Iterator[Callable[[datetime], None]]:
    """Return a function that stops the clock at a given moment until the test ends."""
    travellers: list[Any] = []

    def freeze(moment: datetime) -> None:
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)

    yield freeze
    for traveller in reversed(travellers):
        traveller.stop()


AFTER: dict[str, str] = {S.DRAFT: S.LOI_SUBMITTED, S.INVITED: S.SUBMITTED, S.CHANGES_REQUESTED: S.SUBMITTED}
SUBMISSIONS = [
    ("submit_loi", S.DRAFT, "loi_closes_at", actions.proposal_submit_loi),
    ("submit_application", S.INVITED, "application_closes_at", actions.proposal_submit_application),
    ("resubmit_application", S.CHANGES_REQUESTED, "changes_due_at", actions.proposal_submit_application),
]


@pytest.mark.parametrize(("name", "state", "closes", "submit"), SUBMISSIONS, ids=[row[0] for row in SUBMISSIONS])
@pytest.mark.parametrize(("offset", "accepted"), [(-MS, True), (timedelta(0), False), (MS, False)])
def test_submission_at_the_deadline_boundary(
    name: str,
    state: str,
    closes: str,
    submit: Any,
    offset: timedelta,
    accepted: bool,
    make_proposal: Any,
    applicant: User,
    frozen: Any,
) -> None:
    proposal = make_proposal(state)
    deadline = getattr(proposal, closes) if closes == "changes_due_at" else getattr(proposal.call, closes)
    frozen(deadline + offset)

    if accepted:
        submit(proposal=proposal, by=applicant)
        assert Proposal.objects.get(pk=proposal.pk).state == AFTER[state]
    else:
        before = Snapshot(proposal)
        with pytest.raises(ConditionsNotMet, match=r"The deadline has passed|window is not open"):
            submit(proposal=proposal, by=applicant)
        before.assert_unchanged()


@pytest.mark.parametrize(("name", "state", "closes", "submit"), SUBMISSIONS, ids=[row[0] for row in SUBMISSIONS])
def test_extension_moves_the_boundary_for_that_proposal_only(
    name: str,
    state: str,
    closes: str,
    submit: Any,
    make_proposal: Any,
    applicant: User,
    staff: User,
    frozen: Any,
) -> None:
    extended, neighbour = make_proposal(state), make_proposal(state)
    deadline = extended.deadline
    until = deadline + timedelta(hours=2)
    actions.proposal_extend_deadline(proposal=extended, by=staff, until=until, reason="Server outage.")

    frozen(deadline + MS)
    with pytest.raises(ConditionsNotMet):
        submit(proposal=neighbour, by=applicant)
    submit(proposal=extended, by=applicant)

    assert Proposal.objects.get(pk=extended.pk).state == AFTER[state]
    assert Proposal.objects.get(pk=neighbour.pk).state == state


@pytest.mark.parametrize(("name", "state", "closes", "submit"), SUBMISSIONS, ids=[row[0] for row in SUBMISSIONS])
def test_extended_boundary_is_exclusive_too(
    name: str,
    state: str,
    closes: str,
    submit: Any,
    make_proposal: Any,
    applicant: User,
    staff: User,
    frozen: Any,
) -> None:
    proposal = make_proposal(state)
    until = proposal.deadline + timedelta(hours=2)
    actions.proposal_extend_deadline(proposal=proposal, by=staff, until=until, reason="Server outage.")
    frozen(until)

    with pytest.raises(ConditionsNotMet):
        submit(proposal=proposal, by=applicant)
