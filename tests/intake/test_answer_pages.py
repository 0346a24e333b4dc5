"""The applicant's pages of a call's questions: each kind typed, checked beside its field, saved together."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any, cast

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from intake import filetypes
from intake.choices import AttachmentType
from intake.models import Answer, Attachment, Call, CoApplicant, Proposal, Question
from intake.services.answers import answers_save
from intake.states import ProposalState
from tests.conftest import client_for
from tests.factories import CallFactory, ProposalFactory, QuestionFactory, UserFactory, state_put
from tests.intake import samples
from tests.intake.samples import ooxml
from tests.intake.test_search_documents import pdf_with_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def call() -> Call:
    return cast(Call, CallFactory())


@pytest.fixture
def proposal(call: Call, applicant: User) -> Proposal:
    """A draft letter of intent: its stage's questions are the letter of intent's."""
    return cast(Proposal, ProposalFactory(call=call, lead_applicant=applicant))


def _url(proposal: Proposal, number: int = 1) -> str:
    return reverse("intake:question_section", args=[proposal.pk, number])


def _post(client: Client, proposal: Proposal, data: dict[str, Any], number: int = 1) -> Any:
    proposal.refresh_from_db()
    return client.post(_url(proposal, number), {"loaded_at": proposal.updated_at.isoformat(), **data})


def _answer(proposal: Proposal, question: Question) -> Any:
    answer = Answer.objects.filter(proposal=proposal, question=question).first()
    return None if answer is None else answer.value


def pdf_of(pages: int) -> bytes:
    writer = pypdf.PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- Who may read and answer ---------------------------------------------------------------------


def test_question_pages_open_to_the_lead_and_co_applicants_only(
    proposal: Proposal, applicant: User, other_applicant: User, staff: User
) -> None:
    QuestionFactory(call=proposal.call)
    co_applicant = cast(User, UserFactory(role=Role.APPLICANT))
    CoApplicant.objects.create(proposal=proposal, user=co_applicant, invited_by=applicant)
    urls = [reverse("intake:questions", args=[proposal.pk]), _url(proposal)]

    outcomes = [
        [client_for(user).get(url).status_code for url in urls]
        for user in (applicant, co_applicant, other_applicant, staff)
    ]

    assert outcomes == [[200, 200], [200, 200], [404, 404], [403, 403]]


def test_other_applicant_cannot_post_answers(proposal: Proposal, other_applicant_client: Client) -> None:
    question = QuestionFactory(call=proposal.call)

    response = _post(other_applicant_client, proposal, {f"q{question.pk}": "Mine"})

    assert (response.status_code, _answer(proposal, question)) == (404, None)


def test_section_number_beyond_the_sections_is_not_found(proposal: Proposal, applicant_client: Client) -> None:
    QuestionFactory(call=proposal.call)

    response = applicant_client.get(_url(proposal, 2))

    assert response.status_code == 404


def test_questions_of_another_stage_are_not_shown(proposal: Proposal, applicant_client: Client) -> None:
    QuestionFactory(call=proposal.call, stage="application", label_en="Later question")
    QuestionFactory(call=proposal.call, label_en="Asked now")

    response = applicant_client.get(reverse("intake:questions", args=[proposal.pk]))

    assert response.status_code == 200
    assert "Asked now" in response.text
    assert "Later question" not in response.text


def test_retired_questions_are_not_asked(proposal: Proposal, applicant_client: Client) -> None:
    from django.utils import timezone

    QuestionFactory(call=proposal.call, label_en="Old question", retired_at=timezone.now())
    QuestionFactory(call=proposal.call, label_en="Current question")

    response = applicant_client.get(_url(proposal))

    assert "Current question" in response.text
    assert "Old question" not in response.text


# --- Each kind: good input saved as stored, bad input refused beside its field ---------------------


GOOD = [
    ({"kind": "short_text"}, "A testbed", "A testbed"),
    ({"kind": "long_text", "word_limit": 5}, "Five words are enough here", "Five words are enough here"),
    ({"kind": "number"}, "-1,234.125", "-1234.125"),
    ({"kind": "money"}, "12,500.5", "12500.50"),
    ({"kind": "date"}, "2027-03-31", "2027-03-31"),
    ({"kind": "yes_no"}, "no", False),
    (
        {"kind": "single_choice", "choices": [{"value": "sme", "label_en": "SME", "label_fr": "PME"}]},
        "sme",
        "sme",
    ),
    (
        {
            "kind": "multiple_choice",
            "choices": [
                {"value": "a", "label_en": "A", "label_fr": "A"},
                {"value": "b", "label_en": "B", "label_fr": "B"},
            ],
        },
        ["a", "b"],
        ["a", "b"],
    ),
]


@pytest.mark.parametrize(("fields", "typed", "stored"), GOOD, ids=[fields["kind"] for fields, _t, _s in GOOD])
def test_each_kind_saves_what_was_typed_as_stored(
    fields: dict[str, Any], typed: Any, stored: Any, proposal: Proposal, applicant_client: Client
) -> None:
    question = QuestionFactory(call=proposal.call, **fields)

    response = _post(applicant_client, proposal, {f"q{question.pk}": typed})

    assert response.status_code == 302
    assert _answer(proposal, question) == stored


BAD = [
    ({"kind": "short_text"}, "x" * 501, "Ensure this value has at most 500 characters"),
    ({"kind": "long_text", "word_limit": 3}, "one two three four", "This text has 4 words; the limit is 3."),
    ({"kind": "number"}, "1.2.3", "Enter a number, such as 1250 or 12.5."),
    ({"kind": "number"}, "1.1234567", "A number has at most 6 decimals."),
    ({"kind": "money"}, "-5", "An amount cannot be negative."),
    ({"kind": "money"}, "12.345", "Enter an amount in dollars"),
    ({"kind": "date"}, "31/03/2027", "Enter a date, such as 2027-03-31."),
    ({"kind": "yes_no"}, "maybe", "Select a valid choice."),
    (
        {"kind": "single_choice", "choices": [{"value": "sme", "label_en": "SME", "label_fr": "PME"}]},
        "large",
        "Select a valid choice.",
    ),
]


@pytest.mark.parametrize(
    ("fields", "typed", "message"), BAD, ids=[f"{fields['kind']}-{index}" for index, (fields, _t, _m) in enumerate(BAD)]
)
def test_each_kind_refuses_bad_input_beside_its_field_keeping_it(
    fields: dict[str, Any], typed: str, message: str, proposal: Proposal, applicant_client: Client
) -> None:
    question = QuestionFactory(call=proposal.call, **fields)
    other = QuestionFactory(call=proposal.call)

    response = _post(applicant_client, proposal, {f"q{question.pk}": typed, f"q{other.pk}": "Kept too"})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [f"q{question.pk}"]
    assert message in " ".join(errors[f"q{question.pk}"])
    assert response.context["form"][f"q{question.pk}"].value() == typed
    assert (_answer(proposal, question), _answer(proposal, other)) == (None, None)
    assert 'id="form-errors"' in response.text


def test_number_typed_in_french_keeps_its_decimals(proposal: Proposal, applicant: User) -> None:
    applicant.preferred_language = "fr"
    applicant.save(update_fields=["preferred_language"])
    question = QuestionFactory(call=proposal.call, kind="number")

    response = _post(client_for(applicant), proposal, {f"q{question.pk}": "1 234,5"})

    assert response.status_code == 302
    assert Decimal(_answer(proposal, question)) == Decimal("1234.5")


def test_an_emptied_answer_is_stored_as_none(proposal: Proposal, applicant_client: Client) -> None:
    question = QuestionFactory(call=proposal.call)
    _post(applicant_client, proposal, {f"q{question.pk}": "First"})

    _post(applicant_client, proposal, {f"q{question.pk}": "  "})

    assert Answer.objects.get(question=question).value is None


def test_long_text_over_its_pages_is_refused(proposal: Proposal, applicant_client: Client) -> None:
    question = QuestionFactory(call=proposal.call, kind="long_text", page_limit=1)
    # 47 short paragraphs: one line each, one more than an A4 page holds.
    text = "\n".join(f"Line {number}" for number in range(47))

    response = _post(applicant_client, proposal, {f"q{question.pk}": text})

    assert response.status_code == 400
    assert response.context["form"].errors[f"q{question.pk}"] == [
        "This text fills 2 pages laid out on A4, 11 pt, single spaced, 2.5 cm margins; the limit is 1. "
        "Shorten it (blank lines count as lines)."
    ]
    assert _answer(proposal, question) is None


def test_long_text_within_its_pages_is_saved(proposal: Proposal, applicant_client: Client) -> None:
    question = QuestionFactory(call=proposal.call, kind="long_text", page_limit=1)
    text = "\n".join(f"Line {number}" for number in range(46))

    response = _post(applicant_client, proposal, {f"q{question.pk}": text})

    assert (response.status_code, _answer(proposal, question)) == (302, text)


# --- Tables --------------------------------------------------------------------------------------------


def _table_question(call: Call, max_rows: int = 2) -> Question:
    return cast(
        Question,
        QuestionFactory(
            call=call,
            kind="table",
            max_rows=max_rows,
            columns=[
                {"kind": "text", "name_en": "Partner", "name_fr": "Partenaire"},
                {"kind": "money", "name_en": "Amount", "name_fr": "Montant"},
                {"kind": "date", "name_en": "When", "name_fr": "Quand"},
            ],
        ),
    )


def _rows(question: Question, rows: list[list[str]]) -> dict[str, str]:
    prefix = f"q{question.pk}"
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        for column, value in enumerate(row):
            data[f"{prefix}-{index}-c{column}"] = value
    return data


def test_table_saves_its_rows_typed_and_drops_the_empty_one(proposal: Proposal, applicant_client: Client) -> None:
    question = _table_question(proposal.call)

    response = _post(applicant_client, proposal, _rows(question, [["Acme", "1,000", "2027-01-31"], ["", "", ""]]))

    assert response.status_code == 302
    assert _answer(proposal, question) == [["Acme", "1000.00", "2027-01-31"]]


def test_table_over_its_row_limit_is_refused_keeping_every_row(proposal: Proposal, applicant_client: Client) -> None:
    question = _table_question(proposal.call, max_rows=2)
    rows = [["A", "1", ""], ["B", "2", ""], ["C", "3", ""]]

    response = _post(applicant_client, proposal, _rows(question, rows))

    assert response.status_code == 400
    table = response.context["form"].tables[question.pk]
    assert table.non_form_errors() == ["This table takes at most 2 rows; it has 3. Remove rows to keep 2."]
    assert [form["c0"].value() for form in table.forms] == ["A", "B", "C"]
    assert _answer(proposal, question) is None


def test_table_cell_refused_beside_its_cell(proposal: Proposal, applicant_client: Client) -> None:
    question = _table_question(proposal.call)

    response = _post(applicant_client, proposal, _rows(question, [["Acme", "lots", ""]]))

    assert response.status_code == 400
    table = response.context["form"].tables[question.pk]
    assert table.forms[0].errors == {"c1": ["Enter an amount in dollars, such as 12500 or 12,500.00."]}


def test_table_offers_no_empty_row_at_its_limit(proposal: Proposal, applicant_client: Client) -> None:
    question = _table_question(proposal.call, max_rows=1)
    Answer.objects.create(proposal=proposal, question=question, value=[["Acme", "1.00", None]])

    response = applicant_client.get(_url(proposal))

    assert len(response.context["form"].tables[question.pk].forms) == 1


# --- Files ---------------------------------------------------------------------------------------------


def _file_question(call: Call, **fields: Any) -> Question:
    return cast(Question, QuestionFactory(call=call, kind="file", **{"file_types": ["pdf"], **fields}))


def test_file_answer_is_stored_as_an_attachment_with_its_pages(
    proposal: Proposal, applicant_client: Client, media_root: Any
) -> None:
    question = _file_question(proposal.call, page_limit=3)
    upload = SimpleUploadedFile("plan.pdf", pdf_of(2), content_type="application/pdf")

    response = _post(applicant_client, proposal, {f"q{question.pk}": upload})

    assert response.status_code == 302
    answer = Answer.objects.select_related("attachment").get(question=question)
    assert (answer.value, answer.attachment.kind, answer.attachment.original_name) == (
        {"pages": 2},
        AttachmentType.ANSWER,
        "plan.pdf",
    )


def test_file_answer_is_not_among_the_documents_nor_removable_there(
    proposal: Proposal, applicant_client: Client, media_root: Any
) -> None:
    question = _file_question(proposal.call)
    _post(applicant_client, proposal, {f"q{question.pk}": SimpleUploadedFile("a.pdf", pdf_of(1))})
    attachment = Attachment.objects.get(kind=AttachmentType.ANSWER)
    state_put(proposal, ProposalState.INVITED)

    page = applicant_client.get(reverse("intake:application_attachments", args=[proposal.pk]))
    removal = applicant_client.post(reverse("intake:attachment_remove", args=[attachment.pk]), follow=True)

    assert attachment not in page.context["attachments"]
    assert "answers a question" in removal.text
    attachment.refresh_from_db()
    assert attachment.removed_at is None


def test_pdf_over_its_pages_is_refused(proposal: Proposal, applicant_client: Client, media_root: Any) -> None:
    question = _file_question(proposal.call, page_limit=2)

    response = _post(applicant_client, proposal, {f"q{question.pk}": SimpleUploadedFile("long.pdf", pdf_of(3))})

    assert response.status_code == 400
    assert response.context["form"].errors[f"q{question.pk}"] == ["This PDF has 3 pages; the limit is 2 pages."]
    assert Attachment.objects.count() == 0


def test_file_of_a_type_the_question_does_not_take_is_refused(
    proposal: Proposal, applicant_client: Client, media_root: Any
) -> None:
    question = _file_question(proposal.call)

    response = _post(applicant_client, proposal, {f"q{question.pk}": SimpleUploadedFile("plan.docx", ooxml("docx"))})

    assert response.status_code == 400
    assert response.context["form"].errors[f"q{question.pk}"] == [
        "This is a DOCX file; this question accepts only: PDF."
    ]


def test_file_over_the_question_size_is_refused(proposal: Proposal, applicant_client: Client, media_root: Any) -> None:
    question = _file_question(proposal.call, max_size_mb=1)
    big = pdf_of(1) + b"%" * (1024 * 1024)

    response = _post(applicant_client, proposal, {f"q{question.pk}": SimpleUploadedFile("big.pdf", big)})

    assert response.status_code == 400
    assert "the limit is 1.0\xa0MB per file" in response.context["form"].errors[f"q{question.pk}"][0]


def _locked_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _cut_pdf() -> bytes:
    # The cross-reference is cut off: object streams could hide anything from the byte scan.
    data = samples.pdf(compressed=(b"<</Title(Plan)>>",))
    return data[: data.rfind(b"startxref")]


NOT_A_DOCUMENT = str(filetypes.NOT_A_DOCUMENT % {"accepted": filetypes.ACCEPTED_DESCRIPTION})


@pytest.mark.parametrize(
    ("made", "message"),
    [
        (
            lambda: samples.pdf(
                catalog=b"/Names<</JavaScript 4 0 R>>",
                objects=(b"<</Names[(run) 5 0 R]>>", b"<</S/JavaScript/JS(app.alert(1))>>"),
            ),
            filetypes.PDF_ACTIVE_CONTENT,
        ),
        (
            lambda: samples.pdf(catalog=b"/OpenAction 4 0 R", compressed=(b"<</S/Launch/F(calc.exe)>>",)),
            filetypes.PDF_ACTIVE_CONTENT,
        ),
        (_locked_pdf, filetypes.PDF_ENCRYPTED),
        (_cut_pdf, filetypes.PDF_UNREADABLE),
        (lambda: samples.HTML, NOT_A_DOCUMENT),
        (lambda: samples.EXE, NOT_A_DOCUMENT),
        (lambda: b"", "This file is empty."),
    ],
    ids=["javascript", "launch-in-object-stream", "password", "unreadable-with-object-streams", "html", "exe", "empty"],
)
def test_a_bad_file_is_refused_beside_its_question_with_its_reason_and_nothing_stored(
    proposal: Proposal, applicant_client: Client, media_root: Any, made: Any, message: Any
) -> None:
    question = _file_question(proposal.call)

    response = _post(applicant_client, proposal, {f"q{question.pk}": SimpleUploadedFile("plan.pdf", made())})

    assert response.status_code == 400
    assert response.context["form"].errors[f"q{question.pk}"] == [str(message)]
    assert str(message) in response.content.decode()
    assert not Attachment.objects.exists()
    assert not Answer.objects.filter(question=question).exists()
    assert not media_root.exists() or not any(path.is_file() for path in media_root.rglob("*"))


def test_a_pdf_the_checks_accept_but_pypdf_cannot_read_is_refused_for_its_pages_as_before(
    proposal: Proposal, applicant_client: Client, media_root: Any
) -> None:
    # No object stream and no encryption: the byte scan alone accepts it, and its pages cannot be counted.
    question = _file_question(proposal.call)

    response = _post(applicant_client, proposal, {f"q{question.pk}": SimpleUploadedFile("x.pdf", b"%PDF-1.4 damaged")})

    assert response.status_code == 400
    assert response.context["form"].errors[f"q{question.pk}"] == [
        "We could not count the pages of this PDF. Export it to a new PDF."
    ]
    assert not Attachment.objects.exists()


def test_a_pdf_answer_is_parsed_once_for_its_checks_its_pages_and_its_text(
    proposal: Proposal, applicant_client: Client, media_root: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = _file_question(proposal.call, page_limit=3)
    data = pdf_with_text("Un banc d'essai partagé")
    readers: list[pypdf.PdfReader] = []
    original = pypdf.PdfReader.__init__

    def counted(self: pypdf.PdfReader, *args: Any, **kwargs: Any) -> None:
        readers.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(pypdf.PdfReader, "__init__", counted)

    response = _post(applicant_client, proposal, {f"q{question.pk}": SimpleUploadedFile("plan.pdf", data)})

    assert response.status_code == 302
    assert len(readers) == 1
    answer = Answer.objects.select_related("attachment").get(question=question)
    assert (answer.value, answer.attachment.text, answer.attachment.size) == (
        {"pages": 1},
        "Un banc d'essai partagé",
        len(data),
    )


def test_file_answer_can_be_removed(proposal: Proposal, applicant_client: Client, media_root: Any) -> None:
    question = _file_question(proposal.call)
    _post(applicant_client, proposal, {f"q{question.pk}": SimpleUploadedFile("a.pdf", pdf_of(1))})

    response = _post(applicant_client, proposal, {f"q{question.pk}_clear": "on"})

    answer = Answer.objects.get(question=question)
    assert (response.status_code, answer.value, answer.attachment_id) == (302, None, None)


# --- Concurrency and the stage -----------------------------------------------------------------------


def test_stale_save_is_refused_with_409_keeping_what_was_typed(proposal: Proposal, applicant_client: Client) -> None:
    question = QuestionFactory(call=proposal.call)
    loaded = proposal.updated_at.isoformat()
    Proposal.objects.filter(pk=proposal.pk).update(summary="Changed by somebody else")
    proposal.refresh_from_db()
    proposal.save(update_fields=["updated_at"])

    response = applicant_client.post(_url(proposal), {"loaded_at": loaded, f"q{question.pk}": "Mine"})

    assert response.status_code == 409
    assert response.context["form"][f"q{question.pk}"].value() == "Mine"
    assert response.context["form"]["loaded_at"].value() == proposal.updated_at.isoformat()
    assert _answer(proposal, question) is None


def test_answers_of_a_submitted_proposal_cannot_be_saved(call: Call, applicant: User, applicant_client: Client) -> None:
    proposal = ProposalFactory(call=call, lead_applicant=applicant, state=ProposalState.LOI_SUBMITTED)
    question = QuestionFactory(call=call)

    response = _post(applicant_client, proposal, {f"q{question.pk}": "Late"})

    assert response.status_code == 409
    assert _answer(proposal, question) is None


def test_service_refuses_questions_of_another_stage(proposal: Proposal, applicant: User) -> None:
    from accounts.errors import StaleAction

    question = QuestionFactory(call=proposal.call, stage="application")

    with pytest.raises(StaleAction):
        answers_save(
            proposal=proposal,
            by=applicant,
            expected_updated_at=proposal.updated_at,
            questions=[question],
            values={question.pk: "Too early"},
        )


def test_service_refuses_a_bad_value_beside_its_question(proposal: Proposal, applicant: User) -> None:
    from django.core.exceptions import ValidationError

    question = QuestionFactory(call=proposal.call, kind="money")

    with pytest.raises(ValidationError) as refused:
        answers_save(
            proposal=proposal,
            by=applicant,
            expected_updated_at=proposal.updated_at,
            questions=[question],
            values={question.pk: 12.5},
        )

    assert refused.value.message_dict == {f"q{question.pk}": ["Enter a number."]}


# --- Queries ---------------------------------------------------------------------------------------------


def _questions(call: Call, count: int) -> list[Question]:
    return [
        cast(Question, QuestionFactory(call=call, kind=["short_text", "money", "yes_no", "date"][index % 4]))
        for index in range(count)
    ]


@pytest.mark.parametrize("count", [1, 40])
def test_section_page_reads_constant_queries(count: int, proposal: Proposal, applicant_client: Client) -> None:
    _questions(proposal.call, count)
    applicant_client.get("/")

    with CaptureQueriesContext(connection) as captured:
        response = applicant_client.get(_url(proposal))

    assert response.status_code == 200
    # The session, the user with roles, the proposal, the stage's questions, the section's answers.
    assert len(captured) <= 6, "\n".join(query["sql"][:100] for query in captured)


def test_saving_a_section_of_40_questions_takes_at_most_8_queries(proposal: Proposal, applicant: User) -> None:
    questions = _questions(proposal.call, 40)
    values: dict[int, Any] = {
        question.pk: {"short_text": "Text", "money": "10.00", "yes_no": True, "date": "2027-01-01"}[question.kind]
        for question in questions
    }
    proposal = Proposal.objects.select_related("call").get(pk=proposal.pk)

    with CaptureQueriesContext(connection) as captured:
        answers_save(
            proposal=proposal,
            by=applicant,
            expected_updated_at=proposal.updated_at,
            questions=questions,
            values=values,
        )

    assert len(captured) <= 8, "\n".join(query["sql"][:100] for query in captured)
    assert Answer.objects.filter(proposal=proposal).count() == 40


def test_posting_a_section_takes_the_same_queries_for_1_and_40_questions_and_at_most_8(
    applicant: User, applicant_client: Client
) -> None:
    counts = []
    for count in (1, 40):
        call = CallFactory()
        proposal = ProposalFactory(call=call, lead_applicant=applicant)
        questions = _questions(call, count)
        data = {
            f"q{question.pk}": "2027-01-01" if question.kind == "date" else "yes" if question.kind == "yes_no" else "1"
            for question in questions
        }
        data["loaded_at"] = proposal.updated_at.isoformat()
        applicant_client.get("/")
        with CaptureQueriesContext(connection) as captured:
            response = applicant_client.post(_url(proposal), data)
        assert response.status_code == 302, response.context["form"].errors if response.context else ""
        # The test's transaction turns the save's own into a savepoint; a real request has none.
        counts.append(len([query for query in captured if "SAVEPOINT" not in query["sql"]]))

    assert counts[0] == counts[1]
    # The session, the user, the proposal, the section's questions; the locked proposal with its
    # stage, the answers in one statement, the proposal's time.
    assert counts[1] <= 8


def test_service_refuses_answers_to_questions_it_was_not_given(proposal: Proposal, applicant: User) -> None:
    question = QuestionFactory(call=proposal.call)
    other = QuestionFactory(call=proposal.call)

    with pytest.raises(TypeError, match=str(other.pk)):
        answers_save(
            proposal=proposal,
            by=applicant,
            expected_updated_at=proposal.updated_at,
            questions=[question],
            values={other.pk: "Not in this section"},
        )
