"""The steps of the browser journey through a three-stage call with a table question.

1. ``open_call``, ``shape_stages``, ``add_questions``: program staff open a new call, make its
   path an eligibility questionnaire that moves a proposal on by itself, a letter of intent
   that staff invite, then the full application, and ask at each stage a question typed in
   English and French: a yes-or-no whose answer must hold, a long text with a word limit, a
   table with typed columns and a row limit.
2. ``answer_questionnaire``, ``answer_loi_question``, ``fill_table``: an applicant answers each
   stage's questions on the proposal's questions pages, a mistake on the way said beside its
   field with what was typed kept; the table's rows are added and filled with the keyboard.

Everything is done in the browser; fields are found by their labels, translated with the
site's catalogue. ``seed_shapes`` makes only what these pages cannot: the program, its staff
member, the registered organizations and the applicant, already a member of the lead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from accounts.choices import OrganizationType, Role
from intake.models import Call, Program, Proposal
from tests.e2e.applicant_steps import (
    LARGE_COMPANY,
    LEAD,
    STAFF_EMAIL,
    UNIVERSITY,
    Applicant,
    expect_message,
    field,
    press,
    t,
)
from tests.e2e.harness import Visitor, expect
from tests.e2e.test_keyboard import Keyboard
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, ProgramFactory, UserFactory

if TYPE_CHECKING:
    from playwright.sync_api import Locator

PROGRAM = "Protein Industries Canada"
CALL_TITLE = "Plant-based ingredients 2027"
ZONE = "America/Regina"
APPLICANT = Applicant(email="robin@prairiesensors.ca", name="Robin Prairie", title="Pea protein isolates at scale")

#: The questions staff ask, in English and French.
MEMBER = ("Is the lead organization a member of Protein Industries Canada?",
          "L'organisation principale est-elle membre de Protein Industries Canada ?")  # fmt: skip
MARKET = ("Describe the market the project serves.", "Décrivez le marché que le projet dessert.")
PARTNERS = ("Project partners and their roles", "Partenaires du projet et leurs rôles")
MARKET_WORDS = 40
PARTNER_ROWS = 3
#: The table's columns as staff type them: kind | English | French.
COLUMNS = (
    "text | Organization | Organisation\ntext | Role | Rôle\nmoney | Contribution | Contribution\ndate | Starts | Début"
)


@dataclass(frozen=True)
class ShapeSeed:
    program_pk: int
    staff_email: str
    password: str


def seed_shapes() -> ShapeSeed:
    """Make the program, its staff member, the registered organizations and the applicant, member of the lead."""
    program = cast(Program, ProgramFactory(name_en=PROGRAM, name_fr=PROGRAM))
    UserFactory(role=Role.STAFF, email=STAFF_EMAIL, display_name="Sam Staff")
    lead = OrganizationFactory(legal_name=LEAD, kind=OrganizationType.SME, employee_count=38, province="SK")
    OrganizationFactory(legal_name=LARGE_COMPANY, kind=OrganizationType.LARGE_COMPANY, employee_count=2300)
    OrganizationFactory(legal_name=UNIVERSITY, kind=OrganizationType.POST_SECONDARY, employee_count=4100)
    person = UserFactory(role=Role.APPLICANT, email=APPLICANT.email, display_name=APPLICANT.name)
    MembershipFactory(user=person, organization=lead)
    return ShapeSeed(program_pk=program.pk, staff_email=STAFF_EMAIL, password=PASSWORD)


def _local(days: float) -> str:
    """Return the moment ``days`` from now as typed in a datetime-local field, in the call's timezone."""
    moment: datetime = timezone.now() + timedelta(days=days)
    return moment.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%dT%H:%M")


def _main(visitor: Visitor) -> Locator:
    return visitor.page.locator("main")


