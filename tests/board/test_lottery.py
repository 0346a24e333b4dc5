"""Partial randomisation: the seed shown before the draw, the band's lots drawn reproducibly, audited, in letters."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import cast

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.errors import DomainError, StaleAction
from accounts.models import User
from assessment.chances import lottery_draw, lottery_seed
from board.models import BoardMeeting, Vote, VoteChoice
from board.services.letters import letter_draft
from board.services.lottery import LOTTERY_DRAW, LOTTERY_SEED, lottery_run, lottery_seed_commit
from intake.models import Call, ConsortiumMember, Proposal
from records.models import AuditRecord
from tests.board.making import meeting_make, meeting_open
from tests.board.test_agenda_calibration import on_agenda, standing_store
from tests.conftest import MakeProposal, client_for
from tests.factories import ProgramFactory, UserFactory
from workflow import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(call: Call, board_member: User) -> BoardMeeting:
    # The envelope leaves $1,500,000 once the proposal always funded is set aside: one of the band's two.
    Call.objects.filter(pk=call.pk).update(funding_envelope=Decimal("2500000.00"), partial_randomisation=True)
    call.refresh_from_db()
    return meeting_make(call, chair=board_member, members=[board_member])


@pytest.fixture
def proposals(meeting: BoardMeeting, make_proposal: MakeProposal) -> dict[str, Proposal]:
    made = {}
    labels = {}
    for title, marks, label in (
        ("Always", 5, "always"),
        ("Band high", 4, "sometimes"),
        ("Band low", 3, "sometimes"),
        ("Never", 1, "never"),
    ):
        proposal = on_agenda(make_proposal, meeting, title, [marks] * 5)
        ConsortiumMember.objects.filter(proposal=proposal).exclude(is_lead=True).delete()
        ConsortiumMember.objects.filter(proposal=proposal).update(funding_requested=Decimal("1000000"))
        made[title] = proposal
        labels[title] = (marks, label)
    # Stored once every review is in: each submission refits the whole rubric.
    for title, (marks, label) in labels.items():
        standing_store(
            made[title], raw=marks * 20.0, calibrated=marks * 20.0, low=0.0, high=100.0, chance=0.5, chance_label=label
        )
    return made


def test_the_seed_is_shown_on_the_agenda_before_the_draw(
    meeting: BoardMeeting, proposals: dict[str, Proposal], staff_client: Client, board_client: Client
) -> None:
    agenda = reverse("board:meeting_agenda", args=[meeting.pk])
    assert 'name="value"' in staff_client.get(agenda).content.decode()

    response = staff_client.post(reverse("board:lottery_seed", args=[meeting.pk]), {"value": "Lotto 6/49: 4 8 15"})

    assert response.status_code == 302
    seed = lottery_seed(meeting_id=meeting.pk, value="Lotto 6/49: 4 8 15")
    for client in (staff_client, board_client):
        html = client.get(agenda).content.decode()
        assert seed in html
        assert "The band in the order drawn" not in html
        assert "Lotto 6/49" not in html  # the value is told with the draw, the seed before it
    assert (
        'action="{}"'.format(reverse("board:lottery_draw", args=[meeting.pk]))
        in staff_client.get(agenda).content.decode()
    )
    record = AuditRecord.objects.get(meeting=meeting, action=LOTTERY_SEED)
    assert record.data == {"value": "Lotto 6/49: 4 8 15", "seed": seed}


def test_the_draw_is_audited_and_reproducible_from_the_seed(
    meeting: BoardMeeting, proposals: dict[str, Proposal], staff: User, staff_client: Client
) -> None:
    seed = lottery_seed_commit(meeting=meeting, by=staff, value="20261206")

    response = staff_client.post(reverse("board:lottery_draw", args=[meeting.pk]))

    assert response.status_code == 302
    record = AuditRecord.objects.get(meeting=meeting, action=LOTTERY_DRAW)
    high, low = proposals["Band high"], proposals["Band low"]
    assert record.actor == staff
    assert record.data["seed"] == seed
    assert [line["proposal"] for line in record.data["band"]] == [high.pk, low.pk]  # the ranking's order
    assert record.data["money"] == "1500000.00"
    # Anyone with the seed, the band and the money draws the same order again.
    again = lottery_draw(
        seed=seed, band=[(high.pk, Decimal("1000000")), (low.pk, Decimal("1000000"))], money=Decimal("1500000")
    )
    assert record.data["order"] == [{"proposal": t.key, "position": t.position, "funded": t.funded} for t in again]
    assert sum(line["funded"] for line in record.data["order"]) == 1
    html = staff_client.get(reverse("board:meeting_agenda", args=[meeting.pk])).content.decode()
    assert "The band in the order drawn" in html
    assert "20261206" in html
    # The chair still decides: nothing was decided by the draw.
    assert all(p.state == "board_review" for p in Proposal.objects.filter(pk__in=[high.pk, low.pk]))


def test_a_different_value_gives_a_different_seed() -> None:
    assert lottery_seed(meeting_id=1, value="a") != lottery_seed(meeting_id=1, value="b")
    assert lottery_seed(meeting_id=1, value="a") != lottery_seed(meeting_id=2, value="a")


def test_the_lottery_is_staff_s_once_in_order_and_only_where_the_call_uses_it(
    meeting: BoardMeeting, proposals: dict[str, Proposal], staff: User, board_member: User, call: Call
) -> None:
    seed_url = reverse("board:lottery_seed", args=[meeting.pk])
    draw_url = reverse("board:lottery_draw", args=[meeting.pk])
    assert client_for(board_member).post(seed_url, {"value": "x"}).status_code == 403
    stranger = cast(User, UserFactory(role=Role.STAFF, programs=[ProgramFactory()]))
    assert client_for(stranger).post(seed_url, {"value": "x"}).status_code == 404
    with pytest.raises(DomainError):
        lottery_run(meeting=meeting, by=staff)  # no seed yet
    with pytest.raises(DomainError):
        lottery_seed_commit(meeting=meeting, by=staff, value="   ")
    lottery_seed_commit(meeting=meeting, by=staff, value="x")
    with pytest.raises(StaleAction):
        lottery_seed_commit(meeting=meeting, by=staff, value="y")
    assert client_for(board_member).post(draw_url).status_code == 403
    lottery_run(meeting=meeting, by=staff)
    assert client_for(staff).post(draw_url).status_code == 409
    assert AuditRecord.objects.filter(meeting=meeting, action=LOTTERY_DRAW).count() == 1
    Call.objects.filter(pk=call.pk).update(partial_randomisation=False)
    other = meeting_make(call, chair=board_member, members=[board_member])
    with pytest.raises(DomainError):
        lottery_seed_commit(meeting=other, by=staff, value="x")
    html = client_for(staff).get(reverse("board:meeting_agenda", args=[other.pk])).content.decode()
    assert "Partial randomisation" not in html


def test_a_value_missing_or_too_long_is_said_beside_the_field_keeping_what_was_typed(
    meeting: BoardMeeting, proposals: dict[str, Proposal], staff_client: Client
) -> None:
    url = reverse("board:lottery_seed", args=[meeting.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    assert 'for="id_value"' in page.content.decode()

    missing = staff_client.post(url, {"value": "   "})
    too_long = staff_client.post(url, {"value": "7" * 201})

    assert missing.status_code == too_long.status_code == 400
    html = missing.content.decode()
    assert 'aria-invalid="true"' in html
    field_error = r'id="id_value_error" class="invalid-feedback">\s*<p id="error_1_id_value"><strong>'
    assert re.search(field_error + "Enter the value the lottery&#x27;s seed is made from.", html)
    html = too_long.content.decode()
    assert re.search(field_error + r"Enter a value of at most 200 characters \(it has 201\)", html)
    assert 'value="{}"'.format("7" * 201) in html
    assert not AuditRecord.objects.filter(meeting=meeting).exists()


def test_a_seed_committed_twice_is_said_at_the_top_keeping_the_value(
    meeting: BoardMeeting, proposals: dict[str, Proposal], staff: User, staff_client: Client
) -> None:
    lottery_seed_commit(meeting=meeting, by=staff, value="first")

    response = staff_client.post(reverse("board:lottery_seed", args=[meeting.pk]), {"value": "second"})

    assert response.status_code == 409
    html = response.content.decode()
    assert re.search(r'id="form-errors">.*already committed', html, re.S)
    assert 'value="second"' in html
    assert AuditRecord.objects.get(meeting=meeting, action=LOTTERY_SEED).data["value"] == "first"


def test_a_draw_refused_is_said_at_the_top_of_its_form(
    meeting: BoardMeeting, proposals: dict[str, Proposal], staff: User, staff_client: Client
) -> None:
    url = reverse("board:lottery_draw", args=[meeting.pk])
    assert staff_client.get(url).status_code == 200

    before_seed = staff_client.post(url)

    assert before_seed.status_code == 400
    assert re.search(r'id="form-errors">.*Commit the lottery&#x27;s value first', before_seed.content.decode(), re.S)
    seed = lottery_seed_commit(meeting=meeting, by=staff, value="v")
    page = staff_client.get(url).content.decode()
    assert seed in page
    # Every proposal of the band decided: nothing is left to draw.
    Proposal.objects.filter(title__startswith="Band").update(state="declined")
    nothing = staff_client.post(url)
    assert nothing.status_code == 400
    assert "there is nothing to draw" in nothing.content.decode()
    assert not AuditRecord.objects.filter(meeting=meeting, action=LOTTERY_DRAW).exists()


def test_the_letters_of_the_band_say_it_was_decided_partly_by_lottery(
    meeting: BoardMeeting, proposals: dict[str, Proposal], staff: User, board_member: User
) -> None:
    lottery_seed_commit(meeting=meeting, by=staff, value="v")
    lottery_run(meeting=meeting, by=staff)
    meeting_open(meeting)
    for title in ("Band low", "Never"):
        item = proposals[title].agenda_items.get()
        Vote.objects.create(item=item, member=board_member, choice=VoteChoice.DECLINE)
        actions.proposal_decline(proposal=proposals[title], by=board_member, rationale="Below the line.")
        proposals[title].refresh_from_db()

    in_band = letter_draft(item=proposals["Band low"].agenda_items.get())
    outside = letter_draft(item=proposals["Never"].agenda_items.get())

    assert "decided it partly by lottery" in in_band.body
    assert "lottery" not in outside.body


def test_staff_opt_a_call_in_on_its_edit_form(staff_client: Client, call: Call) -> None:
    from tests.intake.test_staff_views import _form_data

    url = reverse("intake:call_update", args=[call.pk])
    page = staff_client.get(url)
    data = _form_data(page)
    assert data["partial_randomisation"] is False  # off by default
    assert 'name="partial_randomisation"' in page.content.decode()

    response = staff_client.post(url, {**data, "partial_randomisation": "on"})

    assert response.status_code == 302
    call.refresh_from_db()
    assert call.partial_randomisation is True
