"""Answers frozen in each version with the question's wording of that moment, read by assessors, the board, staff."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from board.models import AgendaItem, BoardMeeting
from intake.models import Answer, Attachment, Call, Proposal, ProposalVersion, Question
from intake.services.versions import SCHEMA, proposal_version_freeze, version_sheet, versions_compare
from intake.states import ProposalState
from tests.assessment.reviewing import assignment_make, rubric_make
from tests.factories import AttachmentFactory, CallFactory, ProposalFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

OPTIONS = [
    {"value": "sme", "label_en": "SME", "label_fr": "PME"},
    {"value": "large", "label_en": "Large company", "label_fr": "Grande entreprise"},
]


@pytest.fixture
def call() -> Call:
    return cast(Call, CallFactory())


@pytest.fixture
def proposal(call: Call, applicant: User) -> Proposal:
    return cast(Proposal, ProposalFactory(call=call, lead_applicant=applicant, state=ProposalState.IN_ASSESSMENT))


@pytest.fixture
def questions(call: Call) -> dict[str, Question]:
    return {
        "size": cast(
            Question,
            QuestionFactory(
                call=call, stage="application", section_en="Company", section_fr="Entreprise", position=1,
                kind="single_choice", choices=OPTIONS, label_en="Size of the lead", label_fr="Taille du chef de file",
            ),
        ),
        "budget": cast(
            Question,
            QuestionFactory(
                call=call, stage="application", section_en="Money", section_fr="Argent", position=2, kind="table",
                max_rows=3, label_en="Spending by year", label_fr="Dépenses par année",
                columns=[
                    {"kind": "text", "name_en": "Year", "name_fr": "Année"},
                    {"kind": "money", "name_en": "Amount", "name_fr": "Montant"},
                ],
            ),
        ),
        "plan": cast(
            Question,
            QuestionFactory(
                call=call, stage="application", section_en="Money", section_fr="Argent", position=3,
                kind="long_text", word_limit=900, label_en="Commercialization plan",
                label_fr="Plan de commercialisation",
            ),
        ),
    }  # fmt: skip


def _answer(proposal: Proposal, questions: dict[str, Question], **values: Any) -> None:
    for name, value in values.items():
        Answer.objects.update_or_create(proposal=proposal, question=questions[name], defaults={"value": value})


def _freeze(proposal: Proposal, applicant: User) -> ProposalVersion:
    return proposal_version_freeze(
        proposal=Proposal.objects.select_related("call", "lead_organization").get(pk=proposal.pk),
        by=applicant,
        kind="application",
    )


def test_version_freezes_each_answer_with_the_wording_of_that_moment(
    proposal: Proposal, applicant: User, questions: dict[str, Question]
) -> None:
    _answer(proposal, questions, size="sme", budget=[["2027", "1000.00"]])

    version = _freeze(proposal, applicant)

    assert version.data["schema"] == SCHEMA == 3
    frozen = {entry["label_en"]: entry for entry in version.data["answers"]}
    assert list(frozen) == ["Size of the lead", "Spending by year", "Commercialization plan"]
    assert frozen["Size of the lead"] == {
        "question": questions["size"].pk,
        "stage": "application",
        "section_en": "Company",
        "section_fr": "Entreprise",
        "position": 1,
        "kind": "single_choice",
        "label_en": "Size of the lead",
        "label_fr": "Taille du chef de file",
        "required": True,
        "value": "sme",
        "attachment": None,
        "choices": OPTIONS,
    }
    assert frozen["Commercialization plan"]["value"] is None
    assert set(Answer.objects.filter(submitted_at__isnull=False).values_list("question_id", flat=True)) == {
        questions["size"].pk,
        questions["budget"].pk,
    }


def test_changing_the_wording_later_leaves_the_version_as_submitted(
    proposal: Proposal, applicant: User, questions: dict[str, Question], staff: User, staff_client: Client
) -> None:
    _answer(proposal, questions, size="sme")
    version = _freeze(proposal, applicant)
    Question.objects.filter(pk=questions["size"].pk).update(label_en="How big is the lead?")
    Question.objects.filter(pk=questions["size"].pk).update(
        choices=[{**OPTIONS[0], "label_en": "Small or medium"}, OPTIONS[1]]
    )

    page = staff_client.get(reverse("intake:version_detail", args=[proposal.pk, version.number]))

    assert page.status_code == 200
    assert "Size of the lead" in page.text
    assert "How big is the lead?" not in page.text
    assert "<p>SME</p>" in page.text


def test_version_sheet_groups_the_answers_by_section_in_the_reader_language(
    proposal: Proposal, applicant: User, questions: dict[str, Question]
) -> None:
    from django.utils import translation

    _answer(proposal, questions, size="large", budget=[["2027", "1500.50"]])
    data = _freeze(proposal, applicant).data

    with translation.override("fr"):
        sections = version_sheet(data=data)["answer_sections"]
        titles = [section.title for section in sections]

    assert titles == ["Entreprise", "Argent"]
    size, table = sections[0].items[0], sections[1].items[0]
    assert (size["label"], size["text"]) == ("Taille du chef de file", "Grande entreprise")
    assert table["table"] == {
        "headers": ["Année", "Montant"],
        "rows": [[{"text": "2027", "numeric": False}, {"text": "1,500.50", "numeric": True}]],
    }
    assert sections[1].items[1]["answered"] is False


def test_versions_of_the_first_schema_still_read(proposal: Proposal) -> None:
    sheet = version_sheet(data={"schema": 1, "title": "Old"})

    assert sheet["answer_sections"] == []
    assert versions_compare(before={"schema": 1}, after={"schema": 1}) == []


def test_comparison_shows_an_answer_changed_between_versions(
    proposal: Proposal, applicant: User, questions: dict[str, Question]
) -> None:
    _answer(proposal, questions, size="sme", plan="Sell to farms.")
    first = _freeze(proposal, applicant)
    _answer(proposal, questions, size="large", plan="Sell to farms.")
    second = _freeze(proposal, applicant)

    differences = versions_compare(before=first.data, after=second.data)

    assert [(d.label, d.before, d.after) for d in differences] == [
        ("Company: Size of the lead", "SME", "Large company")
    ]


def test_comparison_page_lists_the_changed_answer(
    proposal: Proposal, applicant: User, questions: dict[str, Question], staff_client: Client
) -> None:
    _answer(proposal, questions, plan="First plan.")
    _freeze(proposal, applicant)
    _answer(proposal, questions, plan="Second plan.")
    _freeze(proposal, applicant)

    page = staff_client.get(reverse("intake:version_compare", args=[proposal.pk]) + "?a=1&b=2")

    assert page.status_code == 200
    assert "Money: Commercialization plan" in page.text


def test_assessor_reads_the_answers_on_the_review_page(
    proposal: Proposal, applicant: User, questions: dict[str, Question], assessor: User, assessor_client: Client
) -> None:
    _answer(proposal, questions, plan="Sell to farms across the prairies.")
    _freeze(proposal, applicant)
    assignment = assignment_make(proposal, rubric=rubric_make(proposal.call), assessor=assessor)

    page = assessor_client.get(reverse("assessment:review", args=[assignment.pk]))

    assert page.status_code == 200
    assert "Commercialization plan" in page.text
    assert "Sell to farms across the prairies." in page.text


def test_board_member_reads_the_answers_of_a_proposal_on_the_agenda(
    proposal: Proposal, applicant: User, questions: dict[str, Question], board_member: User, board_client: Client
) -> None:
    _answer(proposal, questions, size="sme")
    version = _freeze(proposal, applicant)
    meeting = BoardMeeting.objects.create(
        call=proposal.call, held_at=timezone.now() + timedelta(days=7), quorum=1, chair=board_member,
        created_by=UserFactory(),
    )  # fmt: skip
    meeting.members.add(board_member)
    AgendaItem.objects.create(meeting=meeting, proposal=proposal)

    page = board_client.get(reverse("intake:version_detail", args=[proposal.pk, version.number]))

    assert page.status_code == 200
    assert "Size of the lead" in page.text


def test_file_answer_is_frozen_with_its_file_and_linked_for_download(
    call: Call, proposal: Proposal, applicant: User, staff_client: Client, media_root: Any
) -> None:
    question = QuestionFactory(call=call, stage="application", kind="file", file_types=["pdf"], label_en="Plan")
    attachment = AttachmentFactory(proposal=proposal, kind="answer", original_name="plan.pdf")
    Answer.objects.create(proposal=proposal, question=question, value={"pages": 1}, attachment=attachment)

    version = _freeze(proposal, applicant)
    page = staff_client.get(reverse("intake:version_detail", args=[proposal.pk, version.number]))

    assert version.data["answers"][0]["attachment"]["name"] == "plan.pdf"
    assert "plan.pdf" not in [item["name"] for item in version.data["attachments"]]
    assert attachment in version.attachments.all()
    assert reverse("intake:attachment_download", args=[attachment.pk]) in page.text
    assert Attachment.objects.filter(kind="answer").count() == 1


# --- Staff's export ------------------------------------------------------------------------------------------


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_export_has_a_column_per_question_and_a_row_per_submitted_proposal(
    call: Call, proposal: Proposal, applicant: User, questions: dict[str, Question], staff_client: Client
) -> None:
    _answer(proposal, questions, size="sme", budget=[["2027", "1000.00"], ["=SUM(A1)", "2.00"]])
    _freeze(proposal, applicant)
    ProposalFactory(call=call)  # a draft: never submitted, not exported

    response = staff_client.get(reverse("intake:call_answers_csv", args=[call.pk]))

    rows = _csv(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0][5:] == [
        "Full application · Company · Size of the lead",
        "Full application · Money · Spending by year",
        "Full application · Money · Commercialization plan",
    ]
    assert len(rows) == 2
    assert rows[1][0] == str(proposal.pk)
    assert rows[1][5:] == ["SME", "2027 | 1,000.00\n=SUM(A1) | 2.00", ""]


def test_export_keeps_a_formula_from_running(call: Call, applicant: User, staff_client: Client) -> None:
    question = QuestionFactory(call=call, stage="application", label_en="Name")
    proposal = ProposalFactory(call=call, lead_applicant=applicant, state=ProposalState.IN_ASSESSMENT)
    Answer.objects.create(proposal=proposal, question=question, value="=HYPERLINK(1)")
    _freeze(proposal, applicant)

    rows = _csv(staff_client.get(reverse("intake:call_answers_csv", args=[call.pk])))

    assert rows[1][5] == "'=HYPERLINK(1)"
