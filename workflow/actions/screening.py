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
from intake.models import EligibilityOverride, Proposal
from intake.selectors import proposal_answers_failing
from intake.services.overrides import overrides_record_lapses
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
    # Every rule of the stage passes: the call's eligibility rules, and each answer that must hold.
    if (
        submitted.stage.advance == Advance.AUTOMATIC
        and not submitted.eligibility_failures()
        and not proposal_answers_failing(proposal=submitted)
    ):
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
        # The stage it is declined at, for the history's words (a questionnaire is not a letter of intent).
        effect=Effect(reason=reason, prepare=lambda locked: {"stage": locked.stage.kind}),
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
REVOKE_OVERRIDE = "revoke_override"


def _require_staff(by: Actor, message: str) -> User:
    if not isinstance(by, User) or not by.has_role(Role.STAFF):
        raise ActionForbidden(message)
    return by


def _lock_for_staff(proposal: Proposal, by: User, message: str) -> Proposal:
    """Lock ``proposal``'s row and refuse ``by`` unless staff of its program; call inside a transaction."""
    locked = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
    if not by.acts_in(Role.STAFF, locked.call.program_id):
        raise ActionForbidden(message)
    return locked


def proposal_override_eligibility(
    *, proposal: Proposal, check_code: str, reason: str, by: Actor
) -> EligibilityOverride:
    """Set aside one failed eligibility check of the submitted ``proposal``, giving the written reason (audited).

    The override is bound to the check's stage, figure and limit as measured now: it covers
    the check only while they stay the same. Only the staff of the proposal's program may
    grant it (the role is checked first, the program once the row is read under its lock),
    and only once the proposal is submitted: while the applicant can still change it, there
    is no figure to hold it to.
    """
    forbidden = _("Only program staff can override an eligibility check.")
    staff = _require_staff(by, forbidden)
    reason = required(reason, _("Give the reason for the override."))
    with transaction.atomic():
        locked = _lock_for_staff(proposal, staff, forbidden)
        if locked.is_editable:
            raise DomainError(
                _(
                    "This proposal is “%(state)s”: the applicant can still change it, so its figures are not final. "
                    "An eligibility check can be overridden only once the proposal is submitted. Nothing was changed."
                )
                % {"state": locked.get_state_display()}
            )
        if locked.is_final:
            raise StaleAction(
                _("This proposal is “%(state)s”, a final state: nothing is left to override. Nothing was changed.")
                % {"state": locked.get_state_display()}
            )
        found = locked.eligibility_checks()
        overrides_record_lapses(proposal=locked, found=found)
        check = next((check for check in found if check.code == check_code), None)
        if check is None:
            raise DomainError(_("There is no such eligibility check at this stage of the proposal."))
        if check.passed:
            raise StaleAction(
                _("The check “%(label)s” now passes, so there is nothing to override. Nothing was changed.")
                % {"label": check.label}
            )
        existing = next(
            (override for override in locked.eligibility_overrides.select_related("by") if override.covers(check)),
            None,
        )
        if existing is not None:
            raise StaleAction(
                _("This check was already overridden by %(name)s on %(date)s. Nothing was changed.")
                % {"name": existing.by.get_full_name(), "date": existing.at.date().isoformat()}
            )
        override = locked.eligibility_overrides.create(
            check_code=check.code,
            stage=check.stage,
            figure=check.figure,
            limit=check.limit,
            message=check.message,
            reason=reason,
            by=staff,
        )
        AuditRecord.objects.create(
            proposal=locked,
            action=OVERRIDE_ELIGIBILITY,
            from_state=locked.state,
            to_state=locked.state,
            actor=staff,
            reason=reason,
            data={
                "override": override.pk,
                "check": check.code,
                "stage": check.stage,
                "figure": check.figure,
                "limit": check.limit,
                "message": check.message,
            },
        )
    return override


def proposal_revoke_override(*, proposal: Proposal, override_id: int, reason: str, by: Actor) -> EligibilityOverride:
    """Revoke the override ``override_id`` of ``proposal``, giving the written reason (audited; the override is kept).

    A revoked override covers nothing: its check fails again unless staff grant a new one.
    """
    forbidden = _("Only program staff can revoke an eligibility override.")
    staff = _require_staff(by, forbidden)
    reason = required(reason, _("Give the reason for the revocation."))
    with transaction.atomic():
        locked = _lock_for_staff(proposal, staff, forbidden)
        override = locked.eligibility_overrides.select_related("revoked_by").filter(pk=override_id).first()
        if override is None:
            raise StaleAction(_("This override no longer exists. Nothing was changed."))
        if override.revoked_at is not None and override.revoked_by is not None:
            raise StaleAction(
                _("This override was already revoked by %(name)s on %(date)s. Nothing was changed.")
                % {"name": override.revoked_by.get_full_name(), "date": override.revoked_at.date().isoformat()}
            )
        override.revoked_at = timezone.now()
        override.revoked_by = staff
        override.revoked_reason = reason
        override.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        AuditRecord.objects.create(
            proposal=locked,
            action=REVOKE_OVERRIDE,
            from_state=locked.state,
            to_state=locked.state,
            actor=staff,
            reason=reason,
            at=override.revoked_at,
            data={
                "override": override.pk,
                "check": override.check_code,
                "stage": override.stage,
                "figure": override.figure,
                "limit": override.limit,
            },
        )
    return override
