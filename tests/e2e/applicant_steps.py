"""Steps 1 and 2 of the browser journey: the applicant's letter of intent, the invitation, the full application.

1. ``register_and_submit_loi``: a new person signs up, joins the organization they work for,
   writes a letter of intent in an open call and submits it.
2. ``invite_and_complete_application``: staff invite it; the applicant describes the project
   with two milestones, builds a consortium of four (two registered partners added, one
   created on the spot) with their contributions, enters the budget, the IP plan, the
   expected outcomes, uploads the call's two required documents and submits.

Everything a user does happens in the browser, in the visitor's language: fields are found by
their labels (translated with the site's own catalogue) or, where a label is repeated per row,
by name. ``seed_intake`` makes only what a user could not create on these pages: the program
and its call, a staff member and the organizations already registered. Each page reached is
recorded with ``Visitor.arrive``: a screenshot and axe-core's check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import translation

from accounts.choices import OrganizationType, Role
from accounts.models import JoinRequest, Membership
from intake.models import Proposal
from tests.e2e.harness import Visitor, expect
from tests.factories import PASSWORD, CallFactory, MembershipFactory, OrganizationFactory, ProgramFactory, UserFactory
from tests.intake import samples
from workflow.organizations import organization_join_answer

if TYPE_CHECKING:
    from playwright.sync_api import Locator

LEAD = "Prairie Sensors Inc."
LARGE_COMPANY = "Maple Motors Ltd."
UNIVERSITY = "University of the North"
NEW_SME = "Lakeshore Analytics Inc."
TITLE = "A shared testbed for connected farm machinery"
STAFF_EMAIL = "sam@example.com"


@dataclass(frozen=True)
class Applicant:
    """Who signs up: their address, name, password and the language they choose."""

    email: str = "pat@prairiesensors.ca"
    name: str = "Pat Prairie"
    password: str = PASSWORD
    language: str = "en"
    title: str = TITLE


@dataclass(frozen=True)
class Seeded:
    """What exists before the applicant arrives."""

    call_pk: int
    staff_email: str
    password: str


def seed_intake() -> Seeded:
    """Make the program and its open call, a staff member and the organizations already registered."""
    program = ProgramFactory(
        name_en="Digital Technology Supercluster", name_fr="Supergrappe des technologies numériques"
    )
    call = CallFactory(
        program=program,
        title_en="Technology leadership projects",
        title_fr="Projets de leadership technologique",
        required_attachments=["project_plan", "letters_of_support"],
    )
    UserFactory(role=Role.STAFF, email=STAFF_EMAIL, display_name="Sam Staff")
    lead = OrganizationFactory(legal_name=LEAD, kind=OrganizationType.SME, employee_count=38, province="SK")
    # A colleague already acts for the lead organization and approves the applicant's request to join it.
    MembershipFactory(organization=lead, user=UserFactory(role=Role.APPLICANT, display_name="Lee Colleague"))
    OrganizationFactory(legal_name=LARGE_COMPANY, kind=OrganizationType.LARGE_COMPANY, employee_count=2300)
    OrganizationFactory(legal_name=UNIVERSITY, kind=OrganizationType.POST_SECONDARY, employee_count=4100)
    return Seeded(call_pk=call.pk, staff_email=STAFF_EMAIL, password=PASSWORD)


#: Every message the steps looked for, with its translation: (language, message, translated).
LOOKED_FOR: list[tuple[str, str, str]] = []


def t(language: str, message: str, **params: Any) -> str:
    """Return ``message`` as the site shows it in ``language``, with ``params`` put in."""
    with translation.override(language):
        text = translation.gettext(message)
    LOOKED_FOR.append((language, message, text))
    return text % params if params else text


def typed(language: str, amount: str) -> str:
    """Return ``amount`` (written ``1,200,000``) as a person of ``language`` types it: ``1 200 000`` in French."""
    return amount.replace(",", " ") if language == "fr" else amount


def press(visitor: Visitor, button: Locator, step: str) -> None:
    """Press ``button``, wait for the page it leads to, and record that page."""
    with visitor.page.expect_navigation():
        button.click()
    visitor.arrive(step)


def expect_message(visitor: Visitor, message: str) -> None:
    """Check that the page shows ``message`` in one of its status or alert boxes."""
    expect(visitor.page.locator("main .alert").filter(has_text=message)).to_have_count(1)


def _main(visitor: Visitor) -> Locator:
    return visitor.page.locator("main")


def field(scope: Locator, label: str) -> Locator:
    """Return the field of ``scope`` labelled exactly ``label`` (crispy-forms marks required ones with "*")."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


