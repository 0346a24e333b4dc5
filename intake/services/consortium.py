"""Use cases of the full application's consortium and budget sections: one function each, keyword-only.

Every write locks the proposal through ``proposal_lock_for_editing`` (editor, editable,
deadline, optimistic concurrency), checks that the proposal is at the full-application
stage, saves, and bumps the proposal's ``updated_at`` so that the next stale form is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import Membership, Organization, User
from accounts.services import organization_register
from intake.choices import CostCategory, VersionKind
from intake.eligibility import (
    CLUSTER_SHARE,
    IN_KIND_CAP,
    MATCHING_RATIO,
    PARTNER_SHARE,
    PROJECT_SIZE,
    Check,
    Figures,
    checks,
    figures,
)
from intake.formatting import money, percent, ratio, ratio_of, share_of
from intake.models import BudgetLine, CoApplicant, ConsortiumMember, ConsortiumRole, Proposal
from intake.selectors import proposal_application
from intake.services import proposal_lock_for_application
from intake.services.search import proposal_search_refresh
from intake.states import ProposalState
from records.events import Event
from records.notifications import notify

ZERO = Decimal("0")

#: The states in which the consortium and the budget may change: the full application in preparation.
APPLICATION_EDITABLE_STATES = frozenset({ProposalState.INVITED, ProposalState.CHANGES_REQUESTED})


def application_section_editable(proposal: Proposal) -> bool:
    """Return whether the full application's sections of ``proposal`` may be edited in its state."""
    return proposal.state in APPLICATION_EDITABLE_STATES


def _require_lead_applicant(proposal: Proposal, by: User) -> None:
    if by.pk != proposal.lead_applicant_id:
        raise ActionForbidden(_("Only the lead applicant can invite or remove co-applicants."))


def _touch(proposal: Proposal) -> None:
    proposal.save(update_fields=["updated_at"])


def _member_of(proposal: Proposal, member_id: int) -> ConsortiumMember:
    member = ConsortiumMember.objects.select_related("organization").filter(proposal=proposal, pk=member_id).first()
    if member is None:
        raise StaleAction(_("This partner is no longer in the consortium. Your changes are not saved."))
    return member


# --- Reads -------------------------------------------------------------------------------------


def consortium_roles_of(*, proposal: Proposal) -> list[ConsortiumRole]:
    """Return the consortium roles the call of ``proposal`` names, in their order (none: the page asks for none)."""
    return list(ConsortiumRole.objects.filter(call_id=proposal.call_id).order_by("position", "pk"))


def consortium_members(*, proposal: Proposal) -> list[ConsortiumMember]:
    """Return the consortium of ``proposal``, the lead first, with each organization, budget lines and roles."""
    return list(
        ConsortiumMember.objects.filter(proposal=proposal)
        .select_related("organization")
        .prefetch_related("budget_lines", "roles")
        .order_by("-is_lead", "created_at", "pk")
    )


def coapplicants_of(*, proposal: Proposal) -> list[CoApplicant]:
    """Return the co-applicants of ``proposal`` with their users, in the order they were invited."""
    return list(CoApplicant.objects.filter(proposal=proposal).select_related("user").order_by("created_at", "pk"))


def organizations_to_add(*, proposal: Proposal) -> QuerySet[Organization]:
    """Return the organizations that could join the consortium of ``proposal`` (those not in it yet)."""
    return Organization.objects.exclude(consortium_memberships__proposal=proposal).order_by(
        "legal_name", "country", "pk"
    )


@dataclass(frozen=True)
class BudgetRow:
    """One partner's line of the budget grid, with its totals and share computed.

    ``share_shown`` is its share of the reimbursement as every page shows it (beside the call's
    limit, ``intake.formatting``), and ``over_limit`` whether it is above that limit.
    """

    member: ConsortiumMember
    costs: dict[str, Decimal]
    eligible_costs: Decimal
    reimbursement_share: Decimal
    share_shown: str = ""
    over_limit: bool = False


