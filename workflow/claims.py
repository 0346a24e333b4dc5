"""A partner's claims: started, edited and submitted by its people, reviewed and paid by the program's staff.

Each step locks its rows, checks who acts (``workflow.access``; staff of the project's program
for the review and the payments), refuses a reading that is out of date (the claim's
``version``: somebody acted first, 409), writes an audit record on the project's proposal
(``workflow.actions.CLAIM_STEPS``) and notifies after commit. The amounts are computed
(``projects.claims``, ``projects.money``), never typed: staff may only approve less than the
payable, with a reason. See docs/claims.md.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from intake import program_roles
from intake.choices import CostCategory
from intake.formatting import money
from intake.services.attachments import Upload, attachment_display_name, upload_read
from intake.states import ProposalState
from projects.claims import claim_assurance_missing, claim_compute, claim_period_dates
from projects.models import (
    CLAIM_COUNTED,
    CLAIM_EDITABLE,
    Claim,
    ClaimEvidence,
    ClaimLine,
    ClaimPayment,
    ClaimState,
    EvidenceKind,
    Project,
    ProjectPartner,
)
from projects.selectors import program_terms
from records.events import Event
from records.models import AuditRecord
from records.notifications import notify_audiences
from workflow import access
from workflow.actions import CLAIM_APPROVE, CLAIM_CHANGES, CLAIM_CREATE, CLAIM_PAY, CLAIM_REJECT, CLAIM_SUBMIT, Step

logger = logging.getLogger(__name__)

#: The project's states in which its partners claim: active, and closing for the final claims.
CLAIMING = (ProposalState.ACTIVE, ProposalState.CLOSING)


# --- Who acts ---------------------------------------------------------------------------------------


def _require_partner_person(*, by: User, partner: ProjectPartner) -> None:
    if not access.project_partners_of(user=by, project=partner.project).filter(pk=partner.pk).exists():
        raise ActionForbidden(_("Only the people of %(partner)s act on its claims.") % {"partner": partner})


def _require_staff(*, by: User, project: Project) -> None:
    if not by.acts_in(Role.STAFF, project.proposal.call.program_id):
        raise ActionForbidden(_("Only the program's staff review and pay claims."))


def _lock(claim: Claim, *, expected_version: int | None) -> Claim:
    """Lock ``claim`` (with its project and partner read) and refuse a reading older than its version."""
    locked = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("project", "project__proposal", "project__proposal__call", "partner", "partner__organization")
        .get(pk=claim.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleAction(
            _("Somebody changed this claim after you opened it: it is now “%(state)s”. Reload the page to see it.")
            % {"state": locked.get_state_display()}
        )
    return locked


def _claiming(project: Project, *, final: bool) -> None:
    state = project.proposal.state
    if state not in CLAIMING:
        raise DomainError(_("Claims are made only while the project is active or closing."))
    if final and state != ProposalState.CLOSING:
        raise DomainError(_("The final claim is submitted once the project is closing."))


def _audit(claim: Claim, step: Step, *, by: User, reason: str = "", **data: Any) -> AuditRecord:
    proposal = claim.project.proposal
    return AuditRecord.objects.create(
        proposal=proposal, action=step.name, from_state=proposal.state, to_state=proposal.state, actor=by,
        reason=reason, data={"claim": claim.pk, "partner": str(claim.partner), "period": claim.period, **data},
    )  # fmt: skip


def _partner_people(claim: Claim) -> Q:
    return Q(is_active=True, memberships__organization_id=claim.partner.organization_id)


def _notify(claim: Claim, event: Event, audience: Q, record: AuditRecord, **context: Any) -> None:
    notify_audiences(
        audiences=[(event, audience)],
        occurrence=f"audit{record.pk}",
        proposal=claim.project.proposal,
        context={
            "project": claim.project_id,
            "claim": claim.pk,
            "partner": str(claim.partner),
            "period": claim.period,
            "final": claim.final,
            **context,
        },
    )


def _bump(claim: Claim, *fields: str) -> None:
    claim.version += 1
    claim.save(update_fields=[*fields, "version", "updated_at"])


# --- The partner's steps ----------------------------------------------------------------------------


def claim_create(*, project: Project, partner: ProjectPartner, by: User, period: int, final: bool = False) -> Claim:
    """Start ``partner``'s claim of ``period`` (a draft), which must have begun; one per partner and period."""
    _require_partner_person(by=by, partner=partner)
    with transaction.atomic():
        locked = ProjectPartner.objects.select_for_update().select_related("project__proposal").get(pk=partner.pk)
        project = locked.project
        if locked.removed_at is not None:
            raise DomainError(_("This partner is no longer in the project."))
        if project.proposal.state not in CLAIMING or project.started_on is None:
            raise DomainError(_("Claims are made only while the project is active or closing."))
        if period < 1:
            raise ValidationError({"period": _("Choose a period of the project.")})
        start, end = claim_period_dates(project=project, period=period)
        if start > timezone.localdate():
            raise ValidationError({"period": _("This period has not begun yet.")})
        existing = Claim.objects.filter(partner=locked).exclude(state=ClaimState.REJECTED)
        if existing.filter(period=period).exists():
            raise ValidationError(
                {"period": _("%(partner)s already has a claim for this period.") % {"partner": locked}}
            )
        if final and existing.filter(final=True).exists():
            raise ValidationError({"final": _("%(partner)s already has a final claim.") % {"partner": locked}})
        claim = Claim.objects.create(
            project=project, partner=locked, period=period, period_start=start, period_end=end, final=final,
            created_by=by,
        )  # fmt: skip
        _audit(claim, CLAIM_CREATE, by=by)
    return claim


