"""The story of the frozen rules, through the staff's pages.

A proposal is submitted with the cluster's share exactly at the call's maximum. Staff then
lower the maximum on the call's rules page: the edit first shows that proposal's verdict would
change and asks for a reason; once saved, the proposal still passes, checked against the rules frozen at its
submission. Staff then apply the call's current rules to it, and it fails.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from intake.eligibility import CLUSTER_SHARE
from intake.lifecycle import transition_of, unmet_conditions
from intake.models import Call, Proposal
from intake.services.call_rules import APPLY_CALL_RULES, CALL_RULES_CHANGE
from records.models import AuditRecord
from tests.conftest import client_for
from tests.factories import CallFactory, UserFactory
from tests.intake.rule_pages import rule_confirm, rule_edit, rule_of
from tests.intake.test_staff_views import _form_data
from tests.intake.test_versions import invited_application
from workflow.actions import proposal_submit_application

pytestmark = pytest.mark.django_db

SHARE_FAILS = "The cluster funds $1,200,000.00 of $3,000,000.00 of eligible costs: 40.00\xa0%, above 35.00\xa0%"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def call() -> Call:
    return cast(Call, CallFactory(max_cluster_share=Decimal("40.00")))


@pytest.fixture
def staff_member(call: Call) -> User:
    return cast(User, UserFactory(role=Role.STAFF))


@pytest.fixture
def at_the_limit(call: Call) -> Proposal:
    """Submitted with $1.2M asked of $3M of eligible costs: 40\xa0%, exactly the call's maximum."""
    applicant = cast(User, UserFactory(role=Role.APPLICANT))
    proposal = invited_application(applicant, call=call)
    return proposal_submit_application(proposal=proposal, by=applicant)


def _share(proposal: Proposal) -> tuple[bool, str]:
    found = Proposal.objects.get(pk=proposal.pk).eligibility_checks()
    [check] = [check for check in found if check.code == CLUSTER_SHARE]
    return check.passed, check.message


def _lower_the_maximum(client: Client, call: Call, reason: str = "") -> tuple[Any, Any]:
    """Post the cluster share rule's form with a maximum of 35\xa0%, then confirm what it shows with ``reason``."""
    rule = rule_of(call, "cluster_share")
    first = rule_edit(client, rule, max="35")
    second = rule_confirm(client, rule, first, reason=reason)
    return first, second


def _maximum(call: Call) -> Decimal:
    return Decimal(rule_of(call, "cluster_share").params["max"])


def _row_params(data: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    [row] = [row for row in data if row["kind"] == kind]
    return row["params"]


def test_story_the_edit_shows_the_proposal_then_needs_a_reason(
    staff_member: User, call: Call, at_the_limit: Proposal
) -> None:
    client = client_for(staff_member)

    first, without_reason = _lower_the_maximum(client, call)

    [change] = first.context["preview"]
    assert first.status_code == 200  # shown before anything is saved
    assert (change.proposal.pk, change.code) == (at_the_limit.pk, CLUSTER_SHARE)
    assert (change.before, change.after) == (True, False)
    assert change.message == SHARE_FAILS
    assert at_the_limit.title in first.content.decode()
    assert without_reason.status_code == 400
    assert without_reason.context["form"].errors["reason"] == [
        "Give the reason for the change: it changes the verdicts of submitted proposals."
    ]
    assert _maximum(call) == Decimal("40.00")
    assert not AuditRecord.objects.filter(action=CALL_RULES_CHANGE).exists()


def test_story_the_saved_change_leaves_the_proposal_passing_and_is_audited(
    staff_member: User, call: Call, at_the_limit: Proposal
) -> None:
    client = client_for(staff_member)

    _first, saved = _lower_the_maximum(client, call, reason="The board lowered the cluster's share for this round.")

    record = AuditRecord.objects.get(action=CALL_RULES_CHANGE, proposal__isnull=False)
    proposal = Proposal.objects.get(pk=at_the_limit.pk)
    page = client.get(reverse("intake:eligibility", args=[proposal.pk])).content.decode()
    assert saved.status_code == 302
    assert _maximum(call) == Decimal("35")
    assert (record.proposal_id, record.actor, record.reason) == (
        proposal.pk,
        staff_member,
        "The board lowered the cluster's share for this round.",
    )
    before, after = (
        _row_params(record.data["before"], "cluster_share"),
        _row_params(record.data["after"], "cluster_share"),
    )
    assert (before["max"], after["max"]) == ("40.00", "35")
    assert record.data["verdicts"] == [{"check": CLUSTER_SHARE, "before": True, "after": False}]
    assert _share(proposal) == (
        True,
        "The cluster funds $1,200,000.00 of $3,000,000.00 of eligible costs: 40.00\xa0%, within 40.00\xa0%",
    )
    assert proposal.eligibility_failures() == []
    assert "eligible" not in _unmet_start(proposal)
    assert "Checked against the rules in force when version 1 was submitted" in page


def _unmet_start(proposal: Proposal) -> list[str]:
    """The names of the conditions of starting the assessment that ``proposal`` does not meet."""
    declared = transition_of("start_assessment", proposal.state)
    assert declared is not None
    return [condition.__name__ for condition in declared.conditions if not condition(proposal)]


def test_story_applying_the_call_rules_makes_it_fail(staff_member: User, call: Call, at_the_limit: Proposal) -> None:
    client = client_for(staff_member)
    _lower_the_maximum(client, call, reason="The board lowered the cluster's share for this round.")
    url = reverse("intake:eligibility_rules", args=[at_the_limit.pk])
    page = client.get(url)

    applied = client.post(url, {**_form_data(page), "reason": "The new share applies to every pending application."})

    proposal = Proposal.objects.get(pk=at_the_limit.pk)
    record = AuditRecord.objects.get(action=APPLY_CALL_RULES)
    assert page.status_code == 200
    assert [(d.name, d.before, d.after) for d in page.context["comparison"].differences] == [
        ("cluster_share", "at most 40.00\xa0% (Full application)", "at most 35.00\xa0% (Full application)")
    ]
    assert applied.status_code == 302
    assert (proposal.rules_applied_version, _row_params(proposal.rules_applied, "cluster_share")["max"]) == (1, "35")
    assert (record.reason, record.data["version"]) == ("The new share applies to every pending application.", 1)
    assert _share(proposal) == (False, SHARE_FAILS)
    assert proposal.eligibility_failures() == [f"Cluster share of eligible costs: {SHARE_FAILS}"]
    assert "eligible" in _unmet_start(proposal)
    assert unmet_conditions(proposal, "start_assessment")[0].startswith(
        "The application fails eligibility checks that staff have not overridden"
    )