@dataclass(frozen=True)
class BudgetFigure:
    """A figure of the budget as shown beside the limit of the rule it answers to, and that rule's check."""

    shown: str  # "" when it has no base (no costs, no funding)
    limit: str  # the rule's limit as shown, "" when the call has no such rule
    check: Check | None


@dataclass(frozen=True)
class Budget:
    """The budget grid of a proposal, its computed figures, and the call's rules checked on it live."""

    rows: list[BudgetRow]
    category_totals: dict[str, Decimal]
    figures: Figures
    cluster_share: BudgetFigure
    matching_ratio: BudgetFigure
    in_kind_share: BudgetFigure
    project_size: BudgetFigure


def _limits(check: Check | None) -> tuple[Decimal, ...]:
    """Return the numeric limit ``check`` carries (``Check.limit``) as a tuple of one, or none."""
    if check is None:
        return ()
    try:
        return (Decimal(check.limit),)
    except ArithmeticError:
        return ()


def _share_figure(part: Decimal, whole: Decimal, check: Check | None) -> BudgetFigure:
    limits = _limits(check)
    return BudgetFigure(
        shown=percent(share_of(part, whole), *limits), limit=percent(limits[0]) if limits else "", check=check
    )


def _ratio_figure(part: Decimal, whole: Decimal, check: Check | None) -> BudgetFigure:
    limits = _limits(check)
    return BudgetFigure(
        shown=ratio(ratio_of(part, whole), *limits), limit=ratio(limits[0]) if limits else "", check=check
    )


def proposal_budget(*, proposal: Proposal) -> Budget:
    """Return the budget grid of ``proposal`` with every figure computed, and checked, by the eligibility engine.

    The figures are shown by ``intake.formatting`` beside the limits of the checks they answer
    to (the proposal's stage's checks on its draft), so a page never shows a failing figure as
    equal to its limit, and shows it as every other page does.
    """
    members = consortium_members(proposal=proposal)
    stage = proposal.eligibility_stage()
    application = proposal_application(proposal=proposal, stage=VersionKind.APPLICATION)
    checked = application if stage == VersionKind.APPLICATION else proposal_application(proposal=proposal, stage=stage)
    found = {check.code: check for check in checks(checked, proposal.eligibility_rules(stage), stage=stage)}
    result = figures(application)
    funding = result.cluster_funding
    partner_limits = _limits(found.get(PARTNER_SHARE))
    rows = []
    # ``proposal_application`` lists the partners in the same order as ``consortium_members``.
    for member, partner, (_name, share) in zip(members, application.partners, result.partner_shares, strict=True):
        costs = {line.category: line.amount for line in member.budget_lines.all()}
        exact = share_of(partner.funding_requested, funding) or ZERO
        rows.append(
            BudgetRow(
                member=member,
                costs=costs,
                eligible_costs=sum(costs.values(), ZERO),
                reimbursement_share=share,
                share_shown=percent(exact, *partner_limits),
                over_limit=any(exact > limit for limit in partner_limits),
            )
        )
    totals = {category: sum((row.costs.get(category, ZERO) for row in rows), ZERO) for category in CostCategory.values}
    return Budget(
        rows=rows,
        category_totals=totals,
        figures=result,
        cluster_share=_share_figure(funding, result.eligible_costs, found.get(CLUSTER_SHARE)),
        matching_ratio=_ratio_figure(result.industry_contribution, funding, found.get(MATCHING_RATIO)),
        in_kind_share=_share_figure(result.in_kind, result.industry_contribution, found.get(IN_KIND_CAP)),
        project_size=BudgetFigure(shown=money(result.eligible_costs, 2), limit="", check=found.get(PROJECT_SIZE)),
    )


# --- The consortium ----------------------------------------------------------------------------


def _member_add(proposal: Proposal, organization: Organization) -> ConsortiumMember:
    if ConsortiumMember.objects.filter(proposal=proposal, organization=organization).exists():
        raise DomainError(
            _("%(organization)s is already in the consortium.") % {"organization": organization.legal_name}
        )
    try:
        with transaction.atomic():
            member = ConsortiumMember.objects.create(proposal=proposal, organization=organization, is_lead=False)
    except IntegrityError as error:
        raise DomainError(
            _("%(organization)s is already in the consortium.") % {"organization": organization.legal_name}
        ) from error
    _touch(proposal)
    proposal_search_refresh(proposal_id=proposal.pk)
    return member


