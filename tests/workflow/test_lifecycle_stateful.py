"""Random sequences of actions by random people at random times, against a model of DESIGN.md's table.

The model below is written from the design, not from ``workflow.lifecycle``: it predicts the
outcome of each attempt (done, or which refusal) from the state, the person, the clock and
the input, and the test compares the prediction with what the actions did to the database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import time_machine
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from intake.models import Proposal
from tests.assessment.reviewing import reviews_all_in
from tests.factories import CallFactory, OrganizationFactory, ProposalFactory, UserFactory
from tests.workflow.conftest import FAST_HASHERS
from workflow import actions
from workflow.actions import ConditionsNotMet
from workflow.lifecycle import SYSTEM
from workflow.models import AuditRecord, Notification

# --- The model ------------------------------------------------------------------------------

STATES = {
    "draft", "loi_submitted", "loi_declined", "invited", "submitted", "changes_requested", "ineligible",
    "in_assessment", "assessed", "board_review", "approved", "declined", "withdrawn", "expired",
}  # fmt: skip
FINAL = {"loi_declined", "ineligible", "declined", "withdrawn", "expired"}
WITH_DEADLINE = {"draft", "invited", "changes_requested"}

#: action: (from, to, who may).
TABLE: dict[str, tuple[set[str], str, set[str]]] = {
    "submit_loi": ({"draft"}, "loi_submitted", {"lead"}),
    "invite": ({"loi_submitted"}, "invited", {"staff"}),
    "decline_loi": ({"loi_submitted"}, "loi_declined", {"staff"}),
    "submit_application": ({"invited", "changes_requested"}, "submitted", {"lead"}),
    "request_changes": ({"submitted"}, "changes_requested", {"staff"}),
    "mark_ineligible": ({"submitted"}, "ineligible", {"staff"}),
    "start_assessment": ({"submitted"}, "in_assessment", {"staff"}),
    "complete_assessment": ({"in_assessment"}, "assessed", {"staff", "system"}),
    "reopen_assessment": ({"assessed"}, "in_assessment", {"staff"}),
    "send_to_board": ({"assessed"}, "board_review", {"staff"}),
    "approve": ({"board_review"}, "approved", {"board"}),
    "decline": ({"board_review"}, "declined", {"board"}),
    "withdraw": (STATES - FINAL - {"approved"}, "withdrawn", {"lead"}),
    "expire": ({"draft", "invited", "changes_requested"}, "expired", {"system"}),
}
#: Actions that refuse blank input (a reason, a message, a rationale) before anything else.
NEEDS_INPUT = {"decline_loi", "request_changes", "mark_ineligible", "reopen_assessment", "approve", "decline",
               "withdraw", "extend_deadline"}  # fmt: skip
#: Who hears of each action: (event, recipient persona) pairs; each on both channels.
TOLD = {
    "submit_loi": {("loi_submitted", "lead"), ("loi_received", "staff")},
    "invite": {("invited", "lead")},
    "decline_loi": {("loi_declined", "lead")},
    "submit_application": {("application_submitted", "lead"), ("application_received", "staff")},
    "request_changes": {("changes_requested", "lead")},
    "mark_ineligible": {("ineligible", "lead")},
    "start_assessment": {("assessment_started", "lead")},
    "complete_assessment": {("assessment_completed", "staff")},
    "reopen_assessment": set(),
    "send_to_board": set(),
    "approve": {("decision_made", "lead")},
    "decline": {("decision_made", "lead")},
    "withdraw": {("withdrawn", "lead"), ("withdrawn", "staff")},
    "expire": {("expired", "lead")},
    "extend_deadline": {("extension_granted", "lead")},
}
PERSONAS = ["lead", "other_applicant", "staff", "assessor", "board", "system"]
START = datetime(2030, 3, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)
# Call windows, from the start: letters of intent close in 10 days, applications in 30, board at 50.
LOI_OPENS, LOI_CLOSES, APPLICATIONS_CLOSE, REVIEWS_DUE, BOARD = (-DAY, 10 * DAY, 30 * DAY, 40 * DAY, 50 * DAY)
CHANGES_DUE_IN = 7 * DAY
EXTENSION = 4 * DAY


class LifecycleMachine(RuleBasedStateMachine):
    """One proposal, six people and a clock; every step an attempt or the passing of time."""

    people: ClassVar[dict[str, Any]] = {}

    def __init__(self) -> None:
        super().__init__()
        # Each run of the machine is undone at its end; the test case's transaction holds it.
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.now = START
        with time_machine.travel(self.now, tick=False):
            self.call = CallFactory(
                loi_opens_at=START + LOI_OPENS,
                loi_closes_at=START + LOI_CLOSES,
                application_closes_at=START + APPLICATIONS_CLOSE,
                review_due_at=START + REVIEWS_DUE,
                board_meeting_at=START + BOARD,
            )
            # Complete at both stages: the letter of intent and every section of the full application.
            self.proposal = ProposalFactory(
                call=self.call,
                lead_applicant=self.people["lead"],
                lead_organization=OrganizationFactory(),
                title="A shared testbed",
                summary="Three partners build it.",
                application=True,
            )
        self.state = "draft"
        self.complete = True
        self.reviews_in = False
        self.changes_due: datetime | None = None
        self.extension: tuple[str, datetime] | None = None
        self.audits = 0
        self.notifications = 0
        self.reached_final: str | None = None

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- what the model believes --------------------------------------------------------------

    def deadline(self) -> datetime | None:
        if self.extension and self.extension[0] == self.state:
            return self.extension[1]
        return {
            "draft": START + LOI_CLOSES,
            "invited": START + APPLICATIONS_CLOSE,
            "changes_requested": self.changes_due,
        }.get(self.state)

    def conditions_hold(self, action: str) -> bool:
        deadline = self.deadline()
        if action == "submit_loi":
            return START + LOI_OPENS <= self.now < deadline and self.complete  # type: ignore[operator]
        if action == "submit_application":
            return self.now < deadline and self.complete  # type: ignore[operator]
        if action == "expire":
            return self.now >= deadline  # type: ignore[operator]
        if action == "send_to_board":
            return self.now < START + BOARD
        if action == "complete_assessment":
            return self.reviews_in
        return True

    def predict(self, action: str, persona: str, good_input: bool, expected: str | None) -> type[Exception] | None:
        """Return the refusal the design calls for, or None if the action must succeed."""
        if action == "extend_deadline":
            if not good_input:
                return DomainError
            if persona != "staff":
                return ActionForbidden
            if self.state not in WITH_DEADLINE:
                return StaleAction
            return None
        if not good_input and action in NEEDS_INPUT:
            return DomainError
        sources, _target, who = TABLE[action]
        if (expected is not None and expected != self.state) or self.state not in sources:
            return StaleAction
        if persona not in who:
            return ActionForbidden
        if not self.conditions_hold(action):
            return ConditionsNotMet
        return None

    # --- steps ---------------------------------------------------------------------------------

    @rule(
        action=st.sampled_from([*TABLE, "extend_deadline"]),
        persona=st.sampled_from(PERSONAS),
        good_input=st.booleans() | st.just(True),
        expected=st.sampled_from(["none", "current", "other"]),
    )
    def attempt(self, action: str, persona: str, good_input: bool, expected: str) -> None:
        expected_state = {
            "none": None,
            "current": self.state,
            "other": "approved" if self.state != "approved" else "draft",
        }[expected]
        refusal = self.predict(action, persona, good_input, expected_state)
        before = Proposal.objects.filter(pk=self.proposal.pk).values().get()
        last_audit = AuditRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

        raised: Exception | None = None
        with time_machine.travel(self.now, tick=False):
            try:
                self._perform(action, self.people[persona], good_input, expected_state)
            except DomainError as error:
                raised = error

        if refusal is not None:
            assert type(raised) is refusal, (action, persona, self.state, raised)
            assert Proposal.objects.filter(pk=self.proposal.pk).values().get() == before
            assert AuditRecord.objects.count() == self.audits
            assert Notification.objects.count() == self.notifications
            return
        assert raised is None, (action, persona, self.state, raised)
        record = AuditRecord.objects.get(pk__gt=last_audit)
        to_state = self.state if action == "extend_deadline" else TABLE[action][1]
        assert (record.action, record.from_state, record.to_state, record.actor, record.at) == (
            action,
            self.state,
            to_state,
            None if persona == "system" else self.people[persona],
            self.now,
        )
        told = Notification.objects.filter(key__contains=f":audit{record.pk}:")
        assert sorted(told.values_list("event", "recipient_id", "channel", "proposal_id")) == sorted(
            (event, self.people[who].pk, channel, self.proposal.pk)
            for event, who in TOLD[action]
            for channel in ("email", "inbox")
        )
        self.audits += 1
        self.notifications += told.count()
        self._believe(action, to_state)

    @rule(data=st.data())
    def attempt_a_move_the_table_offers(self, data: st.DataObject) -> None:
        # Uniform attempts rarely get far down the table; this one picks among the actions
        # that leave the current state and their actors, so long sequences reach the
        # board; half the time only among those that do not end the proposal.
        offered = sorted(action for action, (sources, _to, _who) in TABLE.items() if self.state in sources)
        if not offered:
            return
        onward = [action for action in offered if TABLE[action][1] not in FINAL] or offered
        action = data.draw(st.sampled_from(onward) | st.sampled_from(offered), label="action")
        persona = data.draw(st.sampled_from(sorted(TABLE[action][2])), label="persona")
        self.attempt(action=action, persona=persona, good_input=True, expected="current")

    def _perform(self, action: str, by: Any, good_input: bool, expected_state: str | None) -> None:
        text = "Because." if good_input else " "
        proposal = self.proposal
        if action == "extend_deadline":
            current = self.deadline() or self.now
            actions.proposal_extend_deadline(proposal=proposal, by=by, until=current + EXTENSION, reason=text)
            return
        common = {"proposal": proposal, "by": by, "expected_state": expected_state}
        perform = {
            "submit_loi": lambda: actions.proposal_submit_loi(**common),
            "invite": lambda: actions.proposal_invite(**common),
            "decline_loi": lambda: actions.proposal_decline_loi(reason=text, **common),
            "submit_application": lambda: actions.proposal_submit_application(**common),
            "request_changes": lambda: actions.proposal_request_changes(
                message=text, due_at=self.now + CHANGES_DUE_IN, **common
            ),
            "mark_ineligible": lambda: actions.proposal_mark_ineligible(failed_checks=text, **common),
            "start_assessment": lambda: actions.proposal_start_assessment(**common),
            "complete_assessment": lambda: actions.proposal_complete_assessment(**common),
            "reopen_assessment": lambda: actions.proposal_reopen_assessment(reason=text, **common),
            "send_to_board": lambda: actions.proposal_send_to_board(**common),
            "approve": lambda: actions.proposal_approve(amount=Decimal("250000"), rationale=text, **common),
            "decline": lambda: actions.proposal_decline(rationale=text, **common),
            "withdraw": lambda: actions.proposal_withdraw(reason=text, **common),
            "expire": lambda: actions.proposal_expire(**common),
        }
        perform[action]()

    def _believe(self, action: str, to_state: str) -> None:
        if action == "extend_deadline":
            current = self.deadline()
            assert current is not None
            self.extension = (self.state, current + EXTENSION)
        elif action == "request_changes":
            self.changes_due = self.now + CHANGES_DUE_IN
        self.state = to_state

    @precondition(lambda self: not self.reviews_in)
    @rule()
    def the_required_review_is_submitted(self) -> None:
        # Written directly: the review's own service completes the assessment by itself,
        # which this machine leaves to its attempts of complete_assessment.
        reviews_all_in(self.proposal)
        self.reviews_in = True

    @rule(delta=st.sampled_from([timedelta(0), timedelta(milliseconds=1), timedelta(hours=6), 3 * DAY, 9 * DAY]))
    def time_passes(self, delta: timedelta) -> None:
        self.now += delta

    @precondition(lambda self: self.state in {"draft", "invited", "changes_requested"})
    @rule(complete=st.booleans())
    def applicant_edits(self, complete: bool) -> None:
        # Editing is not a transition: it only makes the proposal complete or not.
        Proposal.objects.filter(pk=self.proposal.pk).update(summary="Three partners build it." if complete else "")
        self.complete = complete

    # --- after every step ---------------------------------------------------------------------

    @invariant()
    def state_is_valid_and_the_models(self) -> None:
        stored = Proposal.objects.select_related("call").get(pk=self.proposal.pk)
        assert stored.state in STATES
        assert stored.state == self.state
        assert stored.deadline == self.deadline()

    @invariant()
    def history_is_what_succeeded(self) -> None:
        assert AuditRecord.objects.filter(proposal=self.proposal).count() == self.audits
        assert Notification.objects.filter(proposal=self.proposal).count() == self.notifications

    @invariant()
    def final_states_never_change(self) -> None:
        if self.reached_final is not None:
            assert self.state == self.reached_final
        elif self.state in FINAL:
            self.reached_final = self.state


@override_settings(PASSWORD_HASHERS=FAST_HASHERS)
class TestLifecycleStateMachine(TestCase):
    people: ClassVar[dict[str, Any]]

    @classmethod
    def setUpTestData(cls) -> None:
        cls.people = {
            "lead": UserFactory(role=Role.APPLICANT),
            "other_applicant": UserFactory(role=Role.APPLICANT),
            "staff": UserFactory(role=Role.STAFF),
            "assessor": UserFactory(role=Role.ASSESSOR),
            "board": UserFactory(role=Role.BOARD_MEMBER),
        }

    def test_random_sequences_of_actions_follow_the_table(self) -> None:
        # SYSTEM is one object compared by identity: kept out of the test data, which Django copies.
        LifecycleMachine.people = {**self.people, "system": SYSTEM}
        run_state_machine_as_test(
            LifecycleMachine,
            settings=settings(
                max_examples=50,
                stateful_step_count=25,
                derandomize=True,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
