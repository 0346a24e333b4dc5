"""The board's part: sending proposals to a meeting, and the chair's decisions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError
from accounts.models import User
from board.models import AgendaItem, BoardMeeting, Ranking
from board.selectors import board_facts, vote_tally
from intake.models import Call, CutOff, Proposal
from intake.selectors import call_committed, proposal_funding_requested
from intake.services.batches import proposals_in_batch
from intake.states import ProposalState
from intake.templatetags.money import money
from workflow.actions.base import (
    Actor,
    Effect,
    perform,
    required,
)


def proposal_send_to_board(
    *, proposal: Proposal, by: Actor, meeting: BoardMeeting, reason: str = "", expected_state: str | None = None
) -> Proposal:
    """Put the assessed proposal on the agenda of ``meeting``, a meeting of its call still to be held."""
    return perform(
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
    """The votes on the proposal and the ranking in force on the agenda it is on (raw or calibrated), under its lock."""
    ranking = (
        AgendaItem.objects.filter(proposal_id=proposal.pk, deferred_to__isnull=True)
        .order_by("-added_at", "-pk")
        .values_list("meeting__ranking", flat=True)
        .first()
    )
    return {"votes": vote_tally(proposal=proposal), "ranking": ranking or Ranking.RAW}


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
    rationale = required(rationale, _("Give the rationale of the decision."))
    if amount is None or amount <= 0:
        raise DomainError(_("Give the approved amount, above $0."))
    return perform(
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
    rationale = required(rationale, _("Give the rationale of the decision."))
    return perform(
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


# --- Sending proposals to a board meeting ------------------------------------------------------


@dataclass(frozen=True)
class SendOutcome:
    """What happened to one proposal sent to a meeting: ``error`` is None when it went on the agenda."""

    proposal: Proposal
    error: str | None


def meeting_send_proposals(
    *, meeting: BoardMeeting, proposal_ids: Iterable[int], by: User, batch: CutOff | None = None
) -> list[SendOutcome]:
    """Send each chosen proposal of the meeting's call to ``meeting``, each in its own transaction.

    One proposal refused (moved on meanwhile, say) does not stop the others; the outcome of
    each says why. Proposals of other calls are not looked at, nor, given a rolling call's
    ``batch`` (one of its cut-offs), proposals of another review batch.
    """
    outcomes = []
    chosen = Proposal.objects.filter(call_id=meeting.call_id, pk__in=list(proposal_ids))
    if batch is not None:
        chosen = proposals_in_batch(proposals=chosen, cut_off=batch)
    for proposal in chosen.order_by("title", "pk"):
        try:
            proposal_send_to_board(proposal=proposal, by=by, meeting=meeting, expected_state=ProposalState.ASSESSED)
        except DomainError as error:
            outcomes.append(SendOutcome(proposal=proposal, error=error.message))
        else:
            outcomes.append(SendOutcome(proposal=proposal, error=None))
    return outcomes
