"""The agenda's rows shaped from what its queries read: the proposals they are given."""

from __future__ import annotations

from typing import Any

import pytest

from board.services.agenda_rows import AgendaRow, rows_give_proposals
from intake.models import Call, Proposal
from intake.states import ProposalState

pytestmark = pytest.mark.django_db


def _fields(proposal: Proposal) -> dict[str, Any]:
    return {f.attname: getattr(proposal, f.attname) for f in Proposal._meta.concrete_fields if f.attname != "uuid"}


def test_rows_give_proposals_builds_them_as_by_name(call: Call) -> None:
    rows = [
        AgendaRow(item_pk=1, proposal_pk=10, title="Éole", state=ProposalState.BOARD_REVIEW, recused=False),
        AgendaRow(item_pk=2, proposal_pk=11, title="Atlas", state=ProposalState.APPROVED, recused=False),
    ]

    rows_give_proposals(rows, call)

    for row in rows:
        built = Proposal(pk=row.proposal_pk, title=row.title, state=row.state, call_id=call.pk)
        built.call = call
        assert row.proposal is not None
        assert _fields(row.proposal) == _fields(built)
        assert row.proposal.call is call
        assert (row.proposal._state.adding, row.proposal._state.db) == (built._state.adding, built._state.db)
    first, second = (row.proposal for row in rows)
    assert first is not None
    assert second is not None
    # A default made by a function is made for each: no list or UUID shared between two proposals.
    assert first.path is not second.path
    assert first.uuid != second.uuid
