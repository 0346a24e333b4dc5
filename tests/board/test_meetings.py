"""Board meetings: staff plan and edit them, send assessed proposals to them; items are deferred."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from board.models import AgendaItem, BoardMeeting
from board.services.meetings import agenda_item_defer, meeting_create, meeting_update
from intake.models import Call, Proposal
from intake.states import ProposalState
from tests.board.making import meeting_make
from tests.conftest import MakeProposal, client_for
from tests.factories import AgendaItemFactory, CallFactory, user_with_role

pytestmark = pytest.mark.django_db


def _members(count: int) -> list[User]:
    return [user_with_role(Role.BOARD_MEMBER) for _ in range(count)]


def test_meeting_create_refuses_a_chair_who_is_not_a_member(call: Call, staff: User) -> None:
    members = _members(2)

    with pytest.raises(DomainError, match="chair must be one of the members"):
        meeting_create(
            call=call,
            held_at=timezone.now() + timedelta(days=3),
            quorum=1,
            chair=user_with_role(Role.BOARD_MEMBER),
            members=members,
            by=staff,
        )

    assert not BoardMeeting.objects.exists()


def test_meeting_create_refuses_members_without_the_board_role(call: Call, staff: User, assessor: User) -> None:
    with pytest.raises(DomainError, match="Only board members can be invited"):
        meeting_create(
            call=call,
            held_at=timezone.now() + timedelta(days=3),
            quorum=1,
            chair=assessor,
            members=[assessor],
            by=staff,
        )


def test_meeting_create_refuses_a_quorum_above_the_members(call: Call, staff: User) -> None:
    members = _members(2)

    with pytest.raises(DomainError, match="quorum"):
        meeting_create(
            call=call, held_at=timezone.now() + timedelta(days=3), quorum=3, chair=members[0], members=members, by=staff
        )


def test_meeting_new_reads_the_time_in_the_calls_timezone(call: Call, staff_client: Client) -> None:
    Call.objects.filter(pk=call.pk).update(timezone="America/Vancouver")
    members = _members(3)
    when = (timezone.now() + timedelta(days=20)).date()

    response = staff_client.post(
        reverse("board:meeting_create", args=[call.pk]),
        {
            "held_at": f"{when:%Y-%m-%d}T09:30",
            "quorum": "2",
            "members": [member.pk for member in members],
            "chair": members[1].pk,
        },
    )

    meeting = BoardMeeting.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("board:meeting_agenda", args=[meeting.pk])
    local = meeting.held_at.astimezone(ZoneInfo("America/Vancouver"))
    assert (local.date(), local.hour, local.minute) == (when, 9, 30)
    assert (meeting.quorum, meeting.chair) == (2, members[1])
    assert set(meeting.members.all()) == set(members)


def test_meeting_new_keeps_what_was_typed_when_the_chair_is_not_invited(call: Call, staff_client: Client) -> None:
    members = _members(2)
    outsider = user_with_role(Role.BOARD_MEMBER)

    response = staff_client.post(
        reverse("board:meeting_create", args=[call.pk]),
        {"held_at": "2099-05-01T10:00", "quorum": "7", "members": [m.pk for m in members], "chair": outsider.pk},
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["chair"] == ["The chair must be one of the members invited."]
    assert form.errors["quorum"] == ["The quorum cannot be more than the members invited (2)."]
    assert 'value="2099-05-01T10:00"' in response.content.decode()
    assert not BoardMeeting.objects.exists()


def test_meeting_edit_is_refused_once_held(call: Call, staff: User, staff_client: Client) -> None:
    meeting = meeting_make(call)
    BoardMeeting.objects.filter(pk=meeting.pk).update(held_at=timezone.now() - timedelta(hours=1))
    members = list(meeting.members.all())

    response = staff_client.post(
        reverse("board:meeting_update", args=[meeting.pk]),
        {"held_at": "2099-05-01T10:00", "quorum": "1", "members": [m.pk for m in members], "chair": members[0].pk},
    )

    assert response.status_code == 403
    assert "has been held" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.held_at < timezone.now()


def test_meeting_update_is_refused_once_decisions_released(call: Call, staff: User) -> None:
    meeting = meeting_make(call)
    BoardMeeting.objects.filter(pk=meeting.pk).update(decisions_released_at=timezone.now())
    members = list(meeting.members.all())

    with pytest.raises(ActionForbidden, match="released"):
        meeting_update(
            meeting=meeting,
            held_at=timezone.now() + timedelta(days=9),
            quorum=1,
            chair=members[0],
            members=members,
            by=staff,
        )


def test_meeting_update_refuses_a_stale_edit(call: Call, staff: User) -> None:
    meeting = meeting_make(call)
    seen = meeting.updated_at
    BoardMeeting.objects.filter(pk=meeting.pk).update(quorum=1, updated_at=timezone.now() + timedelta(seconds=1))
    members = list(meeting.members.all())

    with pytest.raises(StaleAction):
        meeting_update(
            meeting=meeting,
            held_at=timezone.now() + timedelta(days=9),
            quorum=1,
            chair=members[0],
            members=members,
            by=staff,
            expected_updated_at=seen,
        )


def test_meeting_update_changes_members_and_chair(call: Call, staff: User) -> None:
    meeting = meeting_make(call)
    members = _members(3)

    meeting_update(
        meeting=meeting,
        held_at=meeting.held_at + timedelta(days=1),
        quorum=3,
        chair=members[2],
        members=members,
        by=staff,
        expected_updated_at=meeting.updated_at,
    )

    meeting.refresh_from_db()
    assert (meeting.quorum, meeting.chair) == (3, members[2])
    assert set(meeting.members.all()) == set(members)


def test_meeting_send_reports_each_proposal(call: Call, make_proposal: MakeProposal, staff_client: Client) -> None:
    meeting = meeting_make(call)
    ready = make_proposal(ProposalState.ASSESSED, title="Ready")
    moved_on = make_proposal(ProposalState.ASSESSED, title="Moved on")
    url = reverse("board:meeting_send", args=[meeting.pk])
    form_page = staff_client.get(url)
    Proposal.objects.filter(pk=moved_on.pk).update(state=ProposalState.IN_ASSESSMENT)

    response = staff_client.post(url, {"proposals": [ready.pk, moved_on.pk]})

    assert form_page.status_code == 200
    assert response.status_code == 400  # the moved-on proposal is no longer a choice
    response = staff_client.post(url, {"proposals": [ready.pk]})
    assert response.status_code == 200
    assert [(o.proposal, o.error) for o in response.context["outcomes"]] == [(ready, None)]
    ready.refresh_from_db()
    assert ready.state == ProposalState.BOARD_REVIEW
    assert AgendaItem.objects.get(proposal=ready).meeting == meeting


def test_meeting_send_proposals_reports_a_refusal_and_sends_the_rest(
    call: Call, make_proposal: MakeProposal, staff: User
) -> None:
    from workflow.actions.board import meeting_send_proposals

    meeting = meeting_make(call)
    ready = make_proposal(ProposalState.ASSESSED, title="A ready")
    stale = make_proposal(ProposalState.IN_ASSESSMENT, title="B still in assessment")

    outcomes = meeting_send_proposals(meeting=meeting, proposal_ids=[ready.pk, stale.pk], by=staff)

    assert [(o.proposal, o.error is None) for o in outcomes] == [(ready, True), (stale, False)]
    assert outcomes[1].error
    assert list(AgendaItem.objects.values_list("proposal_id", flat=True)) == [ready.pk]


def test_agenda_item_defer_moves_the_proposal_to_the_later_meeting(
    call: Call, make_proposal: MakeProposal, board_member: User
) -> None:
    first = meeting_make(call, members=[board_member], days=7)
    later = meeting_make(call, days=30)
    proposal = make_proposal(ProposalState.BOARD_REVIEW)
    item = AgendaItemFactory(meeting=first, proposal=proposal)

    moved = agenda_item_defer(item=item, to_meeting=later, by=board_member)

    item.refresh_from_db()
    proposal.refresh_from_db()
    assert (item.deferred_to, item.deferred_by) == (later, board_member)
    assert item.deferred_at is not None
    assert (moved.meeting, moved.proposal, moved.deferred_to) == (later, proposal, None)
    assert proposal.state == ProposalState.BOARD_REVIEW


@pytest.mark.parametrize("target", ["earlier", "other_call", "same"])
def test_agenda_item_defer_refuses_a_target_not_later_in_the_same_call(
    target: str, call: Call, make_proposal: MakeProposal, staff: User
) -> None:
    first = meeting_make(call, days=7)
    to_meeting = {
        "earlier": lambda: meeting_make(call, days=3),
        "other_call": lambda: meeting_make(CallFactory(), days=30),
        "same": lambda: first,
    }[target]()
    item = AgendaItemFactory(meeting=first, proposal=make_proposal(ProposalState.BOARD_REVIEW))

    with pytest.raises(DomainError):
        agenda_item_defer(item=item, to_meeting=to_meeting, by=staff)

    assert AgendaItem.objects.get().deferred_to is None


def test_agenda_item_defer_refuses_a_decided_proposal(call: Call, make_proposal: MakeProposal, staff: User) -> None:
    item = AgendaItemFactory(meeting=meeting_make(call, days=7), proposal=make_proposal(ProposalState.DECLINED))

    with pytest.raises(StaleAction, match="decided"):
        agenda_item_defer(item=item, to_meeting=meeting_make(call, days=30), by=staff)


def test_agenda_item_defer_refuses_a_second_deferral(call: Call, make_proposal: MakeProposal, staff: User) -> None:
    item = AgendaItemFactory(meeting=meeting_make(call, days=7), proposal=make_proposal(ProposalState.BOARD_REVIEW))
    later = meeting_make(call, days=30)
    agenda_item_defer(item=item, to_meeting=later, by=staff)

    with pytest.raises(StaleAction, match="already deferred"):
        agenda_item_defer(item=item, to_meeting=meeting_make(call, days=40), by=staff)


def test_agenda_item_defer_refuses_a_board_member_not_invited(call: Call, make_proposal: MakeProposal) -> None:
    item = AgendaItemFactory(meeting=meeting_make(call, days=7), proposal=make_proposal(ProposalState.BOARD_REVIEW))

    with pytest.raises(ActionForbidden):
        agenda_item_defer(item=item, to_meeting=meeting_make(call, days=30), by=user_with_role(Role.BOARD_MEMBER))


def test_agenda_item_defer_page_defers_and_returns_to_the_later_agenda(
    call: Call, make_proposal: MakeProposal, board_member: User, board_client: Client
) -> None:
    first = meeting_make(call, members=[board_member], days=7)
    later = meeting_make(call, days=30)
    item = AgendaItemFactory(meeting=first, proposal=make_proposal(ProposalState.BOARD_REVIEW))
    url = reverse("board:agenda_item_defer", args=[item.pk])

    page = board_client.get(url)
    response = board_client.post(url, {"to_meeting": later.pk})

    assert page.status_code == 200
    assert response.status_code == 302
    assert response.url == reverse("board:meeting_agenda", args=[later.pk])
    assert client_for(user_with_role(Role.BOARD_MEMBER)).get(url).status_code == 404


def test_meeting_list_shows_the_calls_meetings(call: Call, staff_client: Client) -> None:
    meeting = meeting_make(call)
    meeting_make(CallFactory())

    response = staff_client.get(reverse("board:meeting_list", args=[call.pk]))

    assert response.status_code == 200
    assert list(response.context["meetings"]) == [meeting]
    assert (
        reverse("board:meeting_list", args=[call.pk])
        in staff_client.get(reverse("intake:call_staff_detail", args=[call.pk])).content.decode()
    )


def test_meeting_edit_saves_with_the_version_seen_and_refuses_a_stale_post(call: Call, staff_client: Client) -> None:
    meeting = meeting_make(call, members=_members(2))
    members = list(meeting.members.all())
    url = reverse("board:meeting_update", args=[meeting.pk])
    seen = staff_client.get(url).context["form"]["updated_at"].value()
    data = {
        "held_at": "2099-05-01T10:00",
        "quorum": "2",
        "members": [m.pk for m in members],
        "chair": members[1].pk,
        "updated_at": seen,
    }

    saved = staff_client.post(url, data)
    stale = staff_client.post(url, {**data, "quorum": "1"})

    assert saved.status_code == 302
    assert stale.status_code == 409
    meeting.refresh_from_db()
    assert (meeting.quorum, meeting.chair) == (2, members[1])


def test_deferring_without_a_later_meeting_links_staff_to_planning_one(call: Call, staff: User) -> None:
    member = user_with_role(Role.BOARD_MEMBER)
    item = AgendaItemFactory(meeting=meeting_make(call, members=[member]))
    url = reverse("board:agenda_item_defer", args=[item.pk])

    for_staff = client_for(staff).get(url).content.decode()
    for_member = client_for(member).get(url).content.decode()

    assert f'<a href="{reverse("board:meeting_create", args=[call.pk])}">plan one</a> first' in for_staff
    assert "No later meeting of this call is planned: staff plan one first." in for_member
