"""Changing a call's rules after submissions: the preview, the reason, the audit; applying the rules to a proposal.

A call's rules are rows: a change edits a row through ``intake.services.rule_rows.call_rules_edit`` (what
the rules page calls), given here by kind and the parameters that change (``cluster_share={"max": "35"}``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import ActionForbidden, StaleAction
from accounts.models import User
from intake.eligibility import CLUSTER_SHARE, MIN_PARTNERS, WORD_LIMITS, Rules, params_from_data
from intake.models import Call, CallRule, Proposal
from intake.models.rules_in_force import APPLIED, FROZEN
from intake.services.call_rules import (
    APPLY_CALL_RULES,
    CALL_RULES_CHANGE,
    call_rules_by_stage,
    call_rules_change_preview,
    proposal_call_rules_apply,
    proposal_rules_comparison,
)
from intake.services.rule_rows import RuleEdit, call_rules_edit
from intake.states import ProposalState
from records.models import AuditRecord
from tests.factories import CallFactory, ProgramFactory, ProposalFactory, UserFactory
from tests.intake.test_versions import invited_application
from workflow.actions import proposal_submit_application, proposal_submit_loi

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def call() -> Call:
    return Call.objects.get(pk=CallFactory().pk)


@pytest.fixture
def staff(call: Call) -> User:
    return cast(User, UserFactory(role=Role.STAFF))


def _submitted(call: Call, *, state: str = ProposalState.SUBMITTED, **fields: Any) -> Proposal:
    """A full application at 40\xa0% of its costs (the call's maximum), submitted, then moved to ``state``."""
    lead = cast(User, UserFactory(role=Role.APPLICANT))
    proposal = proposal_submit_application(proposal=invited_application(lead, call=call, **fields), by=lead)
    if state != ProposalState.SUBMITTED:
        Proposal.objects.filter(pk=proposal.pk).update(state=state)
    return Proposal.objects.select_related("call").get(pk=proposal.pk)


def _row(call: Call, kind: str, stage: str = "application") -> CallRule:
    """Return ``call``'s first rule row of ``kind`` that applies at ``stage``, read afresh."""
    rows = CallRule.objects.filter(call=call, kind=kind).order_by("position", "pk")
    return next(row for row in rows if stage in row.stages)


def _rules(call: Call, stage: str = "application", **params_by_kind: dict[str, Any]) -> dict[str, Rules]:
    """Return ``call``'s rules by stage with the first row of each kind at ``stage`` given new parameters."""
    changed = {
        _row(call, kind, stage).pk: {**_row(call, kind, stage).params, **p} for kind, p in params_by_kind.items()
    }
    rows = CallRule.objects.filter(call=call).order_by("position", "pk")
    rules = [
        row.as_rule()
        if row.pk not in changed
        else replace(row.as_rule(), params=params_from_data(row.kind, changed[row.pk]))
        for row in rows
    ]
    return call_rules_by_stage(call=call, rules=Rules(tuple(rules)))


def _edit(call: Call, kind: str, stage: str = "application", **params: Any) -> RuleEdit:
    row = _row(call, kind, stage)
    return RuleEdit("edit", rule_id=row.pk, kind=kind, params={**row.params, **params}, stages=row.stages)


def _save(call: Call, by: User, reason: str = "", **params_by_kind: dict[str, Any]) -> Call:
    """Edit each kind's first row of the full application as staff do on the rules page, one save each."""
    for kind, params in params_by_kind.items():
        current = Call.objects.get(pk=call.pk)
        call_rules_edit(
            call=current,
            by=by,
            edit=_edit(current, kind, **params),
            expected_updated_at=current.updated_at,
            reason=reason,
        )
    return Call.objects.get(pk=call.pk)


def _share(call: Call) -> Decimal:
    """The call's maximum cluster share at the full application, as its row holds it."""
    return Decimal(_row(call, "cluster_share").params["max"])


def _proposal_records() -> Any:
    """The audit records of a change of rules on the proposals (the call's own record aside)."""
    return AuditRecord.objects.filter(action=CALL_RULES_CHANGE, proposal__isnull=False)


def _row_params(data: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    [row] = [row for row in data if row["kind"] == kind]
    return row["params"]


# --- The preview --------------------------------------------------------------------------------


def test_preview_names_each_submitted_proposal_whose_verdict_would_change(call: Call) -> None:
    at_limit = _submitted(call, title="At the limit")
    _submitted(call, state=ProposalState.BOARD_REVIEW, title="Before the board")

    preview = call_rules_change_preview(call=call, new_rules_by_stage=_rules(call, cluster_share={"max": "39.99"}))

    assert [(change.proposal.title, change.code, change.before, change.after) for change in preview] == [
        ("At the limit", CLUSTER_SHARE, True, False),
        ("Before the board", CLUSTER_SHARE, True, False),
    ]
    assert preview[0].proposal == at_limit
    assert preview[0].message == (
        "The cluster funds $1,200,000.00 of $3,000,000.00 of eligible costs: 40.00\xa0%, above 39.99\xa0%"
    )


def test_preview_leaves_out_editable_decided_and_unaffected_proposals(call: Call) -> None:
    _submitted(call, state=ProposalState.CHANGES_REQUESTED)
    _submitted(call, state=ProposalState.APPROVED)
    _submitted(call, state=ProposalState.WITHDRAWN)

    unaffected = call_rules_change_preview(call=call, new_rules_by_stage=_rules(call, cluster_share={"max": "41"}))
    affected = call_rules_change_preview(call=call, new_rules_by_stage=_rules(call, cluster_share={"max": "30"}))

    assert (unaffected, affected) == ([], [])


def test_preview_at_the_letter_of_intent_holds_its_word_limit(call: Call) -> None:
    lead = cast(User, UserFactory(role=Role.APPLICANT))
    letter = proposal_submit_loi(
        proposal=ProposalFactory(call=call, lead_applicant=lead, challenge="Downtime costs every plant."), by=lead
    )
    _submitted(call)

    preview = call_rules_change_preview(call=call, new_rules_by_stage=_rules(call, "loi", word_limit={"words": 4}))

    assert [(change.proposal.pk, change.stage, change.code) for change in preview] == [(letter.pk, "loi", WORD_LIMITS)]


def test_preview_compares_with_the_rules_staff_applied(call: Call, staff: User) -> None:
    proposal = _submitted(call)
    _save(call, staff, reason="Tighter share.", cluster_share={"max": "35"})
    _apply(proposal, staff)

    back_to_forty = call_rules_change_preview(
        call=Call.objects.get(pk=call.pk), new_rules_by_stage=_rules(call, cluster_share={"max": "40"})
    )

    assert [(change.code, change.before, change.after) for change in back_to_forty] == [(CLUSTER_SHARE, False, True)]


@pytest.mark.parametrize("count", [1, 6])
def test_preview_reads_the_versions_in_one_query(call: Call, count: int) -> None:
    for _ in range(count):
        _submitted(call)
    new_rules = _rules(call, cluster_share={"max": "30"}, min_partners={"count": 4})

    with CaptureQueriesContext(connection) as captured:
        preview = call_rules_change_preview(call=call, new_rules_by_stage=new_rules)

    assert len(preview) == 2 * count
    assert len(captured) == 1


# --- Saving a change of rules -------------------------------------------------------------------


def test_save_without_submitted_proposals_needs_no_reason_and_audits_nothing(call: Call, staff: User) -> None:
    ProposalFactory(call=call)

    saved = _save(call, staff, cluster_share={"max": "30"})

    assert _share(saved) == Decimal("30")
    assert not AuditRecord.objects.filter(action=CALL_RULES_CHANGE).exists()


def test_save_changing_no_verdict_needs_no_reason_but_is_audited(call: Call, staff: User) -> None:
    proposal = _submitted(call)

    _save(call, staff, cluster_share={"max": "45"})

    record = _proposal_records().get()
    assert (record.proposal_id, record.reason, record.data["verdicts"]) == (proposal.pk, "", [])
    before, after = (
        _row_params(record.data["before"], "cluster_share"),
        _row_params(record.data["after"], "cluster_share"),
    )
    assert (before["max"], after["max"]) == ("40.00", "45")
    on_call = AuditRecord.objects.get(action=CALL_RULES_CHANGE, call=call)
    assert (on_call.actor, on_call.reason, on_call.data["verdicts"]) == (staff, "", [])


def test_save_of_the_same_types_in_another_order_changes_no_rule(call: Call, staff: User) -> None:
    _submitted(call)
    types = _row(call, "funded_types").params["types"]

    _save(call, staff, funded_types={"types": list(reversed(types))})

    assert len(types) == 2
    assert not AuditRecord.objects.filter(action=CALL_RULES_CHANGE).exists()


def test_save_changing_a_verdict_without_a_reason_saves_nothing(call: Call, staff: User) -> None:
    _submitted(call)

    with pytest.raises(ValidationError) as refused:
        _save(call, staff, reason="  ", cluster_share={"max": "30"})

    assert refused.value.message_dict == {
        "reason": ["Give the reason for the change: it changes the verdicts of submitted proposals."]
    }
    assert _share(call) == Decimal("40.00")
    assert not AuditRecord.objects.filter(action=CALL_RULES_CHANGE).exists()


def test_save_changing_a_verdict_audits_each_submitted_proposal_with_the_reason(call: Call, staff: User) -> None:
    affected, other = _submitted(call), _submitted(call, state=ProposalState.IN_ASSESSMENT)
    Proposal.objects.filter(pk=other.pk).update(title="Zed")

    # The minimum of SMEs is saved unchanged: it records nothing on the proposals.
    _save(
        call,
        staff,
        reason="The board lowered the share.",
        cluster_share={"max": "30"},
        min_partners_of_types={"count": 1},
    )

    records = _proposal_records().order_by("proposal_id")
    assert [(r.proposal_id, r.actor, r.reason, r.from_state, r.to_state) for r in records] == [
        (affected.pk, staff, "The board lowered the share.", "submitted", "submitted"),
        (other.pk, staff, "The board lowered the share.", "in_assessment", "in_assessment"),
    ]
    assert records[0].data["verdicts"] == [{"check": CLUSTER_SHARE, "before": True, "after": False}]
    assert records[0].data["stage"] == "application"


def test_save_stale_is_refused(call: Call, staff: User) -> None:
    current = Call.objects.get(pk=call.pk)
    Call.objects.filter(pk=call.pk).update(updated_at=timezone.now())

    with pytest.raises(StaleAction):
        call_rules_edit(
            call=current,
            by=staff,
            edit=_edit(current, "cluster_share", max="30"),
            expected_updated_at=current.updated_at,
            reason="Lower.",
        )

    assert _share(call) == Decimal("40.00")


def test_save_by_another_programs_staff_is_forbidden(call: Call) -> None:
    outsider = cast(User, UserFactory(role=Role.STAFF, programs=[ProgramFactory()]))

    with pytest.raises(ActionForbidden):
        _save(call, outsider, cluster_share={"max": "30"})

    assert _share(call) == Decimal("40.00")


# --- Applying the call's current rules ----------------------------------------------------------


def _apply(proposal: Proposal, by: User, *, reason: str = "The new share applies.", **expected: Any) -> Proposal:
    call = Call.objects.get(pk=proposal.call_id)
    loaded: datetime = expected.get("loaded", call.updated_at)
    return proposal_call_rules_apply(
        proposal=proposal,
        by=by,
        reason=reason,
        expected_call_updated_at=loaded,
        expected_version=expected.get("version", 1),
    )


def test_apply_records_the_calls_rules_on_the_proposal_and_audits(call: Call, staff: User) -> None:
    proposal = _submitted(call)
    _save(call, staff, reason="Tighter share.", cluster_share={"max": "35"})

    applied = _apply(proposal, staff)

    record = AuditRecord.objects.get(action=APPLY_CALL_RULES)
    assert (applied.rules_applied_version, _row_params(applied.rules_applied, "cluster_share")["max"]) == (1, "35")
    assert applied.rules_in_force("application").source == APPLIED
    assert (record.proposal_id, record.actor, record.reason) == (proposal.pk, staff, "The new share applies.")
    before, after = (
        _row_params(record.data["before"], "cluster_share"),
        _row_params(record.data["after"], "cluster_share"),
    )
    assert (before["max"], after["max"]) == ("40.00", "35")


def test_apply_needs_a_reason(call: Call, staff: User) -> None:
    proposal = _submitted(call)
    _save(call, staff, reason="Tighter share.", cluster_share={"max": "35"})

    with pytest.raises(ValidationError):
        _apply(proposal, staff, reason=" ")

    assert Proposal.objects.get(pk=proposal.pk).rules_in_force("application").source == FROZEN


def test_apply_after_the_call_changed_again_is_stale(call: Call, staff: User) -> None:
    proposal = _submitted(call)
    _save(call, staff, reason="Tighter share.", cluster_share={"max": "35"})
    seen = Call.objects.get(pk=call.pk).updated_at
    _save(call, staff, reason="Tighter still.", cluster_share={"max": "30"})

    with pytest.raises(StaleAction, match="Somebody changed the call since you loaded this page"):
        _apply(proposal, staff, loaded=seen)

    assert Proposal.objects.get(pk=proposal.pk).rules_applied is None


def test_apply_to_another_version_than_shown_is_stale(call: Call, staff: User) -> None:
    proposal = _submitted(call)
    _save(call, staff, reason="Tighter share.", cluster_share={"max": "35"})

    with pytest.raises(StaleAction, match="A new version of this proposal was submitted"):
        _apply(proposal, staff, version=2)


def test_apply_twice_is_stale(call: Call, staff: User) -> None:
    proposal = _submitted(call)
    _save(call, staff, reason="Tighter share.", cluster_share={"max": "35"})
    _apply(proposal, staff)

    with pytest.raises(StaleAction, match="already apply"):
        _apply(proposal, staff)

    assert AuditRecord.objects.filter(action=APPLY_CALL_RULES).count() == 1


def test_apply_to_an_editable_proposal_is_stale(call: Call, staff: User) -> None:
    proposal = _submitted(call, state=ProposalState.CHANGES_REQUESTED)
    _save(call, staff, cluster_share={"max": "35"})

    with pytest.raises(StaleAction, match="there are no frozen rules to replace"):
        _apply(proposal, staff)


def test_apply_by_another_programs_staff_is_forbidden(call: Call, staff: User) -> None:
    proposal = _submitted(call)
    _save(call, staff, reason="Tighter share.", cluster_share={"max": "35"})
    outsider = cast(User, UserFactory(role=Role.STAFF, programs=[ProgramFactory()]))

    with pytest.raises(ActionForbidden):
        _apply(proposal, outsider)

    assert Proposal.objects.get(pk=proposal.pk).rules_applied is None


def test_comparison_lists_the_rules_that_differ_and_the_verdicts_they_change(call: Call, staff: User) -> None:
    proposal = _submitted(call)
    _save(call, staff, reason="Tighter.", cluster_share={"max": "35"}, min_partners={"count": 4})

    comparison = proposal_rules_comparison(proposal=Proposal.objects.select_related("call").get(pk=proposal.pk))

    assert [(d.name, d.label, d.before, d.after) for d in comparison.differences] == [
        (
            "min_partners",
            "Minimum partners",
            "at least 3 organizations (Full application)",
            "at least 4 organizations (Full application)",
        ),
        (
            "cluster_share",
            "Cluster share of eligible costs",
            "at most 40.00\xa0% (Full application)",
            "at most 35.00\xa0% (Full application)",
        ),
    ]
    assert [(v.code, v.before, v.after) for v in comparison.verdicts] == [
        (MIN_PARTNERS, True, False),
        (CLUSTER_SHARE, True, False),
    ]
    assert comparison.applicable is True


def test_a_calls_rules_are_built_once_for_the_rows_read_and_again_once_forgotten(call: Call) -> None:
    """A list checks every row against the same call: its rules are built once, until the rows are read again."""
    call.rules_forget()
    first = call.eligibility_rules("application")
    assert call.eligibility_rules("application") is first
    assert call.all_rules().at("application") == first
    with CaptureQueriesContext(connection) as captured:
        call.eligibility_rules("loi")
    assert len(captured) == 0
    row = CallRule.objects.filter(call=call, kind=MIN_PARTNERS).get()
    row.params = {**row.params, "count": 7}
    row.save()
    assert call.eligibility_rules("application") is first  # the rows read are kept, as a prefetch is
    call.rules_forget()
    again = call.eligibility_rules("application")
    assert again is not first
    rule = again.first(MIN_PARTNERS)
    assert rule is not None
    assert int(rule.param("count")) == 7