# --- Step 1 ----------------------------------------------------------------------------------


def sign_up(visitor: Visitor, applicant: Applicant) -> None:
    """Ask for the account, follow the emailed link and choose the password; the site then asks for the organization."""
    from django.core import mail

    lang, main = visitor.language, _main(visitor)
    visitor.go("/")
    visitor.arrive("home")
    press(visitor, visitor.page.locator("header").get_by_role("link", name=t(lang, "Sign up")), "sign-up")
    field(main, t(lang, "Email address")).fill(applicant.email)
    field(main, t(lang, "Your name")).fill(applicant.name)
    field(main, t(lang, "Preferred language")).select_option(applicant.language)
    press(visitor, main.get_by_role("button", name=t(lang, "Create my account")), "sign-up-sent")
    assert visitor.path == reverse("accounts:signup_sent")
    # The link is emailed (the task runs at once, in the live server's thread), in the language chosen.
    (link,) = re.findall(r"https?://[^/\s]+(/accounts/signup/[^/\s]+/)", mail.outbox[-1].body)
    visitor.go(link)
    visitor.arrive("sign-up-password")
    main.locator("input[name=password1]").fill(applicant.password)
    main.locator("input[name=password2]").fill(applicant.password)
    press(visitor, main.get_by_role("button", name=t(lang, "Create my account")), "organizations")
    assert visitor.path == reverse("accounts:organizations")


def join_organization(visitor: Visitor, organization: str) -> None:
    """Ask to join a registered organization with one's job title; a colleague already a member approves.

    The colleague's answer goes through the same action as the page of the request
    (tests/accounts/test_join_requests.py walks that page); the applicant then finds the
    organization among their own.
    """
    lang = visitor.language
    join = _main(visitor).locator("section").filter(has=visitor.page.locator("#join-heading"))
    field(join, t(lang, "Organization")).select_option(label=organization)
    field(join, t(lang, "Your job title")).fill("Chief executive")
    press(visitor, join.get_by_role("button", name=t(lang, "Ask to join")), "join-asked")
    expect_message(
        visitor,
        t(
            lang,
            "Your request to join %(name)s is sent to its members for approval; you will be told of the answer.",
            name=organization,
        ),
    )
    join_request = JoinRequest.objects.select_related("organization").get(organization__legal_name=organization)
    colleague = Membership.objects.filter(organization=join_request.organization).first()
    assert colleague is not None, "the seed gives the lead organization a member"
    organization_join_answer(join_request=join_request, by=colleague.user, approve=True)
    visitor.go(reverse("accounts:organizations"))
    visitor.arrive("joined")
    expect(_main(visitor).get_by_role("row", name=organization)).to_be_visible()


