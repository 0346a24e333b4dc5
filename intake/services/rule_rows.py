"""Writing a call's rule rows: a new call's defaults, and staff adding, editing, removing and reordering them.

Only this module writes ``CallRule`` rows. A staff change of a call with submitted proposals
goes through ``intake.services.call_rules``: it is previewed (which proposals' verdicts it would
change), needs a reason when verdicts change, and is audited on the call and on each submitted
proposal of the stages whose rules change; the proposals keep their frozen rules. Each change
locks the call and refuses (``StaleAction``) if somebody saved the call since the page was
loaded (``expected_updated_at``), as the stages page does. See docs/rules.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import OrganizationType, Role
from accounts.errors import ActionForbidden, StaleAction
from accounts.models import User
from intake import program_roles as role_rules
from intake.choices import STAGE_ORDER, VersionKind
from intake.eligibility import Rule, Rules, legacy_rows, params_from_data, params_to_data, rules_to_data
from intake.models import Call, CallRule
from intake.services.call_rules import (
    RulesChange,
    VerdictChange,
    call_rules_change_audit,
    call_rules_change_prepare,
    call_rules_change_preview,
    rules_differences,
)
from records.models import AuditRecord

#: The audit record's action on the call for a change of its rules.
CALL_RULES_CHANGED = "call_rules_change"

#: The rules a call had by default when they were its fields, in their former names.
FORMER_DEFAULTS: dict[str, Any] = {
    "min_partners": 3,
    "min_smes": 1,
    "sme_max_employees": 500,
    "funded_partner_types": [OrganizationType.LARGE_COMPANY.value, OrganizationType.SME.value],
    "max_cluster_share": Decimal("40.00"),
    "min_matching_ratio": Decimal("1.00"),
    "max_in_kind_share": Decimal("25.00"),
    "max_partner_share": Decimal("70.00"),
    "min_project_size": Decimal("1000000.00"),
    "max_project_size": Decimal("50000000.00"),
    "loi_word_limit": 500,
    "application_word_limit": 2000,
    "required_attachments": [],
}
#: Companies: the partner types whose money counts as industry's in a new call.
COMPANIES = [OrganizationType.LARGE_COMPANY.value, OrganizationType.SME.value]


def rules_from_fields(*, industry_types: Sequence[str] | None = None, **fields: Any) -> list[Rule]:
    """Return the rows equivalent to the rule fields calls had (``FORMER_DEFAULTS`` for those not given).

    The letter of intent's word limit applies at the letter of intent, the application's at the
    other stages, the rest at the full application. ``industry_types`` None counts every partner's
    money as industry's, as the fields did.
    """
    unknown = set(fields) - set(FORMER_DEFAULTS)
    if unknown:
        raise TypeError(f"not a former rule field: {sorted(unknown)}")
    values = {**FORMER_DEFAULTS, **fields}
    limits = {
        str(stage): values["loi_word_limit"] if stage == VersionKind.LOI else values["application_word_limit"]
        for stage in STAGE_ORDER
    }
    rows = legacy_rows(values, word_limits=limits)
    found = []
    for position, (kind, params, stages) in enumerate(rows, start=1):
        if kind == "industry_types" and industry_types is not None:
            params = {"types": list(industry_types)}
        found.append(Rule(kind, params_from_data(kind, params), stages, None, position))
    return found


def default_rules() -> list[Rule]:
    """Return a new call's rules: the former defaults, with companies' money counting as industry's."""
    return rules_from_fields(industry_types=COMPANIES)


def call_rules_write(*, call: Call, rules: Sequence[Rule]) -> list[CallRule]:
    """Replace ``call``'s rule rows by ``rules``, in order, each checked (``ValidationError``; nothing written).

    For a new call, the demo and the benchmarks: staff change rules through the use cases below.
    """
    rows = [
        CallRule(
            call=call, kind=rule.kind, params=params_to_data(rule.params), stages=list(rule.stages), position=position
        )
        for position, rule in enumerate(rules, start=1)
    ]
    for row in rows:
        row.full_clean(exclude=["call"])
    with transaction.atomic():
        CallRule.objects.filter(call=call).delete()
        CallRule.objects.bulk_create(rows)
    call.rules_forget()
    return rows


# --- Staff's changes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleEdit:
    """One change staff make to a call's rules: add or edit (``kind``, ``params``, ``stages``), remove, move.

    ``rule_id`` names the row edited, removed or moved; ``params`` are JSON (Decimals as strings).
    """

    action: str  # "add", "edit", "remove" or "move"
    rule_id: int | None = None
    kind: str = ""
    params: Mapping[str, Any] | None = None
    stages: Sequence[str] = ()
    #: For "move": -1 up, +1 down.
    step: int = 0


def _require_staff_of(user: User, program_id: int) -> None:
    if not role_rules.holds(user, Role.STAFF, program_id):
        raise ActionForbidden(_("Only the program's staff can manage its calls."))