def expect_described(visitor: Visitor, target: Locator, message: str) -> None:
    """Check that one of the descriptions ``target`` names (``aria-describedby``) says ``message``."""
    described_by = (target.get_attribute("aria-describedby") or "").split()
    assert described_by, f"{target} names no description"
    descriptions = visitor.page.locator(", ".join(f"[id='{id_}']" for id_ in described_by))
    expect(descriptions.filter(has_text=message)).to_have_count(1)


def expect_error_beside(visitor: Visitor, target: Locator, message: str) -> None:
    """Check that ``target`` is marked invalid and that it names the description saying ``message``."""
    expect(target).to_have_attribute("aria-invalid", "true")
    expect_described(visitor, target, message)


# --- Staff ------------------------------------------------------------------------------------


def open_call(staff: Visitor, program_pk: int) -> int:
    """From the staff home (where staff land on signing in), open the programs, then a new call of the program.

    Return the call's id.
    """
    lang, main = staff.language, _main(staff)
    assert staff.path == reverse("workflow:staff_dashboard"), staff.path
    press(staff, main.get_by_role("link", name=t(lang, "Programs and calls"), exact=True), "programs")
    press(staff, main.get_by_role("link", name=PROGRAM, exact=True), "program")
    press(staff, main.get_by_role("link", name=t(lang, "New call"), exact=True), "call-form")
    field(main, t(lang, "Short name")).fill("plant-based-2027")
    field(main, t(lang, "Title (English)")).fill(CALL_TITLE)
    field(main, t(lang, "Title (French)")).fill("Ingrédients d'origine végétale 2027")
    field(main, t(lang, "Timezone")).select_option(ZONE)
    field(main, t(lang, "Opens")).fill(_local(-1))
    field(main, t(lang, "First stage closes")).fill(_local(20))
    field(main, t(lang, "Full applications close")).fill(_local(60))
    field(main, t(lang, "Reviews due")).fill(_local(100))
    field(main, t(lang, "Board meeting")).fill(_local(110))
    field(main, t(lang, "Funding envelope ($)")).fill("20000000")
    press(staff, main.get_by_role("button", name=t(lang, "Save the call")), "call")
    expect_message(staff, t(lang, "The call is created."))
    call = Call.objects.get(slug="plant-based-2027")
    assert staff.path == reverse("intake:call_staff_detail", args=[call.pk])
    return call.pk


def require_documents(staff: Visitor) -> None:
    """From the call's page, on its rules page, make the required attachments rule ask for two documents."""
    lang, main = staff.language, _main(staff)
    press(staff, main.get_by_role("link", name=t(lang, "Rules"), exact=True), "rules")
    rule = t(lang, "Required attachments")
    press(staff, main.get_by_role("link", name=f"{t(lang, 'Edit')} {rule}"), "rule-form")
    for document in ("Project plan", "Letters of support"):
        field(main, t(lang, document)).check()
    press(staff, main.get_by_role("button", name=t(lang, "Save the rule")), "rules-saved")
    expect(main.get_by_role("cell").filter(has_text=t(lang, "Project plan"))).to_have_count(1)
    press(staff, main.get_by_role("link", name=t(lang, "Back to the call"), exact=True), "call")


def _stage(lang: str, kind: str) -> str:
    return t(lang, {"questionnaire": "Eligibility questionnaire", "loi": "Letter of intent",
                    "application": "Full application"}[kind])  # fmt: skip


