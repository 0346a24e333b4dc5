"""The board within its program: a meeting belongs to a call, hence to a program, and only that program's people see it.

Staff of another program get the 404 anyone gets for what they may not see, on every page
of the meeting; a board member invited to another program's meeting (a mistake in the
data) reads nothing of it; a meeting invites the board of its program only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError
from accounts.models import User
from accounts.services import user_grant_role
from board.models import AgendaItem, BoardMeeting, DecisionLetter
from board.services.letters import letter_for_staff
from board.services.meetings import (
    agenda_item_defer,
    meeting_agenda_ready,
    meeting_create,
    meeting_open_early,
    meetings_of_member,
)
from intake.models import Call, Program, ProgramRole
from intake.states import ProposalState
from records.events import Event
from records.models import Notification
from tests.board.making import meeting_make
from tests.conftest import client_for
from tests.factories import AgendaItemFactory, CallFactory, DecisionLetterFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@dataclass
class Board:
    """Program A's meeting with a proposal on its agenda and a letter drafted, and the people of A and of B."""

    program_a: Program
    program_b: Program
    call: Call
    meeting: BoardMeeting
    later: BoardMeeting
    item: AgendaItem
    letter: DecisionLetter
    staff_a: User
    staff_b: User
    member_a: User
    member_b: User


@pytest.fixture
def board() -> Board:
    program_a, program_b = ProgramFactory(name_en="Aerospace"), ProgramFactory(name_en="Biotech")
    staff_a = UserFactory(role=Role.STAFF, programs=[program_a])
    staff_b = UserFactory(role=Role.STAFF, programs=[program_b])
    member_a = UserFactory(role=Role.BOARD_MEMBER, programs=[program_a], display_name="Ann of A")
    member_b = UserFactory(role=Role.BOARD_MEMBER, programs=[program_b], display_name="Bob of B")
    call = CallFactory(program=program_a)
    meeting = meeting_make(call, chair=member_a, members=[member_a], days=7)
    later = meeting_make(call, chair=member_a, members=[member_a], days=30)
    item = AgendaItemFactory(meeting=meeting)
    # A letter of another item, its proposal decided: the row only, as the letters' page reads it.
    letter = DecisionLetterFactory(item=AgendaItemFactory(meeting=meeting, proposal__state=ProposalState.APPROVED))
    return Board(
        program_a=program_a,
        program_b=program_b,
        call=call,
        meeting=meeting,
        later=later,
        item=item,
        letter=letter,
        staff_a=staff_a,
        staff_b=staff_b,
        member_a=member_a,
        member_b=member_b,
    )


def _also_hold(user: User, role: str, program: Program) -> None:
    """Give ``user`` a second role, for ``program`` only (the factories give one)."""
    user_grant_role(user=user, role=role)
    ProgramRole.objects.create(user=user, program=program, role=role)
    user.forget_roles()


def _staff_pages(board: Board) -> list[tuple[str, str]]:
    """(method, address) of every staff's page of A's meeting, its call, its item and its letter."""
    meeting = {"pk": board.meeting.pk}
    return [
        ("get", reverse("board:meeting_list", kwargs={"pk": board.call.pk})),
        ("get", reverse("board:meeting_create", kwargs={"pk": board.call.pk})),
        ("get", reverse("board:meeting_agenda", kwargs=meeting)),
        ("get", reverse("board:meeting_update", kwargs=meeting)),
        ("get", reverse("board:meeting_send", kwargs=meeting)),
        ("get", reverse("board:meeting_open_early", kwargs=meeting)),
        ("post", reverse("board:meeting_agenda_ready", kwargs=meeting)),
        ("get", reverse("board:conflicts", kwargs=meeting)),
        ("get", reverse("board:meeting_letters", kwargs=meeting)),
        ("post", reverse("board:letters_release", kwargs=meeting)),
        ("get", reverse("board:letter_edit", kwargs={"pk": board.letter.pk})),
        ("get", reverse("board:agenda_item_defer", kwargs={"pk": board.item.pk})),
        ("post", reverse("board:agenda_item_defer", kwargs={"pk": board.item.pk})),
    ]


