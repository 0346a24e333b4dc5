"""The lifecycle's table against docs/design.md's, the deadline rule in Python against SQL, final states."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, cast

import pytest
import time_machine
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.choices import Role
from accounts.models import Organization, User
from intake import lifecycle
from intake.lifecycle import SYSTEM, ProposalLifecycle, transition_of
from intake.models import Proposal
from intake.states import DECIDED, FINAL_STATES, PROJECT_STATES, ProposalState
from tests.conftest import FAST_HASHERS
from tests.factories import CallFactory, OrganizationFactory, UserFactory
from tests.factories.intake import LOI_STAGE_STATES

# --- docs/design.md's tables, copied by hand: the code must match them, not the other way round -

DESIGN_STATES = [
    "draft", "loi_submitted", "loi_declined", "invited", "submitted", "changes_requested", "ineligible",
    "in_assessment", "assessed", "board_review", "approved", "declined", "withdrawn", "expired",
    "contracting", "active", "closing", "closed", "terminated",
]  # fmt: skip
DESIGN_FINAL_STATES = {"loi_declined", "ineligible", "declined", "withdrawn", "expired", "closed", "terminated"}
# "withdraw: any non-final state before approved".
BEFORE_APPROVED = {
    "draft", "loi_submitted", "invited", "submitted", "changes_requested", "in_assessment", "assessed", "board_review",
}  # fmt: skip

#: action: (from, to, actor), in the design's order. With a call's stages as data, the early states serve
#: every stage before the last: a proposal submits an early stage from its draft or its invitation, an
#: assessed early stage is invited or declined, and a path of one stage submits the application from its draft.
DESIGN_TABLE: dict[str, tuple[set[str], str, str]] = {
    "submit_loi": ({"draft", "invited"}, "loi_submitted", "lead applicant"),
    "invite": ({"loi_submitted", "assessed"}, "invited", "system or staff"),
    "decline_loi": ({"loi_submitted", "assessed"}, "loi_declined", "staff"),
    "submit_application": ({"draft", "invited", "changes_requested"}, "submitted", "lead applicant"),
    "request_changes": ({"submitted"}, "changes_requested", "staff"),
    "mark_ineligible": ({"submitted"}, "ineligible", "staff"),
    "start_assessment": ({"submitted", "loi_submitted"}, "in_assessment", "staff"),
    "complete_assessment": ({"in_assessment"}, "assessed", "system or staff"),
    "reopen_assessment": ({"assessed"}, "in_assessment", "staff"),
    "send_to_board": ({"assessed"}, "board_review", "staff"),
    "approve": ({"board_review"}, "approved", "board chair"),
    "decline": ({"board_review"}, "declined", "board chair"),
    "withdraw": (BEFORE_APPROVED, "withdrawn", "lead applicant"),
    "expire": ({"draft", "invited", "changes_requested"}, "expired", "system"),
    # After the decision: the funded project.
    "start_contracting": ({"approved"}, "contracting", "staff"),
    "activate": ({"contracting"}, "active", "system or staff"),
    "start_closing": ({"active"}, "closing", "system or staff"),
    "close": ({"closing"}, "closed", "staff"),
    "terminate": ({"contracting", "active"}, "terminated", "staff"),
}

#: Who each actor of the design is among the personas: the board chair is the chair of the
#: meeting whose agenda the proposal is on; another board member is not.
ACTOR_PERSONAS = {
    "lead applicant": {"lead"},
    "staff": {"staff"},
    "system or staff": {"system", "staff"},
    "board chair": {"chair"},
    "system": {"system"},
}
PERSONAS = ["lead", "other_applicant", "staff", "assessor", "board", "chair", "system"]

#: The guards written as conditions (the reasons, messages, due dates and the board meeting are
#: required by the actions). Not a condition, because its data does not exist yet:
#: start_assessment's assessors and conflicts.
CONDITIONS = {
    "submit_loi": ["early_stage", "stage_window_open", "complete"],
    "invite": ["early_stage"],
    "decline_loi": ["early_stage"],
    "submit_application": ["last_stage", "before_deadline", "complete"],
    "start_assessment": ["assessed_stage", "eligible"],
    "send_to_board": ["last_stage"],
    "complete_assessment": ["reviews_in"],
    "approve": ["board_meeting_started", "quorum_reached"],
    "decline": ["board_meeting_started", "quorum_reached"],
    "expire": ["deadline_passed"],
    "start_contracting": ["decision_released"],
    "activate": ["agreements_signed"],
    "close": ["final_claim_paid", "final_report_accepted"],
}

DECLARED_PAIRS = [
    (action, source) for action, (sources, _to, _actor) in DESIGN_TABLE.items() for source in sorted(sources)
]


def _declared_transitions() -> dict[tuple[str, str], Any]:
    field = Proposal._meta.get_field("state")
    return {(t.name, t.source): t for t in field.get_all_transitions(Proposal)}  # type: ignore[attr-defined]


def test_states_are_the_designs() -> None:
    assert ProposalState.values == DESIGN_STATES
    assert set(FINAL_STATES) == DESIGN_FINAL_STATES


def test_actions_are_the_designs_in_its_order() -> None:
    assert list(DESIGN_TABLE) == lifecycle.ACTIONS


def test_every_transition_has_the_designs_source_and_target_and_no_other_exists() -> None:
    expected = {
        (action, source): target for action, (sources, target, _actor) in DESIGN_TABLE.items() for source in sources
    }

    declared = {pair: t.target for pair, t in _declared_transitions().items()}

    assert declared == expected


def test_states_after_a_decision_are_the_decisions_and_the_funded_projects() -> None:
    after = lifecycle.states_after(DECIDED)

    assert after == {ProposalState.APPROVED, ProposalState.DECLINED, *PROJECT_STATES}


def test_states_after_follow_every_path_of_the_design_table() -> None:
    leads: dict[str, set[str]] = {}
    for sources, target, _actor in DESIGN_TABLE.values():
        for source in sources:
            leads.setdefault(source, set()).add(target)

    for state in DESIGN_STATES:
        reached, todo = {state}, [state]
        while todo:
            for target in leads.get(todo.pop(), set()) - reached:
                reached.add(target)
                todo.append(target)
        assert lifecycle.states_after([state]) == reached, state


@pytest.mark.parametrize(("action", "source"), DECLARED_PAIRS)
def test_transition_permits_exactly_the_designs_actor(
    action: str, source: str, applicant: User, other_applicant: User, staff: User, assessor: User, board_member: User
) -> None:
    users: dict[str, Any] = {
        "lead": applicant,
        "other_applicant": other_applicant,
        "staff": staff,
        "assessor": assessor,
        "board": board_member,
        "chair": UserFactory(role=Role.BOARD_MEMBER),
        "system": SYSTEM,
    }
    proposal = Proposal(state=source, lead_applicant=applicant, call=CallFactory())
    # What ``board.selectors.board_facts`` reads: the chair of the proposal's meeting.
    proposal.board_chair_id = users["chair"].pk  # type: ignore[attr-defined]
    declared = transition_of(action, source)

    permitted = {persona for persona in PERSONAS if declared.has_perm(proposal, users[persona])}

    assert permitted == ACTOR_PERSONAS[DESIGN_TABLE[action][2]]


def test_lead_applicant_who_lost_the_applicant_role_may_not_act(applicant: User) -> None:
    proposal = Proposal(state=ProposalState.DRAFT, lead_applicant=applicant)
    applicant.groups.clear()
    applicant = User.objects.get(pk=applicant.pk)

    assert not lifecycle.permitted(proposal, "submit_loi", applicant)
    assert not lifecycle.permitted(proposal, "withdraw", applicant)


def test_board_chair_is_known_only_from_the_board_facts_and_must_still_be_a_board_member(board_member: User) -> None:
    proposal = Proposal(state=ProposalState.BOARD_REVIEW)
    assert not lifecycle.permitted(proposal, "approve", board_member)  # read without board_facts

    proposal.board_chair_id = board_member.pk  # type: ignore[attr-defined]
    assert lifecycle.permitted(proposal, "approve", board_member)

    board_member.groups.clear()
    assert not lifecycle.permitted(proposal, "approve", User.objects.get(pk=board_member.pk))


@pytest.mark.parametrize(
    ("quorum", "votes", "unmet"),
    [
        (None, None, ["The proposal is on no board meeting's agenda."]),
        (3, 0, ["A quorum of 3 board members who are not recused has not voted yet: 0 have."]),
        (3, 2, ["A quorum of 3 board members who are not recused has not voted yet: 2 have."]),
        (3, 3, []),
        (1, 4, []),
    ],
)
def test_quorum_reached_counts_the_votes_against_the_quorum(
    quorum: int | None, votes: int | None, unmet: list[str]
) -> None:
    proposal = Proposal(state=ProposalState.BOARD_REVIEW)
    proposal.board_quorum, proposal.board_votes_counted = quorum, votes  # type: ignore[attr-defined]
    proposal.board_opens_at = datetime(2026, 1, 1, tzinfo=UTC)  # type: ignore[attr-defined]

    assert lifecycle.unmet_conditions(proposal, "approve") == unmet
    assert lifecycle.unmet_conditions(proposal, "decline") == unmet


NOT_STARTED = (
    "The board meeting has not started by the server's clock: the chair records decisions from its scheduled time, "
    "or from when staff open it early."
)


@pytest.mark.parametrize(
    ("opens_at", "now", "unmet"),
    [
        (None, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), [NOT_STARTED]),
        (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), datetime(2026, 3, 2, 8, 59, 59, tzinfo=UTC), [NOT_STARTED]),
        (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), datetime(2026, 3, 2, 9, 0, tzinfo=UTC), []),
        (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), datetime(2026, 3, 9, 9, 0, tzinfo=UTC), []),
    ],
)
def test_board_meeting_started_is_decided_by_the_servers_clock(
    opens_at: datetime | None, now: datetime, unmet: list[str]
) -> None:
    proposal = Proposal(state=ProposalState.BOARD_REVIEW)
    proposal.board_quorum, proposal.board_votes_counted = 1, 1  # type: ignore[attr-defined]
    proposal.board_opens_at = opens_at  # type: ignore[attr-defined]

    with time_machine.travel(now, tick=False):
        assert lifecycle.unmet_conditions(proposal, "approve") == unmet
        assert lifecycle.unmet_conditions(proposal, "decline") == unmet


@pytest.mark.parametrize("action", list(DESIGN_TABLE))
def test_transition_conditions_are_the_named_guards(action: str) -> None:
    for source in DESIGN_TABLE[action][0]:
        declared = transition_of(action, source)

        assert [condition.__name__ for condition in declared.conditions] == CONDITIONS.get(action, [])


@pytest.mark.parametrize("state", sorted(DESIGN_FINAL_STATES))
def test_final_state_has_no_outgoing_transition(state: str) -> None:
    leaving = [action for action, source in _declared_transitions() if source == state]

    assert leaving == []
    assert [action for action in lifecycle.ACTIONS if transition_of(action, state) is not None] == []


def test_no_transition_comes_from_any_state() -> None:
    # A wildcard source ("*", "+") would leave the final states through the back door.
    assert {source for _action, source in _declared_transitions()} <= set(DESIGN_STATES)


def test_transition_bodies_change_nothing_but_the_state() -> None:
    # The table is a declaration: the action around it does the saving, auditing and notifying.
    for action in lifecycle.ACTIONS:
        method = getattr(ProposalLifecycle, action)
        assert method.__wrapped__.__code__.co_code == _empty.__code__.co_code, action


def _empty(self: Any) -> None: ...


# --- The deadline rule, in Python and in SQL ---------------------------------------------------

moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))


@override_settings(PASSWORD_HASHERS=FAST_HASHERS)
class TestDeadlineAgreesWithSQL(TestCase):
    """``Proposal.deadline`` and ``with_deadline()`` give the same moment in every state."""

    lead: ClassVar[User]
    organization: ClassVar[Organization]

    @classmethod
    def setUpTestData(cls) -> None:
        cls.lead = cast(User, UserFactory(role=Role.APPLICANT))
        cls.organization = cast(Organization, OrganizationFactory())

    @settings(max_examples=40, derandomize=True, deadline=None)
    @given(
        windows=st.lists(moments, min_size=5, max_size=5, unique=True).map(sorted),
        changes_due=st.none() | moments,
        extended_until=moments,
        other_state=st.sampled_from(DESIGN_STATES),
    )
    def test_deadline_property_equals_sql_annotation(
        self, windows: list[datetime], changes_due: datetime | None, extended_until: datetime, other_state: str
    ) -> None:
        opens, closes, applications, reviews, board = windows
        call = CallFactory(
            loi_opens_at=opens,
            loi_closes_at=closes,
            application_closes_at=applications,
            review_due_at=reviews,
            board_meeting_at=board,
        )
        made = []
        for state in DESIGN_STATES:
            # No extension; an extension for this very state; one granted in another state.
            for extended_for in ("", state, other_state):
                made.append(
                    Proposal.objects.create(
                        call=call,
                        # At the stage the two-stage path has it in: draft at the letter of intent, invited after.
                        stage=call.stages.get(kind="loi" if state in LOI_STAGE_STATES else "application"),
                        lead_applicant=self.lead,
                        lead_organization=self.organization,
                        title="T",
                        state=state,
                        changes_due_at=changes_due,
                        deadline_extended_for=extended_for,
                        deadline_extended_until=extended_until if extended_for else None,
                    )
                )

        in_sql = dict(Proposal.objects.with_deadline().filter(call=call).values_list("pk", "current_deadline"))
        in_python = {p.pk: p.deadline for p in Proposal.objects.filter(call=call).select_related("call", "stage")}

        assert in_sql == in_python
        assert len(in_sql) == len(made)
        # The rule itself, so the two cannot agree on something wrong.
        for p in made:
            base = {"draft": closes, "invited": applications, "changes_requested": changes_due}.get(p.state)
            expected = extended_until if p.deadline_extended_for == p.state else base
            assert in_python[p.pk] == expected, (p.state, p.deadline_extended_for)


def test_deadline_ignores_an_extension_granted_in_an_earlier_state(make_proposal: Any) -> None:
    proposal = make_proposal(
        ProposalState.INVITED,
        deadline_extended_for=ProposalState.DRAFT,
        deadline_extended_until=datetime(2099, 1, 1, tzinfo=UTC),
    )

    assert proposal.deadline == proposal.call.application_closes_at
    assert proposal.deadline != proposal.deadline_extended_until


@pytest.mark.django_db
def test_a_save_after_the_state_changed_underneath_is_refused(make_proposal: Any) -> None:
    """The concurrent-transition guard reads the state fields found once per model (``state_fields``)."""
    from django.db import transaction
    from django_fsm import ConcurrentTransition

    proposal = make_proposal(ProposalState.SUBMITTED)
    assert proposal.state_fields == (Proposal._meta.get_field("state"),)
    Proposal.objects.filter(pk=proposal.pk).update(state=ProposalState.WITHDRAWN)
    proposal.title = "Changed on a stale copy"

    with pytest.raises(ConcurrentTransition), transaction.atomic():
        proposal.save()
    assert Proposal.objects.get(pk=proposal.pk).title != "Changed on a stale copy"
