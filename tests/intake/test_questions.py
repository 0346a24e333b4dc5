"""Staff build a call's questions: add, edit, reorder, retire, remove, copy; a change after submissions is audited."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from intake.models import Answer, Call, Proposal, Question
from intake.services import questions as services
from intake.services.versions import proposal_version_data
from records.models import AuditRecord
from tests.conftest import client_for
from tests.factories import (
    CallFactory,
    ProgramFactory,
    ProposalFactory,
    ProposalVersionFactory,
    QuestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def call() -> Call:
    return cast(Call, CallFactory())


def _create_url(call: Call, kind: str, stage: str = "loi") -> str:
    return f"{reverse('intake:question_create', args=[call.pk])}?stage={stage}&kind={kind}"


def _fields(**extra: Any) -> dict[str, Any]:
    return {
        "section_en": "Eligibility",
        "section_fr": "Admissibilité",
        "label_en": "Is the lead a member of the cluster?",
        "label_fr": "Le chef de file est-il membre de la grappe?",
        "guidance_en": "",
        "guidance_fr": "",
        "required": "on",
        **extra,
    }


def _submitted(call: Call, question: Question, value: Any = "An answer") -> Proposal:
    """A proposal of ``call`` that answered ``question`` and submitted its letter of intent."""
    proposal = cast(Proposal, ProposalFactory(call=call, state="loi_submitted"))
    Answer.objects.create(proposal=proposal, question=question, value=value)
    ProposalVersionFactory(proposal=proposal, kind="loi", data=proposal_version_data(proposal=proposal, kind="loi")[0])
    return proposal


# --- The list and adding ---------------------------------------------------------------------------------


def test_questions_page_lists_each_stage_by_section_in_order(call: Call, staff_client: Client) -> None:
    second = QuestionFactory(call=call, section_en="Team", label_en="Second", position=2)
    QuestionFactory(call=call, section_en="Team", label_en="First", position=1)
    QuestionFactory(call=call, section_en="Money", label_en="Amount", position=3, stage="application")

    response = staff_client.get(reverse("intake:call_questions", args=[call.pk]))

    stages = {stage["value"]: stage["sections"] for stage in response.context["stages"]}
    assert [(section.title, [q.label_en for q in section.items]) for section in stages["loi"]] == [
        ("Team", ["First", "Second"])
    ]
    assert [section.title for section in stages["application"]] == ["Money"]
    assert reverse("intake:question_update", args=[second.pk]) in response.text


@pytest.mark.parametrize("count", [1, 40])
def test_questions_page_reads_constant_queries(count: int, call: Call, staff_client: Client) -> None:
    for _index in range(count):
        QuestionFactory(call=call)
    staff_client.get("/")

    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(reverse("intake:call_questions", args=[call.pk]))

    assert response.status_code == 200
    # 7: the call is read with its stages and review cut-offs (one query each), whatever the number of questions.
    assert len(captured) <= 7, "\n".join(query["sql"][:100] for query in captured)


def test_staff_adds_a_yes_no_question_with_the_answer_that_must_hold(call: Call, staff_client: Client) -> None:
    response = staff_client.post(_create_url(call, "yes_no"), _fields(must_hold_yes_no="yes"))

    question = Question.objects.get(call=call)
    assert response.status_code == 302
    assert (question.kind, question.stage, question.must_hold, question.position) == ("yes_no", "loi", True, 1)


def test_staff_adds_a_table_with_typed_columns(call: Call, staff_client: Client) -> None:
    response = staff_client.post(
        _create_url(call, "table", "application"),
        _fields(columns="text | Partner | Partenaire\nmoney | Amount | Montant", max_rows="5"),
    )

    question = Question.objects.get(call=call)
    assert response.status_code == 302
    assert question.columns == [
        {"kind": "text", "name_en": "Partner", "name_fr": "Partenaire"},
        {"kind": "money", "name_en": "Amount", "name_fr": "Montant"},
    ]
    assert question.max_rows == 5


def test_staff_adds_a_choice_with_its_options(call: Call, staff_client: Client) -> None:
    staff_client.post(
        _create_url(call, "multiple_choice"),
        _fields(choices="sme | SME | PME\nlarge | Large company | Grande entreprise", must_hold="sme"),
    )

    question = Question.objects.get(call=call)
    assert question.option_values() == ["sme", "large"]
    assert question.must_hold == ["sme"]


def test_question_without_french_wording_is_refused_beside_it(call: Call, staff_client: Client) -> None:
    response = staff_client.post(_create_url(call, "short_text"), _fields(label_fr=""))

    assert response.status_code == 400
    assert response.context["form"].errors == {"label_fr": ["A required question needs its wording in French too."]}
    assert response.context["form"]["label_en"].value() == "Is the lead a member of the cluster?"
    assert not Question.objects.exists()


def test_choice_line_badly_written_is_refused_beside_the_options(call: Call, staff_client: Client) -> None:
    response = staff_client.post(_create_url(call, "single_choice"), _fields(choices="sme, SME"))

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "choices": ["Line 1: write a code, the English label and the French label, separated by |."]
    }


def test_adding_without_a_kind_says_so(call: Call, staff_client: Client) -> None:
    response = staff_client.get(reverse("intake:question_create", args=[call.pk]) + "?stage=loi&kind=essay")

    assert response.status_code == 400
    assert "Choose a stage and a kind of question." in response.text


def test_new_questions_go_after_the_stage_questions(call: Call, staff: User) -> None:
    QuestionFactory(call=call, position=7)

    question = services.question_create(call=call, by=staff, stage="loi", kind="date", **_model_fields())

    assert question.position == 8


def _model_fields() -> dict[str, Any]:
    return {"section_en": "S", "section_fr": "S", "label_en": "When?", "label_fr": "Quand?", "required": True}


# --- Editing, reordering ------------------------------------------------------------------------------------


def test_staff_edits_a_question_without_submissions_without_a_reason(call: Call, staff_client: Client) -> None:
    question = QuestionFactory(call=call)

    response = staff_client.post(
        reverse("intake:question_update", args=[question.pk]),
        _fields(loaded_at=question.updated_at.isoformat(), label_en="Reworded"),
    )

    question.refresh_from_db()
    assert (response.status_code, question.label_en) == (302, "Reworded")
    assert not AuditRecord.objects.exists()


def test_stale_edit_is_refused_with_409(call: Call, staff_client: Client) -> None:
    question = QuestionFactory(call=call)
    loaded = question.updated_at.isoformat()
    question.label_en = "Changed first"
    question.save()

    response = staff_client.post(
        reverse("intake:question_update", args=[question.pk]), _fields(loaded_at=loaded, label_en="Mine")
    )

    question.refresh_from_db()
    assert (response.status_code, question.label_en) == (409, "Changed first")
    assert response.context["form"]["label_en"].value() == "Mine"


def test_change_after_submissions_shows_what_it_touches_then_needs_a_reason_and_is_audited(
    call: Call, staff: User, staff_client: Client
) -> None:
    question = QuestionFactory(
        call=call, section_en="Eligibility", section_fr="Admissibilité", label_en="Old wording",
        label_fr="Le chef de file est-il membre de la grappe?",
    )  # fmt: skip
    answered = _submitted(call, question)
    unanswered = cast(Proposal, ProposalFactory(call=call, state="loi_submitted"))
    ProposalVersionFactory(proposal=unanswered, kind="loi")
    url = reverse("intake:question_update", args=[question.pk])
    data = _fields(loaded_at=question.updated_at.isoformat(), label_en="New wording")

    preview = staff_client.post(url, data)
    no_reason = staff_client.post(url, {**data, "confirm": "1"})
    saved = staff_client.post(url, {**data, "confirm": "1", "reason": "Clearer for applicants."})

    assert preview.status_code == 200
    assert preview.context["impact"] == services.Impact(answered=1, submitted=2)
    assert [(c.field, c.before, c.after) for c in preview.context["changes"]] == [
        ("label_en", "Old wording", "New wording")
    ]
    question.refresh_from_db()
    assert no_reason.status_code == 400
    assert no_reason.context["form"].errors["reason"] == [
        "Proposals were submitted at this stage: say why you change the question (it is audited)."
    ]
    assert saved.status_code == 302
    question.refresh_from_db()
    assert question.label_en == "New wording"
    records = {r.proposal_id: r for r in AuditRecord.objects.filter(action=services.QUESTION_CHANGE)}
    assert set(records) == {answered.pk, unanswered.pk}
    record = records[answered.pk]
    assert (record.actor, record.reason, record.data["answered"], records[unanswered.pk].data["answered"]) == (
        staff,
        "Clearer for applicants.",
        True,
        False,
    )
    assert record.data["changes"] == [{"field": "label_en", "before": "Old wording", "after": "New wording"}]


def test_question_answered_in_a_submission_cannot_be_retyped(call: Call, staff: User, staff_client: Client) -> None:
    question = QuestionFactory(call=call)
    _submitted(call, question)

    page = staff_client.get(reverse("intake:question_update", args=[question.pk]) + "?kind=number")
    with pytest.raises(ValidationError) as refused:
        services.question_update(
            question=question,
            by=staff,
            expected_updated_at=question.updated_at,
            kind="number",
            reason="Numbers now",
            **_model_fields(),
        )

    assert "its kind can no longer change" in page.text
    assert page.context["kind"] == "short_text"
    assert refused.value.message_dict == {"kind": [str(services.RETYPE_REFUSED)]}


def test_question_answered_only_in_drafts_can_be_retyped(call: Call, staff: User) -> None:
    question = QuestionFactory(call=call)
    Answer.objects.create(proposal=ProposalFactory(call=call), question=question, value="Draft")

    saved = services.question_update(
        question=question, by=staff, expected_updated_at=question.updated_at, kind="long_text", **_model_fields()
    )

    assert saved.kind == "long_text"


def test_removing_an_option_answered_in_a_submission_is_refused(call: Call, staff: User) -> None:
    options = [
        {"value": "a", "label_en": "A", "label_fr": "A"},
        {"value": "b", "label_en": "B", "label_fr": "B"},
    ]
    question = QuestionFactory(call=call, kind="single_choice", choices=options)
    _submitted(call, question, "a")

    with pytest.raises(ValidationError) as refused:
        services.question_update(
            question=question, by=staff, expected_updated_at=question.updated_at, kind="single_choice",
            reason="Fewer options", **_model_fields(), choices=options[:1],
        )  # fmt: skip

    assert list(refused.value.message_dict) == ["choices"]


def test_up_and_down_swap_a_question_with_its_neighbour_in_its_section(call: Call, staff_client: Client) -> None:
    first = QuestionFactory(call=call, section_en="A", position=1)
    other_section = QuestionFactory(call=call, section_en="B", position=2)
    second = QuestionFactory(call=call, section_en="A", position=3)

    staff_client.post(reverse("intake:question_move", args=[second.pk]), {"direction": "up"})
    staff_client.post(reverse("intake:question_move", args=[other_section.pk]), {"direction": "down"})

    order = list(Question.objects.filter(section_en="A").order_by("position").values_list("pk", flat=True))
    assert order == [second.pk, first.pk]
    other_section.refresh_from_db()
    assert other_section.position == 2


# --- Retiring and removing ------------------------------------------------------------------------------


def test_question_answered_in_a_submission_cannot_be_removed_and_retiring_is_offered(
    call: Call, staff_client: Client
) -> None:
    question = QuestionFactory(call=call)
    _submitted(call, question)
    url = reverse("intake:question_delete", args=[question.pk])

    page = staff_client.get(url)
    response = staff_client.post(url, {"reason": "Not needed"})

    assert reverse("intake:question_retire", args=[question.pk]) in page.text
    assert response.status_code == 400
    assert "Retire it instead, and it will no longer be asked." in response.text
    assert Question.objects.filter(pk=question.pk).exists()


def test_question_with_draft_answers_only_is_removed_with_them(call: Call, staff_client: Client) -> None:
    question = QuestionFactory(call=call)
    Answer.objects.create(proposal=ProposalFactory(call=call), question=question, value="Draft")

    response = staff_client.post(reverse("intake:question_delete", args=[question.pk]))

    assert response.status_code == 302
    assert (Question.objects.count(), Answer.objects.count()) == (0, 0)


def test_retiring_after_submissions_needs_a_reason_and_is_audited(call: Call, staff_client: Client) -> None:
    question = QuestionFactory(call=call)
    proposal = _submitted(call, question)
    url = reverse("intake:question_retire", args=[question.pk])

    refused = staff_client.post(url, {"reason": ""})
    done = staff_client.post(url, {"reason": "No longer asked this year."})

    assert refused.status_code == 400
    question.refresh_from_db()
    assert done.status_code == 302
    assert question.retired_at is not None
    record = AuditRecord.objects.get(action=services.QUESTION_CHANGE)
    assert (record.proposal_id, record.reason, record.data["change"]) == (
        proposal.pk,
        "No longer asked this year.",
        "retire",
    )


def test_retiring_twice_is_stale(call: Call, staff_client: Client) -> None:
    question = QuestionFactory(call=call, retired_at=timezone.now())

    response = staff_client.post(reverse("intake:question_retire", args=[question.pk]), {"reason": "Again"})

    assert response.status_code == 409


def test_history_tells_a_question_change(call: Call, staff: User, staff_client: Client) -> None:
    question = QuestionFactory(call=call)
    proposal = _submitted(call, question)
    services.question_retire(question=question, by=staff, reason="Dropped")

    page = staff_client.get(reverse("workflow:proposal_detail", args=[proposal.pk]))

    assert "Program staff changed a question of the call after this proposal was submitted." in page.text


# --- Copying from another call ------------------------------------------------------------------------


def test_copy_takes_every_question_still_asked_of_another_call(call: Call, staff_client: Client) -> None:
    source = CallFactory(program=call.program)
    QuestionFactory(call=source, label_en="Kept", stage="loi", position=1)
    QuestionFactory(call=source, label_en="Also kept", stage="application", kind="long_text", word_limit=900)
    QuestionFactory(call=source, label_en="Retired", retired_at=timezone.now())
    QuestionFactory(call=call, label_en="Own", position=4)

    response = staff_client.post(reverse("intake:questions_copy", args=[call.pk]), {"source": source.pk})

    assert response.status_code == 302
    copied = list(
        Question.objects.filter(call=call).order_by("position").values_list("label_en", "stage", "word_limit")
    )
    assert copied == [("Own", "loi", None), ("Kept", "loi", None), ("Also kept", "application", 900)]
    assert Question.objects.filter(call=source).count() == 3


def test_copy_is_refused_when_the_target_has_answers_at_the_stage(call: Call, staff_client: Client) -> None:
    source = CallFactory(program=call.program)
    QuestionFactory(call=source)
    answered = QuestionFactory(call=call)
    Answer.objects.create(proposal=ProposalFactory(call=call), question=answered, value="Draft")

    response = staff_client.post(reverse("intake:questions_copy", args=[call.pk]), {"source": source.pk})

    assert response.status_code == 400
    assert "Proposals have already answered this call&#x27;s questions at: Letter of intent." in response.text
    assert Question.objects.filter(call=call).count() == 1


def test_copy_offers_only_calls_of_the_programs_one_is_staff_of(call: Call) -> None:
    elsewhere = CallFactory(program=ProgramFactory())
    QuestionFactory(call=elsewhere)
    mine = CallFactory(program=call.program)
    QuestionFactory(call=mine)
    staff = UserFactory(role=Role.STAFF, programs=[call.program])

    page = client_for(staff).get(reverse("intake:questions_copy", args=[call.pk]))
    refused = client_for(staff).post(reverse("intake:questions_copy", args=[call.pk]), {"source": elsewhere.pk})

    assert list(page.context["form"].fields["source"].queryset) == [mine]
    assert refused.status_code == 400
    assert list(refused.context["form"].errors) == ["source"]
    assert not Question.objects.filter(call=call).exists()


def test_staff_of_another_program_do_not_reach_the_questions(call: Call) -> None:
    question = QuestionFactory(call=call)
    other = client_for(UserFactory(role=Role.STAFF, programs=[ProgramFactory()]))

    outcomes = [
        other.get(reverse("intake:call_questions", args=[call.pk])).status_code,
        other.get(reverse("intake:question_update", args=[question.pk])).status_code,
        other.post(reverse("intake:question_move", args=[question.pk]), {"direction": "up"}).status_code,
        other.post(reverse("intake:question_retire", args=[question.pk]), {"reason": "x"}).status_code,
    ]

    assert outcomes == [404, 404, 404, 404]
    question.refresh_from_db()
    assert question.retired_at is None
