"""Random sequences of actions by random people at random times, against a model of docs/design.md's table.

The model below is written from the design, not from ``intake.lifecycle``: it predicts the
outcome of each attempt (done, or which refusal) from the state, the stage of the call's path
the proposal is in, the person, the clock, the input and the board (its meetings, the chair of
the proposal's meeting, the votes counted toward its quorum), and the test compares the
prediction with what the actions did to the database. Each run draws a path (``PATHS``).
After the decision it drives the funded project (staff release the meeting's decisions; the
partners sign, claim and report) and predicts the project's transitions from those facts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, cast

import time_machine
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from assessment.models import Rubric
from board.models import AgendaItem, BoardConflict, BoardMeeting, Vote, VoteChoice
from board.services.letters import meeting_decisions_release
from board.services.meetings import meeting_open_early
from intake.choices import Advance, VersionKind
from intake.lifecycle import SYSTEM
from intake.models import Proposal, ProposalVersion
from intake.services.stages import StagePlan
from projects.models import Claim, ClaimState, Project, ProjectPartner, Report, ReportState, Signature
from records.models import AuditRecord, Notification
from tests.assessment.reviewing import assignment_make, review_make, rubric_make
from tests.conftest import FAST_HASHERS
from tests.factories import CallFactory, OrganizationFactory, ProposalFactory, UserFactory
from workflow import actions
from workflow.actions.base import ConditionsNotMet
from workflow.retention import proposals_dispose_due

# --- The model ------------------------------------------------------------------------------

STATES = {
    "draft", "loi_submitted", "loi_declined", "invited", "submitted", "changes_requested", "ineligible",
    "in_assessment", "assessed", "board_review", "approved", "declined", "withdrawn", "expired",
    "contracting", "active", "closing", "closed", "terminated",
}  # fmt: skip
#: The unsuccessful ends (disposed of once past their retention).
FINAL = {"loi_declined", "ineligible", "declined", "withdrawn", "expired"}
#: The funded project's states; a closed or terminated project never changes again either.
PROJECT = {"contracting", "active", "closing", "closed", "terminated"}
ENDS = FINAL | {"closed", "terminated"}
WITH_DEADLINE = {"draft", "invited", "changes_requested"}

#: action: (from, to, who may). The early states serve every stage before the last (``STAGE_RULE``).
TABLE: dict[str, tuple[set[str], str, set[str]]] = {
    "submit_loi": ({"draft", "invited"}, "loi_submitted", {"lead"}),
    "invite": ({"loi_submitted", "assessed"}, "invited", {"staff", "system"}),
    "decline_loi": ({"loi_submitted", "assessed"}, "loi_declined", {"staff"}),
    "submit_application": ({"draft", "invited", "changes_requested"}, "submitted", {"lead"}),
    "request_changes": ({"submitted"}, "changes_requested", {"staff"}),
    "mark_ineligible": ({"submitted"}, "ineligible", {"staff"}),
    "start_assessment": ({"submitted", "loi_submitted"}, "in_assessment", {"staff"}),
    "complete_assessment": ({"in_assessment"}, "assessed", {"staff", "system"}),
    "reopen_assessment": ({"assessed"}, "in_assessment", {"staff"}),
    "send_to_board": ({"assessed"}, "board_review", {"staff"}),
    # The chair of the meeting whose agenda the proposal is on: see ``LifecycleMachine.who``.
    "approve": ({"board_review"}, "approved", {"chair", "board"}),
    "decline": ({"board_review"}, "declined", {"chair", "board"}),
    "withdraw": (STATES - FINAL - {"approved"} - PROJECT, "withdrawn", {"lead"}),
    "expire": ({"draft", "invited", "changes_requested"}, "expired", {"system"}),
    # The funded project: contracting once the decision is released, active once every partner signed
    # both agreements, closed once every partner's final claim is paid and the final report accepted.
    "start_contracting": ({"approved"}, "contracting", {"staff"}),
    "activate": ({"contracting"}, "active", {"staff", "system"}),
    "start_closing": ({"active"}, "closing", {"staff", "system"}),
    "close": ({"closing"}, "closed", {"staff"}),
    "terminate": ({"contracting", "active"}, "terminated", {"staff"}),
}
#: Where in the path an action belongs: at a stage before the last ("early"), at the last, or at an
#: assessed stage (the last always is). Elsewhere the action is refused as a condition unmet.
STAGE_RULE = {
    "submit_loi": "early",
    "invite": "early",
    "decline_loi": "early",
    "submit_application": "last",
    "start_assessment": "assessed",
    "send_to_board": "last",
}
#: The paths a run draws from: (kind, how it moves on, assessed) of each stage, in order.
PATHS = {
    "questionnaire, assessed letter of intent, application": (
        (VersionKind.QUESTIONNAIRE, Advance.AUTOMATIC, False),
        (VersionKind.LOI, Advance.INVITATION, True),
        (VersionKind.APPLICATION, Advance.INVITATION, True),
    ),
    "letter of intent, application": (
        (VersionKind.LOI, Advance.INVITATION, False),
        (VersionKind.APPLICATION, Advance.INVITATION, True),
    ),
    "application alone": ((VersionKind.APPLICATION, Advance.INVITATION, True),),
}
#: Actions that refuse blank input (a reason, a message, a rationale) before anything else.
NEEDS_INPUT = {"decline_loi", "request_changes", "mark_ineligible", "reopen_assessment", "approve", "decline",
               "withdraw", "extend_deadline", "terminate"}  # fmt: skip
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
    # The board's decision is withheld from the applicant until staff release the meeting's decisions.
    "approve": set(),
    "decline": set(),
    "withdraw": {("withdrawn", "lead"), ("withdrawn", "staff")},
    "expire": {("expired", "lead")},
    "extend_deadline": {("extension_granted", "lead")},
    "start_contracting": {("project_contracting", "lead"), ("project_contracting", "staff")},
    "activate": {("project_active", "lead"), ("project_active", "staff")},
    "start_closing": {("project_closing", "lead"), ("project_closing", "staff")},
    "close": {("project_closed", "lead"), ("project_closed", "staff")},
    "terminate": {("project_terminated", "lead"), ("project_terminated", "staff")},
}
AGREEMENTS = ("funding", "ip")
#: ``chair`` and ``board`` are board members invited to every meeting, one of them its chair;
#: ``recused`` is invited too but declared a conflict with the proposal; ``outsider`` is a board
#: member invited to none of the meetings.
PERSONAS = ["lead", "other_applicant", "staff", "assessor", "board", "chair", "recused", "outsider", "system"]
BOARD_PERSONAS = ["chair", "board", "recused", "outsider"]
QUORUM = 2
START = datetime(2030, 3, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)
# Call windows, from the start: letters of intent close in 10 days, applications in 30, board at 50.
LOI_OPENS, LOI_CLOSES, APPLICATIONS_CLOSE, REVIEWS_DUE, BOARD = (-DAY, 10 * DAY, 30 * DAY, 40 * DAY, 50 * DAY)
#: When each kind of stage closes; every stage opens at ``LOI_OPENS``.
STAGE_CLOSES = {
    VersionKind.QUESTIONNAIRE: 5 * DAY,
    VersionKind.LOI: LOI_CLOSES,
    VersionKind.APPLICATION: APPLICATIONS_CLOSE,
}
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
        # The people outlive the runs, whose programs are new each time (PostgreSQL never reuses an id
        # rolled back): each run reads their program roles afresh, after its programs are made.
        for person in self.people.values():
            if isinstance(person, User):
                person.forget_roles()
        self.state = "draft"
        self.complete = True
        #: The meeting the proposal is on the agenda of (an index of ``meetings``), and who voted what.
        self.on_agenda: int | None = None
        self.votes: dict[str, str] = {}
        #: When staff opened a meeting early (an index of ``meetings``): its chair decides from then.
        self.opened: dict[int, datetime] = {}
        #: The meeting the next send_to_board goes to (None: the latest scheduled).
        self.target: int | None = None
        #: The stages (indexes of ``path``) whose required reviews are in; the kinds of the versions frozen.
        self.reviewed: set[int] = set()
        self.versions: list[str] = []
        self.changes_due: datetime | None = None
        #: A deadline extension: the state and the stage (an index of ``path``) it was granted in, and until when.
        self.extension: tuple[str, int, datetime] | None = None
        self.audits = 0
        self.notifications = 0
        self.reached_final: str | None = None
        self.disposed = False
        #: Whether staff released the decisions of the proposal's meeting; the project's partners (ids, once
        #: contracting opened it), the signatures still owed as (agreement kind, partner id), the partners
        #: whose final claim is paid, and whether the final report is accepted.
        self.released = False
        self.partners: list[int] = []
        self.unsigned: set[tuple[str, int]] = set()
        self.final_paid: set[int] = set()
        self.final_report = False

    def _build(self, path: str) -> None:
        """Make the call with the drawn path, the proposal at its first stage, and the board's meetings."""
        self.path = PATHS[path]
        self.stage = 0
        with time_machine.travel(self.now, tick=False):
            self.call = CallFactory(
                loi_opens_at=START + LOI_OPENS,
                loi_closes_at=START + LOI_CLOSES,
                application_closes_at=START + APPLICATIONS_CLOSE,
                review_due_at=START + REVIEWS_DUE,
                board_meeting_at=START + BOARD,
                stages=[
                    StagePlan(kind, START + LOI_OPENS, START + STAGE_CLOSES[kind], advance=advance, assessed=assessed)
                    for kind, advance, assessed in self.path
                ],
            )
            # Complete at every stage: the letter of intent and every section of the full application.
            self.proposal = ProposalFactory(
                call=self.call,
                stage=self.call.stages.get(kind=self.path[0][0]),
                path=[kind for kind, _advance, _assessed in self.path],
                lead_applicant=self.people["lead"],
                lead_organization=OrganizationFactory(),
                title="A shared testbed",
                summary="Three partners build it.",
                application=True,
            )
            BoardConflict.objects.create(
                member=self.people["recused"], proposal=self.proposal, nature="Former employer."
            )
            # A meeting of another call: sending the proposal there is refused.
            self.elsewhere = self._meeting_make(CallFactory(), START + BOARD, "chair")
            #: The call's meetings, in the order scheduled: (meeting, when, the persona who chairs it).
            self.meetings: list[tuple[BoardMeeting, datetime, str]] = []
            self._schedule(START + BOARD, "chair")

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- what the model believes --------------------------------------------------------------

    def kind(self) -> str:
        """Return the kind of the stage the proposal is in."""
        return str(self.path[self.stage][0])

    def at_last_stage(self) -> bool:
        return self.stage == len(self.path) - 1

    def deadline(self) -> datetime | None:
        if self.extension and self.extension[:2] == (self.state, self.stage):
            return self.extension[2]
        if self.state in ("draft", "invited"):
            return START + STAGE_CLOSES[self.path[self.stage][0]]
        return self.changes_due if self.state == "changes_requested" else None

    def fits_path(self, action: str) -> bool:
        """Say whether ``action`` belongs where the proposal is in its path (``STAGE_RULE``)."""
        rule = STAGE_RULE.get(action)
        if rule == "early":
            return not self.at_last_stage()
        if rule == "last":
            return self.at_last_stage()
        if rule == "assessed":
            return self.at_last_stage() or self.path[self.stage][2]
        return True

    def _meeting_make(self, call: Any, when: datetime, chair: str) -> BoardMeeting:
        meeting = BoardMeeting.objects.create(
            call=call, held_at=when, quorum=QUORUM, chair=self.people[chair], created_by=self.people["staff"]
        )
        meeting.members.set([self.people[persona] for persona in ("chair", "board", "recused")])
        return meeting

    def _schedule(self, when: datetime, chair: str) -> None:
        self.meetings.append((self._meeting_make(self.call, when, chair), when, chair))

    def who(self, action: str) -> set[str]:
        """Return who may perform ``action`` now: for a decision, the chair of the proposal's meeting."""
        if action in ("approve", "decline"):
            return set() if self.on_agenda is None else {self.meetings[self.on_agenda][2]}
        return TABLE[action][2]

    def counted_votes(self) -> dict[str, int]:
        """Return the votes toward the quorum by choice: invited members who are not recused."""
        tally = dict.fromkeys(VoteChoice.values, 0)
        for persona, choice in self.votes.items():
            if persona in ("chair", "board"):
                tally[choice] += 1
        return tally

    def opens_at(self) -> datetime:
        """Return when the proposal's meeting opens for decisions: when staff opened it early, or its time."""
        assert self.on_agenda is not None
        return self.opened.get(self.on_agenda, self.meetings[self.on_agenda][1])

    def sent_to(self) -> tuple[BoardMeeting, datetime | None]:
        """Return the meeting the next send_to_board names, and when it is held (None: of another call)."""
        if self.target is None and not self.meetings:
            return self.elsewhere, None
        meeting, when, _chair = self.meetings[-1 if self.target is None else self.target]
        return meeting, when

    def conditions_hold(self, action: str) -> bool:
        if not self.fits_path(action):
            return False
        deadline = self.deadline()
        if action == "submit_loi":
            return START + LOI_OPENS <= self.now < deadline and self.complete  # type: ignore[operator]
        if action == "submit_application":
            return self.now < deadline and self.complete  # type: ignore[operator]
        if action == "expire":
            return self.now >= deadline  # type: ignore[operator]
        if action in ("approve", "decline"):
            return self.now >= self.opens_at() and sum(self.counted_votes().values()) >= QUORUM
        if action == "start_contracting":
            return self.released
        if action == "activate":
            return not self.unsigned
        if action == "close":
            return bool(self.partners) and self.final_paid == set(self.partners) and self.final_report
        if action == "complete_assessment":
            return self.stage in self.reviewed
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
        sources, _target, _who = TABLE[action]
        if (expected is not None and expected != self.state) or self.state not in sources:
            return StaleAction
        if persona not in self.who(action):
            return ActionForbidden
        if not self.conditions_hold(action):
            return ConditionsNotMet
        if action == "send_to_board":
            # Checked under the lock once the guards pass: a meeting of the call, still to be held.
            _meeting, when = self.sent_to()
            if when is None or when <= self.now:
                return DomainError
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
            assert AgendaItem.objects.count() == (0 if self.on_agenda is None else 1)
            assert Proposal.objects.filter(pk=self.proposal.pk).values().get() == before
            assert AuditRecord.objects.filter(proposal__isnull=False).count() == self.audits
            assert Notification.objects.count() == self.notifications
            return
        assert raised is None, (action, persona, self.state, raised)
        if action == "submit_loi" and self.path[self.stage][1] == Advance.AUTOMATIC:
            # The stage moves on by itself: Clusterflow invites in the same transaction (the rules all pass).
            records = list(AuditRecord.objects.filter(pk__gt=last_audit).order_by("pk"))
            assert [(r.action, r.from_state, r.to_state, r.actor, r.at) for r in records] == [
                ("submit_loi", self.state, "loi_submitted", self.people[persona], self.now),
                ("invite", "loi_submitted", "invited", None, self.now),
            ]
            for record, step in zip(records, ("submit_loi", "invite"), strict=True):
                told = Notification.objects.filter(key__contains=f":audit{record.pk}:")
                assert sorted(told.values_list("event", "recipient_id", "channel")) == sorted(
                    (event, self.people[who].pk, channel) for event, who in TOLD[step] for channel in ("email", "inbox")
                )
                self.audits += 1
                self.notifications += told.count()
            self._believe("submit_loi", "loi_submitted")
            self._believe("invite", "invited")
            return
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
        if action in ("approve", "decline"):
            assert record.data["votes"] == self.counted_votes()
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
        if self.state == "board_review" and sum(self.counted_votes().values()) < QUORUM:
            # What moves a proposal before the board is first a vote of a member who counts.
            persona = data.draw(st.sampled_from(["chair", "board"]), label="voter")
            self.a_member_votes(persona, data.draw(st.sampled_from(VoteChoice.values), label="choice"))
            return
        # What moves a funded project is first its facts: the decision released, the signatures, the
        # final claims paid and the final report accepted (half the time while some are missing).
        if self.state == "approved" and not self.released:
            self.staff_release_the_meetings_decisions()
            return
        if self.state == "contracting" and self.unsigned and data.draw(st.booleans(), label="a signature first"):
            self.a_signatory_signs(data)
            return
        if self.state in ("active", "closing") and data.draw(st.booleans(), label="a final fact first"):
            if set(self.partners) - self.final_paid:
                self.a_partners_final_claim_is_paid(data)
                return
            if not self.final_report:
                self.the_final_report_is_accepted()
                return
        onward = [action for action in offered if TABLE[action][1] not in ENDS] or offered
        action = data.draw(st.sampled_from(onward) | st.sampled_from(offered), label="action")
        who = sorted(self.who(action)) or BOARD_PERSONAS
        persona = data.draw(st.sampled_from(who), label="persona")
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
            "send_to_board": lambda: actions.proposal_send_to_board(meeting=self.sent_to()[0], **common),
            "approve": lambda: actions.proposal_approve(amount=Decimal("250000"), rationale=text, **common),
            "decline": lambda: actions.proposal_decline(rationale=text, **common),
            "withdraw": lambda: actions.proposal_withdraw(reason=text, **common),
            "expire": lambda: actions.proposal_expire(**common),
            "start_contracting": lambda: actions.proposal_start_contracting(**common),
            "activate": lambda: actions.proposal_activate(**common),
            "start_closing": lambda: actions.proposal_start_closing(**common),
            "close": lambda: actions.proposal_close(**common),
            "terminate": lambda: actions.proposal_terminate(reason=text, **common),
        }
        perform[action]()

    def _believe(self, action: str, to_state: str) -> None:
        if action in ("submit_loi", "submit_application"):
            self.versions.append(self.kind())
        elif action == "invite":
            self.stage += 1
        if action == "extend_deadline":
            current = self.deadline()
            assert current is not None
            self.extension = (self.state, self.stage, current + EXTENSION)
        elif action == "request_changes":
            self.changes_due = self.now + CHANGES_DUE_IN
        elif action == "send_to_board":
            self.on_agenda = len(self.meetings) - 1 if self.target is None else self.target
        elif action == "start_contracting":
            # Contracting opens the project with the consortium's partners and drafts both agreements:
            # each partner owes a signature on each.
            self.partners = sorted(
                ProjectPartner.objects.filter(project__proposal=self.proposal).values_list("pk", flat=True)
            )
            assert self.partners
            self.unsigned = {(kind, partner) for kind in AGREEMENTS for partner in self.partners}
        self.state = to_state

    @initialize(
        path=st.sampled_from(sorted(PATHS)),
        start=st.sampled_from(["draft", "assessed", "board_review", "approved", "contracting", "active"]),
    )
    def start(self, path: str, start: str) -> None:
        # Five runs in six start assessed (its reviews in), on the first meeting's agenda, or
        # approved there (and on, through the actions, to contracting or active), so that sequences
        # of 25 steps reach the board (meetings, votes, the chair's decisions) and the funded project
        # (its release, contracting, signatures, claims, reports, closing and termination).
        self._build(path)
        if start in ("approved", "contracting", "active"):
            Proposal.objects.filter(pk=self.proposal.pk).update(approved_amount=Decimal("250000"))
        if start != "draft":
            placed = "approved" if start in ("contracting", "active") else start
            self.stage = len(self.path) - 1
            Proposal.objects.filter(pk=self.proposal.pk).update(
                state=placed, stage=self.call.stages.get(kind=self.kind())
            )
            self._reviews_all_in()
            self.state = placed
        if start not in ("draft", "assessed"):
            AgendaItem.objects.create(meeting=self.meetings[0][0], proposal=self.proposal)
            self.on_agenda = 0
        if start in ("contracting", "active"):
            self.staff_release_the_meetings_decisions()
            self.attempt(action="start_contracting", persona="staff", good_input=True, expected="current")
        if start == "active":
            while self.unsigned:
                self._sign(*sorted(self.unsigned)[0])
            self.attempt(action="activate", persona="system", good_input=True, expected="current")

    def _reviews_all_in(self) -> None:
        """Give the proposal every required review of the stage it is in (its rubric, k = 1 if new)."""
        rubric = Rubric.objects.filter(call=self.call, stage=self.kind()).first() or rubric_make(
            self.call, k=1, stage=self.kind()
        )
        for _ in range(Proposal.objects.get(pk=self.proposal.pk).required_reviews_missing()):
            review_make(assignment_make(self.proposal, rubric=rubric))
        self.reviewed.add(self.stage)

    @precondition(lambda self: self.stage not in self.reviewed and self.fits_path("start_assessment"))
    @rule()
    def the_required_review_is_submitted(self) -> None:
        # Written directly: the review's own service completes the assessment by itself,
        # which this machine leaves to its attempts of complete_assessment. At an assessed stage only.
        self._reviews_all_in()

    @rule(days=st.sampled_from([1, 20, 60]), chair=st.sampled_from(["chair", "board"]))
    def staff_schedule_a_meeting(self, days: int, chair: str) -> None:
        # Written directly: creating meetings is the board's service, not a transition.
        with time_machine.travel(self.now, tick=False):
            self._schedule(self.now + days * DAY, chair)

    @precondition(lambda self: self.state == "assessed")
    @rule(data=st.data())
    def staff_send_to_a_meeting(self, data: st.DataObject) -> None:
        # Any of the call's meetings, held or ahead: one already held is refused.
        self.target = data.draw(st.sampled_from(range(len(self.meetings))), label="meeting") if self.meetings else None
        try:
            self.attempt(action="send_to_board", persona="staff", good_input=True, expected="current")
        finally:
            self.target = None

    @precondition(lambda self: self.state == "board_review")
    @rule(persona=st.sampled_from(BOARD_PERSONAS), choice=st.sampled_from(VoteChoice.values))
    def a_member_votes(self, persona: str, choice: str) -> None:
        # Written directly (the board's voting service checks who may vote): the guard must
        # count only the invited members who are not recused, whoever wrote a vote.
        item = AgendaItem.objects.get(proposal=self.proposal, deferred_to__isnull=True)
        Vote.objects.update_or_create(item=item, member=self.people[persona], defaults={"choice": choice})
        self.votes[persona] = choice

    @precondition(lambda self: self.on_agenda is not None)
    @rule()
    def staff_open_the_meeting_early(self) -> None:
        # Through the board's service: staff may open a meeting once, before its time; the chair decides from then.
        index = cast(int, self.on_agenda)
        meeting, when, _chair = self.meetings[index]
        refused = index in self.opened or when <= self.now
        with time_machine.travel(self.now, tick=False):
            try:
                meeting_open_early(meeting=meeting, by=self.people["staff"], reason="Every member is here.")
            except ActionForbidden:
                # Its decisions released: the meeting can no longer be changed.
                assert self.released
            except StaleAction:
                assert not self.released
                assert refused
            else:
                assert not self.released
                assert not refused
                self.opened[index] = self.now
                # Audited on the meeting, not in the proposal's history.
                assert AuditRecord.objects.filter(meeting=meeting, action="open_early").count() == 1

    @precondition(lambda self: self.on_agenda is not None and not self.disposed)
    @rule()
    def staff_release_the_meetings_decisions(self) -> None:
        # Through the board's service: refused while the proposal is before the board; once released,
        # the letter of a decided proposal goes to the lead applicant (on both channels), a withdrawn
        # one gets none, and a second release sends nothing.
        meeting = self.meetings[cast(int, self.on_agenda)][0]
        with time_machine.travel(self.now, tick=False):
            try:
                sent = meeting_decisions_release(meeting=meeting, by=self.people["staff"])
            except DomainError:
                assert self.state == "board_review"
                return
        assert self.state != "board_review"
        letter = not self.released and self.state in ("approved", "declined")
        assert sent == (1 if letter else 0)
        self.released = True
        self.notifications += 2 if letter else 0

    def _project(self) -> Project:
        return Project.objects.get(proposal=self.proposal)

    @precondition(lambda self: self.state == "contracting" and self.unsigned)
    @rule(data=st.data())
    def a_signatory_signs(self, data: st.DataObject) -> None:
        # Written directly: the signing service activates the project at the last signature by
        # itself, which this machine leaves to its attempts of activate.
        self._sign(*data.draw(st.sampled_from(sorted(self.unsigned)), label="signature"))

    def _sign(self, kind: str, partner_id: int) -> None:
        agreement = self._project().agreements.get(kind=kind, superseded_at__isnull=True)
        partner = ProjectPartner.objects.get(pk=partner_id)
        Signature.objects.create(
            agreement=agreement, partner=partner, signer=self.people["lead"], organization_id=partner.organization_id,
            version=agreement.version, sha256=agreement.sha256, adapter="test",
        )  # fmt: skip
        self.unsigned.discard((kind, partner_id))

    @precondition(lambda self: self.state in ("active", "closing") and set(self.partners) - self.final_paid)
    @rule(data=st.data())
    def a_partners_final_claim_is_paid(self, data: st.DataObject) -> None:
        # Written directly: the claims' own services are tested apart (tests/projects/test_claims.py).
        partner_id = data.draw(st.sampled_from(sorted(set(self.partners) - self.final_paid)), label="partner")
        day = START.date()
        Claim.objects.create(
            project=self._project(), partner_id=partner_id, period=1, period_start=day, period_end=day, final=True,
            state=ClaimState.PAID, created_by=self.people["lead"],
        )  # fmt: skip
        self.final_paid.add(partner_id)

    @precondition(lambda self: self.state in ("active", "closing") and not self.final_report)
    @rule()
    def the_final_report_is_accepted(self) -> None:
        # Written directly: the reports' own services are tested apart (tests/projects/test_milestones_and_reports.py).
        day = START.date()
        Report.objects.create(
            project=self._project(), period=1, starts_on=day, ends_on=day, final=True, state=ReportState.ACCEPTED,
            created_by=self.people["lead"],
        )  # fmt: skip
        self.final_report = True

    @rule(delta=st.sampled_from([timedelta(0), timedelta(milliseconds=1), timedelta(hours=6), 3 * DAY, 9 * DAY]))
    def time_passes(self, delta: timedelta) -> None:
        self.now += delta

    @precondition(lambda self: self.state in {"draft", "invited", "changes_requested"})
    @rule(complete=st.booleans())
    def applicant_edits(self, complete: bool) -> None:
        # Editing is not a transition: it only makes the proposal complete or not.
        Proposal.objects.filter(pk=self.proposal.pk).update(summary="Three partners build it." if complete else "")
        self.complete = complete

    @precondition(lambda self: self.state in FINAL)
    @rule()
    def the_retention_passes_and_the_sweep_disposes(self) -> None:
        # Past any retention: a final (unsuccessful) proposal is disposed of once, with one audit
        # record, and its notifications go; every later attempt is still refused.
        disposed = proposals_dispose_due(now=self.now + timedelta(days=3650))
        assert disposed == (0 if self.disposed else 1)
        if not self.disposed:
            self.audits += 1
            self.notifications = 0
            self.disposed = True

    # --- after every step ---------------------------------------------------------------------

    @invariant()
    def state_is_valid_and_the_models(self) -> None:
        stored = Proposal.objects.select_related("call", "stage").get(pk=self.proposal.pk)
        assert stored.state in STATES
        assert (stored.state, stored.stage.kind) == (self.state, self.kind())
        assert stored.deadline == self.deadline()

    @invariant()
    def only_the_last_stage_goes_to_the_board(self) -> None:
        stored = Proposal.objects.select_related("stage").get(pk=self.proposal.pk)
        if stored.state in ("board_review", "approved", "declined") or self.on_agenda is not None:
            assert stored.stage.is_last
        sent = AuditRecord.objects.filter(proposal=self.proposal, action="send_to_board").count()
        assert sent == 0 or self.at_last_stage()

    @invariant()
    def a_version_is_frozen_per_submission_with_the_stages_kind(self) -> None:
        if self.disposed:
            return
        frozen = ProposalVersion.objects.filter(proposal=self.proposal).order_by("number")
        assert list(frozen.values_list("kind", flat=True)) == self.versions

    @invariant()
    def history_is_what_succeeded(self) -> None:
        assert AuditRecord.objects.filter(proposal=self.proposal).count() == self.audits
        assert Notification.objects.filter(proposal=self.proposal).count() == self.notifications

    @invariant()
    def the_agenda_is_where_the_proposal_was_sent(self) -> None:
        items = list(AgendaItem.objects.filter(proposal=self.proposal).values_list("meeting_id", "deferred_to_id"))
        expected = [] if self.on_agenda is None else [(self.meetings[self.on_agenda][0].pk, None)]
        assert items == expected

    @invariant()
    def only_a_disposed_proposal_lost_its_content(self) -> None:
        stored = Proposal.objects.get(pk=self.proposal.pk)
        assert (stored.disposed_at is not None) == self.disposed
        assert stored.title == (f"#{stored.pk}" if self.disposed else "A shared testbed")

    @invariant()
    def final_states_never_change(self) -> None:
        if self.reached_final is not None:
            assert self.state == self.reached_final
        elif self.state in ENDS:
            self.reached_final = self.state

    @invariant()
    def a_project_exists_from_contracting_and_starts_when_active(self) -> None:
        project = Project.objects.filter(proposal=self.proposal).first()
        assert (project is not None) == (self.state in PROJECT)
        if project is not None:
            activated = AuditRecord.objects.filter(proposal=self.proposal, action="activate").exists()
            assert (project.started_on is not None) == activated
            assert project.agreements.filter(superseded_at__isnull=True).count() == len(AGREEMENTS)


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
            "chair": UserFactory(role=Role.BOARD_MEMBER),
            "recused": UserFactory(role=Role.BOARD_MEMBER),
            "outsider": UserFactory(role=Role.BOARD_MEMBER),
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
