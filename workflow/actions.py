"""One action per transition of the lifecycle: the only code that changes a proposal's state.

Each action locks the proposal's row, checks the actor's permission (403 otherwise),
checks the transition's conditions (a message naming the unmet one), transitions, saves
with ``update_fields``, writes one audit record and notifies through the one entry point,
whose emails leave only after the transaction commits. A stale action (somebody acted
first, or the proposal moved on) raises ``StaleAction`` (409) and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.db import transaction
from django.db.models import CharField, DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Concat, JSONObject
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from board.models import AgendaItem, BoardMeeting
from board.selectors import board_facts, member_recused, vote_tally
from intake.choices import VersionKind
from intake.lifecycle import SYSTEM, SystemActor, permitted, transition_of, unmet_conditions
from intake.models import Call, Proposal
from intake.selectors import RELATED, call_committed, proposal_funding_requested
from intake.services.versions import proposal_version_freeze
from intake.states import ProposalState
from intake.templatetags.money import money
from records.events import Channel, Event
from records.models import AuditRecord, Notification
from records.notifications import (
    notification_emails_queue_on_commit,
    notification_key_expression,
    notify,
    notify_audiences,
    staff_audience,
)
from records.sql import IsoFormat, insert_from_select
from workflow.access import proposal_decision_withheld

Actor = User | SystemActor


class ConditionsNotMet(DomainError):
    """The transition's guard refused: the message names each unmet condition."""

    status = 409


Audience = Callable[[Proposal], Q]


@dataclass(frozen=True)
class Effect:
    """What a transition writes besides the state, and whom it tells.

    ``events`` pairs each event with its audience: a condition on users, so that telling
    everyone is one insert. ``version`` freezes the proposal as its next version of that kind.
    ``facts`` are annotations the guards read, computed in the locked read; ``prepare`` runs
    under the lock once the guards pass, may refuse (``DomainError``), and returns more data
    for the audit record; ``meeting`` puts the proposal on that board meeting's agenda.
    """

    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    events: Sequence[tuple[Event, Audience]] = ()
    version: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    prepare: Callable[[Proposal], dict[str, Any]] | None = None
    meeting: BoardMeeting | None = None


def _applicant(proposal: Proposal) -> Q:
    return Q(pk=proposal.lead_applicant_id)


def _applicant_and_staff(proposal: Proposal) -> Q:
    return _applicant(proposal) | staff_audience()


def _staff(proposal: Proposal) -> Q:
    return staff_audience()


def _perform(
    action: str, *, proposal: Proposal, by: Actor, expected_state: str | None = None, effect: Effect = Effect()
) -> Proposal:
    """Carry out ``action`` on ``proposal`` by ``by``: lock, check, transition, save, audit, notify.

    The row is read once, locked, with what the pages show of its relations, so a caller
    may pass ``Proposal(pk=...)`` without reading it first. Only the proposal's row is
    locked: submissions to one call do not queue behind each other on the call's row.
    """
    try:
        with transaction.atomic():
            locked = get_object_or_404(
                Proposal.objects.select_related(*RELATED).annotate(**effect.facts).select_for_update(of=("self",)),
                pk=proposal.pk,
            )
            _check(action, proposal=locked, by=by, expected_state=expected_state)
            data = {**effect.data, **(effect.prepare(locked) if effect.prepare else {})}
            from_state = locked.state
            for name, value in effect.fields.items():
                setattr(locked, name, value)
            counted = []
            if effect.version:  # numbered in this update, frozen below
                locked.version_count += 1
                counted = ["version_count"]
            getattr(locked, action)()
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
            if effect.events:
                notify_audiences(
                    audiences=[(event, audience(locked)) for event, audience in effect.events],
                    occurrence=f"audit{record.pk}",
                    proposal=locked,
                    context={"reason": effect.reason, **data},
                )
            if effect.version:
                # In the transaction, after the transition: a refused action freezes nothing.
                proposal_version_freeze(proposal=locked, by=cast(User, by), kind=effect.version, counted=True)
    except ConcurrentTransition as error:
        current = Proposal.objects.get(pk=proposal.pk)
        raise StaleAction(_stale_message(current, by=by)) from error
    return locked


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
        _refuse_extension(proposal=proposal, by=by)
        return
    if transition_of(action, proposal.state) is None:
        raise StaleAction(_stale_message(proposal, by=by))
    if not permitted(proposal, action, by):
        raise ActionForbidden(_("You may not do this to this proposal."))
    if action in BOARD_DECISIONS and isinstance(by, User) and member_recused(member=by, proposal=proposal):
        # Staff read every proposal, so a chair who is also staff reaches this far even when recused.
        raise ActionForbidden(_("You are recused from this proposal: you cannot record the board's decision on it."))


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


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(message)
    return text


