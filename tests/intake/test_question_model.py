"""A question that cannot be asked is refused with a message beside the field at fault; page counts; rules' reads."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from intake.answers import answer_holds, answer_is_empty, answers_for_rules, missing_answers
from intake.completeness import missing_for_submission
from intake.models import Answer, Call, Proposal, Question
from intake.pagecount import A4_LAYOUT, PageLayout, pdf_pages, text_pages
from tests.factories import CallFactory, ProposalFactory, QuestionFactory
from tests.intake.test_answer_pages import pdf_of

pytestmark = pytest.mark.django_db

OPTIONS = [{"value": "yes_member", "label_en": "Member", "label_fr": "Membre"}]


def _refused(**fields: Any) -> dict[str, list[str]]:
    question = Question(call=cast(Call, CallFactory()), stage="loi", section_en="S", position=1, **fields)
    with pytest.raises(ValidationError) as refused:
        question.full_clean()
    return refused.value.message_dict


def test_required_question_needs_its_wording_in_both_languages() -> None:
    assert _refused(kind="short_text", label_en="Who?", required=True) == {
        "label_fr": ["A required question needs its wording in French too."]
    }


def test_optional_question_may_lack_its_french_wording() -> None:
    question = Question(
        call=CallFactory(), stage="loi", section_en="S", kind="short_text", label_en="Who?", required=False
    )

    question.full_clean()


def test_unknown_kind_is_refused() -> None:
    errors = _refused(kind="essay", label_en="Q", label_fr="Q")

    assert errors["kind"] == ["Value 'essay' is not a valid choice.", "Unknown kind of question: essay."]


def test_choice_without_options_is_refused() -> None:
    assert _refused(kind="single_choice", label_en="Q", label_fr="Q") == {
        "choices": ["Give the options to choose from."]
    }


def test_option_needs_a_code_and_both_labels() -> None:
    errors = _refused(kind="multiple_choice", label_en="Q", label_fr="Q", choices=[{"value": "a b", "label_en": "A"}])

    assert errors == {
        "choices": [
            "Option 1 needs a short code of letters, digits, - or _ (e.g. member).",
            "Option 1 needs a label in English and in French.",
        ]
    }


def test_table_without_columns_is_refused() -> None:
    assert _refused(kind="table", label_en="Q", label_fr="Q", max_rows=3) == {
        "columns": ["Give the table its columns."]
    }


def test_table_needs_a_row_limit_and_typed_columns() -> None:
    errors = _refused(
        kind="table", label_en="Q", label_fr="Q", columns=[{"kind": "colour", "name_en": "A", "name_fr": "A"}]
    )

    assert errors == {
        "columns": ["Column 1 needs a kind: text, number, money or date."],
        "max_rows": ["Say how many rows the table may have."],
    }


def test_file_needs_known_types_and_pdf_alone_for_a_page_limit() -> None:
    errors = _refused(kind="file", label_en="Q", label_fr="Q", file_types=["pdf", "exe", "docx"], page_limit=3)

    assert errors == {
        "file_types": ["Unknown file types: exe."],
        "page_limit": ["Pages are counted in a PDF only: accept PDF alone to limit the pages."],
    }


def test_limits_belong_to_their_kinds() -> None:
    errors = _refused(kind="number", label_en="Q", label_fr="Q", word_limit=3, max_rows=2, max_size_mb=1)

    assert errors == {
        "word_limit": ["Only a long text has a word limit."],
        "max_rows": ["Only a table has a row limit."],
        "max_size_mb": ["Only a file question has a size limit."],
    }


def test_long_text_is_limited_by_words_or_pages_not_both() -> None:
    assert _refused(kind="long_text", label_en="Q", label_fr="Q", word_limit=3, page_limit=1) == {
        "page_limit": ["Limit a long text by words or by pages, not both."]
    }


def test_answer_that_must_hold_belongs_to_yes_no_and_choices() -> None:
    assert _refused(kind="short_text", label_en="Q", label_fr="Q", must_hold="x") == {
        "must_hold": ["Only a yes-or-no or a choice question can have an answer that must hold."]
    }
    assert _refused(kind="single_choice", label_en="Q", label_fr="Q", choices=OPTIONS, must_hold="other") == {
        "must_hold": ["The answer that must hold must be one of the options."]
    }
    assert _refused(kind="yes_no", label_en="Q", label_fr="Q", must_hold="yes") == {
        "must_hold": ["The answer that must hold is yes or no."]
    }


def test_database_refuses_a_word_limit_on_another_kind() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        QuestionFactory(kind="number", word_limit=5)


def test_one_answer_per_proposal_and_question() -> None:
    question = QuestionFactory()
    proposal = ProposalFactory(call=question.call)
    Answer.objects.create(proposal=proposal, question=question, value="A")

    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(proposal=proposal, question=question, value="B")


# --- Page counts ---------------------------------------------------------------------------------------


def test_text_pages_wraps_words_into_lines_and_lines_into_pages() -> None:
    layout = PageLayout(name="tiny", chars_per_line=10, lines_per_page=2)

    assert text_pages("", layout) == 0
    assert text_pages("aaaa bbbb", layout) == 1  # 9 characters: one line
    assert text_pages("aaaa bbbb cccc", layout) == 1  # two lines
    assert text_pages("aaaa bbbb cccc dddd eeee", layout) == 2  # three lines
    assert text_pages("a\n\n\nb", layout) == 2  # blank lines count
    assert text_pages("x" * 25, layout) == 2  # a word longer than a line takes three


def test_a4_page_holds_46_lines() -> None:
    assert text_pages("\n".join("line" for _ in range(46)), A4_LAYOUT) == 1
    assert text_pages("\n".join("line" for _ in range(47)), A4_LAYOUT) == 2


def test_pdf_pages_counts_the_pages() -> None:
    assert pdf_pages(pdf_of(4)) == 4


# --- Answers read by completeness and by the rules ---------------------------------------------------


def test_answer_is_empty_reads_blank_text_and_empty_tables_as_none() -> None:
    assert [answer_is_empty(value) for value in (None, " ", [], [[None, ""]], "x", False, [["a"]])] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert answer_is_empty(None, attachment_id=3) is False


def test_answer_holds_compares_with_the_answer_that_must_hold() -> None:
    assert answer_holds(kind="yes_no", must_hold=True, value=True)
    assert not answer_holds(kind="yes_no", must_hold=True, value=False)
    assert not answer_holds(kind="yes_no", must_hold=True, value=None)
    assert answer_holds(kind="multiple_choice", must_hold=["a"], value=["a", "b"])
    assert not answer_holds(kind="multiple_choice", must_hold=["a", "c"], value=["a", "b"])
    assert answer_holds(kind="single_choice", must_hold=None, value=None)


@pytest.fixture
def proposal(applicant: User) -> Proposal:
    return cast(Proposal, ProposalFactory(lead_applicant=applicant))


def test_answers_for_rules_maps_question_ids_to_values_leaving_out_empty_and_retired(proposal: Proposal) -> None:
    from django.utils import timezone

    member = QuestionFactory(call=proposal.call, kind="yes_no", must_hold=True)
    empty = QuestionFactory(call=proposal.call)
    retired = QuestionFactory(call=proposal.call, retired_at=timezone.now())
    Answer.objects.create(proposal=proposal, question=member, value=False)
    Answer.objects.create(proposal=proposal, question=empty, value=None)
    Answer.objects.create(proposal=proposal, question=retired, value="old")

    assert answers_for_rules(proposal) == {member.pk: False}


def test_required_unanswered_questions_count_once_per_section(proposal: Proposal) -> None:
    first = QuestionFactory(call=proposal.call, label_en="Who leads?", section_en="Team")
    QuestionFactory(call=proposal.call, label_en="Who else?", section_en="Team")
    QuestionFactory(call=proposal.call, label_en="Optional", section_en="Team", required=False)
    QuestionFactory(call=proposal.call, label_en="How much?", section_en="Money", kind="money")
    QuestionFactory(call=proposal.call, label_en="Later", section_en="Money", stage="application")
    Answer.objects.create(proposal=proposal, question=first, value="Ann")

    missing = missing_for_submission(Proposal.objects.get(pk=proposal.pk))

    assert missing == ["Team: an answer to “Who else?”", "Money: an answer to “How much?”"]


def test_an_answer_that_does_not_hold_is_not_missing(proposal: Proposal) -> None:
    member = QuestionFactory(call=proposal.call, kind="yes_no", must_hold=True, label_en="Member?")
    Answer.objects.create(proposal=proposal, question=member, value=False)

    assert missing_answers(Proposal.objects.get(pk=proposal.pk), "loi") == []


def test_completeness_reads_the_stage_answers_once(proposal: Proposal, django_assert_num_queries: Any) -> None:
    QuestionFactory(call=proposal.call)
    fresh = Proposal.objects.select_related("call").get(pk=proposal.pk)

    with django_assert_num_queries(1):
        missing_answers(fresh, "loi")
        missing_answers(fresh, "loi")
