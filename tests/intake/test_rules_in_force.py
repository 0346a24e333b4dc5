"""Which rules a proposal is checked against: the call's while editable, those frozen in its version once submitted."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.choices import Role
from accounts.models import User
from intake.choices import VersionKind
from intake.eligibility import CLUSTER_SHARE, WORD_LIMITS, Rules, codes, legacy_rules, rules_from_data, rules_to_data
from intake.models import Call, Proposal, ProposalVersion
from intake.models.rules_in_force import APPLIED, CALL, FROZEN, RulesInForce
from intake.selectors import proposal_rules, proposals_rules_prefetch
from intake.services.versions import SCHEMA
from intake.states import ProposalState
from tests.factories import CallFactory, ProposalFactory, UserFactory
from tests.factories.intake import call_rules_change
from tests.intake.test_versions import invited_application
from workflow.actions import proposal_request_changes, proposal_submit_application, proposal_submit_loi

pytestmark = pytest.mark.django_db

D45 = Decimal("45.00")

#: A version's rules as the first shape of the document kept them: the call's rule fields.
LEGACY_RULES = {
    "min_partners": 3,
    "min_smes": 1,
    "sme_max_employees": 500,
    "funded_partner_types": ["large_company", "sme"],
    "max_cluster_share": "45.00",
    "min_matching_ratio": "1.00",
    "max_in_kind_share": "25.00",
    "max_partner_share": "70.00",
    "min_project_size": "1000000.00",
    "max_project_size": "50000000.00",
    "loi_word_limit": 500,
    "application_word_limit": 2000,
    "required_attachments": ["project_plan"],
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def call() -> Call:
    return cast(Call, CallFactory())


@pytest.fixture
def lead(call: Call) -> User:
    return cast(User, UserFactory(role=Role.APPLICANT))


@pytest.fixture
def submitted(call: Call, lead: User) -> Proposal:
    """A full application asking the cluster for 40\xa0% of its costs, submitted while the call's maximum is 40\xa0%."""
    return proposal_submit_application(proposal=invited_application(lead, call=call), by=lead)


def _lower_share(call: Call, share: str = "35.00") -> None:
    call_rules_change(call, max_cluster_share=Decimal(share))
    Call.objects.filter(pk=call.pk).update(updated_at=timezone.now())