# --- The actions, in the order of the table ------------------------------------------------


def proposal_submit_loi(*, proposal: Proposal, by: Actor, expected_state: str | None = None) -> Proposal:
    """Submit the letter of intent while its window is open, freezing it as the proposal's next version."""
    return _perform(
        "submit_loi",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(
            fields={"submitted_at": timezone.now()},
            events=[(Event.LOI_SUBMITTED, _applicant), (Event.LOI_RECEIVED, _staff)],
            version=VersionKind.LOI,
        ),
    )


def proposal_invite(*, proposal: Proposal, by: Actor, reason: str = "", expected_state: str | None = None) -> Proposal:
    """Invite the consortium to submit a full application."""
    return _perform(
        "invite",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(reason=reason.strip(), events=[(Event.INVITED, _applicant)]),
    )


def proposal_decline_loi(*, proposal: Proposal, by: Actor, reason: str, expected_state: str | None = None) -> Proposal:
    """Decline the letter of intent, giving the reason."""
    reason = _required(reason, _("Give the reason the letter of intent is not retained."))
    return _perform(
        "decline_loi",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(reason=reason, events=[(Event.LOI_DECLINED, _applicant)]),
    )


def proposal_submit_application(*, proposal: Proposal, by: Actor, expected_state: str | None = None) -> Proposal:
    """Submit (or resubmit) the full application before its deadline, freezing it as the next version."""
    return _perform(
        "submit_application",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(
            fields={"submitted_at": timezone.now()},
            events=[(Event.APPLICATION_SUBMITTED, _applicant), (Event.APPLICATION_RECEIVED, _staff)],
            version=VersionKind.APPLICATION,
        ),
    )


def proposal_request_changes(
    *, proposal: Proposal, by: Actor, message: str, due_at: datetime | None, expected_state: str | None = None
) -> Proposal:
    """Ask the applicant for a correction by ``due_at``."""
    message = _required(message, _("Say which changes are needed."))
    if due_at is None:
        raise DomainError(_("Give the date by which the changes are due."))
    if due_at <= timezone.now():
        raise DomainError(_("The due date for the changes must be in the future."))
    return _perform(
        "request_changes",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(
            reason=message,
            data={"due_at": due_at.isoformat()},
            fields={"changes_due_at": due_at},
            events=[(Event.CHANGES_REQUESTED, _applicant)],
        ),
    )


def proposal_mark_ineligible(
    *, proposal: Proposal, by: Actor, failed_checks: str, expected_state: str | None = None
) -> Proposal:
    """Find the application ineligible, naming the checks it failed."""
    failed_checks = _required(failed_checks, _("Name the eligibility checks the application failed."))
    return _perform(
        "mark_ineligible",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(reason=failed_checks, events=[(Event.INELIGIBLE, _applicant)]),
    )


def proposal_start_assessment(
    *, proposal: Proposal, by: Actor, reason: str = "", expected_state: str | None = None
) -> Proposal:
    """Send the application to its assessors."""
    return _perform(
        "start_assessment",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(reason=reason.strip(), events=[(Event.ASSESSMENT_STARTED, _applicant)]),
    )


def proposal_complete_assessment(
    *, proposal: Proposal, by: Actor = SYSTEM, reason: str = "", expected_state: str | None = None
) -> Proposal:
    """Close the assessment once every required review is in."""
    return _perform(
        "complete_assessment",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(reason=reason.strip(), events=[(Event.ASSESSMENT_COMPLETED, _staff)]),
    )


def proposal_reopen_assessment(
    *, proposal: Proposal, by: Actor, reason: str, expected_state: str | None = None
) -> Proposal:
    """Reopen the assessment (for instance to add an assessor), giving the reason."""
    reason = _required(reason, _("Give the reason the assessment is reopened."))
    return _perform("reopen_assessment", proposal=proposal, by=by, expected_state=expected_state,
                    effect=Effect(reason=reason))  # fmt: skip