def _member_pages(board: Board) -> list[str]:
    """Every board member's page of A's meeting and its item."""
    meeting, item = board.meeting.pk, board.item.pk
    return [
        reverse("board:meeting_agenda", kwargs={"pk": meeting}),
        reverse("board:conflicts", kwargs={"pk": meeting}),
        reverse("board:votes", kwargs={"pk": meeting}),
        reverse("board:vote", kwargs={"pk": meeting, "item_pk": item}),
        reverse("board:decide", kwargs={"pk": meeting, "item_pk": item}),
        reverse("board:agenda_item_defer", kwargs={"pk": item}),
    ]


def test_staff_of_another_program_get_404_on_every_page_of_the_meeting(board: Board) -> None:
    client = client_for(board.staff_b)

    answers = {(method, url): getattr(client, method)(url).status_code for method, url in _staff_pages(board)}

    assert answers == dict.fromkeys(_staff_pages(board), 404)
    board.meeting.refresh_from_db()
    assert (board.meeting.agenda_ready_at, board.meeting.decisions_released_at) == (None, None)
    assert AgendaItem.objects.get(pk=board.item.pk).deferred_to is None


def test_staff_of_the_program_open_every_page_of_the_meeting(board: Board) -> None:
    client = client_for(board.staff_a)

    answers = {url: client.get(url).status_code for method, url in _staff_pages(board) if method == "get"}

    assert set(answers.values()) == {200}


def test_staff_of_another_program_who_sit_on_its_board_get_404_on_the_votes_and_the_decision(board: Board) -> None:
    both = UserFactory(role=Role.STAFF, programs=[board.program_b])
    _also_hold(both, Role.BOARD_MEMBER, board.program_b)
    client = client_for(both)

    assert {url: client.get(url).status_code for url in _member_pages(board)} == dict.fromkeys(
        _member_pages(board), 404
    )


def test_staff_of_another_program_cannot_take_the_staffs_steps_of_the_meeting(board: Board) -> None:
    with pytest.raises(ActionForbidden):
        meeting_agenda_ready(meeting=board.meeting, by=board.staff_b)
    with pytest.raises(ActionForbidden):
        meeting_open_early(meeting=board.meeting, by=board.staff_b, reason="We are all here.")
    with pytest.raises(ActionForbidden):
        agenda_item_defer(item=board.item, to_meeting=board.later, by=board.staff_b)
    with pytest.raises(Http404):
        letter_for_staff(user=board.staff_b, pk=board.letter.pk)

    assert letter_for_staff(user=board.staff_a, pk=board.letter.pk) == board.letter


def test_a_member_of_another_board_invited_by_mistake_reads_nothing_of_the_meeting(board: Board) -> None:
    board.meeting.members.add(board.member_b)
    BoardMeeting.objects.filter(pk=board.meeting.pk).update(chair=board.member_b)
    client = client_for(board.member_b)

    answers = {url: client.get(url).status_code for url in _member_pages(board)}

    assert answers == dict.fromkeys(_member_pages(board), 404)
    assert client.post(reverse("board:agenda_item_defer", kwargs={"pk": board.item.pk})).status_code == 404
    assert list(meetings_of_member(user=board.member_b)) == []
    assert board.item.proposal.title not in client.get(reverse("board:dashboard")).content.decode()
    with pytest.raises(ActionForbidden):
        agenda_item_defer(item=board.item, to_meeting=board.later, by=board.member_b)


def test_a_member_of_both_boards_sees_the_meetings_of_both(board: Board) -> None:
    member = UserFactory(role=Role.BOARD_MEMBER, programs=[board.program_a, board.program_b])
    board.meeting.members.add(member)
    theirs = meeting_make(CallFactory(program=board.program_b), chair=member, members=[member], days=10)
    client = client_for(member)

    assert list(meetings_of_member(user=member)) == [board.meeting, theirs]
    for meeting in (board.meeting, theirs):
        assert client.get(reverse("board:meeting_agenda", kwargs={"pk": meeting.pk})).status_code == 200
        assert client.get(reverse("board:votes", kwargs={"pk": meeting.pk})).status_code == 200
    page = client.get(reverse("board:dashboard")).content.decode()
    assert reverse("board:meeting_agenda", kwargs={"pk": board.meeting.pk}) in page
    assert reverse("board:meeting_agenda", kwargs={"pk": theirs.pk}) in page


