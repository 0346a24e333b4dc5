"""The board's decisions stay confidential until staff release the meeting's decisions.

Until then the lead applicant and the co-applicants see the proposal before the board on
every page they can open (dashboard, proposal, history, application sections, versions,
inbox, refusals of their writes) and hear nothing; staff and the deciding board see the
decision at once. The release tells each applicant once, in the inbox and by email, with
the letter.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from accounts.services import user_grant_role
from board.models import BoardConflict, BoardMeeting, Vote, VoteChoice
from board.services.letters import letter_draft, letter_update, meeting_decisions_release
from intake.choices import VersionKind
from intake.models import Call, CoApplicant, Proposal
from intake.services.versions import proposal_version_freeze
from intake.states import ProposalState
from records.events import Channel, Event
from records.models import Notification
from records.notifications import notification_emails_send
from tests.board.making import meeting_make, meeting_open
from tests.conftest import MakeProposal, client_for
from tests.factories import AgendaItemFactory, user_with_role
from workflow import actions
from workflow.access import decision_withheld_from, proposal_for_user, proposals_of_applicant

pytestmark = pytest.mark.django_db

AMOUNT = "150,000"
CONDITIONS = "Quarterly progress reports."
APPROVAL_RATIONALE = "A strong consortium."
DECLINE_RATIONALE = "The market is not shown."
LETTER_BODY = "The very words of the letter from the board."

#: What would tell an applicant of an approval: its state, amount, conditions, rationale, the next step.
APPROVAL_TELLS = ("Approved", "approved", AMOUNT, CONDITIONS, APPROVAL_RATIONALE, LETTER_BODY)
#: What would tell an applicant of a decline.
DECLINE_TELLS = ("Not funded", "not funded", "not fund", DECLINE_RATIONALE, LETTER_BODY)

#: The pages of one proposal that its applicants can open, by URL name.
PROPOSAL_PAGES = (
    "intake:proposal_detail",
    "intake:application",
    "intake:application_description",
    "intake:application_ip",
    "intake:application_outcomes",
    "intake:application_consortium",
    "intake:application_budget",
    "intake:application_attachments",
)


@pytest.fixture
def chair(db: None) -> User:
    return user_with_role(Role.BOARD_MEMBER, display_name="Chris Chair")


@pytest.fixture
def meeting(call: Call, chair: User) -> BoardMeeting:
    # Opened early, so that the chair may decide now (the decision waits for the meeting otherwise).
    return meeting_open(meeting_make(call, members=[chair], quorum=1))


@pytest.fixture
def co_applicant(applicant: User) -> User:
    return user_with_role(Role.APPLICANT, display_name="Cora Coapplicant")


@pytest.fixture
def before_the_board(make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, co_applicant: User) -> Proposal:
    """A proposal on the meeting's agenda with its quorum voted, a co-applicant and a frozen version."""
    proposal = make_proposal(ProposalState.BOARD_REVIEW, title="Shared quantum testbed")
    CoApplicant.objects.create(proposal=proposal, user=co_applicant, invited_by=proposal.lead_applicant)
    proposal_version_freeze(proposal=proposal, by=proposal.lead_applicant, kind=VersionKind.APPLICATION)
    item = AgendaItemFactory(meeting=meeting, proposal=proposal)
    Vote.objects.create(item=item, member=chair, choice=VoteChoice.APPROVE)
    return proposal


def _approve(proposal: Proposal, chair: User) -> None:
    actions.proposal_approve(
        proposal=proposal,
        by=chair,
        amount=Decimal("150000.00"),
        rationale=APPROVAL_RATIONALE,
        conditions=CONDITIONS,
        expected_state=ProposalState.BOARD_REVIEW,
    )


def _decline(proposal: Proposal, chair: User) -> None:
    actions.proposal_decline(
        proposal=proposal, by=chair, rationale=DECLINE_RATIONALE, expected_state=ProposalState.BOARD_REVIEW
    )


DECISIONS: dict[str, tuple[Callable[[Proposal, User], None], tuple[str, ...]]] = {
    "approved": (_approve, APPROVAL_TELLS),
    "declined": (_decline, DECLINE_TELLS),
}


def _applicant_urls(proposal: Proposal) -> list[str]:
    return [
        reverse("intake:applicant_dashboard"),
        *(reverse(name, kwargs={"pk": proposal.pk}) for name in PROPOSAL_PAGES),
        reverse("intake:version_detail", kwargs={"pk": proposal.pk, "number": 1}),
        reverse("records:inbox"),
    ]


