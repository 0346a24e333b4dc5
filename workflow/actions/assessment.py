"""The assessment of a proposal: starting it, completing it, reopening it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from intake.lifecycle import SYSTEM
from intake.models import Proposal
from workflow.actions.base import (
    Actor,
    Effect,
    perform,
    required,
)


def proposal_start_assessment(
    *, proposal: Proposal, by: Actor, reason: str = "", expected_state: str | None = None
) -> Proposal:
    """Send the application to its assessors."""
    return perform(
        "start_assessment",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        # Its guard ``eligible`` reads the rules frozen in the last version: read with the locked row.
        effect=Effect(reason=reason.strip(), rules_in_force=True),
    )


def proposal_complete_assessment(
    *, proposal: Proposal, by: Actor = SYSTEM, reason: str = "", expected_state: str | None = None
) -> Proposal:
    """Close the assessment once every required review is in."""
    return perform(
        "complete_assessment",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(reason=reason.strip()),
    )


def proposal_reopen_assessment(
    *, proposal: Proposal, by: Actor, reason: str, expected_state: str | None = None
) -> Proposal:
    """Reopen the assessment (for instance to add an assessor), giving the reason."""
    reason = required(reason, _("Give the reason the assessment is reopened."))
    return perform("reopen_assessment", proposal=proposal, by=by, expected_state=expected_state,
                    effect=Effect(reason=reason))  # fmt: skip
