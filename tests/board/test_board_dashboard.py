"""The board member's dashboard: their meetings, each with the way to its agenda, votes and conflicts."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from tests.board.making import meeting_make
from tests.conftest import client_for
from tests.factories import CallFactory, user_with_role
from tests.queries import settled_queries


def test_board_dashboard_links_each_meeting_the_member_is_invited_to(board_client: Client, board_member: User) -> None:
    call = CallFactory(title_en="Technology leadership projects")
    later = meeting_make(call, members=[board_member], days=14)
    sooner = meeting_make(call, members=[board_member, user_with_role(Role.BOARD_MEMBER)], days=7)
    meeting_make(call, members=[user_with_role(Role.BOARD_MEMBER)], days=3)  # not invited
    released = meeting_make(call, members=[board_member], days=1)
    released.decisions_released_at = timezone.now()
    released.save(update_fields=["decisions_released_at"])

    response = board_client.get(reverse("board:dashboard"))

    assert response.status_code == 200
    assert response.context["meetings"] == [sooner, later]
    html = response.content.decode()
    for meeting in (sooner, later):
        for name in ("meeting_agenda", "votes", "conflicts"):
            assert reverse(f"board:{name}", args=[meeting.pk]) in html
    assert reverse("board:meeting_agenda", args=[released.pk]) not in html
    assert "You have no upcoming meeting." not in html


def test_board_dashboard_says_so_when_no_meeting_is_ahead(board_client: Client) -> None:
    response = board_client.get(reverse("board:dashboard"))

    assert response.context["meetings"] == []
    assert "You have no upcoming meeting." in response.content.decode()


def test_board_dashboard_queries_do_not_grow_with_meetings(board_member: User) -> None:
    client = client_for(board_member)
    url = reverse("board:dashboard")

    def count() -> int:
        response, queries = settled_queries(lambda: client.get(url))
        assert response.status_code == 200
        return queries

    meeting_make(CallFactory(), members=[board_member])
    with_one = count()
    for _ in range(5):
        meeting_make(CallFactory(), members=[board_member, user_with_role(Role.BOARD_MEMBER)])
    assert count() == with_one


def test_meeting_agenda_leads_a_member_to_their_votes_and_conflicts(board_member: User, staff: User) -> None:
    meeting = meeting_make(CallFactory(), members=[board_member])
    url = reverse("board:meeting_agenda", args=[meeting.pk])
    links = [reverse(f"board:{name}", args=[meeting.pk]) for name in ("votes", "conflicts")]

    member_page = client_for(board_member).get(url).content.decode()
    staff_page = client_for(staff).get(url).content.decode()

    assert all(link in member_page for link in links)
    assert not any(link in staff_page for link in links)