def member_add(
    *, proposal: Proposal, by: User, organization: Organization, expected_updated_at: datetime | None
) -> ConsortiumMember:
    """Add the existing ``organization`` to the consortium of ``proposal`` as a partner."""
    with transaction.atomic():
        current = proposal_lock_for_application(proposal=proposal, by=by, expected_updated_at=expected_updated_at)
        return _member_add(current, organization)


def member_add_new_organization(
    *,
    proposal: Proposal,
    by: User,
    expected_updated_at: datetime | None,
    legal_name: str,
    kind: str,
    employee_count: int,
    country: str,
    province: str,
) -> ConsortiumMember:
    """Create an organization that does not exist yet and add it to the consortium as a partner.

    ``by`` does not become a member of the new organization: they act for the consortium, not for it.
    """
    with transaction.atomic():
        current = proposal_lock_for_application(proposal=proposal, by=by, expected_updated_at=expected_updated_at)
        organization = organization_register(
            legal_name=legal_name, kind=kind, employee_count=employee_count, country=country, province=province
        )
        return _member_add(current, organization)


def member_remove(*, proposal: Proposal, by: User, member_id: int, expected_updated_at: datetime | None) -> None:
    """Remove a partner (never the lead) from the consortium, with its budget lines."""
    with transaction.atomic():
        current = proposal_lock_for_application(proposal=proposal, by=by, expected_updated_at=expected_updated_at)
        member = _member_of(current, member_id)
        if member.is_lead:
            raise DomainError(_("The lead organization cannot be removed from the consortium."))
        member.delete()
        _touch(current)
        proposal_search_refresh(proposal_id=current.pk)


def contributions_save(
    *,
    proposal: Proposal,
    by: User,
    expected_updated_at: datetime | None,
    contributions: Mapping[int, tuple[Decimal | None, Decimal | None]],
    roles: Mapping[int, set[int]] | None = None,
) -> None:
    """Save each member's cash and in-kind contributions, given by member id, in one transaction.

    None is a contribution not given yet (the section stays incomplete); zero is a contribution of nothing.
    ``roles`` gives the ids of the call's consortium roles each member takes, by member id (None: left as
    they are); a role of another call is refused.
    """
    with transaction.atomic():
        current = proposal_lock_for_application(proposal=proposal, by=by, expected_updated_at=expected_updated_at)
        members = {member.pk: member for member in ConsortiumMember.objects.filter(proposal=current)}
        if set(contributions) - set(members):
            raise StaleAction(_("A partner is no longer in the consortium. Your changes are not saved."))
        for member_id, (cash, in_kind) in contributions.items():
            if (cash is not None and cash < ZERO) or (in_kind is not None and in_kind < ZERO):
                raise ValidationError(_("A contribution cannot be negative."))
            member = members[member_id]
            member.cash_contribution = cash
            member.in_kind_contribution = in_kind
            member.full_clean(exclude=["proposal", "organization"])
            member.save(update_fields=["cash_contribution", "in_kind_contribution"])
        if roles is not None:
            _roles_save(current, members, roles)
        _touch(current)


def _roles_save(proposal: Proposal, members: Mapping[int, ConsortiumMember], roles: Mapping[int, set[int]]) -> None:
    """Give each member of ``roles`` exactly the roles named for it (the proposal's row is locked)."""
    if set(roles) - set(members):
        raise StaleAction(_("A partner is no longer in the consortium. Your changes are not saved."))
    known = set(ConsortiumRole.objects.filter(call_id=proposal.call_id).values_list("pk", flat=True))
    if set().union(*roles.values()) - known:
        raise StaleAction(_("A role is no longer named by the call. Your changes are not saved."))
    links = ConsortiumMember.roles.through
    links.objects.filter(consortiummember_id__in=list(roles)).delete()
    links.objects.bulk_create(
        links(consortiummember_id=member_id, consortiumrole_id=role_id)
        for member_id, role_ids in roles.items()
        for role_id in sorted(role_ids)
    )