def proposal_send_to_board(
    *, proposal: Proposal, by: Actor, meeting: BoardMeeting, reason: str = "", expected_state: str | None = None
) -> Proposal:
    """Put the assessed proposal on the agenda of ``meeting``, a meeting of its call still to be held."""
    return _perform(
        "send_to_board",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(
            reason=reason.strip(),
            data={"meeting": meeting.pk, "board_meeting_at": meeting.held_at.isoformat()},
            prepare=_meeting_ahead(meeting),
            meeting=meeting,
        ),
    )


def _meeting_ahead(meeting: BoardMeeting) -> Callable[[Proposal], dict[str, Any]]:
    """Return the check, under the proposal's lock, that ``meeting`` is one of its call's still to be held.

    Checked on the locked proposal so that a caller may pass ``Proposal(pk=...)``; the
    meeting is read again, so a meeting held or released meanwhile is refused.
    """

    def check(proposal: Proposal) -> dict[str, Any]:
        current = (
            BoardMeeting.objects.filter(pk=meeting.pk).values("call_id", "held_at", "decisions_released_at").first()
        )
        if current is None or current["call_id"] != proposal.call_id:
            raise DomainError(_("This board meeting is not one of the proposal's call."))
        if current["held_at"] <= timezone.now() or current["decisions_released_at"] is not None:
            raise DomainError(_("This board meeting has already taken place: choose one still to be held."))
        return {}

    return check


def _decision_tally(proposal: Proposal) -> dict[str, Any]:
    return {"votes": vote_tally(proposal=proposal)}


def _dollars(*amounts: Decimal) -> list[str]:
    """Format ``amounts`` alike: to the cent if any has cents ("$1,000,000.01 is above $1,000,000.00"), else whole."""
    places = 2 if any(amount != amount.to_integral_value() for amount in amounts) else 0
    return [money(amount, places) for amount in amounts]


def _approval_within_the_envelope(amount: Decimal) -> Callable[[Proposal], dict[str, Any]]:
    """Return the check, under the proposal's lock, that ``amount`` fits its request and what is left of the envelope.

    The call's row is locked too: two approvals in one call are weighed one after the other.
    """

    def check(proposal: Proposal) -> dict[str, Any]:
        call = Call.objects.select_for_update().get(pk=proposal.call_id)
        requested = proposal_funding_requested(proposal=proposal)
        if amount > requested:
            said, asked = _dollars(amount, requested)
            raise DomainError(
                _("The approved amount, %(amount)s, is above the %(requested)s the proposal requests.")
                % {"amount": said, "requested": asked}
            )
        committed = call_committed(call=call)
        remaining = call.funding_envelope - committed
        if amount > remaining:
            said, envelope, spent, left = _dollars(amount, call.funding_envelope, committed, remaining)
            raise DomainError(
                _(
                    "Approving %(amount)s would commit more than the call's envelope: %(envelope)s, of which "
                    "%(committed)s is committed and %(remaining)s remains."
                )
                % {"amount": said, "envelope": envelope, "committed": spent, "remaining": left}
            )
        return {**_decision_tally(proposal), "envelope_remaining_before": str(remaining)}

    return check


def proposal_approve(
    *,
    proposal: Proposal,
    by: Actor,
    amount: Decimal | None,
    rationale: str,
    conditions: str = "",
    expected_state: str | None = None,
) -> Proposal:
    """Fund the proposal with ``amount`` and ``conditions``, giving the rationale: the chair, once a quorum has voted.

    The amount is at most what the proposal requests and what remains of the call's envelope.
    Nobody is notified: the applicants hear of the decision, with its letter, when staff
    release the meeting's decisions (``board.services.letters``); until then it is withheld
    from them (``workflow.access.decision_withheld_from``).
    """
    rationale = _required(rationale, _("Give the rationale of the decision."))
    if amount is None or amount <= 0:
        raise DomainError(_("Give the approved amount, above $0."))
    return _perform(
        "approve",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(
            reason=rationale,
            data={"amount": str(amount), "conditions": conditions.strip(), "decision": "approved"},
            fields={"approved_amount": amount, "decision_conditions": conditions.strip()},
            facts=board_facts(),
            prepare=_approval_within_the_envelope(amount),
        ),
    )