def shape_stages(staff: Visitor, call_pk: int) -> None:
    """On the stages page, put the questionnaire before the letter of intent; a forgotten close is said beside it."""
    lang, main = staff.language, _main(staff)
    press(staff, main.get_by_role("link", name=t(lang, "Stages"), exact=True), "stages")
    questionnaire = _stage(lang, "questionnaire")
    field(main, t(lang, "%(stage)s is a stage of the path", stage=questionnaire)).check()
    # The questionnaire opens when the call does (the minute its letter of intent and full application
    # open): no stage may open before the one it follows, whatever minute it is now.
    loi = _stage(lang, "loi")
    opens = field(main, t(lang, "%(stage)s opens", stage=loi)).input_value()
    field(main, t(lang, "%(stage)s opens", stage=questionnaire)).fill(opens)
    field(main, t(lang, "How a proposal moves on from %(stage)s", stage=questionnaire)).select_option(
        label=t(lang, "Automatically, when every rule of the stage passes")
    )
    expect(field(main, t(lang, "%(stage)s is a stage of the path", stage=loi))).to_be_checked()
    field(main, t(lang, "How a proposal moves on from %(stage)s", stage=loi)).select_option(
        label=t(lang, "Staff invite it to the next stage")
    )
    save = main.get_by_role("button", name=t(lang, "Save the stages"))
    # The questionnaire's close is forgotten: said beside it, and the rest kept as typed.
    press(staff, save, "stages-mistake")
    closes = field(main, t(lang, "%(stage)s closes", stage=questionnaire))
    expect_error_beside(staff, closes, t(lang, "Give the time this stage opens or closes."))
    expect(field(main, t(lang, "%(stage)s is a stage of the path", stage=questionnaire))).to_be_checked()
    closes.fill(_local(10))
    press(staff, save, "stages-saved")
    expect_message(staff, t(lang, "The call's stages are saved."))


def _add_question(staff: Visitor, stage: str, kind_label: str) -> Locator:
    """From the questions page, open the form of a new question of ``kind_label`` at ``stage``; return the form."""
    lang, main = staff.language, _main(staff)
    section = main.locator(f"section#stage-{stage}")
    # Each stage's choice of a kind names its stage, so that the three are told apart out of context.
    kind = field(section, f"{t(lang, 'Kind of question')} ({_stage(lang, stage)})")
    kind.select_option(label=t(lang, kind_label))
    press(
        staff,
        section.get_by_role("button", name=t(lang, "Add a question to “%(stage)s”", stage=_stage(lang, stage))),
        f"question-form-{stage}",
    )
    return main.locator("form[method=post]")


def _wording(form: Locator, lang: str, *, section: tuple[str, str], label: tuple[str, str]) -> None:
    field(form, t(lang, "Section (English)")).fill(section[0])
    field(form, t(lang, "Section (French)")).fill(section[1])
    field(form, t(lang, "Question (English)")).fill(label[0])
    field(form, t(lang, "Question (French)")).fill(label[1])
    expect(field(form, t(lang, "An answer is required to submit"))).to_be_checked()


def add_questions(staff: Visitor) -> None:
    """Ask the three questions; the table's columns are first mistyped, refused beside the field and corrected."""
    lang, main = staff.language, _main(staff)
    press(staff, main.get_by_role("link", name=t(lang, "Application questions"), exact=True), "questions")
    expect(main.locator("section#stage-questionnaire")).to_contain_text(t(lang, "No question at this stage yet."))

    form = _add_question(staff, "questionnaire", "Yes or no")
    _wording(form, lang, section=("Eligibility", "Admissibilité"), label=MEMBER)
    field(form, t(lang, "Answer that must hold (eligibility questionnaire)")).select_option(label=t(lang, "Yes"))
    press(staff, form.get_by_role("button", name=t(lang, "Save the question")), "questionnaire-question-added")
    expect_message(staff, t(lang, "The question is added."))

    form = _add_question(staff, "loi", "Long text")
    _wording(form, lang, section=("The market", "Le marché"), label=MARKET)
    field(form, t(lang, "Word limit")).fill(str(MARKET_WORDS))
    press(staff, form.get_by_role("button", name=t(lang, "Save the question")), "loi-question-added")
    expect_message(staff, t(lang, "The question is added."))

    form = _add_question(staff, "application", "Table")
    _wording(form, lang, section=("The consortium", "Le consortium"), label=PARTNERS)
    columns = field(form, t(lang, "Columns"))
    columns.fill(COLUMNS.replace("money |", "dollars |"))
    field(form, t(lang, "Most rows")).fill(str(PARTNER_ROWS))
    press(staff, form.get_by_role("button", name=t(lang, "Save the question")), "table-question-mistake")
    refusal = t(
        lang,
        "Line %(number)s: write the column's kind (text, number, money or date), its English name "
        "and its French name, separated by |.",
        number=3,
    )
    expect_error_beside(staff, columns, refusal)
    expect(field(form, t(lang, "Question (French)"))).to_have_value(PARTNERS[1])
    columns.fill(COLUMNS)
    press(staff, form.get_by_role("button", name=t(lang, "Save the question")), "table-question-added")
    expect_message(staff, t(lang, "The question is added."))
    for stage, label in (("questionnaire", MEMBER), ("loi", MARKET), ("application", PARTNERS)):
        expect(main.locator(f"section#stage-{stage}").get_by_role("link", name=label[0], exact=True)).to_have_count(1)