def test_the_invitation_offers_the_board_of_the_calls_program_only(board: Board) -> None:
    response = client_for(board.staff_a).get(reverse("board:meeting_create", kwargs={"pk": board.call.pk}))

    form = response.context["form"]
    assert list(form.fields["members"].queryset) == [board.member_a]
    assert list(form.fields["chair"].queryset) == [board.member_a]
    assert "Bob of B" not in response.content.decode()


def test_the_invitation_refuses_a_member_of_another_board_saying_who_and_keeping_what_was_typed(board: Board) -> None:
    response = client_for(board.staff_a).post(
        reverse("board:meeting_create", kwargs={"pk": board.call.pk}),
        {
            "held_at": "2099-05-01T10:00",
            "quorum": "2",
            "members": [board.member_a.pk, board.member_b.pk],
            "chair": board.member_a.pk,
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Only members of the board of Aerospace can be invited to its meetings: Bob of B" in page
    assert 'value="2099-05-01T10:00"' in page
    assert response.context["form"]["members"].value() == [str(board.member_a.pk), str(board.member_b.pk)]
    assert BoardMeeting.objects.count() == 2


def test_meeting_create_refuses_a_member_of_another_board(board: Board) -> None:
    with pytest.raises(DomainError, match="Bob of B"):
        meeting_create(
            call=board.call,
            held_at=timezone.now() + timedelta(days=3),
            quorum=1,
            chair=board.member_b,
            members=[board.member_b],
            by=board.staff_a,
        )


def test_meeting_create_refuses_staff_of_another_program(board: Board) -> None:
    with pytest.raises(ActionForbidden):
        meeting_create(
            call=board.call,
            held_at=timezone.now() + timedelta(days=3),
            quorum=1,
            chair=board.member_a,
            members=[board.member_a],
            by=board.staff_b,
        )


def test_editing_a_meeting_shows_a_member_of_another_board_invited_by_mistake_to_untick(board: Board) -> None:
    board.meeting.members.add(board.member_b)
    client = client_for(board.staff_a)
    url = reverse("board:meeting_update", kwargs={"pk": board.meeting.pk})

    form = client.get(url).context["form"]
    refused = client.post(
        url,
        {
            "held_at": "2099-05-01T10:00",
            "quorum": "1",
            "members": [board.member_a.pk, board.member_b.pk],
            "chair": board.member_a.pk,
        },
    )
    saved = client.post(
        url, {"held_at": "2099-05-01T10:00", "quorum": "1", "members": [board.member_a.pk], "chair": board.member_a.pk}
    )

    assert set(form.fields["members"].queryset) == {board.member_a, board.member_b}
    assert refused.status_code == 400
    assert "Bob of B" in refused.content.decode()
    assert saved.status_code == 302
    assert list(board.meeting.members.all()) == [board.member_a]


def test_a_member_of_the_meetings_board_who_is_staff_elsewhere_reads_it_but_edits_nothing(board: Board) -> None:
    member = UserFactory(role=Role.BOARD_MEMBER, programs=[board.program_a])
    _also_hold(member, Role.STAFF, board.program_b)
    board.meeting.members.add(member)
    client = client_for(member)
    agenda = client.get(reverse("board:meeting_agenda", kwargs={"pk": board.meeting.pk}))

    assert agenda.status_code == 200
    assert agenda.context["is_staff"] is False
    for page in ("board:meeting_update", "board:meeting_send", "board:meeting_open_early", "board:meeting_letters"):
        assert client.get(reverse(page, kwargs={"pk": board.meeting.pk})).status_code == 404


def test_the_agenda_ready_is_told_to_the_members_on_the_programs_board_only(board: Board) -> None:
    board.meeting.members.add(board.member_b)

    meeting_agenda_ready(meeting=board.meeting, by=board.staff_a)

    told = Notification.objects.filter(event=Event.BOARD_AGENDA_READY).values_list("recipient_id", flat=True)
    assert set(told) == {board.member_a.pk}