def proposal_decline(*, proposal: Proposal, by: Actor, rationale: str, expected_state: str | None = None) -> Proposal:
    """Decline to fund the proposal, giving the rationale: the chair, once a quorum has voted.

    Nobody is notified: as for an approval, the applicants hear of it at the release.
    """
    rationale = _required(rationale, _("Give the rationale of the decision."))
    return _perform(
        "decline",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(
            reason=rationale,
            data={"decision": "declined"},
            facts=board_facts(),
            prepare=_decision_tally,
        ),
    )


def proposal_withdraw(*, proposal: Proposal, by: Actor, reason: str, expected_state: str | None = None) -> Proposal:
    """Withdraw the proposal, giving the reason."""
    reason = _required(reason, _("Give the reason you withdraw the proposal."))
    return _perform(
        "withdraw",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(reason=reason, events=[(Event.WITHDRAWN, _applicant_and_staff)]),
    )


def proposal_expire(*, proposal: Proposal, by: Actor = SYSTEM, expected_state: str | None = None) -> Proposal:
    """Expire one proposal whose deadline has passed (the sweep does many at once)."""
    return _perform(
        "expire",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(events=[(Event.EXPIRED, _applicant)]),
    )


EXPIRABLE = [ProposalState.DRAFT, ProposalState.INVITED, ProposalState.CHANGES_REQUESTED]


def proposals_expire_overdue(*, now: datetime | None = None, chunk: int = 5000) -> int:
    """Expire every proposal whose deadline has passed, set-based; return how many.

    The same rule as ``proposal_expire`` (the ``deadline_passed`` condition, in SQL), applied
    per chunk in one transaction: one audit record per proposal, then the update and one
    notification per proposal and channel, each a single statement. Running it again
    changes nothing.
    """
    now = now or timezone.now()
    overdue = Proposal.objects.with_deadline().filter(state__in=EXPIRABLE, current_deadline__lte=now)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(overdue.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True)[:chunk])
            if not ids:
                return total
            # The chunk's rows are locked and are the only overdue ones in their range of keys,
            # so the statements select them by that range rather than by a list of thousands.
            records = _expiry_records_create(overdue.filter(pk__gte=ids[0], pk__lte=ids[-1]), now=now)
            Proposal.objects.filter(pk__in=records.values("proposal_id")).update(
                state=ProposalState.EXPIRED, updated_at=now
            )
            _expiry_notifications(records)
            total += records.count()


def _expiry_records_create(overdue: QuerySet[Proposal], *, now: datetime) -> QuerySet[AuditRecord]:
    """Write the audit record of the expiry of each of ``overdue``; return them.

    The record ``proposal_expire`` writes: no actor (Clusterflow acts), the state it leaves,
    and the deadline that passed.
    """
    created = insert_from_select(
        AuditRecord,
        source=overdue,
        values={
            "proposal_id": F("pk"),
            "action": Value("expire"),
            "from_state": F("state"),
            "to_state": Value(ProposalState.EXPIRED),
            "at": Value(now, output_field=DateTimeField()),
            "reason": Value(""),
            "data": JSONObject(deadline=IsoFormat("current_deadline")),
        },
        returning=("id",),
    )
    ids = [pk for (pk,) in created]
    if not ids:
        return AuditRecord.objects.none()
    # Records other writers interleave in this range are of other actions or other moments.
    return AuditRecord.objects.filter(pk__gte=min(ids), pk__lte=max(ids), action="expire", at=now)


def _expiry_notifications(records: QuerySet[AuditRecord]) -> None:
    """Notify the lead applicant of each expiry in ``records``, in the inbox and by email, after commit.

    The rows ``notify`` would store for ``Event.EXPIRED`` with the occurrence ``audit<id>``
    and the deadline as context, built in SQL from the audit records.
    """
    for channel in (Channel.INBOX, Channel.EMAIL):
        created = insert_from_select(
            Notification,
            source=records,
            values={
                "key": notification_key_expression(
                    event=Event.EXPIRED,
                    occurrence=Concat(Value("audit"), F("pk"), output_field=CharField()),
                    recipient_id=F("proposal__lead_applicant_id"),
                    channel=channel,
                ),
                "event": Value(Event.EXPIRED),
                "channel": Value(channel),
                "recipient_id": F("proposal__lead_applicant_id"),
                "proposal_id": F("proposal_id"),
                "context": F("data"),
                "created_at": F("at"),
                "attempts": Value(0),
            },
            returning=("id",),
        )
        if channel == Channel.EMAIL:
            notification_emails_queue_on_commit([pk for (pk,) in created])