def claim_lines_save(
    *, claim: Claim, by: User, lines: Mapping[str, tuple[Decimal, Decimal]], expected_version: int | None
) -> Claim:
    """Replace ``claim``'s lines by ``lines`` (category: cash, in kind); a category of zeros has no line."""
    with transaction.atomic():
        locked = _lock(claim, expected_version=expected_version)
        _require_partner_person(by=by, partner=locked.partner)
        if locked.state not in CLAIM_EDITABLE:
            raise StaleAction(
                _("This claim is “%(state)s”: it cannot be changed.") % {"state": locked.get_state_display()}
            )
        for category, (cash, in_kind) in lines.items():
            if category not in CostCategory.values:
                raise ValidationError(_("Unknown cost category."))
            if cash < 0 or in_kind < 0:
                raise ValidationError({category: _("Amounts are never negative.")})
        ClaimLine.objects.filter(claim=locked).delete()
        ClaimLine.objects.bulk_create(
            ClaimLine(claim=locked, category=category, cash=cash, in_kind=in_kind)
            for category, (cash, in_kind) in lines.items()
            if cash or in_kind
        )
        _bump(locked)
    return locked


def claim_evidence_upload(*, claim: Claim, by: User, kind: str, upload: Upload) -> ClaimEvidence:
    """Add ``upload`` to ``claim``'s evidence, checked as an application's attachments are (type by content, size)."""
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": _("Choose the type of the document.")})
    data, kind_of_file = upload_read(upload=upload, limit=settings.ATTACHMENT_MAX_BYTES)
    with transaction.atomic():
        locked = _lock(claim, expected_version=None)
        _require_partner_person(by=by, partner=locked.partner)
        if locked.state not in CLAIM_EDITABLE:
            raise StaleAction(
                _("This claim is “%(state)s”: it cannot be changed.") % {"state": locked.get_state_display()}
            )
        evidence = ClaimEvidence(
            claim=locked,
            kind=kind,
            original_name=attachment_display_name(upload.name or "", extension=kind_of_file.extension),
            content_type=kind_of_file.content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=by,
        )
        evidence.file.save(f"upload.{kind_of_file.extension}", ContentFile(data), save=False)
        try:
            evidence.save()
        except BaseException:
            evidence.file.delete(save=False)
            raise
        _bump(locked)
    return evidence


def claim_evidence_remove(*, evidence: ClaimEvidence, by: User) -> None:
    """Remove ``evidence`` from a claim its partner still edits (its file too)."""
    with transaction.atomic():
        locked = _lock(evidence.claim, expected_version=None)
        _require_partner_person(by=by, partner=locked.partner)
        if locked.state not in CLAIM_EDITABLE:
            raise StaleAction(
                _("This claim is “%(state)s”: it cannot be changed.") % {"state": locked.get_state_display()}
            )
        name = evidence.file.name
        ClaimEvidence.objects.filter(pk=evidence.pk).delete()
        _bump(locked)
        storage = evidence.file.storage
        if name:
            transaction.on_commit(lambda: storage.delete(name))


