"""Use cases of programs, calls and the applicant's proposals: one function each, keyword-only."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import Membership, Organization, User
from intake import program_roles as role_rules  # not `program_roles`: the name of a submodule here
from intake.choices import Sector, VersionKind
from intake.completeness import LOI_DETAIL_FIELDS, proposal_stage
from intake.locks import proposal_locked
from intake.models import Call, CoApplicant, ConsortiumMember, Program, ProgramRole, Proposal
from intake.services.call_rules import call_edit_save
from intake.services.rule_rows import call_rules_write, default_rules
from intake.services.search import proposal_search_refresh
from intake.services.stages import call_stages_save, proposal_path_set, stages_default
from intake.states import DECIDED

M = TypeVar("M", Program, Call)


def _require_staff(user: User) -> None:
    if not user.has_role(Role.STAFF):
        raise ActionForbidden(_("Only program staff can manage programs and calls."))


def _require_staff_of(user: User, program_id: int) -> None:
    if not role_rules.holds(user, Role.STAFF, program_id):
        raise ActionForbidden(_("Only the program's staff can manage its calls."))


def _create(model: type[M], *, fields: dict[str, Any]) -> M:
    instance = model(**fields)
    instance.full_clean()
    instance.save()
    return instance


def _update_unless_changed(instance: M, *, expected_updated_at: datetime, fields: dict[str, Any]) -> M:
    """Save ``fields`` on ``instance`` unless somebody saved it since ``expected_updated_at``."""
    with transaction.atomic():
        current = type(instance).objects.select_for_update().get(pk=instance.pk)
        if current.updated_at != expected_updated_at:
            raise StaleAction(
                _(
                    "Somebody else saved this %(thing)s while you were editing it. Your changes are not saved yet: "
                    "review them against the current version and save again."
                )
                % {"thing": type(instance)._meta.verbose_name}
            )
        for name, value in fields.items():
            setattr(current, name, value)
        current.full_clean()
        current.save()
    return current


def program_create(*, by: User, **fields: Any) -> Program:
    """Create a program (a cluster); the staff member who creates it is its first staff."""
    _require_staff(by)
    with transaction.atomic():
        program = _create(Program, fields=fields)
        ProgramRole.objects.create(user=by, program=program, role=Role.STAFF, granted_by=by)
    role_rules.forget(by)
    return program


def call_create(*, program: Program, by: User, **fields: Any) -> Call:
    """Open a new call in ``program``, with the two-stage path of its windows and the default rules.

    Staff change its path on its stages page and its rules on its rules page.
    """
    _require_staff_of(by, program.pk)
    with transaction.atomic():
        call = _create(Call, fields={**fields, "program": program})
        call_stages_save(call=call, plans=stages_default(call=call))
        call_rules_write(call=call, rules=default_rules())
    return call


def staff_edit_save(*, instance: M, by: User, expected_updated_at: datetime, **fields: Any) -> M:
    """Change a program or a call (its texts, windows or envelope), refusing if somebody else changed it first.

    A call's rules are rows, changed on its rules page (``rule_rows.call_rules_edit``).
    """
    if isinstance(instance, Call):
        return call_edit_save(call=instance, by=by, expected_updated_at=expected_updated_at, **fields)
    _require_staff_of(by, instance.pk)
    return _update_unless_changed(instance, expected_updated_at=expected_updated_at, fields=fields)


# --- Proposals: the applicant's draft (the state changes only through workflow.actions) ----


def _require_member(user: User, organization: Organization) -> None:
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise DomainError(
            _("You can lead a proposal only for an organization you are a member of: join %(organization)s first.")
            % {"organization": organization}
        )


def proposal_create(
    *, call: Call, by: User, title: str, summary: str, lead_organization: Organization, **loi: Any
) -> Proposal:
    """Start a letter of intent in ``call``, led by ``by`` for ``lead_organization``.

    ``loi`` may carry the letter's other texts and amounts (see ``LOI_FIELDS``), complete or not.
    """
    if not by.has_role(Role.APPLICANT):
        raise ActionForbidden(_("Only applicants can start a letter of intent."))
    _require_member(by, lead_organization)
    proposal = Proposal(
        call=call,
        lead_applicant=by,
        lead_organization=lead_organization,
        title=title.strip(),
        summary=summary.strip(),
        **_loi_values(loi),
    )
    proposal_path_set(proposal=proposal)
    now = timezone.now()
    if not proposal.stage.opens_at <= now < proposal.stage.closes_at:
        raise DomainError(_("This call does not accept new proposals now, by the server's clock."))
    proposal.full_clean(exclude=["state"])  # the lifecycle owns the state
    with transaction.atomic():
        proposal.save()
        ConsortiumMember.objects.create(proposal=proposal, organization=lead_organization, is_lead=True)
        proposal_search_refresh(proposal_id=proposal.pk)
    return proposal


def proposal_update(
    *,
    proposal: Proposal,
    by: User,
    title: str,
    summary: str,
    lead_organization: Organization,
    expected_updated_at: datetime | None,
    **loi: Any,
) -> Proposal:
    """Save the lead applicant's changes to an editable proposal before its deadline.

    ``loi`` may carry the letter of intent's other texts and amounts (see ``LOI_FIELDS``);
    a draft may be incomplete. Refuse (keeping nothing) if somebody saved the proposal
    since ``expected_updated_at``, if it is no longer editable, or if its deadline has
    passed by the server's clock.
    """
    values = _loi_values(loi)
    with transaction.atomic():
        current = proposal_lock_for_editing(proposal=proposal, by=by, expected_updated_at=expected_updated_at)
        if by.pk != current.lead_applicant_id:
            raise ActionForbidden(_("Only the lead applicant can change the title or the lead organization."))
        _require_member(by, lead_organization)
        if lead_organization.pk != current.lead_organization_id:
            _lead_member_move(current, lead_organization)
        current.title = title.strip()
        current.summary = summary.strip()
        current.lead_organization = lead_organization
        for name, value in values.items():
            setattr(current, name, value)
        moved = []
        if current.version_count == 0:  # the path is fixed from the first submission
            proposal_path_set(proposal=current)
            moved = ["stage", "path"]
        # Check what the applicant typed. The rest is the locked row as stored (the database holds
        # it to its constraints) or was read in this transaction (the stage among the call's, the
        # organization by the form and by ``_require_member``): checking it again would cost a
        # query for each key and each of the other constraints on every save of a draft.
        typed = {"title", "summary", *values}
        current.full_clean(exclude=[field.name for field in Proposal._meta.concrete_fields if field.name not in typed])
        current.save(update_fields=["title", "summary", "lead_organization", *values, *moved, "updated_at"])
        proposal_search_refresh(proposal_id=current.pk)
    return current


#: The letter of intent's fields beside the title, summary and lead organization.
LOI_FIELDS = LOI_DETAIL_FIELDS


def _loi_values(loi: dict[str, Any]) -> dict[str, Any]:
    """Check the names of ``loi`` and trim its texts; amounts must not be negative."""
    unknown = set(loi) - set(LOI_FIELDS)
    if unknown:
        raise TypeError(f"unknown letter-of-intent fields: {', '.join(sorted(unknown))}")
    values = {name: value.strip() if isinstance(value, str) else value for name, value in loi.items()}
    unknown_sectors = set(values.get("sectors") or []) - set(Sector.values)
    if unknown_sectors:
        raise ValidationError({"sectors": _("Unknown sector: %(sectors)s.") % {"sectors": ", ".join(unknown_sectors)}})
    for name in ("estimated_total_cost", "estimated_funding_requested"):
        amount = values.get(name)
        if isinstance(amount, Decimal | int) and amount < 0:
            raise ValidationError({name: _("An amount cannot be negative.")})
    return values


def _lead_member_move(proposal: Proposal, organization: Organization) -> None:
    """Make ``organization`` the consortium's lead in place of the current one."""
    if proposal.members.filter(organization=organization, is_lead=False).exists():
        raise DomainError(
            _("%(organization)s is already a partner: remove it from the partners before making it the lead.")
            % {"organization": organization}
        )
    proposal.members.filter(is_lead=True).update(organization=organization)


