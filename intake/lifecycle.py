"""The proposal lifecycle: every transition, its source, target, conditions and actor.

This file is the whole table of docs/design.md's "The lifecycle". Transition bodies are empty
on purpose: the state change is the only effect. Everything around it (locking, checking,
saving, auditing, notifying) is done by the one action per transition in
``workflow.actions``, the only code allowed to change the state, whose registry declares each
transition of this table by its name (its label, events, history text; a test checks both list
the same actions).

The concrete model (``intake.models.Proposal``) provides ``lead_applicant_id``, ``call``,
``deadline``, ``missing_for_submission()``, ``eligibility_failures()``,
``required_reviews_missing()`` (every required review submitted); the board's guards read
the annotations of ``board.selectors.board_facts`` (its meeting's chair, quorum and
opening time, the votes counted), which a proposal read without them does not meet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMFieldMixin, transition

from accounts.choices import Role
from intake.states import WITHDRAWABLE_STATES, ProposalState

S = ProposalState


class SystemActor:
    """The actor of transitions made by the deadline sweeps and by completed assessments."""

    pk = None
    is_authenticated = False
    is_active = True

    def has_role(self, role: str) -> bool:
        return False

    def __str__(self) -> str:
        return str(_("Clusterflow"))


SYSTEM = SystemActor()


# --- Conditions: named, with the message shown when they are not met -------------------


class Condition:
    """A readable guard: ``condition(proposal)`` says whether it holds; ``message`` why not.

    A ``structural`` condition says whether the action belongs to where the proposal is in its path
    at all (an early stage or the last): pages do not offer an action one of them rules out.
    """

    def __init__(self, check: Callable[[Any], bool], message: Any, *, structural: bool = False) -> None:
        self.check = check
        self.message = message
        self.structural = structural
        self.__name__ = check.__name__

    def __call__(self, proposal: Any) -> bool:
        return bool(self.check(proposal))

    def explain(self, proposal: Any) -> str:
        """Say why the condition does not hold for ``proposal``."""
        return str(self.message(proposal) if callable(self.message) else self.message)


def condition(message: Any, *, structural: bool = False) -> Callable[[Callable[[Any], bool]], Condition]:
    return lambda check: Condition(check, message, structural=structural)


@condition(_("The proposal is at the last stage of its path: it has no next stage."), structural=True)
def early_stage(proposal: Any) -> bool:
    return not proposal.at_last_stage


@condition(_("The proposal is at an early stage of its path: staff invite it to the next stage or decline it."),
           structural=True)  # fmt: skip
def last_stage(proposal: Any) -> bool:
    return bool(proposal.at_last_stage)


@condition(_("This stage is not assessed: staff invite the proposal to the next stage or decline it."),
           structural=True)  # fmt: skip
def assessed_stage(proposal: Any) -> bool:
    return bool(proposal.stage.assessed or proposal.at_last_stage)


@condition(_("The stage's window is not open by the server's clock."))
def stage_window_open(proposal: Any) -> bool:
    deadline = proposal.deadline
    return deadline is not None and proposal.stage.opens_at <= timezone.now() < deadline


@condition(_("The deadline has passed by the server's clock."))
def before_deadline(proposal: Any) -> bool:
    return proposal.deadline is not None and timezone.now() < proposal.deadline


@condition(
    lambda proposal: (
        _("The proposal is not complete: it lacks %(missing)s.")
        % {"missing": ", ".join(proposal.missing_for_submission())}
    )
)
def complete(proposal: Any) -> bool:
    return not proposal.missing_for_submission()


@condition(
    lambda proposal: (
        _("The application fails eligibility checks that staff have not overridden: %(failures)s.")
        % {"failures": "; ".join(proposal.eligibility_failures())}
    )
)
def eligible(proposal: Any) -> bool:
    return not proposal.eligibility_failures()


@condition(_("The deadline has not passed yet."))
def deadline_passed(proposal: Any) -> bool:
    return proposal.deadline is not None and timezone.now() >= proposal.deadline


@condition(
    lambda proposal: (
        ngettext(
            "%(count)d required review is not submitted yet.",
            "%(count)d required reviews are not submitted yet.",
            proposal.required_reviews_missing(),
        )
        % {"count": proposal.required_reviews_missing()}
    )
)
def reviews_in(proposal: Any) -> bool:
    return proposal.required_reviews_missing() == 0


def _quorum_missing(proposal: Any) -> str:
    quorum = getattr(proposal, "board_quorum", None)
    if quorum is None:
        return str(_("The proposal is on no board meeting's agenda."))
    return _("A quorum of %(quorum)s board members who are not recused has not voted yet: %(votes)s have.") % {
        "quorum": quorum,
        "votes": getattr(proposal, "board_votes_counted", None) or 0,
    }


@condition(_quorum_missing)
def quorum_reached(proposal: Any) -> bool:
    # Read with ``board.selectors.board_facts``: the proposal's meeting and its counted votes.
    quorum, votes = getattr(proposal, "board_quorum", None), getattr(proposal, "board_votes_counted", None)
    return quorum is not None and votes is not None and votes >= quorum


@condition(
    _(
        "The board meeting has not started by the server's clock: the chair records decisions from its scheduled "
        "time, or from when staff open it early."
    )
)
def board_meeting_started(proposal: Any) -> bool:
    # Read with ``board.selectors.board_facts``: when the proposal's meeting opens (scheduled, or opened early).
    opens_at = getattr(proposal, "board_opens_at", None)
    return opens_at is not None and timezone.now() >= opens_at


# The funded project's guards read the annotations of ``projects.selectors.project_facts``.


@condition(_("The board's decision is not released to the applicants yet: release the meeting's decisions first."))
def decision_released(proposal: Any) -> bool:
    return bool(getattr(proposal, "project_decision_released", False))


def _unsigned(proposal: Any) -> str:
    return ngettext(
        "%(count)s signature of the agreements is missing.",
        "%(count)s signatures of the agreements are missing.",
        getattr(proposal, "project_signatures_missing", None) or 0,
    ) % {"count": getattr(proposal, "project_signatures_missing", None) or 0}


@condition(_unsigned)
def agreements_signed(proposal: Any) -> bool:
    # Both agreements in their current version, signed by every partner's signatory.
    return getattr(proposal, "project_signatures_missing", None) == 0


@condition(_("The final claim is not paid yet."))
def final_claim_paid(proposal: Any) -> bool:
    return bool(getattr(proposal, "project_final_claim_paid", False))


@condition(_("The final report is not accepted yet."))
def final_report_accepted(proposal: Any) -> bool:
    return bool(getattr(proposal, "project_final_report_accepted", False))


# --- Permissions: who may act ------------------------------------------------------------


def lead_applicant(proposal: Any, user: Any) -> bool:
    return user.pk is not None and user.pk == proposal.lead_applicant_id and user.has_role(Role.APPLICANT)


def program_staff(proposal: Any, user: Any) -> bool:
    """Staff of the proposal's program (``intake.program_roles``)."""
    return user.pk is not None and user.acts_in(Role.STAFF, proposal.call.program_id)


