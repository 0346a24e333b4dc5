"""Changing a call's rules once proposals are submitted, and applying the call's rules to one of them.

A submitted proposal keeps the rules frozen in its version (``intake.models.rules_in_force``).
Before staff save new rules, ``call_rules_change_preview`` says which submitted proposals'
verdicts the new rules would change. Saving them (``call_edit_save``, through
``call_rules_change_prepare`` and ``call_rules_change_audit``) then needs a reason and is
audited on each submitted proposal of the stages whose rules changed. Those proposals keep
their frozen rules until staff apply the call's current ones to one of them
(``proposal_call_rules_apply``), with a reason, audited. See docs/eligibility.md.

A call's rules are rows (``intake.models.CallRule``); ``intake.services.rule_rows`` writes them through here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, StaleAction
from accounts.models import User
from intake import program_roles as role_rules
from intake.choices import STAGE_ORDER
from intake.eligibility import Check, Rule, Rules, checks, outcomes, params_to_data, rules_to_data
from intake.eligibility.describe import describe, rule_label, stages_label
from intake.models import Call, Proposal, ProposalVersion
from intake.models.rules_in_force import CALL, RulesInForce
from intake.services.versions import version_application
from intake.states import ProposalState
from records.models import AuditRecord

logger = logging.getLogger(__name__)

#: The stages a call's rules apply at, each with its own subset (``intake.eligibility``).
RULE_STAGES = STAGE_ORDER
#: The submitted proposals whose eligibility still matters, by the stage they were submitted at:
#: a change of rules is previewed and audited on them. Decided proposals and final states are left alone.
SUBMITTED_STATES = frozenset(
    {
        ProposalState.LOI_SUBMITTED,
        ProposalState.SUBMITTED,
        ProposalState.IN_ASSESSMENT,
        ProposalState.ASSESSED,
        ProposalState.BOARD_REVIEW,
    }
)
#: The audit records' actions (``workflow.actions`` declares how the history tells them).
CALL_RULES_CHANGE = "call_rules_change"
APPLY_CALL_RULES = "apply_call_rules"


@dataclass(frozen=True)
class VerdictChange:
    """One check of one submitted proposal whose verdict the new rules would change."""

    proposal: Proposal
    stage: str
    code: str
    label: str
    before: bool
    after: bool
    #: The check's explanation under the new rules, in the active language.
    message: str


@dataclass(frozen=True)
class RuleDifference:
    """One rule whose value differs between two sets of rules, formatted in the active language."""

    name: str
    label: str
    before: str
    after: str


def call_rules_by_stage(*, call: Call, rules: Rules | None = None) -> dict[str, Rules]:
    """Return ``call``'s rules at each stage, or those of ``rules`` (every stage's rows) when given."""
    every = call.all_rules() if rules is None else rules
    return {stage: every.at(stage) for stage in RULE_STAGES}


def _submitted_versions(call: Call) -> list[ProposalVersion]:
    """Return the latest version of each submitted proposal of ``call`` at its stage, with its proposal (1 query)."""
    latest = (
        ProposalVersion.objects.filter(proposal=OuterRef("proposal"), kind=OuterRef("kind"))
        .order_by("-number")
        .values("number")[:1]
    )
    # Each proposal's version of the stage it is in: an early stage's state serves every stage before the last.
    versions = list(
        ProposalVersion.objects.filter(
            proposal__state__in=SUBMITTED_STATES,
            kind=F("proposal__stage__kind"),
            proposal__call=call,
            number=Subquery(latest),
        )
        .select_related("proposal")
        .order_by("proposal__title", "proposal_id")
    )
    for version in versions:
        proposal = version.proposal
        proposal.call = call
        # What ``rules_in_force`` would read of its versions, read here already.
        proposal.versions_rules = {  # type: ignore[attr-defined]
            version.kind: (version.number, version.data.get("schema"), version.data.get("rules"))
        }
    return versions


def _changes(versions: list[ProposalVersion], new_rules_by_stage: Mapping[str, Rules]) -> list[VerdictChange]:
    found = []
    for version in versions:
        proposal, stage = version.proposal, version.kind
        new = new_rules_by_stage.get(stage)
        if new is None:
            continue
        in_force = proposal.rules_in_force(stage).rules
        if not rules_differences(before=in_force, after=new):
            continue
        application = version_application(data=version.data, kind=stage)
        before = outcomes(application, in_force, stage=stage)
        after = outcomes(application, new, stage=stage)
        changed = _changed_codes(before, after)
        if not changed:
            continue
        explained = {check.code: check for check in checks(application, new, stage=stage)}
        gone = (
            {check.code: check for check in checks(application, in_force, stage=stage)}
            if set(before) - set(after)
            else {}
        )
        for code in changed:
            found.append(_verdict_change(proposal, stage, code, before, after, explained, gone))
    return found


def _changed_codes(before: Mapping[str, bool], after: Mapping[str, bool]) -> list[str]:
    """Return the checks whose verdict differs, in order: a check that is not there passes (nothing fails by it).

    So a rule added that fails, or a failing rule removed, changes a verdict; one added that passes does not.
    """
    codes = [*after, *(code for code in before if code not in after)]
    return [code for code in codes if before.get(code, True) != after.get(code, True)]


def _verdict_change(
    proposal: Proposal,
    stage: str,
    code: str,
    before: Mapping[str, bool],
    after: Mapping[str, bool],
    explained: Mapping[str, Check],
    gone: Mapping[str, Check],
) -> VerdictChange:
    if code in explained:
        check = explained[code]
        return VerdictChange(proposal, stage, code, check.label, before.get(code, True), after[code], check.message)
    check = gone[code]
    message = _("The rule is removed: %(message)s") % {"message": check.message}
    return VerdictChange(proposal, stage, code, check.label, before[code], True, message)


def call_rules_change_preview(*, call: Call, new_rules_by_stage: Mapping[str, Rules]) -> list[VerdictChange]:
    """Return each check of ``call``'s submitted proposals whose verdict ``new_rules_by_stage`` would change.

    Each proposal is judged on what it submitted (its latest version of its stage), before
    under the rules it is checked against now (frozen, or applied by staff), after under the
    new rules of its stage. One query, whatever the number of proposals.
    """
    return _changes(_submitted_versions(call), new_rules_by_stage)


# --- Saving a call's rules --------------------------------------------------------------------


def _require_staff_of(user: User, program_id: int) -> None:
    if not role_rules.holds(user, Role.STAFF, program_id):
        raise ActionForbidden(_("Only the program's staff can manage its calls."))


def _stale_call() -> StaleAction:
    return StaleAction(
        _(
            "Somebody else saved this %(thing)s while you were editing it. Your changes are not saved yet: "
            "review them against the current version and save again."
        )
        % {"thing": Call._meta.verbose_name}
    )


@dataclass(frozen=True)
class RulesChange:
    """A change of a call's rules about to be saved: what it changes for the submitted proposals, and why."""

    before: Mapping[str, Rules]
    after: Mapping[str, Rules]
    reason: str
    #: The latest versions of the submitted proposals at the stages whose rules change.
    versions: list[ProposalVersion]
    verdicts: list[VerdictChange]