def claim_submit(*, claim: Claim, by: User, expected_version: int | None) -> Claim:
    """Submit ``claim`` for review: refused without costs (unless final), outside the claiming states, or without
    the accountant's report the program's assurance asks for."""
    with transaction.atomic():
        locked = _lock(claim, expected_version=expected_version)
        _require_partner_person(by=by, partner=locked.partner)
        if locked.state not in CLAIM_EDITABLE:
            raise StaleAction(_("This claim is already “%(state)s”.") % {"state": locked.get_state_display()})
        _claiming(locked.project, final=locked.final)
        if not locked.final and not locked.lines.exists():
            raise DomainError(_("Enter the costs of the period before submitting the claim."))
        computed = claim_compute(claim=locked)
        terms = program_terms(locked.project.proposal.call.program)
        first = (
            not Claim.objects.filter(partner_id=locked.partner_id, state__in=(*CLAIM_COUNTED, ClaimState.SUBMITTED))
            .exclude(pk=locked.pk)
            .exists()
        )
        missing = claim_assurance_missing(
            claim=locked, payable=computed.payable, first=first, threshold=terms.assurance_threshold,
            first_and_last=terms.assurance_first_and_last,
        )  # fmt: skip
        if missing:
            raise DomainError(
                _("Upload an accountant's report with this claim: %(reasons)s.") % {"reasons": "; ".join(missing)}
            )
        resubmitted = locked.state == ClaimState.CHANGES_REQUESTED
        locked.state, locked.submitted_at, locked.submitted_by = ClaimState.SUBMITTED, timezone.now(), by
        _bump(locked, "state", "submitted_at", "submitted_by")
        record = _audit(locked, CLAIM_SUBMIT, by=by, claimed=str(computed.claimed), payable=str(computed.payable),
                        resubmitted=resubmitted)  # fmt: skip
        staff = program_roles.audience(Role.STAFF, locked.project.proposal.call.program_id)
        _notify(locked, Event.CLAIM_SUBMITTED, staff, record, payable=str(computed.payable), resubmitted=resubmitted)
    return locked


# --- Staff's review ---------------------------------------------------------------------------------


def _reviewable(claim: Claim, *, expected_version: int | None, by: User) -> Claim:
    locked = _lock(claim, expected_version=expected_version)
    _require_staff(by=by, project=locked.project)
    if locked.state != ClaimState.SUBMITTED:
        raise StaleAction(
            _("This claim is “%(state)s”: somebody acted on it first.") % {"state": locked.get_state_display()}
        )
    return locked


