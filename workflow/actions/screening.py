"""The screening of a proposal: its letter of intent, its application and their eligibility."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from intake.choices import Advance
from intake.lifecycle import SYSTEM
from intake.models import Proposal
from intake.states import ProposalState
from records.models import AuditRecord
from workflow.actions.base import (
    Actor,
    Effect,
    perform,
    required,
)


def proposal_submit_loi(*, proposal: Proposal, by: Actor, expected_state: str | None = None) -> Proposal:
    """Submit an early stage while its window is open, freezing it as the proposal's next version.

    A stage that moves on automatically (an eligibility questionnaire) invites the proposal to the next
    stage in the same transaction when every rule of the stage passes; otherwise staff decide.
    """
    submitted = perform(
        "submit_loi",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(fields={"submitted_at": timezone.now()}, freeze=True, then=_advance_automatically),
    )
    return Proposal.objects.get(pk=submitted.pk) if submitted.stage.advance == Advance.AUTOMATIC else submitted


def _advance_automatically(submitted: Proposal) -> None:
    if submitted.stage.advance == Advance.AUTOMATIC and not submitted.eligibility_failures():
        proposal_invite(proposal=submitted, by=SYSTEM, expected_state=ProposalState.LOI_SUBMITTED)


def proposal_invite(*, proposal: Proposal, by: Actor, reason: str = "", expected_state: str | None = None) -> Proposal:
    """Invite the consortium to the next stage of its path (the full application, or an expression of interest)."""
    return perform(
        "invite",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(reason=reason.strip(), advance=True),
    )


def proposal_decline_loi(*, proposal: Proposal, by: Actor, reason: str, expected_state: str | None = None) -> Proposal:
    """Decline the letter of intent, giving the reason."""
    reason = required(reason, _("Give the reason the letter of intent is not retained."))
    return perform(
        "decline_loi",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(reason=reason),
    )


def proposal_submit_application(*, proposal: Proposal, by: Actor, expected_state: str | None = None) -> Proposal:
    """Submit (or resubmit) the full application before its deadline, freezing it as the next version."""
    return perform(
        "submit_application",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(
            fields={"submitted_at": timezone.now()},
            freeze=True,
        ),
    )


def proposal_request_changes(
    *, proposal: Proposal, by: Actor, message: str, due_at: datetime | None, expected_state: str | None = None
) -> Proposal:
    """Ask the applicant for a correction by ``due_at``."""
    message = required(message, _("Say which changes are needed."))
    if due_at is None:
        raise DomainError(_("Give the date by which the changes are due."))
    if due_at <= timezone.now():
        raise DomainError(_("The due date for the changes must be in the future."))
    return perform(
        "request_changes",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(
            reason=message,
            data={"due_at": due_at.isoformat()},
            fields={"changes_due_at": due_at},
        ),
    )


def proposal_mark_ineligible(
    *, proposal: Proposal, by: Actor, failed_checks: str, expected_state: str | None = None
) -> Proposal:
    """Find the application ineligible, naming the checks it failed."""
    failed_checks = required(failed_checks, _("Name the eligibility checks the application failed."))
    return perform(
        "mark_ineligible",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(reason=failed_checks),
    )


def proposal_withdraw(*, proposal: Proposal, by: Actor, reason: str, expected_state: str | None = None) -> Proposal:
    """Withdraw the proposal, giving the reason."""
    reason = required(reason, _("Give the reason you withdraw the proposal."))
    return perform(
        "withdraw",
        proposal=proposal,
        by=by,
        expected_state=expected_state,
        effect=Effect(reason=reason),
    )


OVERRIDE_ELIGIBILITY = "override_eligibility"


def proposal_override_eligibility(*, proposal: Proposal, check_code: str, reason: str, by: Actor) -> Proposal:
    """Set aside one failed eligibility check of ``proposal``, giving the written reason (audited).

    Only the staff of the proposal's program may: the role is checked first, the program
    once the row is read under its lock.
    """
    if not isinstance(by, User) or not by.has_role(Role.STAFF):
        raise ActionForbidden(_("Only program staff can override an eligibility check."))
    reason = required(reason, _("Give the reason for the override."))
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
        if not by.acts_in(Role.STAFF, locked.call.program_id):
            raise ActionForbidden(_("Only program staff can override an eligibility check."))
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
