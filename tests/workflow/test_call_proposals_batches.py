"""Rolling intake on staff's list of a call's proposals: each row's review batch, the batch filter, its queries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from intake.choices import IntakeMode
from intake.models import Call, CutOff, Proposal
from intake.selectors import call_for_staff_list
from tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

FIRST = datetime(2030, 3, 31, 21, 0, tzinfo=UTC)
SECOND = datetime(2030, 6, 30, 21, 0, tzinfo=UTC)


@pytest.fixture
def rolling(call: Call) -> Call:
    Call.objects.filter(pk=call.pk).update(intake_mode=IntakeMode.ROLLING)
    CutOff.objects.bulk_create([CutOff(call=call, at=FIRST), CutOff(call=call, at=SECOND)])
    call.refresh_from_db()
    return call


def _submitted_at(call: Call, at: datetime, **fields: Any) -> Proposal:
    proposal = ProposalFactory(call=call, **fields)
    Proposal.objects.filter(pk=proposal.pk).update(submitted_at=at, version_count=1)
    return proposal


def _get(client: Client, call: Call, **query: Any) -> Any:
    response = client.get(reverse("workflow:call_proposals", args=[call.pk]), query)
    assert response.status_code == 200
    return response


def test_call_proposals_rows_show_their_review_batch(staff_client: Client, rolling: Call) -> None:
    _submitted_at(rolling, datetime(2030, 2, 1, tzinfo=UTC), title="Early")
    _submitted_at(rolling, FIRST, title="At the cut-off")
    _submitted_at(rolling, datetime(2030, 4, 1, tzinfo=UTC), title="Later")
    ProposalFactory(call=rolling, title="Never submitted")

    response = _get(staff_client, rolling, sort="title")

    batches = {proposal.title: proposal.batch for proposal, _forms in response.context["rows"]}
    assert batches == {"Early": FIRST, "At the cut-off": FIRST, "Later": SECOND, "Never submitted": None}
    assert 'name="batch"' in response.content.decode()


def test_call_proposals_batch_filter_keeps_one_batch(staff_client: Client, rolling: Call) -> None:
    _submitted_at(rolling, datetime(2030, 2, 1, tzinfo=UTC), title="Early")
    _submitted_at(rolling, datetime(2030, 4, 1, tzinfo=UTC), title="Later")
    second = CutOff.objects.get(call=rolling, at=SECOND)

    response = _get(staff_client, rolling, batch=str(second.pk))

    assert [proposal.title for proposal, _forms in response.context["rows"]] == ["Later"]
    assert response.context["batch"] == str(second.pk)


def test_call_proposals_batch_of_another_call_ignored(staff_client: Client, rolling: Call) -> None:
    _submitted_at(rolling, datetime(2030, 2, 1, tzinfo=UTC), title="Early")
    other = CutOff.objects.create(call=ProposalFactory().call, at=FIRST)

    response = _get(staff_client, rolling, batch=str(other.pk))

    assert [proposal.title for proposal, _forms in response.context["rows"]] == ["Early"]
    assert response.context["batch"] == ""


def _queries(client: Client, call: Call, **query: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        _get(client, call, **query)
    return len(captured)


def test_call_proposals_with_batches_queries_constant_with_1_and_30_proposals(
    staff_client: Client, rolling: Call
) -> None:
    second = CutOff.objects.get(call=rolling, at=SECOND)
    _submitted_at(rolling, datetime(2030, 4, 1, tzinfo=UTC))
    one, one_batch = _queries(staff_client, rolling), _queries(staff_client, rolling, batch=second.pk)
    for day in range(1, 30):
        _submitted_at(rolling, datetime(2030, 1 + day % 5, day % 28 + 1, tzinfo=UTC))

    many, many_batch = _queries(staff_client, rolling), _queries(staff_client, rolling, batch=second.pk)

    assert (many, many_batch) == (one, one_batch)


def test_a_rolling_calls_list_reads_its_cut_offs_with_the_call(staff: User, rolling: Call) -> None:
    read = call_for_staff_list(user=staff, pk=rolling.pk)

    with CaptureQueriesContext(connection) as captured:
        assert sorted(cut_off.at for cut_off in read.cut_offs.all()) == [FIRST, SECOND]
    assert len(captured) == 0
