"""A three-stage call with a table question, shaped by staff and walked by an applicant, in the browser.

1. Program staff open a new call, make its path an eligibility questionnaire that moves a
   proposal on by itself, a letter of intent that staff invite, then the full application,
   on its stages page; on its questions pages they ask a yes-or-no whose answer must hold, a
   long text with a word limit and a table with typed columns and a row limit, each in
   English and French.
2. An applicant starts a proposal, answers the questionnaire and submits it: it moves on by
   itself to the letter of intent. They answer its question and submit it; staff invite it.
3. The applicant completes the full application, fills the table with the keyboard (a bad
   amount is said beside its cell, every row kept, then corrected) and submits it.

Every page reached, the new ones included (the stages page, the questions list, the
question form, the applicant's questions and their sections), is shot and checked by axe-core.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from intake.choices import Advance, ColumnKind, QuestionKind, VersionKind
from intake.models import Answer, Call, Proposal
from intake.states import ProposalState
from tests.e2e import applicant_steps, shape_steps
from tests.e2e.harness import Journal, Visitor


def test_three_stage_call_with_a_table_question_from_shaping_to_submission(
    site: Any, visitor: Callable[..., Visitor], journal: Journal
) -> None:
    seeded = shape_steps.seed_shapes()
    staff, applicant = visitor("staff"), visitor("applicant")

    # Step 1: staff shape the call and ask its questions.
    staff.login(seeded.staff_email, seeded.password)
    staff.arrive("signed-in")
    call_pk = shape_steps.open_call(staff, seeded.program_pk)
    shape_steps.require_documents(staff)
    shape_steps.shape_stages(staff, call_pk)
    assert staff.path == reverse("intake:call_staff_detail", args=[call_pk]), staff.path  # the stages saved
    shape_steps.add_questions(staff)

    call = Call.objects.get(pk=call_pk)
    assert list(call.stages.values_list("kind", "advance")) == [
        (VersionKind.QUESTIONNAIRE, Advance.AUTOMATIC),
        (VersionKind.LOI, Advance.INVITATION),
        (VersionKind.APPLICATION, Advance.INVITATION),
    ]
    member, market, partners = (call.questions.get(stage=stage) for stage in
                                (VersionKind.QUESTIONNAIRE, VersionKind.LOI, VersionKind.APPLICATION))  # fmt: skip
    assert (member.kind, member.must_hold, member.label_fr) == (QuestionKind.YES_NO, True, shape_steps.MEMBER[1])
    assert (market.kind, market.word_limit, market.label_fr) == (
        QuestionKind.LONG_TEXT, shape_steps.MARKET_WORDS, shape_steps.MARKET[1],
    )  # fmt: skip
    assert (partners.kind, partners.max_rows, partners.section_fr) == (
        QuestionKind.TABLE, shape_steps.PARTNER_ROWS, "Le consortium",
    )  # fmt: skip
    assert [column["kind"] for column in partners.columns] == [
        ColumnKind.TEXT, ColumnKind.TEXT, ColumnKind.MONEY, ColumnKind.DATE,
    ]  # fmt: skip

    # Step 2: the questionnaire moves on by itself; the letter of intent waits for staff's invitation.
    applicant.login(shape_steps.APPLICANT.email, shape_steps.APPLICANT.password)
    applicant.arrive("signed-in")
    proposal_pk = applicant_steps.write_loi(
        applicant, call_pk, shape_steps.APPLICANT, start="Start the eligibility questionnaire"
    )
    proposal = Proposal.objects.select_related("stage").get(pk=proposal_pk)
    assert (proposal.state, proposal.stage.kind) == (ProposalState.DRAFT, VersionKind.QUESTIONNAIRE)
    shape_steps.answer_questionnaire(applicant, proposal_pk)
    proposal = Proposal.objects.select_related("stage").get(pk=proposal_pk)
    assert (proposal.state, proposal.stage.kind) == (ProposalState.INVITED, VersionKind.LOI)

    shape_steps.answer_loi_question(applicant, proposal_pk)
    applicant_steps.submit_loi(applicant, proposal_pk)
    assert Proposal.objects.get(pk=proposal_pk).state == ProposalState.LOI_SUBMITTED
    applicant_steps.invite(staff, proposal_pk)
    proposal = Proposal.objects.select_related("stage").get(pk=proposal_pk)
    assert (proposal.state, proposal.stage.kind) == (ProposalState.INVITED, VersionKind.APPLICATION)

    # Step 3: the full application, its table question among its sections.
    applicant.go(reverse("intake:proposal_detail", args=[proposal_pk]))
    applicant.arrive("invited")
    applicant_steps.press(
        applicant,
        applicant.page.locator("main").get_by_role(
            "link", name=applicant_steps.t("en", "Full application: its sections and what each lacks")
        ),
        "application",
    )
    applicant_steps.describe(applicant, proposal_pk)
    applicant_steps.build_consortium(applicant, proposal_pk)
    applicant_steps.enter_budget(applicant, proposal_pk)
    applicant_steps.plan_ip(applicant, proposal_pk)
    applicant_steps.expect_outcomes(applicant, proposal_pk)
    applicant_steps.attach(applicant, proposal_pk)
    shape_steps.fill_table(applicant, proposal_pk)
    shape_steps.submit_application(applicant, proposal_pk)

    assert Answer.objects.get(proposal_id=proposal_pk, question=partners).value == [
        [applicant_steps.LEAD, "Lead, processing", "400000.00", "2027-04-01"],
        [applicant_steps.LARGE_COMPANY, "Equipment maker", "250000.00", "2027-06-01"],
    ]
    assert [v.kind for v in Proposal.objects.get(pk=proposal_pk).versions.order_by("number")] == [
        VersionKind.QUESTIONNAIRE, VersionKind.LOI, VersionKind.APPLICATION,
    ]  # fmt: skip
    shots = {path.name.split("-", 1)[1] for path in journal.folder.glob("*.png")}
    for page in ("staff-rules.png", "staff-rule-form.png", "staff-stages.png", "staff-questions.png",
                 "staff-question-form-application.png",
                 "applicant-table-questions.png", "applicant-table.png"):  # fmt: skip
        assert page in shots, f"{page} was not visited"
