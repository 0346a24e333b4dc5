"""The funded project's part: contracting, activation, closing and termination (docs/projects.md)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from intake.models import Proposal
from projects.agreements import agreements_draft
from projects.selectors import project_facts
from projects.services import project_open, project_start
from workflow.access import decision_released
from workflow.actions.base import Actor, Effect, perform, required


def proposal_start_contracting(*, proposal: Proposal, by: Actor, expected_state: str | None = None) -> Proposal:
    """Open the approved proposal's project once its decision is released: its agreements are drafted to sign."""
    return perform(
        "start_contracting",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(facts={"project_decision_released": decision_released()}, then=_open),
    )


def _open(proposal: Proposal) -> None:
    agreements_draft(project=project_open(proposal=proposal))


def proposal_activate(
    *, proposal: Proposal, by: Actor, reason: str = "", expected_state: str | None = None
) -> Proposal:
    """Start the project once every partner's signatory signed both agreements (Clusterflow does it at the last one)."""
    return perform(
        "activate",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(reason=reason.strip(), facts=project_facts(), then=_started),
    )


def _started(proposal: Proposal) -> None:
    project_start(project=proposal.project, on=timezone.localdate())


def proposal_start_closing(
    *, proposal: Proposal, by: Actor, reason: str = "", expected_state: str | None = None
) -> Proposal:
    """Ask for the final claim and the final report: staff do it, or Clusterflow when the last milestone is due."""
    return perform(
        "start_closing", proposal=proposal, by=by, expected_state=expected_state, effect=Effect(reason=reason.strip())
    )


def proposal_close(*, proposal: Proposal, by: Actor, reason: str = "", expected_state: str | None = None) -> Proposal:
    """Close the project: its final claim paid and its final report accepted."""
    return perform(
        "close",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(reason=reason.strip(), facts=project_facts()),
    )


def proposal_terminate(*, proposal: Proposal, by: Actor, reason: str, expected_state: str | None = None) -> Proposal:
    """End the project before its term, giving the reason: nothing more is claimed or paid."""
    reason = required(reason, _("Give the reason the project is terminated."))
    return perform("terminate", proposal=proposal, by=by, expected_state=expected_state, effect=Effect(reason=reason))