def write_loi(
    visitor: Visitor,
    call_pk: int,
    applicant: Applicant,
    *,
    mistake: bool = False,
    start: str = "Start a letter of intent",
) -> int:
    """Find the call among the open calls, start a letter of intent there and save it; return the proposal's id.

    ``start`` is the call page's link, named by the call's first stage.

    With ``mistake``, the cost is first written in words: the form comes back with the error
    beside the field and everything else as typed, and the applicant corrects it.
    """
    lang, main = visitor.language, _main(visitor)
    press(visitor, visitor.page.locator("header").get_by_role("link", name=t(lang, "Open calls")), "open-calls")
    visitor.page.locator(f"main a[href='{reverse('intake:call_detail', args=[call_pk])}']").first.click()
    visitor.page.wait_for_url(f"**{reverse('intake:call_detail', args=[call_pk])}")
    visitor.arrive("call")
    press(visitor, main.get_by_role("link", name=t(lang, start)), "loi-form")
    field(main, t(lang, "Title")).fill(applicant.title)
    field(main, t(lang, "Lead organization")).select_option(label=LEAD)
    field(main, t(lang, "Summary")).fill(
        "Four partners build a testbed where farm machinery makers try connected sensors in the field."
    )
    field(main, t(lang, "The challenge")).fill(
        "Makers cannot test connected sensors on real machinery without a season of field trials."
    )
    field(main, t(lang, "The technology")).fill("Ruggedized sensors, an edge gateway and a shared data platform.")
    field(main, t(lang, "Expected partners")).fill("A large equipment maker, a university and a data-analytics SME.")
    cost = field(main, t(lang, "Estimated total project cost ($)"))
    cost.fill("three million" if mistake else typed(lang, "3,000,000"))
    field(main, t(lang, "Estimated funding requested from the cluster ($)")).fill(typed(lang, "1,000,000"))
    field(main, t(lang, "Agri-food and protein")).check()
    field(main, t(lang, "Keywords")).fill("sensors, agriculture")
    save = main.get_by_role("button", name=t(lang, "Save the draft"), exact=True)
    if mistake:
        press(visitor, save, "loi-mistake")
        expect(main.locator("#form-errors")).to_contain_text(
            t(lang, "Please correct what is marked below; nothing you typed is lost.")
        )
        expect(cost).to_have_attribute("aria-invalid", "true")
        error = t(lang, "Enter an amount in dollars, such as 12500 or 12,500.00.")
        described_by = (cost.get_attribute("aria-describedby") or "").split()
        assert described_by, "the invalid field names no description"
        descriptions = visitor.page.locator(", ".join(f"#{id_}" for id_ in described_by))
        expect(descriptions.filter(has_text=error)).to_have_count(1)
        expect(field(main, t(lang, "Title"))).to_have_value(applicant.title)
        cost.fill(typed(lang, "3,000,000"))
    press(visitor, save, "loi-saved")
    proposal = Proposal.objects.get(title=applicant.title)
    assert visitor.path == reverse("intake:proposal_detail", args=[proposal.pk])
    return proposal.pk


def submit_loi(visitor: Visitor, proposal_pk: int) -> None:
    lang = visitor.language
    form = visitor.page.locator("#action-submit_loi")
    press(visitor, form.get_by_role("button"), "loi-submitted")
    expect_message(visitor, t(lang, "Letter of intent submitted"))


def register_and_submit_loi(
    site: Any, visitor: Visitor, *, call_pk: int, applicant: Applicant | None = None, mistakes: bool = False
) -> int:
    """Step 1: sign up, join the lead organization, write and submit a letter of intent; return the proposal's id.

    With ``mistakes``, the applicant also makes one on the way and corrects it (see ``write_loi``).
    """
    applicant = applicant or Applicant(language=visitor.language)
    sign_up(visitor, applicant)
    join_organization(visitor, LEAD)
    proposal_pk = write_loi(visitor, call_pk, applicant, mistake=mistakes)
    submit_loi(visitor, proposal_pk)
    assert Proposal.objects.get(pk=proposal_pk).state == "loi_submitted"
    return proposal_pk


# --- Step 2 ----------------------------------------------------------------------------------


def invite(staff: Visitor, proposal_pk: int) -> None:
    """Staff find the letter among the call's proposals from their dashboard and invite it."""
    lang, main = staff.language, _main(staff)
    proposal = Proposal.objects.select_related("call__program").get(pk=proposal_pk)
    staff.go(reverse("workflow:staff_dashboard"))
    staff.arrive("staff-dashboard")
    call_title = t(
        lang,
        "Proposals of %(program)s · %(call)s",
        program=_program_name(proposal, lang),
        call=_call_title(proposal, lang),
    )
    press(staff, main.get_by_role("link", name=call_title), "call-proposals")
    press(staff, main.get_by_role("link", name=proposal.title, exact=True), "proposal")
    form = staff.page.locator("#action-invite")
    field(form, t(lang, "Note to the applicant (optional)")).fill("A strong consortium; we look forward to it.")
    press(staff, form.get_by_role("button"), "invited")
    expect_message(staff, t(lang, "Invited to apply"))


