"""Sending a rolling call's review batch to a board meeting from the meeting's page; bad input said beside its field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from board.models import AgendaItem
from intake.choices import IntakeMode
from intake.models import Call, CutOff, Proposal
from intake.states import ProposalState
from tests.board.making import meeting_make
from tests.conftest import MakeProposal
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db

FIRST = datetime(2030, 3, 31, 21, 0, tzinfo=UTC)
SECOND = datetime(2030, 6, 30, 21, 0, tzinfo=UTC)


@pytest.fixture
def rolling(call: Call) -> Call:
    Call.objects.filter(pk=call.pk).update(intake_mode=IntakeMode.ROLLING, timezone="America/Toronto")
    CutOff.objects.bulk_create([CutOff(call=call, at=FIRST), CutOff(call=call, at=SECOND)])
    call.refresh_from_db()
    return call


def _submitted(make_proposal: MakeProposal, state: str, at: datetime, title: str) -> Proposal:
    proposal = make_proposal(state, title=title)
    Proposal.objects.filter(pk=proposal.pk).update(submitted_at=at)
    return proposal


def _url(meeting: Any) -> str:
    return reverse("board:meeting_send", args=[meeting.pk])


def test_meeting_send_offers_the_rolling_calls_batches(
    rolling: Call, staff_client: Client, make_proposal: MakeProposal
) -> None:
    meeting = meeting_make(rolling)
    _submitted(make_proposal, ProposalState.ASSESSED, datetime(2030, 2, 1, tzinfo=UTC), "Early")

    response = staff_client.get(_url(meeting))

    assert [label for _value, label in response.context["form"].fields["batch"].choices] == [
        "No batch: the proposals ticked above",
        "Cut-off of 2030-03-31 17:00",
        "Cut-off of 2030-06-30 17:00",
    ]
    assert 'for="id_batch"' in response.content.decode()


def test_meeting_send_of_a_fixed_call_offers_no_batch(
    call: Call, staff_client: Client, make_proposal: MakeProposal
) -> None:
    meeting = meeting_make(call)
    make_proposal(ProposalState.ASSESSED, title="Ready")

    response = staff_client.get(_url(meeting))

    assert "batch" not in response.context["form"].fields
    assert 'name="batch"' not in response.content.decode()


def test_meeting_send_a_batch_sends_its_assessed_proposals_alone(
    rolling: Call, staff_client: Client, make_proposal: MakeProposal
) -> None:
    meeting = meeting_make(rolling)
    early = _submitted(make_proposal, ProposalState.ASSESSED, datetime(2030, 2, 1, tzinfo=UTC), "Early")
    at_cut_off = _submitted(make_proposal, ProposalState.ASSESSED, FIRST, "At the cut-off")
    _submitted(make_proposal, ProposalState.IN_ASSESSMENT, datetime(2030, 3, 1, tzinfo=UTC), "Still assessed")
    later = _submitted(make_proposal, ProposalState.ASSESSED, datetime(2030, 4, 1, tzinfo=UTC), "Later")
    first = CutOff.objects.get(call=rolling, at=FIRST)

    response = staff_client.post(_url(meeting), {"batch": first.pk})

    assert response.status_code == 200
    assert [(o.proposal.title, o.error) for o in response.context["outcomes"]] == [
        ("At the cut-off", None),
        ("Early", None),
    ]
    assert set(AgendaItem.objects.filter(meeting=meeting).values_list("proposal_id", flat=True)) == {
        early.pk,
        at_cut_off.pk,
    }
    later.refresh_from_db()
    assert later.state == ProposalState.ASSESSED


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"batch": "none"}, "proposals", "Choose at least one proposal."),
        ({"batch": "second"}, "batch", "No proposal of this batch is assessed and waiting to be sent."),
        ({"batch": "first", "proposals": "early"}, "batch", "Choose either proposals or a batch, not both."),
        ({"batch": "other"}, "batch", "Select a valid choice. That choice is not one of the available choices."),
        ({"batch": "nonsense"}, "batch", "Select a valid choice. That choice is not one of the available choices."),
    ],
)
def test_meeting_send_bad_batch_refused_beside_its_field(
    data: dict[str, str], field: str, message: str, rolling: Call, staff_client: Client, make_proposal: MakeProposal
) -> None:
    meeting = meeting_make(rolling)
    early = _submitted(make_proposal, ProposalState.ASSESSED, datetime(2030, 2, 1, tzinfo=UTC), "Early")
    ids = {
        "first": CutOff.objects.get(call=rolling, at=FIRST).pk,
        "second": CutOff.objects.get(call=rolling, at=SECOND).pk,
        "other": CutOff.objects.create(call=CallFactory(), at=FIRST).pk,
        "early": early.pk,
        "nonsense": "x",
        "none": "",
    }
    posted = {key: ids[value] for key, value in data.items()}

    response = staff_client.post(_url(meeting), posted)

    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    html = response.content.decode()
    assert f'id="error_1_id_{field}"' in html
    assert not AgendaItem.objects.exists()
    early.refresh_from_db()
    assert early.state == ProposalState.ASSESSED