# --- The applicant ----------------------------------------------------------------------------


def expect_next_step(visitor: Visitor, message: str) -> None:
    """Check that the proposal's page says ``message`` under "What to do next"."""
    next_section = _main(visitor).locator("section").filter(has=visitor.page.locator("#next-heading"))
    expect(next_section).to_contain_text(message)


def open_questions(visitor: Visitor, proposal_pk: int, section: str, step: str) -> None:
    """From the proposal's page, open the questions of its stage, then the section ``section``."""
    lang, main = visitor.language, _main(visitor)
    visitor.go(reverse("intake:proposal_detail", args=[proposal_pk]))
    visitor.arrive(f"{step}-proposal")
    if step == "questionnaire":
        expect_next_step(visitor, t(lang, "Answer the eligibility questionnaire and submit it before the deadline."))
    press(visitor, main.get_by_role("link", name=t(lang, "The call's questions at this stage")), f"{step}-questions")
    press(visitor, main.get_by_role("link", name=section, exact=True), step)


def _save(visitor: Visitor, step: str) -> None:
    press(visitor, _main(visitor).get_by_role("button", name=t(visitor.language, "Save this section")), step)


def answer_questionnaire(visitor: Visitor, proposal_pk: int) -> None:
    """Answer the questionnaire's yes-or-no, then submit it: its answer holds, so it moves on by itself."""
    lang, main = visitor.language, _main(visitor)
    open_questions(visitor, proposal_pk, "Eligibility", "questionnaire")
    group = main.get_by_role("group", name=re.compile(re.escape(MEMBER[0])))
    group.get_by_label(t(lang, "Yes"), exact=True).check()
    _save(visitor, "questionnaire-saved")
    expect_message(visitor, t(lang, "This section is saved."))
    press(visitor, main.locator("nav ol.breadcrumb").get_by_role("link", name=APPLICANT.title), "questionnaire-ready")
    press(visitor, visitor.page.locator("#action-submit_loi").get_by_role("button"), "questionnaire-submitted")
    expect_next_step(
        visitor, t(lang, "You are invited: complete your letter of intent and submit it before the deadline.")
    )


def answer_loi_question(visitor: Visitor, proposal_pk: int) -> None:
    """Answer the letter of intent's long text: over its limit first, refused beside it and kept, then shortened."""
    lang, main = visitor.language, _main(visitor)
    open_questions(visitor, proposal_pk, "The market", "loi-question")
    answer = field(main, t(lang, "%(question)s (required)", question=MARKET[0]))
    long = " ".join(["Canadian food makers need more plant protein from prairie peas."] * 5)
    answer.fill(long)
    _save(visitor, "loi-question-mistake")
    words = len(long.split())
    expect_error_beside(
        visitor,
        answer,
        t(lang, "This text has %(count)s words; the limit is %(limit)s. Shorten it by %(over)s words.",
          count=words, limit=MARKET_WORDS, over=words - MARKET_WORDS),
    )  # fmt: skip
    expect(answer).to_have_value(long)
    answer.fill("Canadian food makers need more plant protein; prairie peas can supply it at a lower cost.")
    _save(visitor, "loi-question-saved")
    expect_message(visitor, t(lang, "This section is saved."))
    press(visitor, main.locator("nav ol.breadcrumb").get_by_role("link", name=APPLICANT.title), "loi-ready")