def _program_name(proposal: Proposal, language: str) -> str:
    with translation.override(language):
        return str(proposal.call.program.name)


def _call_title(proposal: Proposal, language: str) -> str:
    with translation.override(language):
        return str(proposal.call.title)


def open_section(visitor: Visitor, proposal_pk: int, label: str, step: str) -> None:
    """Open a section of the full application from the sections' navigation."""
    nav = visitor.page.locator("main nav").filter(has=visitor.page.locator("ol.list-group"))
    press(visitor, nav.get_by_role("link", name=t(visitor.language, label), exact=True), step)


def describe(visitor: Visitor, proposal_pk: int) -> None:
    """Write the description and work plan with two milestones, the second row added by the page's button."""
    lang, main = visitor.language, _main(visitor)
    open_section(visitor, proposal_pk, "Project description and work plan", "description")
    field(main, t(lang, "Project description")).fill(
        "Makers, a university and an analytics SME build and share a field testbed."
    )
    field(main, t(lang, "Work plan")).fill(
        "Year one: build the sensors and gateway. Year two: field trials with the makers."
    )
    main.locator("[name=milestones-0-title]").fill("Sensors on the first machine")
    main.locator("[name=milestones-0-month]").fill("9")
    main.get_by_role("button", name=t(lang, "Add a milestone")).click()
    expect(main.locator("[name=milestones-1-title]")).to_be_focused()
    main.locator("[name=milestones-1-title]").fill("Field trials reported")
    main.locator("[name=milestones-1-description]").fill("A report on two seasons of trials.")
    main.locator("[name=milestones-1-month]").fill("20")
    press(visitor, main.get_by_role("button", name=t(lang, "Save this section")), "description-saved")
    expect_message(visitor, t(lang, "This section is saved."))


#: What each member of the consortium contributes, cash and in kind: 1,150,000 from industry, 250,000 in kind.
#: A contribution of nothing is typed as 0: a cell left empty is a contribution not given yet.
CONTRIBUTIONS = {
    LEAD: ("300,000", "100,000"),
    LARGE_COMPANY: ("500,000", "100,000"),
    UNIVERSITY: ("0", "50,000"),
    NEW_SME: ("100,000", "0"),
}


def build_consortium(visitor: Visitor, proposal_pk: int) -> None:
    """Add the two registered partners, create a new SME, then enter everyone's contributions."""
    lang, main = visitor.language, _main(visitor)
    open_section(visitor, proposal_pk, "Consortium", "consortium")
    for name in (LARGE_COMPANY, UNIVERSITY):
        registered = main.locator("form").filter(has=visitor.page.locator("[name=add-organization]"))
        field(registered, t(lang, "Organization")).select_option(label=name)
        press(visitor, registered.get_by_role("button", name=t(lang, "Add this partner")), "partner-added")
        expect_message(visitor, t(lang, "The partner is added."))
    new = main.locator("form").filter(has=visitor.page.locator("[name=new-legal_name]"))
    new.locator("[name=new-legal_name]").fill(NEW_SME)
    new.locator("[name=new-kind]").select_option(OrganizationType.SME.value)
    new.locator("[name=new-employee_count]").fill("12")
    new.locator("[name=new-country]").select_option("CA")
    new.locator("[name=new-province]").select_option("NS")
    press(visitor, new.get_by_role("button", name=t(lang, "Create and add this partner")), "partner-created")
    expect_message(visitor, t(lang, "The organization is created and added as a partner."))
    for name, (cash, in_kind) in CONTRIBUTIONS.items():
        field(main, t(lang, "Cash contribution of %(organization)s", organization=name)).fill(typed(lang, cash))
        field(main, t(lang, "In-kind contribution of %(organization)s", organization=name)).fill(typed(lang, in_kind))
    press(visitor, main.get_by_role("button", name=t(lang, "Save the contributions")), "contributions-saved")
    expect_message(visitor, t(lang, "The contributions are saved."))


