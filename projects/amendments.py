"""Amendments of a funded project: requested by a partner's person or staff, decided by staff (docs/projects.md).

The changes are structured data, validated here (``amendment_changes_clean``)::

    {"budget": {"<partner id>": {"<category>": "<amount>", ...}, ...},   # new amounts of budget lines
     "funding": {"<partner id>": "<amount>", ...},                       # each partner's cluster funding
     "milestones": {"<milestone id>": "<YYYY-MM-DD>", ...},              # new due dates
     "add_partners": [{"organization": <id>, "cash": "<amount>", "in_kind": "<amount>",
                       "funding": "<amount>", "budget": {"<category>": "<amount>"}}],
     "remove_partners": [<partner id>, ...]}

The project's total cluster funding stays within ``Project.amount``. At the request and again at
the decision the call's money and consortium rules are re-checked on the amended figures with the
eligibility engine and the proposal's frozen rules; a failing rule is shown and recorded, never
blocking staff. An approved amendment is applied and both agreements are drafted again: the
project stays active while its partners sign the new versions.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import Membership, Organization, User
from intake import program_roles
from intake.choices import CostCategory, VersionKind
from intake.eligibility.base import ZERO, Application, Partner, Rules
from intake.eligibility.engine import checks
from intake.models import ConsortiumMember
from projects.agreements import MONEY_RULE_KINDS, agreements_draft
from projects.models import (
    Amendment,
    AmendmentKind,
    AmendmentState,
    Project,
    ProjectBudgetLine,
    ProjectMilestone,
    ProjectPartner,
)
from projects.signing import agreement_to_sign_notify
from records.events import Event
from records.models import AuditRecord
from records.notifications import notify

AMENDMENT_REQUESTED = "amendment_requested"
AMENDMENT_APPROVED = "amendment_approved"
AMENDMENT_REFUSED = "amendment_refused"
AMENDMENT_WITHDRAWN = "amendment_withdrawn"

#: The rules re-checked on an amendment's figures: the money rules and the consortium's.
RECHECKED_KINDS = (*MONEY_RULE_KINDS, "min_partners", "min_partners_of_types", "required_roles", "membership")
CENT = Decimal("0.01")


class AmendmentInvalid(DomainError):
    """The proposed changes do not hold: ``errors`` lists why, each for the person requesting."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(" ".join(errors))
        self.errors = errors


def _amount(value: Any, errors: list[str], what: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.append(_("%(what)s: enter an amount of money.") % {"what": what})
        return ZERO
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT) or amount >= Decimal("1e12"):
        errors.append(_("%(what)s: enter an amount of zero or more, with at most two decimals.") % {"what": what})
        return ZERO
    return amount.quantize(CENT)