def call_rules_change_prepare(*, call: Call, after: Mapping[str, Rules], reason: str = "") -> RulesChange:
    """Weigh changing ``call``'s rules to ``after`` (by stage) before saving it, in the saving transaction.

    Refuse (a ``ValidationError`` on ``reason``) without a reason when the verdict of a check
    of a submitted proposal would change. ``call`` still holds its rules before the change.
    """
    reason = (reason or "").strip()
    before = call_rules_by_stage(call=call)
    changed = {stage for stage in RULE_STAGES if rules_differences(before=before[stage], after=after[stage])}
    versions = [version for version in _submitted_versions(call) if version.kind in changed] if changed else []
    verdicts = _changes(versions, after)
    if verdicts and not reason:
        raise ValidationError(
            {"reason": _("Give the reason for the change: it changes the verdicts of submitted proposals.")}
        )
    return RulesChange(before=before, after=after, reason=reason, versions=versions, verdicts=verdicts)


def call_rules_change_audit(*, change: RulesChange, by: User) -> None:
    """Record on each submitted proposal the change touches that its call's rules changed, and why (1 query).

    Each record holds the stage's rules before and after, the reason, and the checks whose verdict
    the new rules would change; the proposals keep their frozen rules.
    """
    verdicts: dict[int, list[dict[str, Any]]] = {}
    for item in change.verdicts:
        verdicts.setdefault(item.proposal.pk, []).append(
            {"check": item.code, "before": item.before, "after": item.after}
        )
    now = timezone.now()
    AuditRecord.objects.bulk_create(
        AuditRecord(
            proposal=version.proposal,
            action=CALL_RULES_CHANGE,
            from_state=version.proposal.state,
            to_state=version.proposal.state,
            actor=by,
            at=now,
            reason=change.reason,
            data={
                "stage": version.kind,
                "before": rules_to_data(change.before[version.kind]),
                "after": rules_to_data(change.after[version.kind]),
                "verdicts": verdicts.get(version.proposal.pk, []),
            },
        )
        for version in change.versions
    )
    if change.versions:
        logger.info(
            "Rules of call %s changed by user %s; %d submitted proposals keep their frozen rules",
            change.versions[0].proposal.call_id, by.pk, len(change.versions),
        )  # fmt: skip


