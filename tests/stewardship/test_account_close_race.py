"""Two uses of one closing link at once (PostgreSQL): one closes the account, the other is told it is closed."""

from __future__ import annotations

import pytest

from accounts.errors import StaleAction
from accounts.models import FormerMembership, User
from stewardship.services import account_close
from tests.concurrency import race, require_row_locks
from tests.factories import MembershipFactory


@pytest.mark.postgres
def test_two_closures_at_once_one_closes_the_other_is_stale(transactional_db: None) -> None:
    require_row_locks()
    user = MembershipFactory().user

    outcomes = race([lambda: account_close(user=User.objects.get(pk=user.pk)) for _ in range(2)])

    closed = [outcome for outcome in outcomes if isinstance(outcome, User)]
    stale = [outcome for outcome in outcomes if isinstance(outcome, StaleAction)]
    assert (len(closed), len(stale)) == (1, 1), outcomes
    assert stale[0].message == "This account is already closed."
    assert FormerMembership.objects.filter(user=user).count() == 1  # the membership ended once
