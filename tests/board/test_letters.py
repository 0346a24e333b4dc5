"""Decision letters: drafted in the lead applicant's language, anonymous feedback, edited by staff, released once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from accounts.errors import DomainError, StaleAction
from accounts.models import User
from board.models import AgendaItem, BoardMeeting, DecisionLetter, Vote, VoteChoice
from board.services.letters import (
    letter_draft,
    letter_released_for,
    letter_update,
    meeting_decisions_release,
    meeting_letters,
)
from intake.models import Call
from intake.states import PROJECT_STATES, ProposalState
from records.events import Channel, Event
from records.models import Notification
from records.notifications import notification_render
from tests.board.making import meeting_make, meeting_open, review_submitted
from tests.conftest import MakeProposal, client_for
from tests.factories import AgendaItemFactory, UserFactory, user_with_role
from workflow import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def chair(db: None) -> User:
    return user_with_role(Role.BOARD_MEMBER, display_name="Chris Chair")


@pytest.fixture
def meeting(call: Call, chair: User) -> BoardMeeting:
    return meeting_open(meeting_make(call, members=[chair], quorum=1))


def _on_agenda(make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, **fields: Any) -> AgendaItem:
    proposal = make_proposal(ProposalState.BOARD_REVIEW, **fields)
    item = AgendaItemFactory(meeting=meeting, proposal=proposal)
    Vote.objects.create(item=item, member=chair, choice=VoteChoice.APPROVE)
    return item


def _approved(make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, **fields: Any) -> AgendaItem:
    item = _on_agenda(make_proposal, meeting, chair, **fields)
    actions.proposal_approve(
        proposal=item.proposal,
        by=chair,
        amount=Decimal("150000.00"),
        rationale="A strong consortium.",
        conditions="Quarterly progress reports.",
    )
    item.proposal.refresh_from_db()
    return item


def _declined(make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, **fields: Any) -> AgendaItem:
    item = _on_agenda(make_proposal, meeting, chair, **fields)
    actions.proposal_decline(proposal=item.proposal, by=chair, rationale="The market is not shown.")
    item.proposal.refresh_from_db()
    return item


def test_letter_draft_approval_in_english_states_amount_and_conditions(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User
) -> None:
    item = _approved(make_proposal, meeting, chair, title="Shared testbed")

    letter = letter_draft(item=item)

    assert letter.language == "en"
    assert letter.subject == "Your proposal is funded: Shared testbed"
    assert "the board approved funding of $150,000.00 for your proposal “Shared testbed”" in letter.body
    assert "Conditions of funding:\nQuarterly progress reports." in letter.body
    assert "Program staff will contact you about the funding agreement." in letter.body
    assert letter.released_at is None


def test_letter_draft_approval_in_french_for_a_french_applicant(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User
) -> None:
    lead = user_with_role(Role.APPLICANT, preferred_language="fr")
    item = _approved(make_proposal, meeting, chair, title="Banc d'essai", lead_applicant=lead)

    letter = letter_draft(item=item)

    assert letter.language == "fr"
    assert letter.subject == "Votre proposition est financée : Banc d'essai"
    assert "150\xa0000,00\xa0$" in letter.body
    assert "Conditions du financement :\nQuarterly progress reports." in letter.body
    assert "approved funding" not in letter.body


def test_letter_draft_decline_gives_rationale_and_anonymous_feedback(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User
) -> None:
    item = _declined(make_proposal, meeting, chair, title="Ocean sensors")
    first = review_submitted(item.proposal, [2, 2, 2, 2, 2], comment="Thin market study.", overall="Promising team.")
    second = review_submitted(item.proposal, [1, 1, 1, 1, 1], comment="No pilot customer.")
    names = [r.assignment.assessor for r in (first, second)]

    letter = letter_draft(item=item)

    assert letter.subject == "Funding decision on your proposal: Ocean sensors"
    assert "the board decided not to fund your proposal “Ocean sensors”" in letter.body
    assert "Rationale of the decision:\nThe market is not shown." in letter.body
    assert "Assessor 1\nPromising team.\n" in letter.body
    assert "Thin market study." in letter.body
    assert "Assessor 2\n" in letter.body
    assert "No pilot customer." in letter.body
    assert "Assessor 3" not in letter.body
    for assessor in names:
        assert assessor.display_name not in letter.body
        assert assessor.email not in letter.body


def test_letter_draft_decline_in_french_names_assessors_by_number(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User
) -> None:
    lead = user_with_role(Role.APPLICANT, preferred_language="fr")
    item = _declined(make_proposal, meeting, chair, lead_applicant=lead)
    review_submitted(item.proposal, [2, 2, 2, 2, 2], comment="Étude de marché mince.")

    letter = letter_draft(item=item)

    assert "Justification de la décision :\nThe market is not shown." in letter.body
    assert "Évaluateur 1\n" in letter.body
    assert "Assessor 1" not in letter.body


def test_letter_draft_leaves_out_unsubmitted_reviews(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User
) -> None:
    item = _declined(make_proposal, meeting, chair)
    draft = review_submitted(item.proposal, [2, 2, 2, 2, 2], comment="Draft thoughts.")
    draft.state = "draft"
    draft.save(update_fields=["state"])

    letter = letter_draft(item=item)

    assert "Draft thoughts." not in letter.body
    assert "Assessor 1" not in letter.body


def test_letter_draft_is_idempotent(make_proposal: MakeProposal, meeting: BoardMeeting, chair: User) -> None:
    item = _approved(make_proposal, meeting, chair)

    first = letter_draft(item=item)
    second = letter_draft(item=item)

    assert first.pk == second.pk
    assert DecisionLetter.objects.count() == 1


def test_letter_draft_refused_before_the_decision(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User
) -> None:
    item = _on_agenda(make_proposal, meeting, chair)

    with pytest.raises(DomainError):
        letter_draft(item=item)

    assert not DecisionLetter.objects.exists()


def test_meeting_letters_drafts_decided_items_and_lists_undecided(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User
) -> None:
    approved = _approved(make_proposal, meeting, chair, title="A")
    declined = _declined(make_proposal, meeting, chair, title="B")
    waiting = _on_agenda(make_proposal, meeting, chair, title="C")

    state = meeting_letters(meeting=meeting)

    assert sorted(letter.item_id for letter in state.letters) == sorted([approved.pk, declined.pk])
    assert state.undecided == [waiting.proposal]


def test_meeting_decisions_release_sends_each_letter_once(
    make_proposal: MakeProposal,
    meeting: BoardMeeting,
    chair: User,
    staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    approved = _approved(make_proposal, meeting, chair)
    declined = _declined(make_proposal, meeting, chair, lead_applicant=UserFactory(role=Role.APPLICANT))
    letter = letter_draft(item=approved)
    letter_update(
        letter=letter, by=staff, subject="Good news", body="Edited text of the letter.", seen=letter.updated_at
    )

    with django_capture_on_commit_callbacks(execute=False):
        sent = meeting_decisions_release(meeting=meeting, by=staff)

    assert sent == 2
    rows = Notification.objects.filter(event=Event.DECISION_LETTER)
    assert sorted((row.recipient_id, row.channel) for row in rows) == sorted(
        (item.proposal.lead_applicant_id, channel)
        for item in (approved, declined)
        for channel in (Channel.INBOX, Channel.EMAIL)
    )
    email = rows.get(recipient=approved.proposal.lead_applicant, channel=Channel.EMAIL)
    subject, text, html = notification_render(email)
    assert subject == "Good news"
    assert "Edited text of the letter." in text
    assert "Edited text of the letter." in html
    meeting.refresh_from_db()
    released_at = meeting.decisions_released_at
    assert released_at is not None
    assert set(DecisionLetter.objects.values_list("released_at", flat=True)) == {released_at}

    again = meeting_decisions_release(meeting=meeting, by=staff)

    assert again == 0
    assert Notification.objects.filter(event=Event.DECISION_LETTER).count() == 4
    meeting.refresh_from_db()
    assert meeting.decisions_released_at == released_at


def test_letter_released_for_a_decided_proposal_reads_the_latest_released(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, staff: User
) -> None:
    approved = _approved(make_proposal, meeting, chair)
    meeting_letters(meeting=meeting)
    assert letter_released_for(proposal=approved.proposal) is None  # drafted, not released

    meeting_decisions_release(meeting=meeting, by=staff)

    letter = letter_released_for(proposal=approved.proposal)
    assert letter is not None
    assert letter.item_id == approved.pk


@pytest.mark.parametrize(
    "state",
    sorted(set(ProposalState) - {ProposalState.APPROVED, ProposalState.DECLINED, *PROJECT_STATES}),
)
def test_letter_released_for_a_proposal_no_decision_reached_reads_nothing(
    make_proposal: MakeProposal, state: str, django_assert_num_queries: Any
) -> None:
    proposal = make_proposal(state)

    with django_assert_num_queries(0):
        assert letter_released_for(proposal=proposal) is None


def test_meeting_decisions_release_refused_while_a_proposal_awaits_its_decision(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, staff: User
) -> None:
    _approved(make_proposal, meeting, chair)
    _on_agenda(make_proposal, meeting, chair)

    with pytest.raises(DomainError, match="1 proposal on this meeting's agenda awaits its decision"):
        meeting_decisions_release(meeting=meeting, by=staff)

    meeting.refresh_from_db()
    assert meeting.decisions_released_at is None
    assert not Notification.objects.filter(event=Event.DECISION_LETTER).exists()
    assert not DecisionLetter.objects.filter(released_at__isnull=False).exists()


def test_a_proposal_withdrawn_from_the_agenda_holds_up_no_release(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, staff: User
) -> None:
    approved = _approved(make_proposal, meeting, chair)
    withdrawn = _on_agenda(make_proposal, meeting, chair).proposal
    actions.proposal_withdraw(proposal=withdrawn, by=withdrawn.lead_applicant, reason="We found other funding.")

    sent = meeting_decisions_release(meeting=meeting, by=staff)

    assert sent == 1
    assert list(DecisionLetter.objects.values_list("item_id", flat=True)) == [approved.pk]
    meeting.refresh_from_db()
    assert meeting.decisions_released_at is not None


def test_letter_update_after_another_save_is_stale(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, staff: User
) -> None:
    letter = letter_draft(item=_approved(make_proposal, meeting, chair))
    opened = letter.updated_at
    letter_update(letter=letter, by=staff, subject="First", body="First text.", seen=opened)

    with pytest.raises(StaleAction):
        letter_update(letter=letter, by=user_with_role(Role.STAFF), subject="Second", body="Second text.", seen=opened)

    letter.refresh_from_db()
    assert (letter.subject, letter.body, letter.edited_by) == ("First", "First text.\n", staff)


def test_letter_update_refused_once_released(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, staff: User
) -> None:
    letter = letter_draft(item=_approved(make_proposal, meeting, chair))
    meeting_decisions_release(meeting=meeting, by=staff)
    letter.refresh_from_db()

    with pytest.raises(StaleAction, match="already sent"):
        letter_update(letter=letter, by=staff, subject="Late", body="Late.", seen=letter.updated_at)


# --- Pages ------------------------------------------------------------------------------------


def test_meeting_letters_page_drafts_and_shows_the_letters(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, staff_client: Client
) -> None:
    item = _approved(make_proposal, meeting, chair, title="Shared testbed")

    response = staff_client.get(reverse("board:meeting_letters", kwargs={"pk": meeting.pk}))

    assert response.status_code == 200
    letter = DecisionLetter.objects.get(item=item)
    assert letter.subject in response.content.decode()
    assert reverse("board:letter_edit", kwargs={"pk": letter.pk}) in response.content.decode()
    staff_client.get(reverse("board:meeting_letters", kwargs={"pk": meeting.pk}))
    assert DecisionLetter.objects.count() == 1


def test_letter_edit_page_saves_the_edit(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, staff: User, staff_client: Client
) -> None:
    letter = letter_draft(item=_approved(make_proposal, meeting, chair))
    url = reverse("board:letter_edit", kwargs={"pk": letter.pk})

    response = staff_client.post(
        url, {"subject": "Edited subject", "body": "Edited body.", "seen": letter.updated_at.isoformat()}
    )

    assert response.status_code == 302
    assert response.url == reverse("board:meeting_letters", kwargs={"pk": meeting.pk})
    letter.refresh_from_db()
    assert (letter.subject, letter.body, letter.edited_by) == ("Edited subject", "Edited body.\n", staff)


def test_letter_edit_page_second_editor_gets_409_and_keeps_the_text(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, staff_client: Client
) -> None:
    letter = letter_draft(item=_approved(make_proposal, meeting, chair))
    url = reverse("board:letter_edit", kwargs={"pk": letter.pk})
    seen = letter.updated_at.isoformat()
    other = client_for(user_with_role(Role.STAFF))
    other.post(url, {"subject": "Theirs", "body": "Their text.", "seen": seen})

    response = staff_client.post(url, {"subject": "Mine", "body": "My own careful text.", "seen": seen})

    assert response.status_code == 409
    page = response.content.decode()
    assert "Somebody saved this letter after you opened it." in page
    assert "My own careful text." in page
    letter.refresh_from_db()
    assert letter.subject == "Theirs"


def test_letter_edit_page_empty_body_is_refused_beside_the_field(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, staff_client: Client
) -> None:
    letter = letter_draft(item=_approved(make_proposal, meeting, chair))

    response = staff_client.post(
        reverse("board:letter_edit", kwargs={"pk": letter.pk}),
        {"subject": "Kept subject", "body": "", "seen": letter.updated_at.isoformat()},
    )

    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert "Kept subject" in response.content.decode()
    letter.refresh_from_db()
    assert letter.subject != "Kept subject"


def test_release_page_sends_once_and_says_so(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, staff_client: Client
) -> None:
    _approved(make_proposal, meeting, chair)
    url = reverse("board:letters_release", kwargs={"pk": meeting.pk})

    first = staff_client.post(url, follow=True)
    second = staff_client.post(url, follow=True)

    assert "The decisions are released: 1 letter was sent." in first.content.decode()
    assert "These decisions were already released: nothing was sent again." in second.content.decode()
    assert Notification.objects.filter(event=Event.DECISION_LETTER, channel=Channel.EMAIL).count() == 1


def test_release_page_refused_with_undecided_proposal(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, staff_client: Client
) -> None:
    _on_agenda(make_proposal, meeting, chair)

    response = staff_client.post(reverse("board:letters_release", kwargs={"pk": meeting.pk}))

    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.decisions_released_at is None


def test_applicant_reads_the_letter_on_the_proposal_page_after_release_only(
    make_proposal: MakeProposal,
    meeting: BoardMeeting,
    chair: User,
    staff: User,
    applicant: User,
    applicant_client: Client,
) -> None:
    item = _approved(make_proposal, meeting, chair)
    letter = letter_draft(item=item)
    letter_update(letter=letter, by=staff, subject="Your letter", body="The very words of it.", seen=letter.updated_at)
    url = reverse("intake:proposal_detail", kwargs={"pk": item.proposal.pk})

    before = applicant_client.get(url).content.decode()
    meeting_decisions_release(meeting=meeting, by=staff)
    after = applicant_client.get(url).content.decode()

    assert "The very words of it." not in before
    assert 'id="letter-heading"' in after
    assert "The very words of it." in after
    inbox = applicant_client.get(reverse("records:inbox")).content.decode()
    assert "Your letter" in inbox


@pytest.mark.parametrize(
    ("persona", "expected"), [("applicant", 403), ("assessor", 403), ("board_member", 403), ("staff", 200)]
)
def test_letter_pages_are_staff_only(
    make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, persona: str, expected: int, request: Any
) -> None:
    letter = letter_draft(item=_approved(make_proposal, meeting, chair))
    client = client_for(request.getfixturevalue(persona))

    pages = client.get(reverse("board:meeting_letters", kwargs={"pk": meeting.pk}))
    edit = client.get(reverse("board:letter_edit", kwargs={"pk": letter.pk}))
    release = client.post(reverse("board:letters_release", kwargs={"pk": meeting.pk}))

    assert (pages.status_code, edit.status_code) == (expected, expected)
    assert release.status_code == (302 if expected == 200 else 403)


def test_letter_edit_of_unknown_letter_is_404(staff_client: Client) -> None:
    assert staff_client.get(reverse("board:letter_edit", kwargs={"pk": 999999})).status_code == 404


def _letters_page_queries(client: Client, meeting: BoardMeeting) -> int:
    url = reverse("board:meeting_letters", kwargs={"pk": meeting.pk})
    client.get(url)  # drafts the letters of new decisions first
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_meeting_letters_page_queries_do_not_grow_with_letters(
    call: Call, make_proposal: MakeProposal, chair: User, staff_client: Client
) -> None:
    Call.objects.filter(pk=call.pk).update(funding_envelope=Decimal("100000000"))
    one = meeting_open(meeting_make(call, members=[chair], quorum=1))
    many = meeting_open(meeting_make(call, members=[chair], quorum=1))
    _approved(make_proposal, one, chair)
    for _ in range(50):
        _declined(make_proposal, many, chair)

    assert _letters_page_queries(staff_client, one) == _letters_page_queries(staff_client, many)
