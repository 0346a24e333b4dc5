"""A call's administration fee applies to the amount the board approves: on the proposal's pages and in the letter."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from board.models import BoardMeeting
from board.services.letters import letter_draft
from intake.models import Call, CallRule, Proposal
from intake.models.proposals import ApprovedFee
from tests.board.test_letters import _approved
from tests.conftest import MakeProposal
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def chair(db: None) -> User:
    return user_with_role(Role.BOARD_MEMBER, display_name="Chris Chair")


@pytest.fixture
def meeting(call: Call, chair: User) -> BoardMeeting:
    from tests.board.making import meeting_make, meeting_open

    return meeting_open(meeting_make(call, members=[chair], quorum=1))


def _fee(call: Call, percent: str) -> None:
    CallRule.objects.create(
        call=call, kind="admin_fee", params={"percent": percent}, stages=["application"], position=99
    )
    call.rules_forget()


def test_the_fee_is_its_percent_of_the_approved_amount_to_the_cent(
    call: Call, make_proposal: MakeProposal, meeting: BoardMeeting, chair: User
) -> None:
    _fee(call, "4.00")
    item = _approved(make_proposal, meeting, chair)  # $150,000.00 approved

    proposal = Proposal.objects.get(pk=item.proposal.pk)
    Proposal.objects.filter(pk=proposal.pk).update(approved_amount=Decimal("150000.13"))
    proposal.refresh_from_db()

    # 4 % of $150,000.13 is $6,000.0052: to the cent, half up, $6,000.01.
    assert proposal.approved_fee() == ApprovedFee(rate=Decimal("4.00"), amount=Decimal("6000.01"))


def test_no_fee_without_the_rule_or_before_an_amount_is_approved(
    call: Call, make_proposal: MakeProposal, meeting: BoardMeeting, chair: User
) -> None:
    undecided = make_proposal()
    item = _approved(make_proposal, meeting, chair)

    assert Proposal.objects.get(pk=item.proposal.pk).approved_fee() is None
    _fee(call, "4.00")
    assert Proposal.objects.get(pk=undecided.pk).approved_fee() is None


def test_the_approval_letter_states_the_fee_on_the_approved_amount(
    call: Call, make_proposal: MakeProposal, meeting: BoardMeeting, chair: User
) -> None:
    _fee(call, "4.00")
    item = _approved(make_proposal, meeting, chair)

    letter = letter_draft(item=item)

    assert "administration fee of 4.00 % applies to this amount: $6,000.00" in letter.body.replace("\u00a0", " ")


def test_staff_see_the_fee_beside_the_approved_amount(
    call: Call, make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, staff_client: Client
) -> None:
    _fee(call, "4.00")
    item = _approved(make_proposal, meeting, chair)

    page = staff_client.get(reverse("workflow:proposal_detail", args=[item.proposal.pk])).content.decode()

    assert "Administration fee" in page
    assert "$6,000.00" in page
