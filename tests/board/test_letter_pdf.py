"""A released decision letter as PDF: for its readers only once released, tagged, in its language, with its hash."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from board.models import BoardMeeting, DecisionLetter, Vote, VoteChoice
from board.services.letters import letter_draft, letter_text_sha256, meeting_decisions_release
from intake.models import Call, Proposal
from intake.states import ProposalState
from records import pdf
from tests.board.making import meeting_make, meeting_open
from tests.conftest import MakeProposal, client_for
from tests.factories import AgendaItemFactory, user_with_role
from tests.records.pdfs import assert_tagged, squeezed, text_of
from workflow import actions
from workflow.tasks import print_decision_letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def chair(db: None) -> User:
    return user_with_role(Role.BOARD_MEMBER, display_name="Chris Chair")


@pytest.fixture
def meeting(call: Call, chair: User) -> BoardMeeting:
    return meeting_open(meeting_make(call, members=[chair], quorum=1))


@pytest.fixture
def approved(make_proposal: MakeProposal, meeting: BoardMeeting, chair: User, applicant: User) -> Proposal:
    """A French applicant's proposal approved by the board, its letter drafted and not released yet."""
    applicant.preferred_language = "fr"
    applicant.save(update_fields=["preferred_language"])
    proposal = make_proposal(ProposalState.BOARD_REVIEW, title="Banc d'essai")
    item = AgendaItemFactory(meeting=meeting, proposal=proposal)
    Vote.objects.create(item=item, member=chair, choice=VoteChoice.APPROVE)
    actions.proposal_approve(
        proposal=proposal, by=chair, amount=Decimal("150000.00"), rationale="Solide.", conditions="Rapports."
    )
    item.proposal.refresh_from_db()
    letter_draft(item=item)
    return proposal


def _url(proposal: Proposal) -> str:
    return reverse("board:decision_letter_pdf", kwargs={"pk": proposal.pk})


def test_letter_pdf_not_before_the_release(approved: Proposal, applicant: User, staff: User) -> None:
    assert client_for(applicant).get(_url(approved)).status_code == 404
    assert client_for(staff).get(_url(approved)).status_code == 404


def test_letter_pdf_in_french_once_released(
    approved: Proposal,
    applicant: User,
    staff: User,
    meeting: BoardMeeting,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(pdf.current_app, "send_task", lambda name, **options: sent.append((name, options)))
    with django_capture_on_commit_callbacks(execute=True):
        meeting_decisions_release(meeting=meeting, by=staff)
    letter = DecisionLetter.objects.get(item__proposal=approved)
    # The release has the worker print the letter; the worker runs the task.
    assert ("workflow.tasks.print_decision_letter", {"kwargs": {"letter_id": letter.pk}}) in sent
    assert print_decision_letter(letter_id=letter.pk) == 2
    monkeypatch.setattr(pdf, "_lay_out", _refuse_to_lay_out)

    response = client_for(applicant).get(_url(approved))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="decision-letter-proposal-{approved.pk}.pdf"'
    assert_tagged(response.content, language="fr", title=letter.subject)
    text = text_of(response.content)
    assert "Votre proposition est financée : Banc d'essai" in text
    assert "150 000,00 $" in text
    expected = hashlib.sha256(f"{letter.subject}\n\n{letter.body}".encode()).hexdigest()
    assert letter_text_sha256(letter) == expected
    assert expected in squeezed(text)


def test_letter_pdf_refused_to_another_applicant(
    approved: Proposal, other_applicant: User, staff: User, meeting: BoardMeeting
) -> None:
    meeting_decisions_release(meeting=meeting, by=staff)

    assert client_for(other_applicant).get(_url(approved)).status_code == 404


def test_letter_pdf_not_printed_yet_is_being_prepared(
    approved: Proposal,
    applicant: User,
    staff: User,
    meeting: BoardMeeting,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    meeting_decisions_release(meeting=meeting, by=staff)  # its callbacks not run: the print was never queued
    letter = DecisionLetter.objects.get(item__proposal=approved)
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(pdf.current_app, "send_task", lambda name, kwargs: sent.append((name, kwargs)))
    monkeypatch.setattr(pdf, "_lay_out", _refuse_to_lay_out)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(applicant).get(_url(approved))

    assert response.status_code == 202
    assert response["Retry-After"] == "15"
    assert sent == [("workflow.tasks.print_decision_letter", {"letter_id": letter.pk})]


def test_letter_of_a_disposed_proposal_is_not_printed(
    approved: Proposal, staff: User, meeting: BoardMeeting, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    meeting_decisions_release(meeting=meeting, by=staff)
    letter = DecisionLetter.objects.get(item__proposal=approved)
    Proposal.objects.filter(pk=approved.pk).update(disposed_at=timezone.now())

    assert print_decision_letter(letter_id=letter.pk) == 0


def _refuse_to_lay_out(**_kwargs: Any) -> bytes:
    raise AssertionError("A download must not lay the document out.")
