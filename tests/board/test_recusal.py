"""Board members' conflicts and recusal: what a recused member sees through every URL, and the declaration page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import pytest
from django.db.models import OuterRef
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.errors import StaleAction
from accounts.models import FormerMembership, Membership, Organization, User
from assessment.models import Affiliation
from board.models import AgendaItem, BoardConflict, BoardMeeting
from board.selectors import board_recused
from board.services.conflicts import conflict_declare, meeting_conflict_rows, meeting_recusals
from intake.models import Attachment, Call, ConsortiumMember, Proposal, ProposalVersion
from intake.states import ProposalState
from tests.board.making import agenda_put, board_members_make, meeting_make
from tests.conftest import client_for
from tests.factories import (
    AttachmentFactory,
    CallFactory,
    OrganizationFactory,
    ProposalFactory,
    ProposalVersionFactory,
)
from workflow.access import proposals_visible_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@dataclass
class Board:
    """A meeting with one proposal on its agenda and a member of each kind."""

    call: Call
    meeting: BoardMeeting
    proposal: Proposal
    item: AgendaItem
    version: ProposalVersion
    attachment: Attachment
    chair: User
    member: User  # not recused
    declared: User  # recused by a declared conflict
    affiliated: User  # recused automatically: affiliated with the lead organization
    outsider: User  # a board member not invited to the meeting


@pytest.fixture
def board() -> Board:
    call = CallFactory()
    chair, member, declared, affiliated, outsider = board_members_make(5)
    meeting = meeting_make(call, chair=chair, members=[member, declared, affiliated], quorum=2)
    proposal = ProposalFactory(call=call, state=ProposalState.BOARD_REVIEW)
    item = agenda_put(proposal, meeting)
    BoardConflict.objects.create(member=declared, proposal=proposal, nature="I advise the lead organization.")
    Affiliation.objects.create(assessor=affiliated, organization=proposal.lead_organization, role="Director")
    return Board(
        call=call,
        meeting=meeting,
        proposal=proposal,
        item=item,
        version=ProposalVersionFactory(proposal=proposal),
        attachment=AttachmentFactory(proposal=proposal),
        chair=chair,
        member=member,
        declared=declared,
        affiliated=affiliated,
        outsider=outsider,
    )


def _urls(board: Board) -> dict[str, str]:
    """Every URL of the proposal a board member can reach, besides the agenda."""
    meeting, item = board.meeting.pk, board.item.pk
    return {
        "version_detail": reverse(
            "intake:version_detail", kwargs={"pk": board.proposal.pk, "number": board.version.number}
        ),
        "attachment_download": reverse("intake:attachment_download", kwargs={"pk": board.attachment.pk}),
        "proposal_detail": reverse("workflow:proposal_detail", kwargs={"pk": board.proposal.pk}),
        "vote": reverse("board:vote", kwargs={"pk": meeting, "item_pk": item}),
    }


@pytest.mark.parametrize("who", ["declared", "affiliated", "outsider"])
@pytest.mark.parametrize("url_name", ["version_detail", "attachment_download", "proposal_detail", "vote"])
def test_recusal_every_proposal_url_answers_404(board: Board, who: str, url_name: str) -> None:
    response = client_for(getattr(board, who)).get(_urls(board)[url_name])

    assert response.status_code == 404


@pytest.mark.parametrize("url_name", ["version_detail", "attachment_download", "proposal_detail", "vote"])
def test_recusal_member_not_recused_reads_every_proposal_url(board: Board, url_name: str) -> None:
    response = client_for(board.member).get(_urls(board)[url_name])

    assert response.status_code == 200


@pytest.mark.parametrize("who", ["declared", "affiliated", "member"])
def test_recusal_version_compare_is_staff_only_for_every_board_member(board: Board, who: str) -> None:
    url = reverse("intake:version_compare", kwargs={"pk": board.proposal.pk}) + f"?a={board.version.number}&b=1"

    response = client_for(getattr(board, who)).get(url)

    assert response.status_code == 403
    assert board.proposal.summary not in response.content.decode()


@pytest.mark.parametrize("who", ["declared", "affiliated", "outsider", "member"])
def test_recusal_decide_page_is_the_chairs_alone(board: Board, who: str) -> None:
    url = reverse("board:decide", kwargs={"pk": board.meeting.pk, "item_pk": board.item.pk})

    response = client_for(getattr(board, who)).get(url)

    # Another member who may read the proposal is told it is the chair's; the others learn nothing.
    assert response.status_code == (403 if who == "member" else 404)


def test_recusal_recused_chair_gets_404_on_the_decide_page(board: Board) -> None:
    BoardConflict.objects.create(member=board.chair, proposal=board.proposal, nature="A relative works there.")
    url = reverse("board:decide", kwargs={"pk": board.meeting.pk, "item_pk": board.item.pk})

    response = client_for(board.chair).get(url)

    assert response.status_code == 404


@pytest.mark.parametrize("who", ["declared", "affiliated"])
def test_recusal_agenda_row_shows_the_title_only(board: Board, who: str) -> None:
    url = reverse("board:meeting_agenda", kwargs={"pk": board.meeting.pk})

    recused = client_for(getattr(board, who)).get(url).content.decode()
    reader = client_for(board.member).get(url).content.decode()

    assert board.proposal.title in recused
    assert board.proposal.lead_organization.legal_name in reader
    assert board.proposal.lead_organization.legal_name not in recused
    assert _urls(board)["version_detail"] not in recused


@pytest.mark.parametrize("who", ["declared", "affiliated"])
def test_recusal_votes_page_leaves_the_proposal_out(board: Board, who: str) -> None:
    response = client_for(getattr(board, who)).get(reverse("board:votes", kwargs={"pk": board.meeting.pk}))

    assert response.status_code == 200
    assert board.proposal.title not in response.content.decode()


def test_recusal_visibility_agrees_with_board_recused(board: Board) -> None:
    # Visibility (workflow.access) reads recusal from board_recused itself: the two always agree.
    Affiliation.objects.create(
        assessor=board.member,
        organization=board.proposal.lead_organization,
        ended_on=date.today() - timedelta(days=365 * 4),
    )
    answers = {}
    for who in ("member", "declared", "affiliated", "chair"):
        user = getattr(board, who)
        recused = Proposal.objects.filter(
            board_recused(member=user.pk, proposal=OuterRef("pk")), pk=board.proposal.pk
        ).exists()
        visible = proposals_visible_to(user=user).filter(pk=board.proposal.pk).exists()
        answers[who] = (recused, visible)

    assert answers == {
        "member": (False, True),
        "declared": (True, False),
        "affiliated": (True, False),
        "chair": (False, True),
    }


def test_recusal_board_member_sees_a_past_agenda_item_of_their_meeting(board: Board) -> None:
    later = meeting_make(board.call, chair=board.outsider, members=[], quorum=1)
    AgendaItem.objects.filter(pk=board.item.pk).update(deferred_to=later, deferred_at=timezone.now())
    AgendaItem.objects.create(meeting=later, proposal=board.proposal)

    assert proposals_visible_to(user=board.member).filter(pk=board.proposal.pk).exists()
    assert proposals_visible_to(user=board.outsider).filter(pk=board.proposal.pk).exists()
    assert not proposals_visible_to(user=board.declared).filter(pk=board.proposal.pk).exists()


def test_recusal_board_member_does_not_see_a_proposal_on_no_agenda_of_theirs(board: Board) -> None:
    elsewhere = ProposalFactory(call=board.call, state=ProposalState.BOARD_REVIEW)
    other_meeting = meeting_make(board.call, chair=board.outsider, members=[], quorum=1)
    agenda_put(elsewhere, other_meeting)
    unscheduled = ProposalFactory(call=board.call, state=ProposalState.APPROVED)

    visible = set(proposals_visible_to(user=board.member).values_list("pk", flat=True))

    assert visible == {board.proposal.pk}
    assert unscheduled.pk not in visible


# --- The declaration page ----------------------------------------------------------------------------


def _conflicts_url(board: Board) -> str:
    return reverse("board:conflicts", kwargs={"pk": board.meeting.pk})


def test_conflicts_page_lists_the_agenda_with_declared_and_automatic_conflicts(board: Board) -> None:
    declared = client_for(board.declared).get(_conflicts_url(board)).content.decode()
    affiliated = client_for(board.affiliated).get(_conflicts_url(board)).content.decode()
    member = client_for(board.member).get(_conflicts_url(board)).content.decode()

    assert board.proposal.title in declared
    assert "I advise the lead organization." in declared
    assert "Automatic conflict" in affiliated
    assert "None declared" in member
    assert 'name="nature"' in member
    # Nothing left to declare: the form is not offered.
    assert 'name="nature"' not in declared


def test_conflicts_declare_recuses_the_member_everywhere(board: Board) -> None:
    client = client_for(board.member)

    response = client.post(_conflicts_url(board), {"proposal": board.proposal.pk, "nature": "  Shares in the lead.  "})

    assert response.status_code == 302
    conflict = BoardConflict.objects.get(member=board.member, proposal=board.proposal)
    assert conflict.nature == "Shares in the lead."
    for url in _urls(board).values():
        assert client.get(url).status_code == 404


def test_conflicts_declare_without_nature_keeps_the_choice_and_writes_nothing(board: Board) -> None:
    response = client_for(board.member).post(_conflicts_url(board), {"proposal": board.proposal.pk, "nature": " "})

    assert response.status_code == 400
    assert "Say what the conflict of interest is." in response.content.decode()
    assert response.context["form"]["proposal"].value() == str(board.proposal.pk)
    assert not BoardConflict.objects.filter(member=board.member).exists()


def test_conflicts_declare_refuses_a_proposal_not_on_the_agenda(board: Board) -> None:
    other = ProposalFactory(call=board.call, state=ProposalState.BOARD_REVIEW)

    response = client_for(board.member).post(_conflicts_url(board), {"proposal": other.pk, "nature": "A tie."})

    assert response.status_code == 400
    assert "Choose a proposal of this agenda that you are not recused from." in response.content.decode()
    assert not BoardConflict.objects.filter(member=board.member).exists()


def test_conflicts_declare_twice_is_told(board: Board) -> None:
    with pytest.raises(StaleAction) as refused:
        conflict_declare(meeting=board.meeting, member=board.declared, proposal_pk=board.proposal.pk, nature="Again")

    assert "already declared" in refused.value.message
    assert BoardConflict.objects.filter(member=board.declared).count() == 1


def test_conflicts_declare_after_the_decision_is_refused(board: Board) -> None:
    Proposal.objects.filter(pk=board.proposal.pk).update(state=ProposalState.DECLINED)

    with pytest.raises(StaleAction) as refused:
        conflict_declare(meeting=board.meeting, member=board.member, proposal_pk=board.proposal.pk, nature="A tie.")
    response = client_for(board.member).post(_conflicts_url(board), {"proposal": board.proposal.pk, "nature": "A tie."})

    assert "decision" in refused.value.message
    assert response.status_code == 400
    assert not BoardConflict.objects.filter(member=board.member).exists()


def test_conflicts_staff_see_every_recusal_of_the_meeting(board: Board, staff: User) -> None:
    response = client_for(staff).get(_conflicts_url(board))
    body = response.content.decode()

    assert response.status_code == 200
    assert "Recusals of this meeting" in body
    assert {(r.member_email, r.declared, r.affiliated) for r in response.context["recusals"]} == {
        (board.declared.email, "I advise the lead organization.", False),
        (board.affiliated.email, "", True),
    }
    assert 'name="nature"' not in body


def test_conflicts_staff_cannot_declare(board: Board, staff: User) -> None:
    response = client_for(staff).post(_conflicts_url(board), {"proposal": board.proposal.pk, "nature": "A tie."})

    assert response.status_code == 403


def test_conflicts_members_do_not_see_the_recusals(board: Board) -> None:
    response = client_for(board.member).get(_conflicts_url(board))

    assert response.context["recusals"] is None
    assert board.declared.email not in response.content.decode()


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("applicant", 403), ("assessor", 403)])
def test_conflicts_page_refuses_others(board: Board, who: str, status: int, request: Any) -> None:
    user = getattr(board, who) if who == "outsider" else request.getfixturevalue(who)

    assert client_for(user).get(_conflicts_url(board)).status_code == status


@pytest.mark.parametrize("rows", [1, 50])
def test_conflicts_reads_take_constant_queries(rows: int, staff: User, django_assert_max_num_queries: Any) -> None:
    call = CallFactory()
    chair, *members = board_members_make(4)
    meeting = meeting_make(call, chair=chair, members=members, quorum=2)
    for index in range(rows):
        proposal = ProposalFactory(call=call, state=ProposalState.BOARD_REVIEW, application=False)
        AgendaItem.objects.create(meeting=meeting, proposal=proposal)
        BoardConflict.objects.create(member=members[index % 3], proposal=proposal, nature="A tie.")
        Affiliation.objects.create(assessor=chair, organization=proposal.lead_organization)

    with django_assert_max_num_queries(1):
        recusals = meeting_recusals(meeting=meeting)
    with django_assert_max_num_queries(1):
        own = meeting_conflict_rows(meeting=meeting, member=chair)

    assert len(recusals) == 2 * rows
    assert all(row.affiliated for row in own)
    assert len(own) == rows
    client: Client = client_for(staff)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("board:conflicts", kwargs={"pk": meeting.pk})).status_code == 200


# --- Recusal by membership ----------------------------------------------------------------------------


def _partner_of(proposal: Proposal) -> Organization:
    partner = cast(Organization, OrganizationFactory())
    ConsortiumMember.objects.create(proposal=proposal, organization=partner)
    return partner


def _recused(user: User, proposal: Proposal) -> bool:
    return Proposal.objects.filter(board_recused(member=user.pk, proposal=OuterRef("pk")), pk=proposal.pk).exists()


@pytest.mark.parametrize("url_name", ["version_detail", "attachment_download", "proposal_detail", "vote"])
def test_recusal_member_of_a_consortium_organization_is_recused(board: Board, url_name: str) -> None:
    Membership.objects.create(user=board.member, organization=_partner_of(board.proposal))

    response = client_for(board.member).get(_urls(board)[url_name])

    assert response.status_code == 404
    assert _recused(board.member, board.proposal)
    assert not proposals_visible_to(user=board.member).filter(pk=board.proposal.pk).exists()
    assert [row.affiliated for row in meeting_conflict_rows(meeting=board.meeting, member=board.member)] == [True]
    assert board.member.email in {recusal.member_email for recusal in meeting_recusals(meeting=board.meeting)}


@pytest.mark.parametrize(("days_ago", "recused"), [(365 * 3 - 10, True), (365 * 3 + 10, False)])
def test_recusal_former_member_is_recused_for_three_years(board: Board, days_ago: int, recused: bool) -> None:
    left = timezone.now() - timedelta(days=days_ago)
    FormerMembership.objects.create(
        user=board.member,
        organization=_partner_of(board.proposal),
        joined_at=left - timedelta(days=500),
        left_at=left,
    )

    assert _recused(board.member, board.proposal) is recused
    assert proposals_visible_to(user=board.member).filter(pk=board.proposal.pk).exists() is not recused


def test_recusal_lead_of_a_competing_proposal_is_recused(board: Board) -> None:
    ProposalFactory(call=board.call, lead_applicant=board.member)

    assert _recused(board.member, board.proposal)
    assert not proposals_visible_to(user=board.member).filter(pk=board.proposal.pk).exists()