def _row(rows: list[CallRule], rule_id: int | None) -> CallRule:
    found = next((row for row in rows if row.pk == rule_id), None)
    if found is None:
        raise StaleAction(_("This rule was removed from the call since you loaded the page. Nothing was changed."))
    return found


def _checked(edit: RuleEdit, call: Call) -> CallRule:
    """Return the row ``edit`` adds or edits, unsaved, refused by field (``ValidationError``) when it cannot be."""
    row = CallRule(call=call, kind=edit.kind, params=dict(edit.params or {}), stages=list(edit.stages))
    row.full_clean(exclude=["call", "position"])
    row.params = params_to_data(params_from_data(row.kind, row.params))  # Decimals kept exactly as typed
    row.stages = [stage for stage in STAGE_ORDER if stage in row.stages]
    return row


def rules_after(*, call: Call, edit: RuleEdit) -> list[CallRule]:
    """Return ``call``'s rows as ``edit`` would leave them, in order, none saved (``ValidationError`` if refused)."""
    rows = list(call.rule_rows())
    if edit.action == "add":
        rows.append(_checked(edit, call))
    elif edit.action == "edit":
        current = _row(rows, edit.rule_id)
        changed = _checked(edit, call)
        changed.pk, changed.position, changed.created_at = current.pk, current.position, current.created_at
        rows[rows.index(current)] = changed
    elif edit.action == "remove":
        rows.remove(_row(rows, edit.rule_id))
    elif edit.action == "move":
        current = _row(rows, edit.rule_id)
        index = rows.index(current)
        target = min(max(index + edit.step, 0), len(rows) - 1)
        rows.insert(target, rows.pop(index))
    else:
        raise ValueError(edit.action)
    return rows


def _by_stage(rows: Sequence[CallRule]) -> dict[str, Rules]:
    rules = Rules(tuple(row.as_rule() for row in rows))
    return {stage: rules.at(stage) for stage in STAGE_ORDER}


def call_rules_edit_preview(*, call: Call, edit: RuleEdit) -> list[VerdictChange]:
    """Return the checks of ``call``'s submitted proposals whose verdict ``edit`` would change (nothing saved)."""
    return call_rules_change_preview(call=call, new_rules_by_stage=_by_stage(rules_after(call=call, edit=edit)))


def call_rules_edit(
    *, call: Call, by: User, edit: RuleEdit, expected_updated_at: datetime | None, reason: str = ""
) -> RulesChange:
    """Make ``edit`` to ``call``'s rules, or refuse with nothing written.

    Refused: by anyone but the program's staff (``ActionForbidden``); when somebody saved the
    call since ``expected_updated_at`` (``StaleAction``); bad parameters, by field, or no reason
    when the change would change a verdict of a submitted proposal (``ValidationError``).
    Saved: the rows, the call's ``updated_at``, an audit record on the call (once proposals were
    submitted) and one on each submitted proposal of the stages whose rules changed.
    """
    _require_staff_of(by, call.program_id)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if expected_updated_at is not None and locked.updated_at != expected_updated_at:
            raise StaleAction(
                _(
                    "Somebody else changed this call while you were editing its rules. Nothing was saved: "
                    "review the current rules and make your change again."
                )
            )
        rows = rules_after(call=locked, edit=edit)
        before_all = locked.all_rules()
        change = call_rules_change_prepare(call=locked, after=_by_stage(rows), reason=reason)
        _write(locked, rows)
        locked.save(update_fields=["updated_at"])
        locked.rules_forget()
        after_all = locked.all_rules()
        submitted = locked.proposals.filter(version_count__gt=0).exists()
        # An edit that leaves the rule as it was (the same types in another order, say) changes nothing to audit.
        unchanged = edit.action == "edit" and not any(
            rules_differences(before=change.before[stage], after=change.after[stage]) for stage in STAGE_ORDER
        )
        if submitted and not unchanged:
            AuditRecord.objects.create(
                call=locked,
                action=CALL_RULES_CHANGED,
                actor=by,
                at=timezone.now(),
                reason=change.reason,
                data={
                    "edit": edit.action,
                    "before": rules_to_data(before_all),
                    "after": rules_to_data(after_all),
                    "verdicts": [
                        {"proposal": item.proposal.pk, "check": item.code, "before": item.before, "after": item.after}
                        for item in change.verdicts
                    ],
                },
            )
        if change.versions:
            saved = _by_stage(list(locked.rule_rows()))
            change = RulesChange(change.before, saved, change.reason, change.versions, change.verdicts)
        call_rules_change_audit(change=change, by=by)
    call.rules_forget()
    call.updated_at = locked.updated_at
    return change


def _write(call: Call, rows: list[CallRule]) -> None:
    """Save ``rows`` as ``call``'s, numbered in order; delete the rows no longer among them."""
    kept = [row.pk for row in rows if row.pk]
    CallRule.objects.filter(call=call).exclude(pk__in=kept).delete()
    for position, row in enumerate(rows, start=1):
        row.call, row.position = call, position
        row.save()
