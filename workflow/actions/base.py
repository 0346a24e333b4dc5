"""How every action on a proposal is carried out: lock, check, transition, save, audit, notify.

The actions themselves are in this package's modules by stage (``screening``, ``assessment``,
``board``, ``deadlines``) and are declared, with their labels, fields, history texts and
events, in the registry (``workflow.actions``). Each action locks the proposal's row,
checks the actor's permission (403 otherwise), checks the transition's conditions (a
message naming the unmet one), transitions, saves with ``update_fields``, writes one audit
record and notifies through the one entry point,
whose emails leave only after the transaction commits. A stale action (somebody acted
first, or the proposal moved on) raises ``StaleAction`` (409) and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from board.models import AgendaItem, BoardMeeting
from board.selectors import member_recused
from intake import program_roles
from intake.lifecycle import SystemActor, permitted, transition_of, unmet_conditions
from intake.locks import proposal_locked
from intake.models import Proposal
from intake.selectors import (
    RELATED,
    SUBMISSION_FACTS,
    VERSION_RULES_FACTS,
    locked_facts_keep,
    submission_facts,
    version_rules_facts,
)
from intake.services.overrides import overrides_record_lapses
from intake.services.versions import proposal_version_freeze
from records.events import Event
from records.models import AuditRecord
from records.notifications import notify_audiences
from records.sql import row_read_compiled
from workflow.access import proposal_decision_withheld

Actor = User | SystemActor


class ConditionsNotMet(DomainError):
    """The transition's guard refused: the message names each unmet condition."""

    status = 409


Audience = Callable[[Proposal], Q]


@dataclass(frozen=True)
class Effect:
    """What a transition writes besides the state, and whom it tells.

    The events and their audiences are the action's declaration's (``workflow.actions``).
    ``freeze`` freezes the proposal as its next version, of the kind of the stage it is in; ``advance`` moves
    it to the next stage of its path.
    ``facts`` are annotations the guards read, computed in the locked read; ``prepare`` runs
    under the lock once the guards pass, may refuse (``DomainError``), and returns more data
    for the audit record; ``meeting`` puts the proposal on that board meeting's agenda; ``then`` runs in
    the same transaction once the action is written (a stage that moves on automatically invites).
    ``rules_in_force`` says that the guards read the rules frozen in the proposal's last version
    (``eligible``): they are read with the locked row.
    """

    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    freeze: bool = False
    advance: bool = False
    then: Callable[[Proposal], None] | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    prepare: Callable[[Proposal], dict[str, Any]] | None = None
    meeting: BoardMeeting | None = None
    rules_in_force: bool = False


def applicant(proposal: Proposal) -> Q:
    """The proposal's lead applicant."""
    return Q(pk=proposal.lead_applicant_id)


def applicant_and_staff(proposal: Proposal) -> Q:
    """The proposal's lead applicant and its program's staff."""
    return applicant(proposal) | staff(proposal)


def staff(proposal: Proposal) -> Q:
    """The staff of the proposal's program: another program's staff never hear of it."""
    return program_roles.audience(Role.STAFF, proposal.call.program_id)


def declared_events(action: str) -> Sequence[tuple[Event, Audience]]:
    """Return the events ``action`` sends and to whom, as its declaration in the registry says."""
    # The registry names the functions of this package, so it is read when an action runs.
    from workflow.actions import ACTION

    return ACTION[action].events


def perform(
    action: str, *, proposal: Proposal, by: Actor, expected_state: str | None = None, effect: Effect = Effect()
) -> Proposal:
    """Carry out ``action`` on ``proposal`` by ``by``: lock, check, transition, save, audit, notify.

    The row is read once, locked, with what the pages show of its relations, so a caller
    may pass ``Proposal(pk=...)`` without reading it first. Only the proposal's row is
    locked: submissions to one call do not queue behind each other on the call's row.
    """
    # A submission reads what it checks and freezes (rules, questions and answers, the lead's memberships) with
    # the row; an action whose guards read the rules in force, the rules frozen in the last version.
    shape = (
        "perform",
        *effect.facts,
        *(SUBMISSION_FACTS if effect.freeze else ()),
        *(VERSION_RULES_FACTS if effect.rules_in_force else ()),
    )
    try:
        with transaction.atomic():

            def read(key: int) -> QuerySet[Proposal]:
                return (
                    Proposal.objects.select_related(*RELATED)
                    .annotate(**effect.facts, **_locked_facts(effect))
                    .select_for_update(of=("self",))
                    .filter(pk=key)
                )

            # The read's shape follows from the facts its guards read: compiled once (ADR 0047).
            try:
                locked = row_read_compiled(Proposal, shape, read, proposal.pk)
            except Proposal.DoesNotExist:  # read again now that the lock is held (``proposal_locked``)
                locked = proposal_locked(read(proposal.pk), proposal.pk)
            if effect.freeze or effect.rules_in_force:
                locked_facts_keep(locked)
            # The guards are checked here and again by the transition: the eligibility they read is read once.
            with locked.eligibility_read_once():
                _check(action, proposal=locked, by=by, expected_state=expected_state)
                data = {**effect.data, **(effect.prepare(locked) if effect.prepare else {})}
                from_state = locked.state
                for name, value in effect.fields.items():
                    setattr(locked, name, value)
                counted = []
                if effect.freeze:  # numbered in this update, frozen below
                    locked.version_count += 1
                    counted = ["version_count"]
                frozen_kind = locked.stage.kind
                if effect.freeze:  # the stage submitted, for the history's words
                    data.setdefault("stage", frozen_kind)
                getattr(locked, action)()
            if effect.advance:  # after the transition, whose guards read the stage it leaves
                locked.stage = locked.call.stages.get(kind=locked.next_stage_kind())
                counted.append("stage")
                data["stage"] = locked.stage.kind
            locked.save(update_fields=["state", "updated_at", *effect.fields, *counted])
            record = AuditRecord.objects.create(
                proposal=locked,
                action=action,
                from_state=from_state,
                to_state=locked.state,
                actor=by if isinstance(by, User) else None,
                reason=effect.reason,
                data=data,
            )
            if effect.meeting is not None:
                AgendaItem.objects.create(meeting=effect.meeting, proposal=locked)
            events = declared_events(action)
            # A submission names the version it freezes below: its email carries that version's receipt.
            version = {"version": locked.version_count} if effect.freeze else {}
            if events:
                notify_audiences(
                    audiences=[(event, audience(locked)) for event, audience in events],
                    occurrence=f"audit{record.pk}",
                    proposal=locked,
                    context={"reason": effect.reason, **data, **version},
                )
            if effect.freeze:
                # In the transaction, after the transition: a refused action freezes nothing.
                proposal_version_freeze(proposal=locked, by=cast(User, by), kind=frozen_kind, counted=True)
                # A new version's figures are final: an override of a figure that changed lapses now.
                # A first version has none: overrides are granted on submitted proposals only.
                if locked.version_count > 1:
                    overrides_record_lapses(proposal=locked)
            if effect.then is not None:
                effect.then(locked)
    except ConcurrentTransition as error:
        current = Proposal.objects.get(pk=proposal.pk)
        raise StaleAction(_stale_message(current, by=by)) from error
    return locked