def board_chair(proposal: Any, user: Any) -> bool:
    """The chair of the meeting whose agenda the proposal is on (``board_chair_id``, from ``board_facts``)."""
    chair = getattr(proposal, "board_chair_id", None)
    return chair is not None and user.pk == chair and user.has_role(Role.BOARD_MEMBER)


def system(proposal: Any, user: Any) -> bool:
    return user is SYSTEM


def staff_or_system(proposal: Any, user: Any) -> bool:
    return system(proposal, user) or program_staff(proposal, user)


@cache
def _state_fields(model: type[models.Model]) -> tuple[FSMFieldMixin, ...]:
    return tuple(field for field in model._meta.fields if isinstance(field, FSMFieldMixin))


# --- The table ---------------------------------------------------------------------------


class ProposalLifecycle(ConcurrentTransitionMixin, models.Model):
    state = FSMField(_("state"), default=S.DRAFT, choices=S.choices, protected=True, db_index=True)

    class Meta:
        abstract = True

    @property
    def state_fields(self) -> tuple[FSMFieldMixin, ...]:
        """The state fields, found once per model rather than among every field at each proposal's load."""
        return _state_fields(type(self))

    # The early states (draft, loi_submitted, invited, loi_declined) serve every stage before the last:
    # the proposal records its stage, and ``invite`` moves it to the next stage of its path.
    # fmt: off
    @transition(state, source=[S.DRAFT, S.INVITED], target=S.LOI_SUBMITTED,
                conditions=[early_stage, stage_window_open, complete], permission=lead_applicant)
    def submit_loi(self) -> None: ...

    @transition(state, source=[S.LOI_SUBMITTED, S.ASSESSED], target=S.INVITED,
                conditions=[early_stage], permission=staff_or_system)
    def invite(self) -> None: ...

    @transition(state, source=[S.LOI_SUBMITTED, S.ASSESSED], target=S.LOI_DECLINED,
                conditions=[early_stage], permission=program_staff)
    def decline_loi(self) -> None: ...

    @transition(state, source=[S.DRAFT, S.INVITED, S.CHANGES_REQUESTED], target=S.SUBMITTED,
                conditions=[last_stage, before_deadline, complete], permission=lead_applicant)
    def submit_application(self) -> None: ...

    @transition(state, source=S.SUBMITTED, target=S.CHANGES_REQUESTED, permission=program_staff)
    def request_changes(self) -> None: ...

    @transition(state, source=S.SUBMITTED, target=S.INELIGIBLE, permission=program_staff)
    def mark_ineligible(self) -> None: ...

    @transition(state, source=[S.SUBMITTED, S.LOI_SUBMITTED], target=S.IN_ASSESSMENT,
                conditions=[assessed_stage, eligible], permission=program_staff)
    def start_assessment(self) -> None: ...

    @transition(state, source=S.IN_ASSESSMENT, target=S.ASSESSED, conditions=[reviews_in], permission=staff_or_system)
    def complete_assessment(self) -> None: ...

    @transition(state, source=S.ASSESSED, target=S.IN_ASSESSMENT, permission=program_staff)
    def reopen_assessment(self) -> None: ...

    @transition(state, source=S.ASSESSED, target=S.BOARD_REVIEW, conditions=[last_stage], permission=program_staff)
    def send_to_board(self) -> None: ...

    @transition(state, source=S.BOARD_REVIEW, target=S.APPROVED,
                conditions=[board_meeting_started, quorum_reached], permission=board_chair)
    def approve(self) -> None: ...

    @transition(state, source=S.BOARD_REVIEW, target=S.DECLINED,
                conditions=[board_meeting_started, quorum_reached], permission=board_chair)
    def decline(self) -> None: ...

    @transition(state, source=sorted(WITHDRAWABLE_STATES), target=S.WITHDRAWN, permission=lead_applicant)
    def withdraw(self) -> None: ...

    @transition(state, source=[S.DRAFT, S.INVITED, S.CHANGES_REQUESTED], target=S.EXPIRED,
                conditions=[deadline_passed], permission=system)
    def expire(self) -> None: ...

    # After the decision: the funded project (docs/projects.md).
    @transition(state, source=S.APPROVED, target=S.CONTRACTING, conditions=[decision_released],
                permission=program_staff)
    def start_contracting(self) -> None: ...

    @transition(state, source=S.CONTRACTING, target=S.ACTIVE, conditions=[agreements_signed],
                permission=staff_or_system)
    def activate(self) -> None: ...

    @transition(state, source=S.ACTIVE, target=S.CLOSING, permission=staff_or_system)
    def start_closing(self) -> None: ...

    @transition(state, source=S.CLOSING, target=S.CLOSED, conditions=[final_claim_paid, final_report_accepted],
                permission=program_staff)
    def close(self) -> None: ...

    @transition(state, source=[S.CONTRACTING, S.ACTIVE], target=S.TERMINATED, permission=program_staff)
    def terminate(self) -> None: ...
    # fmt: on