# --- Co-applicants -----------------------------------------------------------------------------


def coapplicant_invite(
    *, proposal: Proposal, by: User, email: str, expected_updated_at: datetime | None
) -> CoApplicant:
    """Let the applicant of a consortium organization with ``email`` edit ``proposal``; only the lead invites."""
    with transaction.atomic():
        current = proposal_lock_for_application(proposal=proposal, by=by, expected_updated_at=expected_updated_at)
        _require_lead_applicant(current, by)
        organizations = ConsortiumMember.objects.filter(proposal=current).values("organization_id")
        user = (
            User.objects.filter(
                email__iexact=email.strip(),
                is_active=True,
                groups__name=Role.APPLICANT,
                pk__in=Membership.objects.filter(organization_id__in=organizations).values("user_id"),
            )
            .distinct()
            .first()
        )
        if user is None:
            raise ValidationError({"email": _("No applicant of the consortium's organizations has this email.")})
        if user.pk == current.lead_applicant_id:
            raise ValidationError({"email": _("You lead this proposal already.")})
        if CoApplicant.objects.filter(proposal=current, user=user).exists():
            raise ValidationError({"email": _("%(user)s is already a co-applicant.") % {"user": user}})
        coapplicant = CoApplicant.objects.create(proposal=current, user=user, invited_by=by)
        _touch(current)
        notify(
            event=Event.COAPPLICANT_INVITED,
            recipients=[user],
            occurrence=f"coapplicant{coapplicant.pk}",
            proposal=current,
            context={"lead": str(by)},
        )
    return coapplicant


def coapplicant_remove(
    *, proposal: Proposal, by: User, coapplicant_id: int, expected_updated_at: datetime | None
) -> None:
    """Take back a co-applicant's right to edit ``proposal``; only the lead applicant removes."""
    with transaction.atomic():
        current = proposal_lock_for_application(proposal=proposal, by=by, expected_updated_at=expected_updated_at)
        _require_lead_applicant(current, by)
        deleted, _rows = CoApplicant.objects.filter(proposal=current, pk=coapplicant_id).delete()
        if not deleted:
            raise StaleAction(_("This co-applicant was already removed."))
        _touch(current)


# --- The budget --------------------------------------------------------------------------------


def budget_save(
    *,
    proposal: Proposal,
    by: User,
    expected_updated_at: datetime | None,
    costs: Mapping[int, Mapping[str, Decimal | None]],
    funding: Mapping[int, Decimal],
) -> None:
    """Save the budget grid in one transaction: each member's eligible costs by category and funding requested.

    ``costs`` and ``funding`` are keyed by member id; a zero or missing cost removes its line.
    """
    with transaction.atomic():
        current = proposal_lock_for_application(proposal=proposal, by=by, expected_updated_at=expected_updated_at)
        members = {member.pk: member for member in ConsortiumMember.objects.filter(proposal=current)}
        if (set(costs) | set(funding)) - set(members):
            raise StaleAction(_("A partner is no longer in the consortium. Your budget is not saved."))
        categories = set(CostCategory.values)
        for member_id, by_category in costs.items():
            if set(by_category) - categories:
                raise DomainError(_("Unknown cost category."))
            for category, amount in by_category.items():
                if amount is not None and amount < ZERO:
                    raise ValidationError(_("An eligible cost cannot be negative."))
                if not amount:
                    BudgetLine.objects.filter(member_id=member_id, category=category).delete()
                    continue
                line = BudgetLine(member=members[member_id], category=category, amount=amount)
                line.full_clean(exclude=["member"], validate_unique=False, validate_constraints=False)
                BudgetLine.objects.update_or_create(member_id=member_id, category=category, defaults={"amount": amount})
        for member_id, amount in funding.items():
            if amount < ZERO:
                raise ValidationError(_("The funding requested cannot be negative."))
            member = members[member_id]
            member.funding_requested = amount
            member.full_clean(exclude=["proposal", "organization"])
            member.save(update_fields=["funding_requested"])
        _touch(current)
