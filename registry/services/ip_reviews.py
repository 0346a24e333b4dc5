"""The IP manager's use cases: declaring before reading an application, and recording its IP review.

Each write locks the proposal's row, checks the IP manager's right by the one rule
(``registry.selectors.ip_reviews``), writes an audit record on the proposal (the steps are named
here and declared in ``workflow.actions.STEPS``) and tells the program's staff after commit.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from assessment.models import Conflict
from intake import program_roles
from intake.models import Proposal
from records.events import Event
from records.models import AuditRecord
from records.notifications import notify_audiences
from registry.models import IPReview, IPReviewDeclaration, IPVerdict
from registry.selectors.ip_reviews import ip_automatically_conflicted, ip_manager_may_read, ip_review_scope

#: The audit records' actions of the IP review (their words in ``workflow.actions.STEPS``).
IP_REVIEW_RECORD = "ip_review"
IP_CONFLICT_DECLARE = "ip_review_conflict"
#: The longest texts an IP manager may write.
TEXT_MAX_LENGTH = 10000


def _lock_in_scope(*, proposal: Proposal, by: User) -> Proposal:
    locked = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
    if not Proposal.objects.filter(ip_review_scope(user=by), pk=locked.pk).exists():
        raise ActionForbidden(_("Only an IP manager of this program reviews this application, once submitted."))
    return locked


def _lock_for_declaration(*, proposal: Proposal, by: User) -> Proposal:
    locked = _lock_in_scope(proposal=proposal, by=by)
    if IPReviewDeclaration.objects.filter(proposal=locked, ip_manager=by).exists():
        raise StaleAction(_("You already declared for this application. Nothing was changed."))
    if ip_automatically_conflicted(user=by, proposal=locked):
        raise DomainError(
            _(
                "You are a member of an organization of this application's consortium, or you lead another "
                "proposal of this call: you have a conflict of interest and cannot review it. Program staff "
                "will arrange its IP review."
            )
        )
    if Conflict.objects.filter(assessor=by, proposal=locked).exists():
        raise StaleAction(_("A conflict of interest with this application is already on record."))
    return locked


def ip_review_declare_none(*, proposal: Proposal, by: User) -> IPReviewDeclaration:
    """Record the IP manager's word that they have no conflict with ``proposal``: they may now read it."""
    with transaction.atomic():
        locked = _lock_for_declaration(proposal=proposal, by=by)
        return IPReviewDeclaration.objects.create(proposal=locked, ip_manager=by, conflict=False)


def ip_review_declare_conflict(*, proposal: Proposal, by: User, nature: str) -> IPReviewDeclaration:
    """Record the IP manager's declared conflict with ``proposal`` (audited) and tell the program's staff."""
    nature = (nature or "").strip()
    if not nature:
        raise ValidationError({"nature": _("Say briefly what the conflict is, for program staff.")})
    with transaction.atomic():
        locked = _lock_for_declaration(proposal=proposal, by=by)
        declaration = IPReviewDeclaration.objects.create(
            proposal=locked, ip_manager=by, conflict=True, nature=nature[:TEXT_MAX_LENGTH]
        )
        record = AuditRecord.objects.create(
            proposal=locked,
            action=IP_CONFLICT_DECLARE,
            from_state=locked.state,
            to_state=locked.state,
            actor=by,
            reason=declaration.nature,
        )
        notify_audiences(
            audiences=[(Event.IP_CONFLICT_DECLARED, program_roles.audience(Role.STAFF, locked.call.program_id))],
            occurrence=f"audit{record.pk}",
            proposal=locked,
            context={"ip_manager": str(by), "nature": declaration.nature},
        )
    return declaration


def ip_review_submit(
    *,
    proposal: Proposal,
    by: User,
    findings: str,
    verdict: str,
    changes_needed: str = "",
    expected_updated_at: datetime | None = None,
) -> IPReview:
    """Record (or revise) the IP review of ``proposal``: findings and a verdict; audited; staff are told.

    ``expected_updated_at`` is when the review the IP manager saw was last saved (``None``: they saw
    none). If another IP manager saved it meanwhile, nothing is changed (``StaleAction``).
    """
    findings = (findings or "").strip()
    changes_needed = (changes_needed or "").strip()
    errors: dict[str, str] = {}
    if not findings:
        errors["findings"] = _("Write your findings on the IP plan.")
    if verdict not in IPVerdict.values:
        errors["verdict"] = _("Choose a verdict.")
    if verdict == IPVerdict.NEEDS_CHANGES and not changes_needed:
        errors["changes_needed"] = _("Say what the applicants must change.")
    if len(findings) > TEXT_MAX_LENGTH or len(changes_needed) > TEXT_MAX_LENGTH:
        errors["findings"] = _("Keep each text under %(limit)s characters.") % {"limit": TEXT_MAX_LENGTH}
    if errors:
        raise ValidationError(errors)
    if verdict != IPVerdict.NEEDS_CHANGES:
        changes_needed = ""
    with transaction.atomic():
        locked = _lock_in_scope(proposal=proposal, by=by)
        if not Proposal.objects.filter(ip_manager_may_read(user=by), pk=locked.pk).exists():
            raise ActionForbidden(
                _("Declare that you have no conflict of interest with this application before you review it.")
            )
        review = IPReview.objects.select_for_update().filter(proposal=locked).first()
        seen = None if review is None else review.updated_at
        if seen != expected_updated_at:
            raise StaleAction(
                _("Another IP manager saved this review meanwhile. Reload the page to read it; nothing was changed.")
            )
        if review is None:
            review = IPReview(proposal=locked)
        review.reviewer = by
        review.findings = findings
        review.verdict = verdict
        review.changes_needed = changes_needed
        review.submitted_at = timezone.now()
        review.save()
        record = AuditRecord.objects.create(
            proposal=locked,
            action=IP_REVIEW_RECORD,
            from_state=locked.state,
            to_state=locked.state,
            actor=by,
            reason=changes_needed,
            data={"verdict": verdict},
        )
        notify_audiences(
            audiences=[(Event.IP_REVIEW_RECORDED, program_roles.audience(Role.STAFF, locked.call.program_id))],
            occurrence=f"audit{record.pk}",
            proposal=locked,
            context={"ip_manager": str(by), "verdict": verdict, "changes_needed": changes_needed},
        )
    return review