#: Every action of the table, in the order of docs/design.md.
ACTIONS = [
    "submit_loi", "invite", "decline_loi", "submit_application", "request_changes", "mark_ineligible",
    "start_assessment", "complete_assessment", "reopen_assessment", "send_to_board", "approve", "decline",
    "withdraw", "expire", "start_contracting", "activate", "start_closing", "close", "terminate",
]  # fmt: skip


def states_after(states: Iterable[str]) -> frozenset[str]:
    """Return ``states`` and every state the table leads to from any of them, by any number of transitions."""
    leads: dict[str, set[str]] = {}
    for action in ACTIONS:
        for source, declared in getattr(ProposalLifecycle, action)._django_fsm.transitions.items():
            leads.setdefault(source, set()).add(declared.target)
    found = set(states)
    todo = list(found)
    while todo:
        for target in leads.get(todo.pop(), ()):
            if target not in found:
                found.add(target)
                todo.append(target)
    return frozenset(found)


def transition_of(action: str, state: str) -> Any:
    """Return django-fsm's declaration of ``action`` from ``state``, or None if there is none."""
    return getattr(ProposalLifecycle, action)._django_fsm.get_transition(state)


def permitted(proposal: Any, action: str, user: Any) -> bool:
    """Say whether ``user`` may perform ``action`` on ``proposal`` in its current state, conditions aside."""
    declared = transition_of(action, proposal.state)
    return declared is not None and declared.has_perm(proposal, user)


