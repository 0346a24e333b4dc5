"""Use cases of the full application's sections: one function per section save, keyword-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _

from accounts.errors import StaleAction
from accounts.models import User
from intake.choices import VersionKind
from intake.completeness import OUTCOME_FIELDS, missing_by_section, proposal_stage
from intake.models import Attachment, ConsortiumMember, ForegroundIP, Milestone, Proposal
from intake.selectors import EligibilityResult, proposal_eligibility
from intake.services import proposal_lock_for_application
from intake.services.search import proposal_search_refresh


def application_prefetch(*, proposal: Proposal) -> Proposal:
    """Load what the completeness checks read of ``proposal`` in a fixed number of queries, and return it."""
    applications_prefetch(proposals=[proposal])
    return proposal


def applications_prefetch(*, proposals: list[Proposal]) -> None:
    """Load what the completeness checks read of all ``proposals``, in seven queries whatever their number.

    Their calls' rule rows too: the required attachments and word limits are rules.
    """
    prefetch_related_objects(
        proposals,
        "call__rules",
        "members__organization",
        "members__budget_lines",
        "milestones",
        "foreground_ip",
        Prefetch("attachments", queryset=Attachment.objects.filter(removed_at__isnull=True)),
    )


def application_missing(*, proposal: Proposal) -> dict[str, list[str]]:
    """Return what each section of ``proposal`` lacks (see ``intake.completeness``)."""
    return missing_by_section(application_prefetch(proposal=proposal))


def application_rules(*, proposal: Proposal) -> list[EligibilityResult]:
    """Return the eligibility checks of ``proposal``'s draft with their overrides, live; none before the application.

    The same engine and the same checks as staff's eligibility page: the section pages show
    them beside the figures, and a complete section that breaks one says so.
    """
    if proposal_stage(proposal) != VersionKind.APPLICATION:
        return []
    return proposal_eligibility(proposal=proposal)


@dataclass(frozen=True)
class MilestoneData:
    title: str
    description: str
    month: int


@dataclass(frozen=True)
class ForegroundIPData:
    kind: str
    description: str
    owner_id: int | None  # a consortium member of the proposal; None for joint ownership


def _touch(proposal: Proposal, *fields: str) -> None:
    proposal.full_clean(exclude=["state"])
    proposal.save(update_fields=[*fields, "updated_at"])
    proposal_search_refresh(proposal_id=proposal.pk)


def application_description_save(
    *,
    proposal: Proposal,
    by: User,
    expected_updated_at: datetime | None,
    project_description: str,
    work_plan: str,
    milestones: list[MilestoneData],
) -> Proposal:
    """Save the project description, the work plan and its milestones (replacing the earlier ones) together."""
    with transaction.atomic():
        current = proposal_lock_for_application(proposal=proposal, by=by, expected_updated_at=expected_updated_at)
        rows = [
            Milestone(
                proposal=current, title=item.title.strip(), description=item.description.strip(), month=item.month
            )
            for item in milestones
        ]
        for row in rows:
            row.full_clean(exclude=["proposal"])
        Milestone.objects.filter(proposal=current).delete()
        Milestone.objects.bulk_create(rows)
        current.project_description = project_description.strip()
        current.work_plan = work_plan.strip()
        _touch(current, "project_description", "work_plan")
    return current


def application_ip_save(
    *,
    proposal: Proposal,
    by: User,
    expected_updated_at: datetime | None,
    background_ip: dict[int, str],
    foreground_ip: list[ForegroundIPData],
    ip_ownership_terms: str,
    ip_partner_licensing: str,
    ip_member_licensing: str,
) -> Proposal:
    """Save the IP plan: background IP by member, the foreground IP items (replacing the earlier ones), the terms."""
    with transaction.atomic():
        current = proposal_lock_for_application(proposal=proposal, by=by, expected_updated_at=expected_updated_at)
        members = {member.pk: member for member in ConsortiumMember.objects.filter(proposal=current)}
        if set(background_ip) - set(members) or {i.owner_id for i in foreground_ip} - {None, *members}:
            raise StaleAction(
                _(
                    "The consortium changed while you were editing the IP plan: an organization you named is no longer "
                    "in it. Nothing is saved; review the plan and save again."
                )
            )
        for pk, text in background_ip.items():
            member = members[pk]
            if member.background_ip != text.strip():
                member.background_ip = text.strip()
                member.save(update_fields=["background_ip"])
        rows = [
            ForegroundIP(proposal=current, kind=item.kind, description=item.description.strip(), owner_id=item.owner_id)
            for item in foreground_ip
        ]
        for row in rows:
            row.full_clean(exclude=["proposal", "owner"])
        ForegroundIP.objects.filter(proposal=current).delete()
        ForegroundIP.objects.bulk_create(rows)
        current.ip_ownership_terms = ip_ownership_terms.strip()
        current.ip_partner_licensing = ip_partner_licensing.strip()
        current.ip_member_licensing = ip_member_licensing.strip()
        _touch(current, "ip_ownership_terms", "ip_partner_licensing", "ip_member_licensing")
    return current


def application_outcomes_save(
    *, proposal: Proposal, by: User, expected_updated_at: datetime | None, outcomes: dict[str, int | Decimal | None]
) -> Proposal:
    """Save the expected outcomes (each may be left empty in a draft; none may be negative)."""
    unknown = set(outcomes) - set(OUTCOME_FIELDS)
    if unknown:
        raise TypeError(f"unknown outcomes: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        current = proposal_lock_for_application(proposal=proposal, by=by, expected_updated_at=expected_updated_at)
        for name, value in outcomes.items():
            if value is not None and value < 0:
                raise ValidationError({name: _("This cannot be negative.")})
            setattr(current, name, value)
        _touch(current, *outcomes)
    return current