EXTEND_DEADLINE = "extend_deadline"


def _refuse_extension(*, proposal: Proposal, by: Actor) -> None:
    if not isinstance(by, User) or not by.has_role(Role.STAFF):
        raise ActionForbidden(_("Only program staff can extend a deadline."))
    if proposal.deadline is None:
        raise StaleAction(
            _("This proposal is now “%(state)s”, which has no deadline to extend.")
            % {"state": proposal.get_state_display()}
        )


def proposal_extend_deadline(*, proposal: Proposal, by: Actor, until: datetime | None, reason: str) -> Proposal:
    """Move the current deadline of one proposal to ``until``, giving the reason (audited)."""
    reason = _required(reason, _("Give the reason for the extension."))
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().select_related("call", "lead_applicant").get(pk=proposal.pk)
        _refuse_extension(proposal=locked, by=by)
        current = cast(datetime, locked.deadline)
        if until is None or until <= current:
            raise DomainError(_("The new deadline must be later than the current one."))
        locked.deadline_extended_until = until
        locked.deadline_extended_for = locked.state
        locked.save(update_fields=["deadline_extended_until", "deadline_extended_for", "updated_at"])
        record = AuditRecord.objects.create(
            proposal=locked,
            action=EXTEND_DEADLINE,
            from_state=locked.state,
            to_state=locked.state,
            actor=by if isinstance(by, User) else None,
            reason=reason,
            data={"from": current.isoformat(), "until": until.isoformat()},
        )
        notify(
            event=Event.EXTENSION_GRANTED,
            recipients=[locked.lead_applicant],
            occurrence=f"audit{record.pk}",
            proposal=locked,
            context={"reason": reason, "until": until.isoformat()},
        )
    return locked


OVERRIDE_ELIGIBILITY = "override_eligibility"


def proposal_override_eligibility(*, proposal: Proposal, check_code: str, reason: str, by: Actor) -> Proposal:
    """Set aside one failed eligibility check of ``proposal``, giving the written reason (audited)."""
    if not isinstance(by, User) or not by.has_role(Role.STAFF):
        raise ActionForbidden(_("Only program staff can override an eligibility check."))
    reason = _required(reason, _("Give the reason for the override."))
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
        existing = locked.eligibility_overrides.filter(check_code=check_code).select_related("by").first()
        if existing is not None:
            raise StaleAction(
                _("This check was already overridden by %(name)s on %(date)s. Nothing was changed.")
                % {"name": existing.by.get_full_name(), "date": existing.at.date().isoformat()}
            )
        check = next((check for check in locked.eligibility_checks() if check.code == check_code), None)
        if check is None:
            raise DomainError(_("There is no such eligibility check at this stage of the proposal."))
        if check.passed:
            raise StaleAction(
                _("The check “%(label)s” now passes, so there is nothing to override. Nothing was changed.")
                % {"label": check.label}
            )
        locked.eligibility_overrides.create(check_code=check_code, reason=reason, by=by)
        AuditRecord.objects.create(
            proposal=locked,
            action=OVERRIDE_ELIGIBILITY,
            from_state=locked.state,
            to_state=locked.state,
            actor=by,
            reason=reason,
            data={"check": check_code, "message": check.message},
        )
    return locked


# --- Sending proposals to a board meeting ------------------------------------------------------


@dataclass(frozen=True)
class SendOutcome:
    """What happened to one proposal sent to a meeting: ``error`` is None when it went on the agenda."""

    proposal: Proposal
    error: str | None


def meeting_send_proposals(*, meeting: BoardMeeting, proposal_ids: Iterable[int], by: User) -> list[SendOutcome]:
    """Send each chosen proposal of the meeting's call to ``meeting``, each in its own transaction.

    One proposal refused (moved on meanwhile, say) does not stop the others; the outcome of
    each says why. Proposals of other calls are not looked at.
    """
    outcomes = []
    for proposal in Proposal.objects.filter(call_id=meeting.call_id, pk__in=list(proposal_ids)).order_by("title", "pk"):
        try:
            proposal_send_to_board(proposal=proposal, by=by, meeting=meeting, expected_state=ProposalState.ASSESSED)
        except DomainError as error:
            outcomes.append(SendOutcome(proposal=proposal, error=error.message))
        else:
            outcomes.append(SendOutcome(proposal=proposal, error=None))
    return outcomes
