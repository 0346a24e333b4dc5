"""Staff's list of a call writes its rows in Python (``workflow.views.call_list_rows``), each repeat written once."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, translation
from django.utils.formats import get_format
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from intake.choices import IntakeMode
from intake.models import Call, CutOff, Proposal
from intake.services.call_lists import call_proposals_page
from intake.states import ProposalState as S
from tests.conftest import client_for
from tests.factories import ProposalFactory, state_put
from tests.intake.test_versions import complete_application
from tests.written_html import same_as_template
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


# --- The page around the rows: written in Python, as its template wrote it ---------------------

#: The list's template as it was before its filters, caption, header and pages' links were written in Python.
BEFORE = Path(__file__).with_name("call_proposals_before_2026_12_07.html").read_text()


def _same_as_before(response: Any) -> str:
    """Assert ``response``'s page is the one the template before wrote (``tests.written_html.same_as_template``)."""
    assert response.status_code == 200
    return same_as_template(response, BEFORE)


def _list(client: Client, call: Call, **query: Any) -> Any:
    return client.get(reverse("workflow:call_proposals", args=[call.pk]), query)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_call_proposals_page_writes_what_its_template_wrote(
    staff: User, call: Call, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    Call.objects.filter(pk=call.pk).update(title_en='Clean <tech> & "co"', title_fr="L'appel « propre » & cie")
    for index in range(4):
        proposal = complete_application(ProposalFactory(call=call, title=f"Application <{index}> & 'more'"))
        state_put(proposal, S.SUBMITTED if index % 2 else S.CHANGES_REQUESTED)
    for index in range(3):
        state_put(ProposalFactory(call=call, estimated_funding_requested=Decimal(index)), S.DRAFT)
    staff.preferred_language = language
    staff.save(update_fields=["preferred_language"])
    client = client_for(staff)
    monkeypatch.setattr("intake.services.call_lists.PAGE_SIZE", 2)  # four pages: a first, middle and last

    first = _same_as_before(_list(client, call))
    middle = _same_as_before(_list(client, call, page=2, sort="-title"))
    _same_as_before(_list(client, call, stage="application", sort="updated"))
    _same_as_before(_list(client, call, page=4, sort="funding"))
    _same_as_before(_list(client, call, state=S.DRAFT, sort="-funding"))
    _same_as_before(_list(client, call, state=S.SUBMITTED, sort="lead", batch="<x>"))
    nothing = _same_as_before(_list(client, call, stage="loi", state=S.DRAFT))

    assert 'aria-sort="descending"' in first  # the list's own sort: the latest update first
    assert first.count('class="page-link"') == 2  # this page, next
    assert first.count("<tr>") == 3  # the header's and two rows
    assert middle.count('class="page-link"') == 3  # previous, this page, next
    assert "<table" not in nothing


@pytest.mark.parametrize("language", ["en", "fr"])
def test_call_proposals_page_of_a_rolling_call_writes_what_its_template_wrote(
    staff: User, call: Call, language: str
) -> None:
    Call.objects.filter(pk=call.pk).update(intake_mode=IntakeMode.ROLLING)
    CutOff.objects.bulk_create(
        [
            CutOff(call=call, at=datetime(2030, 3, 31, 21, tzinfo=UTC)),
            CutOff(call=call, at=datetime(2030, 6, 30, tzinfo=UTC)),
        ]
    )
    first = ProposalFactory(call=call, title="Early")
    Proposal.objects.filter(pk=first.pk).update(submitted_at=datetime(2030, 2, 1, tzinfo=UTC), version_count=1)
    ProposalFactory(call=call, title="Never submitted")
    staff.preferred_language = language
    staff.save(update_fields=["preferred_language"])
    client = client_for(staff)
    cut_off = CutOff.objects.filter(call=call).order_by("at").first()
    assert cut_off is not None

    every = _same_as_before(_list(client, call, sort="title"))
    one = _same_as_before(_list(client, call, batch=str(cut_off.pk)))

    assert f'<option value="{cut_off.pk}">' in every
    assert f'<option value="{cut_off.pk}" selected>' in one