def fits_path(proposal: Any, action: str) -> bool:
    """Say whether ``action`` belongs where ``proposal`` is in its path: its structural conditions hold."""
    declared = transition_of(action, proposal.state)
    return declared is not None and all(
        check(proposal) for check in declared.conditions if getattr(check, "structural", False)
    )


def actions_for(proposal: Any, user: Any) -> list[str]:
    """Return the actions ``user`` may perform on ``proposal`` now, where it is in its path, other conditions aside."""
    return [action for action in ACTIONS if permitted(proposal, action, user) and fits_path(proposal, action)]


# --- The actions offered on many rows, decided once per shape -----------------------------------
#
# ``actions_for`` runs each action's permission and structural conditions: 19 checks a row on a
# list of 60. For one user they read of the proposal only its state and the few facts below, so
# two rows that agree on them are offered the same actions. ``ActionsOffered`` asks
# ``actions_for`` once per such shape and answers the rows that share it from what it said.


def _leads(proposal: Any, user: Any) -> bool:
    return bool(proposal.lead_applicant_id == user.pk)


def _program(proposal: Any, user: Any) -> Any:
    return proposal.call.program_id


def _chairs(proposal: Any, user: Any) -> bool:
    chair = getattr(proposal, "board_chair_id", None)
    return chair is not None and chair == user.pk


def _nothing(proposal: Any, user: Any) -> None:
    return None


def _stage_facts(proposal: Any, user: Any) -> tuple[bool, bool]:
    return bool(proposal.at_last_stage), bool(proposal.stage.assessed)


#: What each permission of the table reads of the proposal, for a given user (whose own roles,
#: grants and identity are fixed while one ``ActionsOffered`` lives).
_PERMISSION_FACTS: dict[Callable[[Any, Any], bool], Callable[[Any, Any], Any]] = {
    lead_applicant: _leads,
    program_staff: _program,
    board_chair: _chairs,
    system: _nothing,
    staff_or_system: _program,
}
#: What each structural condition reads of the proposal: where it is in its path.
_CONDITION_FACTS: dict[Condition, Callable[[Any, Any], Any]] = {
    early_stage: _stage_facts,
    last_stage: _stage_facts,
    assessed_stage: _stage_facts,
}


def _facts_by_state() -> dict[str, tuple[Callable[[Any, Any], Any], ...]]:
    """Return, for each state, what its transitions' permissions and structural conditions read.

    A permission or structural condition missing from ``_PERMISSION_FACTS`` or
    ``_CONDITION_FACTS`` stops the import (``KeyError``): the shapes cannot silently miss a fact.
    """
    facts: dict[str, tuple[Callable[[Any, Any], Any], ...]] = {}
    for state in S.values:
        read: list[Callable[[Any, Any], Any]] = []
        for action in ACTIONS:
            declared = transition_of(action, state)
            if declared is None:
                continue
            read.append(_PERMISSION_FACTS[declared.permission])
            read.extend(_CONDITION_FACTS[check] for check in declared.conditions if getattr(check, "structural", False))
        facts[state] = tuple(dict.fromkeys(read))
    return facts


_FACTS_BY_STATE = _facts_by_state()


class ActionsOffered:
    """``actions_for(proposal, user)`` for one ``user`` over many proposals, decided once per shape.

    A shape is a proposal's state with what that state's permissions and structural conditions
    read of it (``_PERMISSION_FACTS``, ``_CONDITION_FACTS``): whether the user leads it, its
    program, whether the user chairs its board meeting, where it is in its path. The first
    proposal of a shape is checked by ``actions_for`` itself; the others get its answer. The
    user's roles and grants must not change while it is used (one request's rows).
    """

    def __init__(self, user: Any) -> None:
        self.user = user
        self.decided: dict[tuple[Any, ...], tuple[str, ...]] = {}

    def shape(self, proposal: Any) -> tuple[Any, ...]:
        """Return what ``actions_for`` reads of ``proposal`` for this user: its state and facts."""
        state = proposal.state
        return (state, *(fact(proposal, self.user) for fact in _FACTS_BY_STATE.get(state, ())))

    def __call__(self, proposal: Any) -> list[str]:
        """Return the actions ``actions_for`` returns for ``proposal`` and the user."""
        key = self.shape(proposal)
        actions = self.decided.get(key)
        if actions is None:
            actions = self.decided[key] = tuple(actions_for(proposal, self.user))
        return list(actions)


def unmet_conditions(proposal: Any, action: str) -> list[str]:
    """Return the messages of the conditions of ``action`` that ``proposal`` does not meet now."""
    declared = transition_of(action, proposal.state)
    if declared is None:
        return []
    return [check.explain(proposal) for check in declared.conditions if not check(proposal)]
