"""The built-in sections a call's full application uses, their word limits, and their texts asked as questions."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import cast

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.choices import Role
from accounts.models import User
from intake.choices import BuiltInSection, QuestionKind, VersionKind
from intake.completeness import missing_by_section, missing_for_submission, rules_by_section
from intake.models import Call, CallRule, Proposal, ProposalVersion, Question, Stage
from intake.services.questions import section_texts_ask
from intake.services.stages import StagePlan, call_path_copy, call_stages_save
from intake.services.versions import version_sheet
from records.models import AuditRecord
from tests.conftest import client_for
from tests.factories import CallFactory, ProgramFactory, UserFactory
from tests.intake.test_stages_page import WINDOWS, _post
from tests.intake.test_versions import invited, invited_application
from workflow.actions import proposal_submit_application

pytestmark = pytest.mark.django_db

WITHOUT_DESCRIPTION = ("consortium", "budget", "ip", "outcomes", "attachments")


def _application_stage(call: Call) -> Stage:
    return Stage.objects.get(call=call, kind=VersionKind.APPLICATION)


def _use(call: Call, sections: tuple[str, ...], **word_limits: int) -> Call:
    """Give ``call``'s full application ``sections`` and ``word_limits`` through the stages' service."""
    plans = [
        StagePlan(stage.kind, stage.opens_at, stage.closes_at, stage.advance, stage.assessed)
        if stage.kind != VersionKind.APPLICATION
        else StagePlan(stage.kind, stage.opens_at, stage.closes_at, sections=sections, word_limits=word_limits)
        for stage in call.stages.all()
    ]
    call_stages_save(call=call, plans=plans)
    return Call.objects.get(pk=call.pk)


def _fresh(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_related("call", "stage", "lead_organization").get(pk=proposal.pk)


# --- The stages page -------------------------------------------------------------------------------


def test_stages_page_saves_the_sections_used_and_their_word_limits(staff_client: Client) -> None:
    call = CallFactory(timezone="America/Toronto", **WINDOWS)
    data = _post(application_sections=["ip", "outcomes", "attachments"], application_words_ip="750")

    response = staff_client.post(reverse("intake:call_stages", args=[call.pk]), data)

    assert response.status_code == 302
    stage = _application_stage(call)
    assert stage.sections == list(WITHOUT_DESCRIPTION)
    assert stage.word_limits == {"ip": 750}
    page = staff_client.get(reverse("intake:call_stages", args=[call.pk])).content.decode()
    assert 'name="application_words_ip" value="750"' in page


def test_stages_page_refuses_a_word_limit_on_a_section_left_out_keeping_what_was_typed(staff_client: Client) -> None:
    call = CallFactory(timezone="America/Toronto", **WINDOWS)
    data = _post(application_sections=["ip", "outcomes", "attachments"], application_words_description="900")

    response = staff_client.post(reverse("intake:call_stages", args=[call.pk]), data)

    assert response.status_code == 400
    assert response.context["form"].errors["application_words_description"] == [
        "Project description and work plan is not used, so its texts can have no word limit."
    ]
    assert 'name="application_words_description" value="900"' in response.content.decode()
    assert _application_stage(call).sections == list(BuiltInSection.values)


def test_stages_page_refuses_leaving_out_the_attachments_a_call_requires(staff_client: Client) -> None:
    call = CallFactory(timezone="America/Toronto", required_attachments=["project_plan"], **WINDOWS)

    response = staff_client.post(
        reverse("intake:call_stages", args=[call.pk]),
        _post(application_sections=["description", "ip", "outcomes"]),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["application_sections"] == [
        "The call requires attachments, so its full application uses the Attachments section."
    ]


@pytest.mark.parametrize("kept", ["consortium", "budget"])
def test_a_full_application_always_has_its_consortium_and_budget(kept: str) -> None:
    call = CallFactory()

    with pytest.raises(ValidationError) as refused:
        _use(call, tuple(slug for slug in BuiltInSection.values if slug != kept))

    assert "application_sections" in refused.value.message_dict
    assert _application_stage(call).sections == list(BuiltInSection.values)


def test_changing_the_sections_of_a_call_with_submissions_is_audited(applicant: User, staff_client: Client) -> None:
    call = CallFactory(timezone="America/Toronto", **WINDOWS)
    proposal_submit_application(proposal=invited_application(applicant, call=call), by=applicant)
    data = _post(application_sections=["ip", "outcomes", "attachments"], reason="The description is now a question.")
    data["confirm"] = "1"

    response = staff_client.post(reverse("intake:call_stages", args=[call.pk]), data)

    assert response.status_code == 302
    record = AuditRecord.objects.get(call=call)
    application = {stage["kind"]: stage for stage in record.data["after"]["stages"]}["application"]
    assert application["sections"] == list(WITHOUT_DESCRIPTION)
    assert record.reason == "The description is now a question."


def test_copying_a_call_s_stages_keeps_its_sections_and_limits() -> None:
    source = _use(CallFactory(), WITHOUT_DESCRIPTION, ip=600)

    copied = call_path_copy(source=source, now=datetime(2020, 1, 1, tzinfo=UTC))

    assert copied.plans[-1].sections == WITHOUT_DESCRIPTION
    assert copied.plans[-1].word_limits == {"ip": 600}


# --- The applicant's full application ---------------------------------------------------------------


def test_a_section_left_out_is_neither_shown_nor_counted_nor_required(
    applicant: User, applicant_client: Client
) -> None:
    call = _use(CallFactory(), WITHOUT_DESCRIPTION)
    proposal = invited(applicant, call=call)

    overview = applicant_client.get(reverse("intake:application", args=[proposal.pk]))
    missing = missing_by_section(_fresh(proposal))

    assert [section["slug"] for section in overview.context["application_nav"]["sections"]] == list(WITHOUT_DESCRIPTION)
    assert overview.context["application_nav"]["total"] == 5
    assert list(missing) == list(WITHOUT_DESCRIPTION)
    assert not [item for item in missing_for_submission(_fresh(proposal)) if "description" in item.lower()]
    assert applicant_client.get(reverse("intake:application_description", args=[proposal.pk])).status_code == 404


def test_a_full_application_without_its_description_is_submitted_and_its_version_shows_no_description(
    applicant: User,
) -> None:
    call = _use(CallFactory(), WITHOUT_DESCRIPTION)
    proposal = invited_application(applicant, call=call)
    proposal.milestones.all().delete()
    Proposal.objects.filter(pk=proposal.pk).update(project_description="", work_plan="")

    proposal_submit_application(proposal=_fresh(proposal), by=applicant)

    version = ProposalVersion.objects.get(proposal=proposal)
    assert version.data["sections"] == list(WITHOUT_DESCRIPTION)
    sheet = version_sheet(data=version.data)
    assert "description" not in sheet["sections"]
    assert [label for label, _text in sheet["application_texts"]] == [
        "proposed ownership of the foreground IP",
        "licensing terms among the partners",
        "licensing terms for cluster members",
    ]


def test_a_version_from_before_sections_were_chosen_shows_them_all() -> None:
    sheet = version_sheet(data={"schema": 2})

    assert sheet["sections"] == set(BuiltInSection.values)


def test_description_over_its_section_word_limit_is_refused_beside_the_field_keeping_it(
    applicant: User, applicant_client: Client
) -> None:
    call = _use(CallFactory(), tuple(BuiltInSection.values), description=5)
    proposal = invited(applicant, call=call)
    typed = "one two three four five six"

    response = applicant_client.post(
        reverse("intake:application_description", args=[proposal.pk]),
        {
            "loaded_at": proposal.updated_at.isoformat(),
            "project_description": typed,
            "work_plan": "Short.",
            "milestones-TOTAL_FORMS": "0",
            "milestones-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 400
    assert "the limit is 5" in response.context["form"].errors["project_description"][0]
    assert typed in response.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).project_description == ""


def test_a_text_over_a_limit_lowered_since_keeps_its_section_incomplete(applicant: User) -> None:
    call = CallFactory()
    proposal = invited_application(applicant, call=call)
    _use(call, tuple(BuiltInSection.values), ip=2)

    missing = missing_by_section(_fresh(proposal))["ip"]

    assert [item for item in missing if "in at most 2 words" in item]


# --- A left-out section's texts asked as questions ------------------------------------------------------


def test_left_out_section_texts_become_bilingual_long_text_questions(staff: User, staff_client: Client) -> None:
    call = _use(CallFactory(application_word_limit=1500), WITHOUT_DESCRIPTION)

    page = staff_client.get(reverse("intake:call_questions", args=[call.pk])).content.decode()
    response = staff_client.post(reverse("intake:section_texts_ask", args=[call.pk, "description"]))

    assert "Ask the texts of “Project description and work plan” as questions" in page
    assert response.status_code == 302
    questions = list(Question.objects.filter(call=call).order_by("position"))
    assert [(q.stage, q.kind, q.label_en, q.word_limit) for q in questions] == [
        (VersionKind.APPLICATION, QuestionKind.LONG_TEXT, "Project description", 1500),
        (VersionKind.APPLICATION, QuestionKind.LONG_TEXT, "Work plan", 1500),
    ]
    with translation.override("fr"):
        french = [(q.section_fr, q.label_fr) for q in questions]
    assert all(section and label for section, label in french)
    assert french[0][1] != "Project description"
    assert questions[0].guidance_en == "The problem, the solution and why this consortium."


def test_texts_of_a_section_in_use_are_not_asked_again(staff: User) -> None:
    call = CallFactory()

    with pytest.raises(Exception, match="leave it out on the stages page first"):
        section_texts_ask(call=call, section=BuiltInSection.DESCRIPTION, by=staff)

    assert not Question.objects.filter(call=call).exists()


def test_texts_already_asked_are_refused_and_nothing_is_added(staff: User, staff_client: Client) -> None:
    call = _use(CallFactory(), WITHOUT_DESCRIPTION)
    section_texts_ask(call=call, section=BuiltInSection.DESCRIPTION, by=staff)

    response = staff_client.post(reverse("intake:section_texts_ask", args=[call.pk, "description"]))

    assert response.status_code == 409
    assert "already asked" in response.content.decode()
    assert Question.objects.filter(call=call).count() == 2


def test_staff_of_another_program_cannot_ask_a_section_s_texts() -> None:
    call = _use(cast(Call, CallFactory()), WITHOUT_DESCRIPTION)
    other = client_for(cast(User, UserFactory(role=Role.STAFF, programs=[ProgramFactory()])))

    response = other.post(reverse("intake:section_texts_ask", args=[call.pk, "description"]))

    assert response.status_code == 404
    assert not Question.objects.filter(call=call).exists()


def test_a_call_requiring_ip_rights_keeps_its_ip_plan_section() -> None:
    call = CallFactory(required_attachments=[])
    CallRule.objects.create(call=call, kind="min_ip_rights", params={"count": 1}, stages=["application"], position=99)
    call.rules_forget()

    with pytest.raises(ValidationError) as refused:
        _use(call, ("description", "consortium", "budget", "outcomes", "attachments"))

    assert refused.value.message_dict["application_sections"] == [
        "The call requires expected IP rights, so its full application uses the IP plan section."
    ]


def test_each_kind_of_rule_answers_to_the_section_whose_entries_it_reads() -> None:
    results = [
        SimpleNamespace(check=SimpleNamespace(code=code))
        for code in (
            "membership",
            "required_roles",
            "min_partners_of_types#2",
            "project_cap",
            "admin_fee",
            "min_ip_rights",
        )
    ]

    by_section = rules_by_section(results)

    assert [r.check.code for r in by_section["consortium"]] == [
        "membership",
        "required_roles",
        "min_partners_of_types#2",
    ]
    assert [r.check.code for r in by_section["budget"]] == ["project_cap", "admin_fee"]
    assert [r.check.code for r in by_section["ip"]] == ["min_ip_rights"]
