"""Two staff acting at once on claims (PostgreSQL): one wins, the other is told somebody acted first."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.errors import StaleAction
from projects.models import Claim, ClaimState, Project
from tests.concurrency import race, require_row_locks
from tests.factories import UserFactory
from tests.projects.claiming import approved, claiming, submitted
from workflow.claims import claim_approve, claim_pay, claim_reject

pytestmark = pytest.mark.postgres


def test_approve_and_reject_at_once_one_wins(transactional_db: None, media_root: object) -> None:
    require_row_locks()
    c = claiming()
    other = UserFactory(role="program_staff")
    claim = submitted(c)

    outcomes = race([
        lambda: claim_approve(claim=Claim.objects.get(pk=claim.pk), by=c.staff, expected_version=claim.version),
        lambda: claim_reject(claim=Claim.objects.get(pk=claim.pk), by=other, reason="No.",
                             expected_version=claim.version),
    ])  # fmt: skip

    won = [outcome for outcome in outcomes if isinstance(outcome, Claim)]
    stale = [outcome for outcome in outcomes if isinstance(outcome, StaleAction)]
    assert (len(won), len(stale)) == (1, 1), outcomes
    assert Claim.objects.get(pk=claim.pk).state == won[0].state


def test_two_payments_of_one_claim_at_once_one_is_recorded(transactional_db: None, media_root: object) -> None:
    require_row_locks()
    c = claiming()
    other = UserFactory(role="program_staff")
    claim = approved(c, cash="40000.00")
    today = timezone.localdate()

    outcomes = race([
        lambda by=by: claim_pay(claim=Claim.objects.get(pk=claim.pk), by=by, amount=Decimal("9000.00"), paid_on=today,
                                expected_version=claim.version)
        for by in (c.staff, other)
    ])  # fmt: skip

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Claim", "StaleAction"], outcomes
    assert Claim.objects.get(pk=claim.pk).paid_amount == Decimal("9000.00")
    assert Project.objects.get(pk=c.project.pk).paid == Decimal("9000.00")


def test_payments_of_two_claims_of_one_project_at_once_add_up(transactional_db: None, media_root: object) -> None:
    require_row_locks()
    c = claiming()
    first = approved(c, cash="40000.00")
    second = approved(c, period=2, cash="20000.00")
    today = timezone.localdate()

    outcomes = race([
        lambda claim=claim: claim_pay(claim=Claim.objects.get(pk=claim.pk), by=c.staff, amount=claim.approved_amount,
                                      paid_on=today, expected_version=claim.version)
        for claim in (first, second)
    ])  # fmt: skip

    assert all(isinstance(outcome, Claim) and outcome.state == ClaimState.PAID for outcome in outcomes), outcomes
    assert Project.objects.get(pk=c.project.pk).paid == first.approved_amount + second.approved_amount  # type: ignore[operator]