def proposal_lock_for_editing(*, proposal: Proposal, by: User, expected_updated_at: datetime | None) -> Proposal:
    """Lock ``proposal`` for a change of its content by ``by`` and return the current row.

    Call it inside ``transaction.atomic()``. Refuse (so that nothing is saved) unless
    ``by`` is the lead applicant or a co-applicant, the proposal is editable, its deadline
    has not passed by the server's clock, and nobody saved it since ``expected_updated_at``.
    Every save of a section goes through here and then bumps ``updated_at``. A refusal names
    a board decision only as ``proposal`` (the copy ``by`` read, through ``workflow.access``)
    shows it: the decision stays confidential until it is released.
    """
    current = proposal_locked(
        Proposal.objects.select_for_update(of=("self",)).select_related("call", "stage"), proposal.pk
    )
    if not by.has_role(Role.APPLICANT) or not (
        by.pk == current.lead_applicant_id or CoApplicant.objects.filter(proposal=current, user=by).exists()
    ):
        raise ActionForbidden(_("Only the lead applicant and the co-applicants can edit this proposal."))
    if not current.is_editable:
        raise StaleAction(
            _("This proposal is now “%(state)s” and can no longer be edited. Your changes are not saved.")
            % {"state": (proposal if current.state in DECIDED else current).get_state_display()}
        )
    deadline = current.deadline
    if deadline is not None and timezone.now() >= deadline:
        raise DomainError(
            _(
                "The deadline has passed by the server's clock, so your changes are not saved. "
                "Contact the program staff if you need an extension."
            )
        )
    if expected_updated_at is None or current.updated_at != expected_updated_at:
        raise StaleAction(
            _(
                "Somebody else saved this %(thing)s while you were editing it. Your changes are not saved yet: "
                "review them against the current version and save again."
            )
            % {"thing": Proposal._meta.verbose_name}
        )
    return current


def proposal_lock_for_application(*, proposal: Proposal, by: User, expected_updated_at: datetime | None) -> Proposal:
    """Lock ``proposal`` as ``proposal_lock_for_editing`` does, for a part of the full application.

    The application's sections (consortium, budget, work plan, IP plan, outcomes,
    attachments) open with the invitation; before it, a letter of intent holds none of them.
    """
    current = proposal_lock_for_editing(proposal=proposal, by=by, expected_updated_at=expected_updated_at)
    if proposal_stage(current) != VersionKind.APPLICATION:
        raise DomainError(_("The full application opens once your letter of intent is invited; nothing is saved."))
    return current
