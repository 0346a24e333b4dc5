"""The service standard: every band edge, just inside and just outside, as seeded by the data migration."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from tests.workflow.outages.conftest import SEED
from workflow.models import ExtensionRule
from workflow.outage_extensions import (
    extension_for,
    extension_rule_matching,
    extension_rule_save,
    minutes_left,
    outage_minutes,
)

MIN, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("outage", "before", "band", "hours"),
    [
        # The outage's length: 1-30 min, 31 min-2 h, 2-6 h, 6-24 h, over 24 h; ended 3 h before (2 h-24 h).
        (SECOND, 3 * HOUR, (1, 121), 0),
        (MIN, 3 * HOUR, (1, 121), 0),
        (30 * MIN, 3 * HOUR, (1, 121), 0),
        (30 * MIN + SECOND, 3 * HOUR, (31, 121), 24),  # a started minute counts
        (31 * MIN, 3 * HOUR, (31, 121), 24),
        (2 * HOUR, 3 * HOUR, (31, 121), 24),
        (2 * HOUR + MIN, 3 * HOUR, (121, 121), 24),
        (6 * HOUR, 3 * HOUR, (121, 121), 24),
        (6 * HOUR + MIN, 3 * HOUR, (361, 121), 48),
        (24 * HOUR, 3 * HOUR, (361, 121), 48),
        (24 * HOUR + MIN, 3 * HOUR, (1441, 121), 48),
        (10 * DAY, 3 * HOUR, (1441, 121), 48),
        # The time left: <= 30 min, 31 min-2 h, 2 h-24 h, 24-72 h, 72 h-7 days; an outage over 24 h.
        (25 * HOUR, -HOUR, (1441, 0), 48),  # the deadline fell during the outage
        (25 * HOUR, timedelta(0), (1441, 0), 48),
        (25 * HOUR, 30 * MIN, (1441, 0), 48),
        (25 * HOUR, 31 * MIN - SECOND, (1441, 0), 48),  # a minute left counts only when whole
        (25 * HOUR, 31 * MIN, (1441, 31), 48),
        (25 * HOUR, 2 * HOUR, (1441, 31), 48),
        (25 * HOUR, 2 * HOUR + MIN, (1441, 121), 48),
        (25 * HOUR, 24 * HOUR, (1441, 121), 48),
        (25 * HOUR, 24 * HOUR + MIN, (1441, 1441), 24),
        (25 * HOUR, 72 * HOUR, (1441, 1441), 24),
        (25 * HOUR, 72 * HOUR + MIN, (1441, 4321), 24),
        (25 * HOUR, 7 * DAY, (1441, 4321), 24),
        (25 * HOUR, 8 * DAY - SECOND, (1441, 4321), 24),
        (25 * HOUR, 8 * DAY, None, 0),
        (25 * HOUR, 30 * DAY, None, 0),
        # 30 min against 31 min on both axes, for a short outage.
        (10 * MIN, 30 * MIN, (1, 0), 24),
        (10 * MIN, 31 * MIN, (1, 31), 24),
        (10 * MIN, 2 * HOUR, (1, 31), 24),
        (10 * MIN, 2 * HOUR + MIN, (1, 121), 0),
        # 6-24 h outages: 48 h up to 24 h before, 24 h up to 72 h, none beyond.
        (12 * HOUR, 24 * HOUR, (361, 121), 48),
        (12 * HOUR, 24 * HOUR + MIN, (361, 1441), 24),
        (12 * HOUR, 72 * HOUR, (361, 1441), 24),
        (12 * HOUR, 72 * HOUR + MIN, (361, 4321), 0),
        # 2-6 h outages: nothing from 24 h before.
        (3 * HOUR, 24 * HOUR, (121, 121), 24),
        (3 * HOUR, 24 * HOUR + MIN, (121, 1441), 0),
        # No outage at all.
        (timedelta(0), 10 * MIN, None, 0),
    ],
)
def test_standard_band_edges(
    standard: list[ExtensionRule], outage: timedelta, before: timedelta, band: tuple[int, int] | None, hours: int
) -> None:
    rule = extension_rule_matching(outage=outage, before=before, rules=standard)

    assert (None if rule is None else (rule.outage_min_minutes, rule.before_min_minutes)) == band
    assert extension_for(outage=outage, before=before, rules=standard) == hours


def test_standard_seeds_the_published_table_cell_by_cell(standard: list[ExtensionRule]) -> None:
    cells = {
        (rule.outage_min_minutes, rule.before_min_minutes): (rule.extension_hours, rule.in_standard)
        for rule in standard
    }
    expected = {}
    for (outage_min, _), row in zip(SEED.OUTAGE, SEED.TABLE, strict=True):
        for (before_min, _), hours in zip(SEED.BEFORE, row, strict=True):
            expected[(outage_min, before_min)] = hours
    published = {key: value for key, value in expected.items() if value is not None}

    assert len(standard) == 25
    assert {key: cells[key][0] for key in published} == published
    assert all(cells[key][1] for key in published)
    # The "cannot happen" cells, which can when measured from the outage's end, take the cell to their right.
    assert {key: cells[key] for key in expected if expected[key] is None} == {
        (31, 0): (24, False),
        (121, 0): (24, False),
        (121, 31): (24, False),
        (361, 0): (48, False),
        (361, 31): (48, False),
        (1441, 0): (48, False),
        (1441, 31): (48, False),
    }


def test_standard_rounds_outages_up_and_time_left_down() -> None:
    assert [outage_minutes(timedelta(seconds=s)) for s in (0, 1, 60, 61)] == [0, 1, 1, 2]
    assert [minutes_left(timedelta(seconds=s)) for s in (-60, 0, 59, 60, 119)] == [0, 0, 0, 1, 1]


def test_standard_edit_changes_the_extension_given(standard: list[ExtensionRule], staff: User) -> None:
    rule = next(r for r in standard if (r.outage_min_minutes, r.before_min_minutes) == (121, 1441))

    extension_rule_save(rule=rule, outage_min=121, outage_max=360, before_min=1441, before_max=4320, hours=12, by=staff)

    assert extension_for(outage=3 * HOUR, before=2 * DAY, rules=ExtensionRule.objects.all()) == 12


def test_standard_edit_refuses_overlapping_bands(standard: list[ExtensionRule], staff: User) -> None:
    with pytest.raises(DomainError, match="overlap"):
        extension_rule_save(rule=None, outage_min=20, outage_max=40, before_min=0, before_max=10, hours=24, by=staff)

    assert ExtensionRule.objects.count() == 25


def test_standard_edit_refuses_bands_out_of_order(standard: list[ExtensionRule], staff: User) -> None:
    with pytest.raises(DomainError, match="below its lower bound"):
        extension_rule_save(
            rule=None, outage_min=1, outage_max=5, before_min=20000, before_max=19000, hours=1, by=staff
        )


def test_standard_edit_refuses_a_stale_edit(standard: list[ExtensionRule], staff: User) -> None:
    rule = standard[0]
    opened = rule.updated_at
    extension_rule_save(rule=rule, outage_min=1, outage_max=30, before_min=0, before_max=30, hours=36, by=staff)

    with pytest.raises(StaleAction):
        extension_rule_save(
            rule=rule, outage_min=1, outage_max=30, before_min=0, before_max=30, hours=12, by=staff,
            expected_updated_at=opened,
        )  # fmt: skip


def test_standard_edit_refused_to_non_staff(standard: list[ExtensionRule], applicant: User) -> None:
    with pytest.raises(ActionForbidden):
        extension_rule_save(
            rule=None, outage_min=20000, outage_max=None, before_min=0, before_max=1, hours=1, by=applicant
        )