def _pages(client: Client, urls: list[str]) -> dict[str, str]:
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    return pages


def _draft_letter(meeting: BoardMeeting, proposal: Proposal, staff: User) -> None:
    letter = letter_draft(item=meeting.items.get(proposal=proposal))
    letter_update(letter=letter, by=staff, subject="Your letter", body=LETTER_BODY, seen=letter.updated_at)


def _send_all_emails() -> None:
    """Send every email stored and not sent yet, as the workers do once the transactions commit."""
    notification_emails_send(
        ids=list(Notification.objects.filter(channel=Channel.EMAIL, sent_at__isnull=True).values_list("pk", flat=True))
    )


@pytest.mark.parametrize("decision", list(DECISIONS))
def test_decision_not_shown_to_applicants_before_release(
    decision: str,
    before_the_board: Proposal,
    chair: User,
    meeting: BoardMeeting,
    staff: User,
    applicant: User,
    co_applicant: User,
) -> None:
    decide, tells = DECISIONS[decision]
    decide(before_the_board, chair)
    _draft_letter(meeting, before_the_board, staff)
    mail.outbox.clear()

    _send_all_emails()

    for person in (applicant, co_applicant):
        pages = _pages(client_for(person), _applicant_urls(before_the_board))
        for url, html in pages.items():
            found = [tell for tell in tells if tell in html]
            assert found == [], (person.display_name, url, found)
        dashboard = pages[reverse("intake:applicant_dashboard")]
        detail = pages[reverse("intake:proposal_detail", kwargs={"pk": before_the_board.pk})]
        assert "Before the board" in dashboard
        assert "Before the board" in detail
        assert "The board will decide on your proposal at its meeting." in detail
    assert not Notification.objects.filter(recipient__in=[applicant, co_applicant]).exists()
    assert mail.outbox == []


@pytest.mark.parametrize("decision", list(DECISIONS))
def test_decision_history_entry_withheld_until_release(
    decision: str, before_the_board: Proposal, chair: User, meeting: BoardMeeting, staff: User, applicant: User
) -> None:
    decide, _tells = DECISIONS[decision]
    decide(before_the_board, chair)
    url = reverse("intake:proposal_detail", kwargs={"pk": before_the_board.pk})
    approved = decision == "approved"
    decided = "The board approved the proposal." if approved else "The board decided not to fund the proposal."
    rationale = APPROVAL_RATIONALE if decision == "approved" else DECLINE_RATIONALE

    before = client_for(applicant).get(url).content.decode()
    meeting_decisions_release(meeting=meeting, by=staff)
    after = client_for(applicant).get(url).content.decode()

    assert decided not in before
    assert rationale not in before
    assert decided in after
    assert rationale in after


def test_release_tells_each_applicant_once_with_the_letter(
    before_the_board: Proposal,
    chair: User,
    meeting: BoardMeeting,
    staff: User,
    applicant: User,
    co_applicant: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _approve(before_the_board, chair)
    _draft_letter(meeting, before_the_board, staff)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=False):
        meeting_decisions_release(meeting=meeting, by=staff)
        meeting_decisions_release(meeting=meeting, by=staff)
    _send_all_emails()

    rows = Notification.objects.filter(recipient__in=[applicant, co_applicant])
    assert sorted((row.recipient_id, row.event, row.channel) for row in rows) == sorted(
        (person.pk, Event.DECISION_LETTER, channel)
        for person in (applicant, co_applicant)
        for channel in (Channel.EMAIL, Channel.INBOX)
    )
    assert sorted(message.to[0] for message in mail.outbox) == sorted([applicant.email, co_applicant.email])
    for message in mail.outbox:
        assert message.subject == "Your letter"
        assert LETTER_BODY in message.body
    co_email = next(message for message in mail.outbox if message.to == [co_applicant.email])
    assert "because the lead applicant invited you to edit this proposal" in co_email.body
    for person in (applicant, co_applicant):
        client = client_for(person)
        detail = client.get(reverse("intake:proposal_detail", kwargs={"pk": before_the_board.pk})).content.decode()
        dashboard = client.get(reverse("intake:applicant_dashboard")).content.decode()
        inbox = client.get(reverse("records:inbox")).content.decode()
        assert LETTER_BODY in detail
        assert "$150,000.00" in detail
        assert CONDITIONS in detail
        assert "Approved" in dashboard
        assert inbox.count("Unread: </span>Your letter") == 1