def _locked_facts(effect: Effect) -> dict[str, Any]:
    """The annotations of what ``effect`` reads with the locked row, kept by ``locked_facts_keep``."""
    return {
        **(submission_facts() if effect.freeze else {}),
        **(version_rules_facts() if effect.rules_in_force else {}),
    }


def _check(action: str, *, proposal: Proposal, by: Actor, expected_state: str | None) -> None:
    """Refuse ``action`` with the reason a person can act on: stale, forbidden, or a condition unmet."""
    _refuse_stale_or_forbidden(action, proposal=proposal, by=by, expected_state=expected_state)
    unmet = unmet_conditions(proposal, action)
    if unmet:
        raise ConditionsNotMet(" ".join(unmet))


def _refuse_stale_or_forbidden(action: str, *, proposal: Proposal, by: Actor, expected_state: str | None) -> None:
    if expected_state and proposal.state != expected_state:
        raise StaleAction(_stale_message(proposal, by=by))
    if action == EXTEND_DEADLINE:
        refuse_extension(proposal=proposal, by=by)
        return
    if transition_of(action, proposal.state) is None:
        raise StaleAction(_stale_message(proposal, by=by))
    if not permitted(proposal, action, by):
        raise ActionForbidden(_("You may not do this to this proposal."))
    if action in BOARD_DECISIONS and isinstance(by, User) and member_recused(member=by, proposal=proposal):
        # Staff read their programs' proposals, so a chair who is also their staff reaches this far even when recused.
        raise ActionForbidden(_("You are recused from this proposal: you cannot record the board's decision on it."))


#: The one action on a proposal that is not a transition of the lifecycle: it moves a deadline.
EXTEND_DEADLINE = "extend_deadline"


def refuse_extension(*, proposal: Proposal, by: Actor) -> None:
    """Refuse an extension of the deadline to anyone but its program's staff, and of a proposal with no deadline."""
    if not isinstance(by, User) or not by.acts_in(Role.STAFF, proposal.call.program_id):
        raise ActionForbidden(_("Only program staff can extend a deadline."))
    if proposal.deadline is None:
        raise StaleAction(
            _("This proposal is now “%(state)s”, which has no deadline to extend.")
            % {"state": proposal.get_state_display()}
        )


#: The chair's decisions: recusal (``board.selectors.board_recused``) refuses them to a recused chair.
BOARD_DECISIONS = frozenset({"approve", "decline"})


def proposal_action_precheck(*, proposal: Proposal, action: str, by: Actor, expected_state: str | None) -> None:
    """Raise the ``StaleAction`` or ``ActionForbidden`` that ``action`` would, without locking or writing.

    A view asks before reading the action's form, so nobody corrects a form for an action
    that is no longer theirs; the action checks again under the row's lock.
    """
    _refuse_stale_or_forbidden(action, proposal=proposal, by=by, expected_state=expected_state)


def _stale_message(proposal: Proposal, *, by: Actor) -> str:
    """Say what became of ``proposal``, without telling ``by`` a board decision withheld from them."""
    if proposal_decision_withheld(proposal=proposal, user=by):
        return _(
            "The board has made its decision on this proposal, so this action is no longer possible. You will "
            "receive the decision when it is released. Nothing was changed."
        )
    return _("This proposal is now “%(state)s”, so this action is no longer possible. Nothing was changed.") % {
        "state": proposal.get_state_display()
    }


def required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(message)
    return text
