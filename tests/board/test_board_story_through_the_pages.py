"""The board, from planning a meeting to releasing its letters, walked through the pages as people would, in one story.

A new staff member plans a board meeting of five members (quorum three) and sends the
call's four assessed proposals to it; every member was told of the invitation, and staff
tell them the agenda is ready from its page. Two members each declare a conflict on one
proposal and are recused from it; every member votes on what they are not recused from.
Before the meeting's time the chair is told decisions wait for it; once it starts (by the
server's clock) the chair approves the two best-ranked proposals in full, is refused a third approval
that would overrun the envelope (with the numbers), and declines the last two. Staff
edit a letter and release the meeting's decisions: each lead applicant reads their
letter, in their language, on their proposal's page and in their inbox, and a second
release sends nothing. The call's figures show the committed funds and the leverage.

Everything goes through HTTP with ``tests.browser``. Factories make only what exists
before the story: the call, the people, and four assessed proposals with their reviews.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from board.models import BoardMeeting
from intake.models import Call, Proposal
from intake.states import ProposalState
from records.events import Channel, Event
from records.models import Notification
from tests.board.making import review_submitted
from tests.browser import follow, forms_of, submit, text_of
from tests.conftest import client_for
from tests.factories import CallFactory, ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db

# Best first: the agenda ranks by weighted score. Each asks the cluster for $1,000,000 (the factory's budget).
TITLES = ["Robotic weld inspection", "Acoustic fish counts", "Crop disease detection", "Harbour ice sensors"]
SCORES = [[5, 5, 5, 5, 5], [4, 4, 4, 4, 4], [3, 3, 3, 3, 3], [2, 2, 2, 2, 2]]


def _decide(client: Client, page: Any, decision: str, values: dict[str, str]) -> Any:
    """Post the chair's approve or decline form of the decision page, as its button would."""
    (form,) = [f for f in forms_of(page) if f.buttons.get("decision") == decision]
    data = {**form.fields, "decision": decision}
    for label, value in values.items():
        data[form.name_of(label)] = value
    return client.post(form.action, data)