@pytest.mark.parametrize("decision", list(DECISIONS))
def test_staff_and_the_deciding_board_see_the_decision_at_once(
    decision: str, before_the_board: Proposal, chair: User, staff: User
) -> None:
    decide, _tells = DECISIONS[decision]
    decide(before_the_board, chair)
    label = "Approved" if decision == "approved" else "Not funded"
    url = reverse("workflow:proposal_detail", kwargs={"pk": before_the_board.pk})

    for person in (staff, chair):
        html = client_for(person).get(url).content.decode()

        assert label in html
        if decision == "approved":
            assert "$150,000.00" in html
            assert CONDITIONS in html


def test_withdrawal_after_the_decision_does_not_tell_it(
    before_the_board: Proposal, chair: User, applicant: User
) -> None:
    _approve(before_the_board, chair)

    response = client_for(applicant).post(
        reverse("workflow:proposal_act", kwargs={"pk": before_the_board.pk, "action": "withdraw"}),
        {"withdraw-expected_state": ProposalState.BOARD_REVIEW, "withdraw-reason": "A partner left."},
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert "The board has made its decision on this proposal" in html
    assert [tell for tell in APPROVAL_TELLS if tell in html] == []
    assert Proposal.objects.get(pk=before_the_board.pk).state == ProposalState.APPROVED


def test_edit_after_the_decision_does_not_tell_it(before_the_board: Proposal, chair: User, co_applicant: User) -> None:
    _decline(before_the_board, chair)
    client = client_for(co_applicant)

    page = client.get(reverse("intake:proposal_update", kwargs={"pk": before_the_board.pk}), follow=True)
    posted = client.post(
        reverse("intake:application_description", kwargs={"pk": before_the_board.pk}),
        {"summary": "Changed after the decision."},
    )

    for html in (page.content.decode(), posted.content.decode()):
        assert [tell for tell in DECLINE_TELLS if tell in html] == []
    assert "Before the board" in page.content.decode()


def test_decision_withheld_from_is_the_one_rule(
    before_the_board: Proposal,
    chair: User,
    meeting: BoardMeeting,
    staff: User,
    applicant: User,
    co_applicant: User,
    board_member: User,
) -> None:
    _approve(before_the_board, chair)
    decided = Proposal.objects.filter(pk=before_the_board.pk)

    people = (applicant, co_applicant, board_member)
    withheld_before = [decided.filter(decision_withheld_from(user=person)).exists() for person in people]
    shown_before = proposal_for_user(user=applicant, pk=before_the_board.pk)
    listed_before = list(proposals_of_applicant(user=co_applicant))
    meeting_decisions_release(meeting=meeting, by=staff)
    shown_after = proposal_for_user(user=applicant, pk=before_the_board.pk)

    assert withheld_before == [True, True, True]
    assert not decided.filter(decision_withheld_from(user=staff)).exists()  # staff of its program know it
    assert not decided.filter(decision_withheld_from(user=chair)).exists()
    assert (shown_before.state, shown_before.approved_amount, shown_before.decision_conditions) == (
        ProposalState.BOARD_REVIEW,
        None,
        "",
    )
    assert [(row.state, row.approved_amount) for row in listed_before] == [(ProposalState.BOARD_REVIEW, None)]
    assert not decided.filter(decision_withheld_from(user=applicant)).exists()
    assert (shown_after.state, shown_after.approved_amount) == (ProposalState.APPROVED, Decimal("150000.00"))


def test_applicant_who_sits_on_the_board_but_is_recused_does_not_see_the_decision(
    make_proposal: MakeProposal, call: Call, chair: User
) -> None:
    lead = user_with_role(Role.APPLICANT)
    user_grant_role(user=lead, role=Role.BOARD_MEMBER)
    meeting = meeting_open(meeting_make(call, members=[chair, lead], quorum=1))
    proposal = make_proposal(ProposalState.BOARD_REVIEW, lead_applicant=lead)
    item = AgendaItemFactory(meeting=meeting, proposal=proposal)
    BoardConflict.objects.create(member=lead, proposal=proposal, nature="I lead this proposal.")
    Vote.objects.create(item=item, member=chair, choice=VoteChoice.APPROVE)
    _approve(proposal, chair)

    html = client_for(lead).get(reverse("workflow:proposal_detail", kwargs={"pk": proposal.pk})).content.decode()

    assert "Before the board" in html
    assert [tell for tell in APPROVAL_TELLS if tell in html] == []