def call_edit_save(*, call: Call, by: User, expected_updated_at: datetime, **fields: Any) -> Call:
    """Change ``call`` (its texts, windows, envelope) unless somebody saved it first; its rules are rows.

    A call's rules are changed on its rules page (``intake.services.rule_rows``), previewed and audited there.
    """
    _require_staff_of(by, call.program_id)
    with transaction.atomic():
        current = Call.objects.select_for_update().get(pk=call.pk)
        if current.updated_at != expected_updated_at:
            raise _stale_call()
        for name, value in fields.items():
            setattr(current, name, value)
        current.full_clean()
        current.save()
    return current


# --- Applying the call's current rules to one submitted proposal -------------------------------


@dataclass(frozen=True)
class RulesComparison:
    """A proposal's rules in force beside the call's current rules at its stage, and what applying them changes."""

    stage: str
    in_force: RulesInForce
    current: Rules
    differences: list[RuleDifference]
    verdicts: list[VerdictChange]
    #: Whether staff may apply the call's current rules: a submitted proposal's frozen (or applied) rules differ.
    applicable: bool


def proposal_rules_comparison(*, proposal: Proposal) -> RulesComparison:
    """Compare the rules ``proposal`` (fetched for staff) is checked against with the call's current ones.

    The verdicts are decided on what the applicant entered, as the eligibility page decides them.
    """
    stage = proposal.eligibility_stage()
    in_force = proposal.rules_in_force(stage)
    current = proposal.call.eligibility_rules(stage)
    differences = rules_differences(before=in_force.rules, after=current)
    verdicts: list[VerdictChange] = []
    if differences:
        application = proposal.eligibility_application(stage)
        before = outcomes(application, in_force.rules, stage=stage)
        after = outcomes(application, current, stage=stage)
        changed = _changed_codes(before, after)
        if changed:
            explained = {check.code: check for check in checks(application, current, stage=stage)}
            gone = {check.code: check for check in checks(application, in_force.rules, stage=stage)}
            verdicts = [_verdict_change(proposal, stage, code, before, after, explained, gone) for code in changed]
    applicable = proposal.state in SUBMITTED_STATES and in_force.source != CALL and bool(differences)
    return RulesComparison(stage, in_force, current, differences, verdicts, applicable)