def claim_approve(
    *, claim: Claim, by: User, expected_version: int | None, amount: Decimal | None = None, reason: str = ""
) -> Claim:
    """Approve ``claim`` for its computed payable, or for less with a reason (never more); freeze its figures.

    The partner's row is locked first, so two approvals of its claims are computed one after the other.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        ProjectPartner.objects.select_for_update().get(pk=claim.partner_id)
        locked = _reviewable(claim, expected_version=expected_version, by=by)
        computed = claim_compute(claim=locked)
        approved = computed.payable if amount is None else amount
        if approved < 0:
            raise ValidationError({"amount": _("Amounts are never negative.")})
        if approved > computed.payable:
            raise ValidationError(
                {"amount": _("At most the computed payable of %(payable)s.") % {"payable": money(computed.payable, 2)}}
            )
        if approved < computed.payable and not reason:
            raise ValidationError({"reason": _("Say why you approve less than the computed payable.")})
        locked.state, locked.decided_at, locked.decided_by = ClaimState.APPROVED, timezone.now(), by
        locked.eligible_actuals, locked.cluster_share = computed.eligible, computed.share
        locked.reimbursement, locked.holdback = computed.reimbursement, computed.holdback
        locked.holdback_released, locked.payable = computed.released, computed.payable
        locked.approved_amount, locked.message = approved, reason
        _bump(locked, "state", "decided_at", "decided_by", "eligible_actuals", "cluster_share", "reimbursement",
              "holdback", "holdback_released", "payable", "approved_amount", "message")  # fmt: skip
        record = _audit(locked, CLAIM_APPROVE, by=by, reason=reason, payable=str(computed.payable),
                        approved=str(approved))  # fmt: skip
        _notify(locked, Event.CLAIM_APPROVED, _partner_people(locked), record, approved=str(approved), reason=reason)
    return locked


def claim_request_changes(*, claim: Claim, by: User, message: str, expected_version: int | None) -> Claim:
    """Send ``claim`` back to its partner with ``message`` saying what to change; they edit it and submit it again."""
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": _("Say what the partner should change.")})
    with transaction.atomic():
        locked = _reviewable(claim, expected_version=expected_version, by=by)
        locked.state, locked.message = ClaimState.CHANGES_REQUESTED, message
        _bump(locked, "state", "message")
        record = _audit(locked, CLAIM_CHANGES, by=by, reason=message)
        _notify(locked, Event.CLAIM_CHANGES_REQUESTED, _partner_people(locked), record, reason=message)
    return locked


def claim_reject(*, claim: Claim, by: User, reason: str, expected_version: int | None) -> Claim:
    """Reject ``claim`` with ``reason``; the partner may claim the period again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for rejecting the claim.")})
    with transaction.atomic():
        locked = _reviewable(claim, expected_version=expected_version, by=by)
        locked.state, locked.message = ClaimState.REJECTED, reason
        locked.decided_at, locked.decided_by = timezone.now(), by
        _bump(locked, "state", "message", "decided_at", "decided_by")
        record = _audit(locked, CLAIM_REJECT, by=by, reason=reason)
        _notify(locked, Event.CLAIM_REJECTED, _partner_people(locked), record, reason=reason)
    return locked


def claim_pay(*, claim: Claim, by: User, amount: Decimal, paid_on: date, expected_version: int | None) -> Claim:
    """Record a payment of ``amount`` on ``paid_on`` of an approved ``claim``: at most what remains of it.

    The project's row is locked first (two payments of one project are recorded one after the
    other), then the claim's; ``Project.paid`` grows by an ``F()`` expression, and the database's
    constraints keep the claim's paid within its approved amount and the project's within its funding.
    """
    if amount <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero.")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("A payment is recorded once made: its date is not in the future.")})
    try:
        with transaction.atomic():
            Project.objects.select_for_update().get(pk=claim.project_id)
            locked = _lock(claim, expected_version=expected_version)
            _require_staff(by=by, project=locked.project)
            if locked.state != ClaimState.APPROVED:
                raise StaleAction(
                    _("This claim is “%(state)s”: no payment is due on it.") % {"state": locked.get_state_display()}
                )
            if amount > locked.remaining:
                raise ValidationError(
                    {
                        "amount": _("At most what remains to pay: %(remaining)s.")
                        % {"remaining": money(locked.remaining, 2)}
                    }
                )
            ClaimPayment.objects.create(claim=locked, amount=amount, paid_on=paid_on, recorded_by=by)
            Claim.objects.filter(pk=locked.pk).update(paid_amount=F("paid_amount") + amount, paid_on=paid_on)
            Project.objects.filter(pk=locked.project_id).update(paid=F("paid") + amount, updated_at=timezone.now())
            locked.refresh_from_db(fields=["paid_amount", "paid_on"])
            if locked.paid_amount == locked.approved_amount:
                locked.state = ClaimState.PAID
            _bump(locked, "state")
            record = _audit(locked, CLAIM_PAY, by=by, amount=str(amount), paid_on=paid_on.isoformat(),
                            paid=str(locked.paid_amount))  # fmt: skip
            _notify(locked, Event.CLAIM_PAID, _partner_people(locked), record, amount=str(amount),
                    paid_on=paid_on.isoformat())  # fmt: skip
    except IntegrityError as error:
        logger.warning("A payment of claim %s was refused by the database: %s", claim.pk, error)
        raise DomainError(
            _("This payment would take the amounts paid beyond what was approved or committed; it is not recorded.")
        ) from None
    return locked