#: The partners' table as the applicant fills it: organization, role, contribution, start.
ROWS = [
    (LEAD, "Lead, processing", "400,000", "2027-04-01"),
    (LARGE_COMPANY, "Equipment maker", "250,000", "2027-06-01"),
]


def _cell(main: Locator, row: int, column: int) -> Locator:
    return main.locator(f"[name$='-{row}-c{column}']")


def _type(keys: Keyboard, target: Locator, value: str) -> None:
    """Tab to a cell and type ``value``; a date is typed as its field shows it, month, day then year."""
    if target.get_attribute("type") != "date":
        keys.type_into(target, value)
        return
    keys.tab_to(target)
    year, month, day = value.split("-")
    keys.page.keyboard.type(f"{month}{day}{year}")
    expect(target).to_have_value(value)


def fill_table(visitor: Visitor, proposal_pk: int) -> None:
    """Fill the partners' table with the keyboard alone: the first row, then "Add a row" with Enter for the second.

    The second contribution is first typed in words: the table is refused with the message
    beside that cell, every row kept as typed; the applicant corrects it and saves.
    """
    lang, main = visitor.language, _main(visitor)
    open_questions(visitor, proposal_pk, "The consortium", "table")
    table = main.get_by_role("group", name=re.compile(re.escape(PARTNERS[0])))
    expect_described(visitor, table, t(lang, "At most %(limit)s rows.", limit=PARTNER_ROWS))
    keys = Keyboard(visitor)
    keys.skip_to_main()
    for column, value in enumerate(ROWS[0]):
        _type(keys, _cell(main, 0, column), value)
    keys.activate(table.get_by_role("button", name=t(lang, "Add a row"), exact=True))
    second = _cell(main, 1, 0)
    expect(second).to_be_focused()
    visitor.page.keyboard.insert_text(ROWS[1][0])
    mistake = "two hundred fifty thousand"
    for column, value in enumerate(ROWS[1][1:], start=1):
        _type(keys, _cell(main, 1, column), mistake if column == 2 else value)
    keys.activate(main.get_by_role("button", name=t(lang, "Save this section"), exact=True), "table-mistake")
    visitor.check_accessible()
    expect(main.locator("#form-errors")).to_contain_text(
        t(lang, "Please correct what is marked below; nothing you typed is lost.")
    )
    expect_described(visitor, table, t(lang, "This table needs correcting: see the messages below."))
    contribution = _cell(main, 1, 2)
    expect_error_beside(visitor, contribution, t(lang, "Enter an amount in dollars, such as 12500 or 12,500.00."))
    expect(contribution).to_have_value(mistake)
    for row, values in enumerate(ROWS):
        for column, value in enumerate(values):
            if (row, column) != (1, 2):
                expect(_cell(main, row, column)).to_have_value(value)
    keys.type_into(contribution, ROWS[1][2])
    keys.activate(main.get_by_role("button", name=t(lang, "Save this section"), exact=True), "table-saved")
    visitor.check_accessible()
    expect_message(visitor, t(lang, "This section is saved."))
    for row, values in enumerate(ROWS):
        expect(_cell(main, row, 0)).to_have_value(values[0])


def submit_application(visitor: Visitor, proposal_pk: int) -> None:
    """From the proposal's page, submit the full application."""
    lang, main = visitor.language, _main(visitor)
    visitor.go(reverse("intake:proposal_detail", args=[proposal_pk]))
    visitor.arrive("ready")
    checks = main.locator("section").filter(has=visitor.page.locator("#eligibility-heading"))
    expect(checks.locator(".badge.text-bg-danger")).to_have_count(0)
    press(visitor, visitor.page.locator("#action-submit_application").get_by_role("button"), "submitted")
    expect_message(visitor, t(lang, "Application submitted"))
    assert Proposal.objects.get(pk=proposal_pk).state == "submitted"