def _fresh(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_related("call").get(pk=proposal.pk)


def _param(rules: Rules, kind: str, name: str) -> Any:
    """Return the parameter ``name`` of the first rule of ``kind`` among ``rules``."""
    rule = rules.first(kind)
    assert rule is not None, kind
    return rule.param(name)


def _with(rules: Rules, kind: str, **params: Any) -> Rules:
    """Return ``rules`` with the first rule of ``kind`` given ``params`` (the others unchanged)."""
    rule = rules.first(kind)
    assert rule is not None, kind
    changed = replace(rule, params={**rule.params, **params})
    return Rules(tuple(changed if row is rule else row for row in rules))


def _share_passes(proposal: Proposal) -> bool:
    return next(check.passed for check in proposal.eligibility_checks() if check.code == CLUSTER_SHARE)


# --- Freezing at submission ---------------------------------------------------------------------


def test_version_freeze_keeps_the_rules_in_force_as_data(submitted: Proposal, call: Call) -> None:
    version = ProposalVersion.objects.get(proposal=submitted)

    assert version.data["schema"] == SCHEMA == 3
    assert version.data["rules"] == rules_to_data(Call.objects.get(pk=call.pk).eligibility_rules("application"))
    [share] = [row for row in version.data["rules"] if row["kind"] == "cluster_share"]
    assert share["params"]["max"] == "40.00"
    assert all(row["id"] for row in version.data["rules"])


def test_version_freeze_keeps_each_verdict_in_english(call: Call, lead: User) -> None:
    proposal = invited_application(lead, call=call)

    with translation.override("fr"):
        proposal_submit_application(proposal=proposal, by=lead)

    verdicts = ProposalVersion.objects.get(proposal=proposal).data["verdicts"]
    rules = Call.objects.get(pk=call.pk).eligibility_rules("application")
    assert [(verdict["code"], verdict["passed"]) for verdict in verdicts] == [
        (code, True) for code in codes(rules, stage="application")
    ]
    assert [verdict["code"] for verdict in verdicts][:4] == [
        "min_partners",
        "min_smes",
        "funded_types",
        "cluster_share",
    ]
    assert verdicts[3]["message"] == (
        "The cluster funds $1,200,000.00 of $3,000,000.00 of eligible costs: 40.00\xa0%, within 40.00\xa0%"
    )


def test_version_freeze_of_a_letter_keeps_its_word_limit_and_verdict(call: Call, lead: User) -> None:
    proposal = ProposalFactory(call=call, lead_applicant=lead)

    proposal_submit_loi(proposal=proposal, by=lead)

    data = ProposalVersion.objects.get(proposal=proposal).data
    assert [(row["kind"], row["params"], row["stages"]) for row in data["rules"]] == [
        ("word_limit", {"words": 500}, ["loi"])
    ]
    assert call.word_limit(VersionKind.LOI) == 500
    assert data["verdicts"] == [{"code": WORD_LIMITS, "passed": True, "message": "Every text is within 500 words"}]


# --- Deciding which rules apply ------------------------------------------------------------------


def test_rules_in_force_submitted_proposal_keeps_its_frozen_rules(submitted: Proposal, call: Call) -> None:
    _lower_share(call)

    proposal = _fresh(submitted)

    assert proposal_rules(proposal=proposal).source == FROZEN
    assert proposal_rules(proposal=proposal).version == 1
    assert _param(proposal.eligibility_rules(VersionKind.APPLICATION), "cluster_share", "max") == Decimal("40.00")
    assert _share_passes(proposal) is True
    assert proposal.eligibility_failures() == []


def test_rules_in_force_editable_proposal_reads_the_calls_current_rules(call: Call, lead: User) -> None:
    proposal = invited_application(lead, call=call)
    _lower_share(call)

    proposal = _fresh(proposal)

    assert proposal_rules(proposal=proposal).source == CALL
    assert _param(proposal.eligibility_rules(VersionKind.APPLICATION), "cluster_share", "max") == Decimal("35.00")
    assert _share_passes(proposal) is False


def test_rules_in_force_changes_requested_reads_the_calls_current_rules(submitted: Proposal, call: Call) -> None:
    staff = cast(User, UserFactory(role=Role.STAFF))
    proposal_request_changes(
        proposal=submitted, by=staff, message="Lower the request.", due_at=timezone.now() + timedelta(days=7)
    )
    _lower_share(call)

    proposal = _fresh(submitted)

    assert proposal_rules(proposal=proposal).source == CALL
    assert _share_passes(proposal) is False


def test_rules_in_force_resubmission_freezes_the_rules_anew(submitted: Proposal, call: Call, lead: User) -> None:
    staff = cast(User, UserFactory(role=Role.STAFF))
    Proposal.objects.filter(pk=submitted.pk).update(
        rules_applied=rules_to_data(_with(call.eligibility_rules("application"), "min_partners", count=9)),
        rules_applied_version=1,
        rules_applied_at=timezone.now(),
    )
    proposal_request_changes(
        proposal=submitted, by=staff, message="Lower the request.", due_at=timezone.now() + timedelta(days=7)
    )
    _lower_share(call, "45.00")

    proposal_submit_application(proposal=_fresh(submitted), by=lead)

    rules = proposal_rules(proposal=_fresh(submitted))
    assert (
        rules.source,
        rules.version,
        _param(rules.rules, "cluster_share", "max"),
        _param(rules.rules, "min_partners", "count"),
    ) == (
        FROZEN,
        2,
        Decimal("45.00"),
        3,
    )


def test_rules_in_force_applied_rules_replace_the_frozen_ones_of_their_version(submitted: Proposal, call: Call) -> None:
    applied_at = timezone.now()
    _lower_share(call)
    Proposal.objects.filter(pk=submitted.pk).update(
        rules_applied=rules_to_data(Call.objects.get(pk=call.pk).eligibility_rules("application")),
        rules_applied_version=1,
        rules_applied_at=applied_at,
    )

    proposal = _fresh(submitted)

    assert proposal_rules(proposal=proposal) == RulesInForce(
        Call.objects.get(pk=call.pk).eligibility_rules("application"), APPLIED, 1, applied_at
    )
    assert _share_passes(proposal) is False


def test_rules_in_force_older_version_read_from_its_rule_fields(call: Call, lead: User) -> None:
    proposal = invited_application(lead, call=call)
    Proposal.objects.filter(pk=proposal.pk).update(state=ProposalState.SUBMITTED, version_count=1)
    ProposalVersion.objects.create(
        proposal=proposal,
        number=1,
        kind=VersionKind.APPLICATION,
        data={"schema": 1, "title": proposal.title, "rules": LEGACY_RULES},
        submitted_by=lead,
        submitted_at=timezone.now(),
    )
    _lower_share(call)

    rules = proposal_rules(proposal=_fresh(proposal))

    assert (rules.source, rules.version) == (FROZEN, 1)
    # The fields read as their rows: every rule at the application, every type's money as industry's.
    fields = {name: value for name, value in LEGACY_RULES.items() if not name.endswith("word_limit")}
    assert rules.rules == legacy_rules({**fields, "word_limit": 2000}).at("application")
    assert _param(rules.rules, "cluster_share", "max") == D45
    assert [rule.kind for rule in rules.rules] == [
        rule.kind for rule in Call.objects.get(pk=call.pk).eligibility_rules("application")
    ]
    assert _share_passes(_fresh(proposal)) is True


def test_rules_in_force_older_letter_takes_the_letters_word_limit(call: Call, lead: User) -> None:
    proposal = cast(Proposal, ProposalFactory(call=call, lead_applicant=lead, state=ProposalState.LOI_SUBMITTED))
    ProposalVersion.objects.create(
        proposal=proposal,
        number=1,
        kind=VersionKind.LOI,
        data={"title": proposal.title, "rules": {**LEGACY_RULES, "loi_word_limit": 3}},
        submitted_by=lead,
        submitted_at=timezone.now(),
    )

    rules = proposal_rules(proposal=_fresh(proposal))

    assert (rules.source, [(rule.kind, rule.params) for rule in rules.rules]) == (
        FROZEN,
        [("word_limit", {"words": 3})],
    )
    assert [check.passed for check in _fresh(proposal).eligibility_checks()] == [False]


def test_rules_in_force_version_without_rules_reads_the_call(call: Call, lead: User) -> None:
    proposal = invited_application(lead, call=call)
    Proposal.objects.filter(pk=proposal.pk).update(state=ProposalState.SUBMITTED, version_count=1)
    ProposalVersion.objects.create(
        proposal=proposal,
        number=1,
        kind=VersionKind.APPLICATION,
        data={"title": proposal.title},
        submitted_by=lead,
        submitted_at=timezone.now(),
    )
    _lower_share(call)

    assert proposal_rules(proposal=_fresh(proposal)).source == CALL
    assert _share_passes(_fresh(proposal)) is False


# --- Reading them for a list --------------------------------------------------------------------


def test_proposals_rules_prefetch_reads_every_proposal_in_one_query(call: Call, lead: User) -> None:
    proposals = [proposal_submit_application(proposal=invited_application(lead, call=call), by=lead) for _ in range(3)]
    _lower_share(call)
    Proposal.objects.filter(pk=proposals[0].pk).update(
        rules_applied=rules_to_data(Call.objects.get(pk=call.pk).eligibility_rules("application")),
        rules_applied_version=1,
        rules_applied_at=timezone.now(),
    )
    # Built from a few columns, as the board's agenda builds them.
    rows = [Proposal(pk=proposal.pk, state=ProposalState.BOARD_REVIEW, call=call) for proposal in proposals]

    with CaptureQueriesContext(connection) as captured:
        proposals_rules_prefetch(proposals=rows)
        sources = [row.rules_in_force("application").source for row in rows]

    assert len(captured) == 1
    assert sources == [APPLIED, FROZEN, FROZEN]


def test_proposals_rules_prefetch_compiled_once_reads_each_list_s_own_proposals(call: Call, lead: User) -> None:
    proposals = [proposal_submit_application(proposal=invited_application(lead, call=call), by=lead) for _ in range(4)]
    Proposal.objects.filter(pk=proposals[0].pk).update(
        rules_applied=rules_to_data(Call.objects.get(pk=call.pk).eligibility_rules("application")),
        rules_applied_version=1,
        rules_applied_at=timezone.now(),
    )
    first, second = (
        [Proposal(pk=proposal.pk, state=ProposalState.BOARD_REVIEW, call=call) for proposal in chosen]
        for chosen in (proposals[1:3], [proposals[3], proposals[0]])
    )

    proposals_rules_prefetch(proposals=first)  # compiled for two proposals
    with CaptureQueriesContext(connection) as captured:
        proposals_rules_prefetch(proposals=second)  # the same statement, their ids swapped in

    assert len(captured) == 1
    assert [row.rules_in_force("application").source for row in first + second] == [FROZEN, FROZEN, FROZEN, APPLIED]
    assert [row.versions_rules["application"][0] for row in second] == [1, 1]  # type: ignore[attr-defined]


def test_proposals_rules_prefetch_shares_the_rules_each_frozen_text_holds(call: Call, lead: User) -> None:
    same = [proposal_submit_application(proposal=invited_application(lead, call=call), by=lead) for _ in range(2)]
    _lower_share(call, "45.00")  # raised: the third is checked against other rules
    later = proposal_submit_application(proposal=invited_application(lead, call=call), by=lead)
    rows = [Proposal(pk=proposal.pk, state=ProposalState.BOARD_REVIEW, call=call) for proposal in [*same, later]]

    proposals_rules_prefetch(proposals=rows)
    first, second, third = (row.rules_in_force("application") for row in rows)

    # Each as its own version's document freezes it, the two alike read once and shared.
    for row, found in zip(rows, (first, second, third), strict=True):
        version = ProposalVersion.objects.get(proposal_id=row.pk)
        assert found.source == FROZEN
        assert found.rules == rules_from_data(version.data["rules"]).at("application")
    assert first.rules is second.rules
    assert third.rules is not first.rules
    assert _param(third.rules, "cluster_share", "max") == Decimal("45.00")
    assert _param(first.rules, "cluster_share", "max") != Decimal("45.00")