#: Eligible costs (3,000,000 in all) by partner and category, and the funding each requests (1,000,000).
COSTS = {(LEAD, "Labour"): "1,200,000", (LARGE_COMPANY, "Equipment"): "1,000,000",
         (UNIVERSITY, "Labour"): "300,000", (NEW_SME, "Materials"): "500,000"}  # fmt: skip
FUNDING = {LEAD: "450,000", LARGE_COMPANY: "350,000", NEW_SME: "200,000"}
#: Funding requests of 1,180,000: more than industry's 1,150,000, below the call's one-to-one matching.
FUNDING_ABOVE_MATCH = {LEAD: "500,000", LARGE_COMPANY: "430,000", NEW_SME: "250,000"}


def enter_budget(visitor: Visitor, proposal_pk: int, funding: dict[str, str] = FUNDING) -> None:
    lang, main = visitor.language, _main(visitor)
    open_section(visitor, proposal_pk, "Budget", "budget")
    for (name, category), amount in COSTS.items():
        label = t(lang, "%(category)s costs of %(organization)s", category=t(lang, category), organization=name)
        field(main, label).fill(typed(lang, amount))
    for name, amount in funding.items():
        field(main, t(lang, "Funding requested by %(organization)s", organization=name)).fill(typed(lang, amount))
    press(visitor, main.get_by_role("button", name=t(lang, "Save the budget")), "budget-saved")
    expect_message(visitor, t(lang, "The budget is saved."))
    expect(main.locator("[data-figure=eligible-costs]")).to_have_text(re.compile(r"3\D000\D000"))


def plan_ip(visitor: Visitor, proposal_pk: int) -> None:
    lang, main = visitor.language, _main(visitor)
    open_section(visitor, proposal_pk, "IP plan", "ip")
    background = {LEAD: "A patented soil-moisture probe.", LARGE_COMPANY: "The machines' control bus.",
                  UNIVERSITY: "none", NEW_SME: "none"}  # fmt: skip
    for name, text in background.items():
        field(main, t(lang, "Background IP of %(organization)s", organization=name)).fill(text)
    main.locator("[name=foreground-0-kind]").select_option("software")
    main.locator("[name=foreground-0-owner]").select_option(label=t(lang, "Joint ownership"))
    main.locator("[name=foreground-0-description]").fill("The gateway's firmware and the data platform.")
    field(main, t(lang, "Proposed ownership of the foreground IP")).fill(
        "The partners own jointly what they create together."
    )
    field(main, t(lang, "Licensing terms among the partners")).fill("Royalty-free among the partners for the project.")
    field(main, t(lang, "Licensing terms for cluster members")).fill(
        "On fair and reasonable terms for cluster members."
    )
    press(visitor, main.get_by_role("button", name=t(lang, "Save this section")), "ip-saved")
    expect_message(visitor, t(lang, "This section is saved."))


def expect_outcomes(visitor: Visitor, proposal_pk: int) -> None:
    lang, main = visitor.language, _main(visitor)
    open_section(visitor, proposal_pk, "Expected outcomes", "outcomes")
    values = {"jobs_during": "12", "jobs_after": "40", "revenue_during": "0", "revenue_after": "8,000,000",
              "ip_rights_during": "1", "ip_rights_after": "3",
              "smes_scaled_during": "2", "smes_scaled_after": "3"}  # fmt: skip
    for name, value in values.items():
        main.locator(f"[name={name}]").fill(typed(lang, value))
    press(visitor, main.get_by_role("button", name=t(lang, "Save this section")), "outcomes-saved")
    expect_message(visitor, t(lang, "This section is saved."))


#: The documents the call requires, as (kind's label, file name).
DOCUMENTS = (("Project plan", "project plan.pdf"), ("Letters of support", "letters.pdf"))


