"""What long lists' row writers share (``records.rows``): each gives what Django's own call gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import dateformat, translation
from django.utils.timesince import timeuntil

from records.rows import MomentFormat, time_strings_kept

MOMENTS = [
    datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 8, 7, 30, 5, tzinfo=UTC),  # the day Toronto's clocks go forward
    datetime(2026, 11, 1, 5, 59, 59, 999999, tzinfo=UTC),
    datetime(2028, 2, 29, 23, 1, tzinfo=UTC),
]
FORMATS = ["N j, Y, P", "F j, Y, H:i", "j F Y H:i", "Y-m-d", "D, d M Y H:i:s O e T", r"\a\t g:i a \l\e l jS", "c U"]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("format_string", FORMATS)
def test_moment_format_writes_what_dateformat_writes(language: str, format_string: str) -> None:
    shown = MomentFormat(format_string)
    with translation.override(language):
        for moment in MOMENTS:
            for zone in (UTC, ZoneInfo("America/Toronto"), ZoneInfo("Asia/Kolkata")):
                local = moment.astimezone(zone)
                assert shown(local) == dateformat.format(local, format_string)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_time_strings_kept_give_timeuntil_s_own_words(language: str) -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    ahead = [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=61), timedelta(hours=5, minutes=2)]
    ahead += [timedelta(days=days, hours=days % 5) for days in (1, 2, 6, 7, 15, 31, 62, 365, 800)]
    with translation.override(language):
        kept = time_strings_kept()
        for delta in ahead * 2:  # the second time round, from what was kept
            assert timeuntil(now + delta, now, time_strings=kept) == timeuntil(now + delta, now)
