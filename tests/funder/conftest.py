"""A small built data set for the funder's figures: two programs read, a third not, decisions released or not."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from board.models import AgendaItem, BoardMeeting
from intake.models import Call, Program, Proposal
from intake.states import ProposalState
from tests.factories import BoardMeetingFactory, CallFactory, ProgramFactory, ProposalFactory, UserFactory

S = ProposalState


def released_meeting(call: Call) -> BoardMeeting:
    """A meeting of ``call`` whose decisions are released to the applicants."""
    return BoardMeetingFactory(call=call, decisions_released_at=timezone.now())


def decided(call: Call, state: str, meeting: BoardMeeting | None, **fields: Any) -> Proposal:
    """A proposal of ``call`` decided ``state``; released when ``meeting`` (released) holds it on its agenda.

    Its full application is the factory's: the lead, an SME of 42 employees, brings $800,000 in cash; a large
    company $1,500,000 in cash and $200,000 in kind; another $300,000 in cash. It expects 10 jobs during the
    project and 20 after, $0 and $5,000,000 of revenue, 1 and 2 IP rights, 1 and 2 SMEs scaled.
    """
    proposal = ProposalFactory(call=call, state=state, **fields)
    if meeting is not None:
        AgendaItem.objects.create(meeting=meeting, proposal=proposal)
    return proposal


@dataclass
class Programs:
    a: Program
    b: Program
    c: Program


@pytest.fixture
def programs(db: None) -> Programs:
    """Program A: two calls; two approved projects ($1,000,000 and $1,500,000), one declined (all released), one
    approved and one declined not released yet, a draft. Program B: one approved project ($2,000,000), one withdrawn.
    Program C: one approved project ($9,000,000)."""
    a, b, c = ProgramFactory(name_en="Alpha"), ProgramFactory(name_en="Beta"), ProgramFactory(name_en="Gamma")
    call_a = CallFactory(program=a)
    CallFactory(program=a)
    meeting_a = released_meeting(call_a)
    decided(call_a, S.APPROVED, meeting_a, approved_amount=Decimal("1000000.00"))
    decided(call_a, S.APPROVED, meeting_a, approved_amount=Decimal("1500000.00"))
    decided(call_a, S.DECLINED, meeting_a)
    decided(call_a, S.APPROVED, None, approved_amount=Decimal("3000000.00"))
    decided(call_a, S.DECLINED, None)
    ProposalFactory(call=call_a)
    call_b = CallFactory(program=b)
    decided(call_b, S.APPROVED, released_meeting(call_b), approved_amount=Decimal("2000000.00"))
    ProposalFactory(call=call_b, state=S.WITHDRAWN)
    call_c = CallFactory(program=c)
    decided(call_c, S.APPROVED, released_meeting(call_c), approved_amount=Decimal("9000000.00"))
    return Programs(a=a, b=b, c=c)


@pytest.fixture
def funder(programs: Programs) -> User:
    """A funder reading programs A and B only."""
    return UserFactory(role=Role.FUNDER, programs=[programs.a, programs.b])


@pytest.fixture
def funder_everywhere(db: None) -> User:
    """A funder whose grant names no program: every program, now and later."""
    return UserFactory(role=Role.FUNDER)