def attach(visitor: Visitor, proposal_pk: int) -> None:
    """Upload the call's two required documents, real (small) PDFs."""
    lang, main = visitor.language, _main(visitor)
    open_section(visitor, proposal_pk, "Attachments", "attachments")
    for kind, name in DOCUMENTS:
        kind_label = t(lang, "%(label)s (required by the call)", label=t(lang, kind))
        field(main, t(lang, "Type of document")).select_option(label=kind_label)
        field(main, t(lang, "File")).set_input_files(
            {"name": name, "mimeType": "application/pdf", "buffer": samples.MINIMAL_PDF}
        )
        press(visitor, main.get_by_role("button", name=t(lang, "Upload")), "attached")
        expect(main.get_by_role("link", name=name, exact=True)).to_have_count(1)
    expect_message(visitor, t(lang, "Every type of document the call requires is attached."))


def submit_application(visitor: Visitor, proposal_pk: int) -> None:
    """From the proposal's page, where every eligibility check now passes, submit the full application."""
    lang, main = visitor.language, _main(visitor)
    press(visitor, main.locator("nav ol.breadcrumb").get_by_role("link", name=TITLE), "ready")
    checks = main.locator("section").filter(has=visitor.page.locator("#eligibility-heading"))
    # Eleven rules, the industry types among them (they pass always, saying whose money counts).
    expect(checks.locator(".badge").filter(has_text=t(lang, "Passed"))).to_have_count(11)
    expect(checks.locator(".badge.text-bg-danger")).to_have_count(0)
    press(visitor, visitor.page.locator("#action-submit_application").get_by_role("button"), "submitted")
    expect_message(visitor, t(lang, "Application submitted"))


def refused_submission(visitor: Visitor, proposal_pk: int) -> None:
    """While the budget misses the matching rule, submitting waits: the button is disabled and the page says why.

    (The server refuses such a submission too, with 409: tests/intake/test_intake_story_through_the_pages.py.)
    """
    lang, main = visitor.language, _main(visitor)
    press(visitor, main.locator("nav ol.breadcrumb").get_by_role("link", name=TITLE), "failing-check")
    checks = main.locator("section").filter(has=visitor.page.locator("#eligibility-heading"))
    expect(checks.locator(".badge.text-bg-danger")).to_have_count(1)
    expect(visitor.page.locator("#action-submit_application").get_by_role("button")).to_be_disabled()
    unmet = visitor.page.locator("#unmet-submit_application")
    unmet.locator("summary").click()
    expect(unmet).to_contain_text(t(lang, "Industry matching ratio"))
    visitor.arrive("refused")
    assert Proposal.objects.get(pk=proposal_pk).state == "invited"


def invite_and_complete_application(
    site: Any, staff_visitor: Visitor, applicant_visitor: Visitor, proposal_pk: int, *, mistakes: bool = False
) -> None:
    """Step 2: staff (logged in as ``staff_visitor``) invite the proposal; the applicant completes and submits it.

    With ``mistakes``, the applicant first asks for more than industry matches, is refused the
    submission with the rule's explanation, and corrects the budget.
    """
    invite(staff_visitor, proposal_pk)
    applicant = applicant_visitor
    applicant.go(reverse("intake:proposal_detail", args=[proposal_pk]))
    applicant.arrive("invited")
    press(
        applicant,
        _main(applicant).get_by_role(
            "link", name=t(applicant.language, "Full application: its sections and what each lacks")
        ),
        "application",
    )
    describe(applicant, proposal_pk)
    build_consortium(applicant, proposal_pk)
    enter_budget(applicant, proposal_pk, FUNDING_ABOVE_MATCH if mistakes else FUNDING)
    plan_ip(applicant, proposal_pk)
    expect_outcomes(applicant, proposal_pk)
    attach(applicant, proposal_pk)
    if mistakes:
        refused_submission(applicant, proposal_pk)
        press(
            applicant, _main(applicant).get_by_role("link", name=t(applicant.language, "Budget"), exact=True), "budget"
        )
        enter_budget(applicant, proposal_pk, FUNDING)
    expect(
        _main(applicant)
        .locator("nav")
        .get_by_text(t(applicant.language, "%(done)s of %(total)s sections complete", done=6, total=6))
    ).to_have_count(1)
    submit_application(applicant, proposal_pk)
    assert Proposal.objects.get(pk=proposal_pk).state == "submitted"