def proposal_call_rules_apply(
    *, proposal: Proposal, by: User, reason: str, expected_call_updated_at: datetime, expected_version: int
) -> Proposal:
    """Check ``proposal`` against its call's current rules from now on, in place of its frozen ones (audited).

    Refuse (``StaleAction``, nothing written) if the call was saved since ``expected_call_updated_at``
    or the proposal's latest version is no longer ``expected_version``: staff apply exactly the
    rules they were shown, to the version they were shown. A new submission freezes the rules
    anew and so ends what this applied.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for applying the call's current rules.")})
    with transaction.atomic():
        locked = Proposal.objects.select_for_update(of=("self",)).get(pk=proposal.pk)
        call = Call.objects.select_for_update().get(pk=locked.call_id)
        locked.call = call
        _require_staff_of(by, call.program_id)
        if call.updated_at != expected_call_updated_at:
            raise StaleAction(
                _(
                    "Somebody changed the call since you loaded this page: "
                    "review its current rules and apply them again."
                )
            )
        if locked.state not in SUBMITTED_STATES:
            raise StaleAction(
                _("This proposal is now “%(state)s”: there are no frozen rules to replace. Nothing was changed.")
                % {"state": locked.get_state_display()}
            )
        stage = locked.eligibility_stage()
        in_force = locked.rules_in_force(stage)
        current = call.eligibility_rules(stage)
        if in_force.source != CALL and in_force.version != expected_version:
            raise StaleAction(
                _("A new version of this proposal was submitted since you loaded this page. Nothing was changed.")
            )
        if in_force.source == CALL or not rules_differences(before=in_force.rules, after=current):
            raise StaleAction(_("The call's current rules already apply to this proposal. Nothing was changed."))
        now = timezone.now()
        locked.rules_applied, locked.rules_applied_version, locked.rules_applied_at = (
            rules_to_data(current),
            in_force.version,
            now,
        )
        locked.save(update_fields=["rules_applied", "rules_applied_version", "rules_applied_at"])
        AuditRecord.objects.create(
            proposal=locked, action=APPLY_CALL_RULES, from_state=locked.state, to_state=locked.state, actor=by,
            at=now, reason=reason,
            data={"stage": stage, "version": in_force.version, "before": rules_to_data(in_force.rules),
                  "after": rules_to_data(current)},
        )  # fmt: skip
    logger.info("Call's current rules applied to proposal %s by user %s", locked.pk, by.pk)
    return locked


# --- Showing rules ------------------------------------------------------------------------------


def rules_differences(*, before: Rules, after: Rules) -> list[RuleDifference]:
    """Return each rule added, removed or changed between ``before`` and ``after``, in words in the active language.

    The one test of whether rules differ. It compares the rules of one stage (``Rules.at``): a
    rule's other stages do not count, the same rules in another order do not differ, and lists
    of types differ by their members, not their order. A rule of the same row (or, for
    rules frozen before rows had ids, of the same kind) on both sides is one change.
    """
    old, new = list(before), []
    for rule in after:
        # Each rule on one side matches at most one on the other: two equal rules added to one are one change.
        twin = next((other for other in old if _same(rule, other)), None)
        if twin is None:
            new.append(rule)
        else:
            old.remove(twin)
    found = []
    for rule in new:
        partner = next((o for o in old if rule.id is not None and o.id == rule.id), None) or next(
            (o for o in old if o.kind == rule.kind and (o.id is None or rule.id is None)), None
        )
        if partner is not None:
            old.remove(partner)
        found.append(
            RuleDifference(
                rule.kind, rule_label(rule), _shown(partner) if partner is not None else _("none"), _shown(rule)
            )
        )
    found += [RuleDifference(rule.kind, rule_label(rule), _shown(rule), _("none")) for rule in old]
    return found


def _same(one: Rule, other: Rule) -> bool:
    return _normal(one) == _normal(other)


def _normal(rule: Rule) -> tuple[str, str]:
    params = {
        name: sorted(value) if isinstance(value, list) and all(isinstance(item, str) for item in value) else value
        for name, value in params_to_data(rule.params).items()
    }
    return (rule.kind, json.dumps(params, sort_keys=True))


def _shown(rule: Rule) -> str:
    return _("%(rule)s (%(stages)s)") % {"rule": describe(rule), "stages": stages_label(rule.stages)}