def test_board_plans_a_meeting_votes_decides_and_releases_the_letters(
    django_capture_on_commit_callbacks: Any, request: pytest.FixtureRequest
) -> None:
    call: Call = CallFactory(funding_envelope=Decimal("2500000.00"))
    staff = client_for(UserFactory(role=Role.STAFF, display_name="Nadia New"))
    members = [
        UserFactory(role=Role.BOARD_MEMBER, display_name=name, email=f"{name.lower()}@board.example")
        for name in ("Carla", "Dev", "Eve", "Finn", "Gus")
    ]
    chair = members[0]
    leads = [UserFactory(role=Role.APPLICANT, preferred_language="fr" if index == 3 else "en") for index in range(4)]
    proposals = [
        ProposalFactory(call=call, state=ProposalState.ASSESSED, title=title, lead_applicant=lead)
        for title, lead in zip(TITLES, leads, strict=True)
    ]
    for proposal, scores in zip(proposals, SCORES, strict=True):
        review_submitted(proposal, scores, comment=f"Comment on {proposal.title}.", overall="Well argued.")
        review_submitted(proposal, scores, comment="A second view.")

    # Staff plan the meeting and send the assessed proposals to it.
    page = staff.get(reverse("board:meeting_create", kwargs={"pk": call.pk}))
    held_at = timezone.localtime(timezone.now() + timedelta(days=7), call.zone).strftime("%Y-%m-%dT%H:%M")
    response = submit(
        staff,
        page,
        values={"held_at": held_at, "quorum": "3", "members": [str(m.pk) for m in members]},
        choose={"chair": f"{chair.display_name} <{chair.email}>"},
    )
    meeting = BoardMeeting.objects.get(call=call)
    assert response.status_code == 302
    page = staff.get(reverse("board:meeting_send", kwargs={"pk": meeting.pk}))
    sent = text_of(submit(staff, page, values={"proposals": [str(p.pk) for p in proposals]}))
    for title in TITLES:
        assert f"Sent {title}" in sent
    assert [p.state for p in Proposal.objects.filter(pk__in=[p.pk for p in proposals])] == [
        ProposalState.BOARD_REVIEW
    ] * 4
    # Every member was told of the invitation; staff tell them the agenda is ready, from its page.
    assert Notification.objects.filter(event=Event.BOARD_INVITED, channel=Channel.INBOX).count() == 5
    agenda_page = staff.get(reverse("board:meeting_agenda", kwargs={"pk": meeting.pk}))
    ready_url = reverse("board:meeting_agenda_ready", kwargs={"pk": meeting.pk})
    ready = follow(staff, submit(staff, agenda_page, action=ready_url))
    assert "The agenda is ready: the meeting's members are told." in text_of(ready)
    assert "Agenda sent to the members on" in text_of(ready)
    for member in members:
        inbox = text_of(client_for(member).get(reverse("records:inbox")))
        assert f"The board agenda of {call.title_en} is ready" in inbox

    # Two members declare a conflict, each on one of the two lower-ranked proposals.
    boards = {member.pk: client_for(member) for member in members}
    recused = {members[1].pk: proposals[2], members[2].pk: proposals[3]}
    for member_pk, proposal in recused.items():
        page = boards[member_pk].get(reverse("board:conflicts", kwargs={"pk": meeting.pk}))
        follow(
            boards[member_pk],
            submit(
                boards[member_pk],
                page,
                choose={"proposal": proposal.title},
                values={"nature": "I advise the lead organization."},
            ),
        )

    # Every member votes on what they are not recused from; a recused member cannot open the vote.
    for member in members:
        client = boards[member.pk]
        votes_page = client.get(reverse("board:votes", kwargs={"pk": meeting.pk}))
        links = re.findall(r'href="(/board/meetings/\d+/items/\d+/vote/)"', votes_page.content.decode())
        expected = 3 if member.pk in recused else 4
        assert len(links) == expected, (member.display_name, links)
        for link in links:
            follow(client, submit(client, client.get(link), values={"choice": "approve", "comment": "Good value."}))
    recused_item = meeting.items.get(proposal=recused[members[1].pk])
    denied = boards[members[1].pk].get(reverse("board:vote", kwargs={"pk": meeting.pk, "item_pk": recused_item.pk}))
    assert denied.status_code == 404

    # The chair approves the top two in full; a third approval would overrun the envelope.
    chair_client = boards[chair.pk]
    items = {item.proposal_id: item for item in meeting.items.all()}

    def decide_url(proposal: Proposal) -> str:
        return reverse("board:decide", kwargs={"pk": meeting.pk, "item_pk": items[proposal.pk].pk})

    # Before the meeting's time the chair reads the page but is told decisions wait for it.
    early = chair_client.get(decide_url(proposals[0]))
    assert "This meeting has not started: the chair records decisions from" in text_of(early)
    assert not [f for f in forms_of(early) if f.buttons.get("decision")]
    refused_early = chair_client.post(
        decide_url(proposals[0]), {"decision": "decline", "decline-rationale": "Too early."}
    )
    assert refused_early.status_code == 403
    assert "This meeting has not started" in text_of(refused_early)
    # The meeting starts, by the server's clock.
    clock = time_machine.travel(meeting.held_at + timedelta(minutes=1), tick=True)
    clock.start()
    request.addfinalizer(clock.stop)

    for proposal in proposals[:2]:
        page = chair_client.get(decide_url(proposal))
        follow(
            chair_client,
            _decide(
                chair_client,
                page,
                "approve",
                {
                    "approve-amount": "1000000.00",
                    "approve-rationale": "Top of the ranking.",
                    "approve-conditions": "Quarterly reports.",
                },
            ),
        )
    page = chair_client.get(decide_url(proposals[2]))
    refused = _decide(
        chair_client, page, "approve", {"approve-amount": "1000000.00", "approve-rationale": "Next in line."}
    )
    assert refused.status_code in (400, 409)
    # The message gives the numbers (how many decimals is the action's affair).
    assert re.search(
        r"Approving \$1,000,000(\.00)? would commit more than the call's envelope: \$2,500,000(\.00)?, of which "
        r"\$2,000,000(\.00)? is committed and \$500,000(\.00)? remains\.",
        text_of(refused),
    )
    for proposal in proposals[2:]:
        page = chair_client.get(decide_url(proposal))
        follow(chair_client, _decide(chair_client, page, "decline", {"decline-rationale": "The envelope is spent."}))
    states = dict(Proposal.objects.filter(pk__in=[p.pk for p in proposals]).values_list("title", "state"))
    assert states == {
        TITLES[0]: ProposalState.APPROVED,
        TITLES[1]: ProposalState.APPROVED,
        TITLES[2]: ProposalState.DECLINED,
        TITLES[3]: ProposalState.DECLINED,
    }

    # Staff open the meeting's letters from the meeting list, edit one, and release the decisions.
    meetings_page = staff.get(reverse("board:meeting_list", kwargs={"pk": call.pk}))
    letters_url = reverse("board:meeting_letters", kwargs={"pk": meeting.pk})
    assert letters_url in meetings_page.content.decode()
    letters_page = staff.get(letters_url)
    letters_text = text_of(letters_page)
    assert "Congratulations: the board approved funding of $1,000,000.00" in letters_text
    assert "Assessor 1 Well argued." in letters_text
    for member in members:
        assert member.display_name not in letters_text
    edit_link = re.findall(r'href="(/staff/letters/\d+/)"', letters_page.content.decode())[0]
    edit_page = staff.get(edit_link)
    (form,) = [f for f in forms_of(edit_page) if f.action == edit_link]
    body = form.fields[form.name_of("Text of the letter")] + "\nWith our best wishes, the program team."
    follow(staff, submit(staff, edit_page, values={"Text of the letter": body}))
    release_url = reverse("board:letters_release", kwargs={"pk": meeting.pk})
    with django_capture_on_commit_callbacks(execute=False):
        released = follow(staff, submit(staff, staff.get(letters_url), action=release_url))
    assert "The decisions are released: 4 letters were sent." in text_of(released)
    again = follow(staff, staff.post(release_url))
    assert "nothing was sent again" in text_of(again)
    assert Notification.objects.filter(event=Event.DECISION_LETTER, channel=Channel.EMAIL).count() == 4

    # Each lead applicant reads their letter, in their language, on the proposal page and in the inbox.
    pages = {}
    for proposal, lead in zip(proposals, leads, strict=True):
        client = client_for(lead)
        text = pages[proposal.title] = text_of(
            client.get(reverse("intake:proposal_detail", kwargs={"pk": proposal.pk}))
        )
        inbox = text_of(client.get(reverse("records:inbox")))
        if proposal.title in TITLES[:2]:
            subject = f"Your proposal is funded: {proposal.title}"
            assert "Conditions of funding: Quarterly reports." in text
        elif proposal.title == TITLES[2]:
            subject = f"Funding decision on your proposal: {proposal.title}"
            assert "Rationale of the decision: The envelope is spent." in text
            assert "Assessor 1 Well argued." in text
            assert "Assessor 2 " in text
        else:
            subject = f"Décision de financement sur votre proposition : {proposal.title}"
            assert "Justification de la décision : The envelope is spent." in text
            assert "Évaluateur 1 Well argued." in text
        assert subject in text
        assert subject in inbox
    assert sum("With our best wishes, the program team." in text for text in pages.values()) == 1

    # The call's figures: two approvals of $1,000,000 each, with $2,800,000 of industry each: 2.80.
    figures = text_of(staff.get(reverse("board:call_program", kwargs={"pk": call.pk})))
    assert "$2,000,000.00 committed of $2,500,000.00; $500,000.00 remains." in figures
    assert "Industry contributes $5,600,000.00 to the approved projects: 2.80 dollars per dollar" in figures