def amendment_changes_clean(*, project: Project, changes: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Return ``changes`` validated and normalized (amounts as strings of cents), and the amendment's kinds.

    Raise ``AmendmentInvalid`` listing every problem found.
    """
    errors: list[str] = []
    partners = {
        p.pk: p
        for p in ProjectPartner.objects.filter(project=project, removed_at__isnull=True).select_related("organization")
    }
    clean: dict[str, Any] = {}
    kinds: list[str] = []
    categories = set(CostCategory.values)

    budget = changes.get("budget") or {}
    if budget:
        clean["budget"] = {}
        for key, lines in budget.items():
            partner = partners.get(int(key)) if str(key).isdigit() else None
            if partner is None:
                errors.append(_("A budget line names an organization that is not a partner of the project."))
                continue
            clean["budget"][str(partner.pk)] = {}
            for category, value in (lines or {}).items():
                if category not in categories:
                    errors.append(_("There is no cost category “%(category)s”.") % {"category": category})
                    continue
                label = f"{partner.organization} · {CostCategory(category).label}"
                clean["budget"][str(partner.pk)][category] = str(_amount(value, errors, label))
    funding = changes.get("funding") or {}
    if funding:
        clean["funding"] = {}
        for key, value in funding.items():
            partner = partners.get(int(key)) if str(key).isdigit() else None
            if partner is None:
                errors.append(_("A funding amount names an organization that is not a partner of the project."))
                continue
            clean["funding"][str(partner.pk)] = str(_amount(value, errors, str(partner.organization)))
    if budget or funding:
        kinds.append(AmendmentKind.VIREMENT)

    milestones = changes.get("milestones") or {}
    if milestones:
        known = {m.pk: m for m in ProjectMilestone.objects.filter(project=project)}
        clean["milestones"] = {}
        for key, value in milestones.items():
            milestone = known.get(int(key)) if str(key).isdigit() else None
            if milestone is None:
                errors.append(_("A date names a milestone that is not the project's."))
                continue
            try:
                clean["milestones"][str(milestone.pk)] = date.fromisoformat(str(value)).isoformat()
            except ValueError:
                errors.append(_("%(milestone)s: enter a date.") % {"milestone": milestone.title})
        kinds.append(AmendmentKind.MILESTONES)

    removed = [int(pk) for pk in changes.get("remove_partners") or [] if str(pk).isdigit()]
    if changes.get("remove_partners"):
        clean["remove_partners"] = []
        for pk in removed:
            partner = partners.get(pk)
            if partner is None:
                errors.append(_("Only a partner still in the project can be removed."))
            elif partner.is_lead:
                errors.append(_("The lead partner cannot be removed."))
            else:
                clean["remove_partners"].append(pk)
        kinds.append(AmendmentKind.REMOVE_PARTNER)

    added = changes.get("add_partners") or []
    if added:
        clean["add_partners"] = []
        taken = set(ProjectPartner.objects.filter(project=project).values_list("organization_id", flat=True))
        for item in added:
            organization = Organization.objects.filter(pk=item.get("organization")).first()
            if organization is None:
                errors.append(_("Choose the organization to add."))
                continue
            if organization.pk in taken:
                errors.append(
                    _("%(organization)s is or was a partner of the project already.") % {"organization": organization}
                )
                continue
            taken.add(organization.pk)
            lines = {}
            for category, value in (item.get("budget") or {}).items():
                if category in categories:
                    lines[category] = str(_amount(value, errors, f"{organization} · {CostCategory(category).label}"))
            clean["add_partners"].append(
                {
                    "organization": organization.pk,
                    "name": organization.legal_name,
                    "cash": str(_amount(item.get("cash") or "0", errors, str(organization))),
                    "in_kind": str(_amount(item.get("in_kind") or "0", errors, str(organization))),
                    "funding": str(_amount(item.get("funding") or "0", errors, str(organization))),
                    "budget": lines,
                }
            )
        kinds.append(AmendmentKind.ADD_PARTNER)

    if not kinds:
        errors.append(_("Propose at least one change."))
    if not errors:
        total = amended_funding_total(project=project, partners=list(partners.values()), changes=clean)
        if total > project.amount:
            errors.append(
                _("The partners' cluster funding would total %(total)s, above the project's %(amount)s.")
                % {"total": total, "amount": project.amount}
            )
    if errors:
        raise AmendmentInvalid(errors)
    return clean, kinds


def amended_funding_total(*, project: Project, partners: list[ProjectPartner], changes: dict[str, Any]) -> Decimal:
    """Return the cluster funding of the partners the amended project would count."""
    funding = changes.get("funding") or {}
    removed = set(changes.get("remove_partners") or [])
    total = sum((Decimal(funding.get(str(p.pk), p.funding_approved)) for p in partners if p.pk not in removed), ZERO)
    return total + sum((Decimal(item["funding"]) for item in changes.get("add_partners") or []), ZERO)


def amendment_checks(*, project: Project, changes: dict[str, Any]) -> list[dict[str, Any]]:
    """Re-check the call's money and consortium rules on the amended figures; return each check explained.

    The partners are built as ``ConsortiumMember.as_partner`` builds them, from the amended
    commitments, funding and budget; the rules are the proposal's frozen rules of its application.
    """
    proposal = project.proposal
    rules = proposal.eligibility_rules(VersionKind.APPLICATION)
    rechecked = Rules(tuple(rule for rule in rules if rule.kind in RECHECKED_KINDS))
    partners = list(
        ProjectPartner.objects.filter(project=project, removed_at__isnull=True)
        .select_related("organization")
        .prefetch_related("budget_lines")
        .order_by("-is_lead", "pk")
    )
    removed = set(changes.get("remove_partners") or [])
    budget = changes.get("budget") or {}
    funding = changes.get("funding") or {}
    roles = {
        member.pk: frozenset(role.slug for role in member.roles.all())
        for member in ConsortiumMember.objects.filter(
            pk__in=[p.member_id for p in partners if p.member_id]
        ).prefetch_related("roles")
    }
    added = changes.get("add_partners") or []
    organizations = {o.pk: o for o in Organization.objects.filter(pk__in=[item["organization"] for item in added])}
    holding = proposal.members_of_program([p.organization_id for p in partners] + list(organizations))
    engine_partners = []
    for partner in partners:
        if partner.pk in removed:
            continue
        costs = {line.category: line.amount for line in partner.budget_lines.all()}
        costs.update({category: Decimal(amount) for category, amount in budget.get(str(partner.pk), {}).items()})
        engine_partners.append(
            _partner(
                partner.organization,
                is_lead=partner.is_lead,
                cash=partner.cash_committed,
                in_kind=partner.in_kind_committed,
                funding=Decimal(funding.get(str(partner.pk), partner.funding_approved)),
                costs=costs,
                roles=roles.get(partner.member_id or 0, frozenset()),
                member=partner.organization_id in holding,
            )
        )
    for item in added:
        organization = organizations[item["organization"]]
        engine_partners.append(
            _partner(
                organization,
                is_lead=False,
                cash=Decimal(item["cash"]),
                in_kind=Decimal(item["in_kind"]),
                funding=Decimal(item["funding"]),
                costs={category: Decimal(amount) for category, amount in item["budget"].items()},
                roles=frozenset(),
                member=organization.pk in holding,
            )
        )
    application = Application(partners=tuple(engine_partners))
    return [
        {"code": check.code, "label": check.label, "passed": check.passed, "message": check.message}
        for check in checks(application, rechecked, stage=VersionKind.APPLICATION)
    ]


def _partner(organization: Organization, **figures: Any) -> Partner:
    return Partner(
        name=organization.legal_name,
        kind=organization.kind,
        employees=organization.employee_count,
        country=str(organization.country),
        province=organization.province,
        is_lead=figures["is_lead"],
        cash=figures["cash"],
        in_kind=figures["in_kind"],
        funding_requested=figures["funding"],
        costs=figures["costs"],
        roles=figures["roles"],
        member=figures["member"],
    )


def may_request_amendment(*, user: User, project: Project) -> bool:
    """Say whether ``user`` may request an amendment: a partner's person, the lead applicant or program staff."""
    proposal = project.proposal
    return (
        proposal.lead_applicant_id == user.pk
        or user.acts_in(Role.STAFF, proposal.call.program_id)
        or Membership.objects.filter(
            user=user,
            organization__project_partnerships__project=project,
            organization__project_partnerships__removed_at__isnull=True,
        ).exists()
    )


def _audit(amendment: Amendment, action: str, by: User, reason: str, data: dict[str, Any]) -> AuditRecord:
    proposal = amendment.project.proposal
    return AuditRecord.objects.create(
        proposal=proposal,
        action=action,
        from_state=proposal.state,
        to_state=proposal.state,
        actor=by,
        reason=reason,
        data={"amendment": amendment.pk, **data},
    )


def _context(amendment: Amendment) -> dict[str, Any]:
    proposal = amendment.project.proposal
    return {
        "project": amendment.project_id,
        "amendment": amendment.pk,
        "title": proposal.title,
        "call_en": proposal.call.title_en,
        "call_fr": proposal.call.title_fr,
    }


def amendment_request(*, project: Project, by: User, changes: dict[str, Any], reason: str) -> Amendment:
    """Request an amendment of ``project``: validate the changes, re-check the rules, audit, tell staff."""
    reason = (reason or "").strip()
    if not reason:
        raise AmendmentInvalid([_("Say why the project needs this amendment.")])
    with transaction.atomic():
        locked = Project.objects.select_for_update().select_related("proposal__call").get(pk=project.pk)
        if not may_request_amendment(user=by, project=locked):
            raise ActionForbidden(_("Only the project's partners and program staff request an amendment."))
        if locked.proposal.state not in ("contracting", "active"):
            raise StaleAction(_("This project is no longer open to amendments. Nothing was requested."))
        clean, kinds = amendment_changes_clean(project=locked, changes=changes)
        amendment = Amendment.objects.create(
            project=locked,
            requested_by=by,
            kinds=kinds,
            changes=clean,
            reason=reason,
            checks=amendment_checks(project=locked, changes=clean),
        )
        record = _audit(amendment, AMENDMENT_REQUESTED, by, reason, {"kinds": kinds})
        notify(
            event=Event.AMENDMENT_REQUESTED,
            recipients=list(User.objects.filter(program_roles.audience(Role.STAFF, locked.proposal.call.program_id))),
            occurrence=f"audit{record.pk}",
            context={**_context(amendment), "reason": reason, "requester": by.get_full_name()},
        )
    return amendment


def _locked_requested(amendment: Amendment) -> tuple[Project, Amendment]:
    project = Project.objects.select_for_update().select_related("proposal__call").get(pk=amendment.project_id)
    locked = Amendment.objects.select_for_update().select_related("requested_by").get(pk=amendment.pk)
    locked.project = project
    if locked.state != AmendmentState.REQUESTED:
        raise StaleAction(
            _("This amendment is now “%(state)s”: somebody decided it first. Nothing was changed.")
            % {"state": locked.get_state_display()}
        )
    return project, locked


def _decided_notify(amendment: Amendment, record: AuditRecord, reason: str) -> None:
    proposal = amendment.project.proposal
    recipients = User.objects.filter(Q(pk=amendment.requested_by_id) | Q(pk=proposal.lead_applicant_id))
    notify(
        event=Event.AMENDMENT_DECIDED,
        recipients=list(recipients),
        occurrence=f"audit{record.pk}",
        context={**_context(amendment), "reason": reason, "approved": amendment.state == AmendmentState.APPROVED},
    )


def amendment_approve(*, amendment: Amendment, by: User, reason: str = "") -> Amendment:
    """Approve ``amendment``: re-check, apply the changes, draft both agreements again; audit and tell.

    Program staff only; a decision on an amendment no longer requested is stale (409).
    """
    with transaction.atomic():
        project, locked = _locked_requested(amendment)
        if not by.acts_in(Role.STAFF, project.proposal.call.program_id):
            raise ActionForbidden(_("Only program staff decide an amendment."))
        # Validated again on today's figures: another amendment may have changed them since.
        clean, _kinds = amendment_changes_clean(project=project, changes=locked.changes)
        locked.checks = amendment_checks(project=project, changes=clean)
        _apply(project, clean)
        locked.state = AmendmentState.APPROVED
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.decision_reason = (reason or "").strip()
        locked.save(update_fields=["checks", "state", "decided_by", "decided_at", "decision_reason"])
        drafted = agreements_draft(project=project, amendment=locked)
        record = _audit(
            locked,
            AMENDMENT_APPROVED,
            by,
            locked.decision_reason,
            {
                "versions": {agreement.kind: agreement.version for agreement in drafted},
                "failed": [check["label"] for check in locked.checks if not check["passed"]],
            },
        )
        _decided_notify(locked, record, locked.decision_reason)
        signatories = list(
            User.objects.filter(signatory_of__project=project, signatory_of__removed_at__isnull=True).distinct()
        )
        if signatories:
            agreement_to_sign_notify(project=project, signatories=signatories, occurrence=f"audit{record.pk}")
    return locked


def _apply(project: Project, changes: dict[str, Any]) -> None:
    now = timezone.now()
    for key, lines in (changes.get("budget") or {}).items():
        for category, amount in lines.items():
            ProjectBudgetLine.objects.update_or_create(
                partner_id=int(key), category=category, defaults={"amount": Decimal(amount)}
            )
    for key, amount in (changes.get("funding") or {}).items():
        ProjectPartner.objects.filter(pk=int(key), project=project).update(funding_approved=Decimal(amount))
    for key, day in (changes.get("milestones") or {}).items():
        ProjectMilestone.objects.filter(pk=int(key), project=project).update(due_on=date.fromisoformat(day))
    if changes.get("remove_partners"):
        ProjectPartner.objects.filter(project=project, pk__in=changes["remove_partners"]).update(removed_at=now)
    for item in changes.get("add_partners") or []:
        partner = ProjectPartner.objects.create(
            project=project,
            organization_id=item["organization"],
            cash_committed=Decimal(item["cash"]),
            in_kind_committed=Decimal(item["in_kind"]),
            funding_approved=Decimal(item["funding"]),
        )
        ProjectBudgetLine.objects.bulk_create(
            ProjectBudgetLine(partner=partner, category=category, amount=Decimal(amount))
            for category, amount in item["budget"].items()
        )


def amendment_refuse(*, amendment: Amendment, by: User, reason: str) -> Amendment:
    """Refuse ``amendment`` with the reason (program staff only); audit and tell the requester and the lead."""
    reason = (reason or "").strip()
    if not reason:
        raise AmendmentInvalid([_("Give the reason the amendment is refused.")])
    with transaction.atomic():
        project, locked = _locked_requested(amendment)
        if not by.acts_in(Role.STAFF, project.proposal.call.program_id):
            raise ActionForbidden(_("Only program staff decide an amendment."))
        locked.state = AmendmentState.REFUSED
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.decision_reason = reason
        locked.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
        record = _audit(locked, AMENDMENT_REFUSED, by, reason, {})
        _decided_notify(locked, record, reason)
    return locked


def amendment_withdraw(*, amendment: Amendment, by: User) -> Amendment:
    """Withdraw ``amendment`` while it is requested: its requester or program staff."""
    with transaction.atomic():
        project, locked = _locked_requested(amendment)
        if locked.requested_by_id != by.pk and not by.acts_in(Role.STAFF, project.proposal.call.program_id):
            raise ActionForbidden(_("Only who requested the amendment, or program staff, withdraw it."))
        locked.state = AmendmentState.WITHDRAWN
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        _audit(locked, AMENDMENT_WITHDRAWN, by, "", {})
    return locked
