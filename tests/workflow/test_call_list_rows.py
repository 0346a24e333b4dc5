"""Staff's list of a call writes its rows in Python (``workflow.views.call_list_rows``), each repeat written once."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import dateformat, translation
from django.utils.formats import get_format
from hypothesis import given
from hypothesis import strategies as st

from intake.models import Call
from intake.services.call_lists import call_proposals_page
from intake.states import ProposalState as S
from tests.factories import ProposalFactory, state_put
from tests.intake.test_versions import complete_application
from workflow.views import ActionsOffered, _available_forms
from workflow.views.call_list_rows import CallProposalRowWriter, _of_the_day

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_call_list_rows_write_each_row_as_a_writer_of_that_row_alone(staff: Any, call: Call, language: str) -> None:
    for index in range(4):
        proposal = complete_application(ProposalFactory(call=call, title=f"Application {index}"))
        state_put(proposal, S.SUBMITTED if index % 2 else S.CHANGES_REQUESTED)
    for index in range(3):
        state_put(ProposalFactory(call=call, estimated_funding_requested=Decimal(index)), S.DRAFT)
    with translation.override(language):
        listing = call_proposals_page(call=call)
        offered = ActionsOffered(staff)
        rows = [(proposal, _available_forms(proposal, staff, offered)) for proposal in listing.page.object_list]

        together = CallProposalRowWriter(call, rolling=False).rows(rows)
        alone = "".join(CallProposalRowWriter(call, rolling=False).row(proposal, forms) for proposal, forms in rows)

    assert str(together) == alone
    assert together.count("<tr>") == 7


@pytest.mark.parametrize("language", ["en", "fr"])
def test_call_list_rows_formats_of_the_day_are_the_short_date_and_not_the_short_datetime(language: str) -> None:
    with translation.override(language):
        assert _of_the_day(get_format("SHORT_DATE_FORMAT"))
        assert not _of_the_day(get_format("SHORT_DATETIME_FORMAT"))
    assert _of_the_day(r"j \d\e F Y")
    assert not _of_the_day("c")
    assert not _of_the_day(r"Y-m-d \a\t H")


@given(
    written=st.text(alphabet="dDjlNSwzWFmMnbEtLoYyaAefgGhHiIOPrsTuUZc -/\\.", max_size=8),
    day=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)),
    seconds=st.integers(min_value=0, max_value=86399),
)
def test_call_list_rows_format_of_the_day_writes_every_moment_of_a_day_alike(
    written: str, day: datetime, seconds: int
) -> None:
    midnight = day.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=UTC)
    later = midnight + timedelta(seconds=seconds, microseconds=day.microsecond)

    if _of_the_day(written):
        assert dateformat.format(midnight, written) == dateformat.format(later, written)
