"""The applicant's submission without a mouse: every field reached with Tab, every control worked by keys.

The applicant moves only with Tab (and Shift+Tab), types, picks options with the arrow keys,
ticks boxes with Space, opens the file chooser with Space and presses buttons and links with
Enter. On every page the first Tab must land on the "Skip to main content" link, and every
element that takes the focus on the way must show it. The letter of intent is written and
submitted this way, then, once staff have invited it, every section of the full application,
and the application is submitted. Each page is shot; axe-core checks these same pages in the
applicant's journey (``test_applicant_journey.py``), so it is not run on them twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from accounts.choices import Role
from accounts.models import Organization
from intake.models import Proposal
from intake.states import ProposalState
from tests.e2e import applicant_steps as steps
from tests.e2e.harness import Visitor, expect
from tests.factories import MembershipFactory, UserFactory
from tests.intake import samples

if TYPE_CHECKING:
    from playwright.sync_api import Locator

#: Beyond this many presses of Tab, a field counts as unreachable.
MAX_TABS = 120
CHOOSER_ATTEMPTS = 3
CHOOSER_WAIT_MS = 4000

_TAB_LANDED = """
(target) => {
  // Where one press of Tab landed: "target", "" (elsewhere, shown), or what is wrong with the focus.
  const focused = document.activeElement;
  if (!focused || focused === document.body) return "";
  const where = " on " + focused.outerHTML.slice(0, 200);
  // Tab goes through a date's parts, then its calendar button, which Chromium draws focused inside the
  // field: the field itself then matches :focus-within alone.
  const picker = focused.matches("input[type=date]") && !focused.matches(":focus") && focused.matches(":focus-within");
  if (picker) return focused === target ? "target" : "";
  if (!focused.matches(":focus-visible")) return "focused without :focus-visible" + where;
  const style = getComputedStyle(focused);
  const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const ringed = style.boxShadow && style.boxShadow !== "none";
  if (!outlined && !ringed) return "focused with no visible outline or ring" + where;
  const box = focused.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return "focused while invisible" + where;
  return focused === target ? "target" : "";
}
"""


class Keyboard:
    """One visitor's hands on the keyboard only."""

    def __init__(self, visitor: Visitor) -> None:
        self.visitor = visitor
        self.page = visitor.page
        self.presses = 0

    def skip_to_main(self) -> None:
        """From the top of a freshly loaded page, Tab to the skip link and follow it into the main content.

        A form sent from a page reached through the skip link keeps its ``#main``, and so does the
        page its redirect leads to: the browser then starts the Tab order in the main content already.
        """
        if self.page.url.endswith("#main"):
            return
        self.page.keyboard.press("Tab")
        skip = self.page.get_by_role("link", exact=True, name=steps.t(self.visitor.language, "Skip to main content"))
        expect(skip).to_be_focused()
        self.page.keyboard.press("Enter")
        expect(self.page.locator("main")).to_be_focused()

    def tab_to(self, target: Locator) -> None:
        """Press Tab until ``target`` has the focus, checking that each element focused on the way shows it."""
        element = target.element_handle()
        if self.page.evaluate("(e) => document.activeElement === e", element):
            return
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            self.presses += 1
            landed = self.page.evaluate(_TAB_LANDED, element)
            if landed == "target":
                return
            assert not landed, f"{landed} ({self.page.url})"
        raise AssertionError(f"{target} is not reached within {MAX_TABS} presses of Tab on {self.page.url}")

    def type_into(self, target: Locator, text: str) -> None:
        """Tab to a text field, clear it and type ``text``."""
        self.tab_to(target)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.press("Delete")
        if text:
            self.page.keyboard.insert_text(text)
        expect(target).to_have_value(text)

    def choose(self, target: Locator, *, label: str | None = None, value: str | None = None) -> None:
        """Tab to a select and move its choice with the arrow keys to the option of ``label`` or ``value``."""
        self.tab_to(target)
        options = target.evaluate("(s) => Array.from(s.options).map((o) => [o.value, o.text.trim()])")
        wanted = next(i for i, (v, text) in enumerate(options) if (label is not None and text == label) or v == value)
        current = target.evaluate("(s) => s.selectedIndex")
        key = "ArrowDown" if wanted > current else "ArrowUp"
        for _ in range(abs(wanted - current)):
            self.page.keyboard.press(key)
        assert target.evaluate("(s) => s.selectedIndex") == wanted, f"the arrow keys did not choose {label or value}"

    def tick(self, target: Locator) -> None:
        self.tab_to(target)
        self.page.keyboard.press("Space")
        expect(target).to_be_checked()

    def upload(self, target: Locator, name: str, content: bytes) -> None:
        """Tab to a file field and open its chooser with Space; pick the file there.

        Headless Chromium now and then drops the chooser a key press opens right after a page
        load, so Space is pressed again (the field still focused) before the test gives up.
        """
        self.tab_to(target)
        for attempt in range(CHOOSER_ATTEMPTS):
            try:
                with self.page.expect_file_chooser(timeout=CHOOSER_WAIT_MS) as chooser:
                    self.page.keyboard.press("Space")
                break
            except PlaywrightTimeoutError:
                expect(target).to_be_focused()
                if attempt == CHOOSER_ATTEMPTS - 1:
                    raise
        chooser.value.set_files({"name": name, "mimeType": "application/pdf", "buffer": content})

    def activate(self, target: Locator, step: str | None = None) -> None:
        """Tab to a link or button and press Enter; with ``step``, wait for the page it leads to and record it."""
        self.tab_to(target)
        if step is None:
            self.page.keyboard.press("Enter")
            return
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.visitor.page.wait_for_load_state("load")
        self.visitor.shot(step)
        # These are the pages the applicant's journey reaches with the mouse, where axe-core checks
        # them; here what is checked on each is that the keyboard reaches and works everything.
        self.visitor.check_healthy()
        self.skip_to_main()


def write_and_submit_loi(keys: Keyboard, call_pk: int) -> int:
    visitor, lang = keys.visitor, keys.visitor.language
    main, label = visitor.page.locator("main"), steps.field
    visitor.go(reverse("intake:call_detail", args=[call_pk]))
    visitor.arrive("call")
    keys.skip_to_main()
    keys.activate(main.get_by_role("link", exact=True, name=steps.t(lang, "Start a letter of intent")), "loi-form")
    keys.type_into(label(main, steps.t(lang, "Title")), steps.TITLE)
    keys.choose(label(main, steps.t(lang, "Lead organization")), label=steps.LEAD)
    keys.type_into(label(main, steps.t(lang, "Summary")), "Four partners build a testbed for farm machinery makers.")
    keys.type_into(label(main, steps.t(lang, "The challenge")), "Makers cannot test sensors without a field season.")
    keys.type_into(label(main, steps.t(lang, "The technology")), "Ruggedized sensors and an edge gateway.")
    keys.tick(label(main, steps.t(lang, "Agri-food and protein")))
    keys.type_into(label(main, steps.t(lang, "Keywords")), "sensors, agriculture")
    keys.type_into(label(main, steps.t(lang, "Expected partners")), "An equipment maker, a university, an SME.")
    keys.type_into(label(main, steps.t(lang, "Estimated total project cost ($)")), "3,000,000")
    keys.type_into(label(main, steps.t(lang, "Estimated funding requested from the cluster ($)")), "1,000,000")
    keys.activate(main.get_by_role("button", exact=True, name=steps.t(lang, "Save the draft")), "loi-saved")
    proposal = Proposal.objects.get(title=steps.TITLE)
    keys.activate(visitor.page.locator("#action-submit_loi").get_by_role("button"), "loi-submitted")
    steps.expect_message(visitor, steps.t(lang, "Letter of intent submitted"))
    return proposal.pk


def section(keys: Keyboard, name: str, step: str) -> None:
    nav = keys.page.locator("main nav").filter(has=keys.page.locator("ol.list-group"))
    keys.activate(nav.get_by_role("link", exact=True, name=steps.t(keys.visitor.language, name)), step)


def complete_application(keys: Keyboard, proposal_pk: int) -> None:
    visitor, lang = keys.visitor, keys.visitor.language
    main, label, t = visitor.page.locator("main"), steps.field, steps.t
    visitor.go(reverse("intake:proposal_detail", args=[proposal_pk]))
    visitor.arrive("invited")
    keys.skip_to_main()
    keys.activate(
        main.get_by_role("link", exact=True, name=t(lang, "Full application: its sections and what each lacks")),
        "application",
    )

    section(keys, "Project description and work plan", "description")
    keys.type_into(label(main, t(lang, "Project description")), "Makers, a university and an SME share a testbed.")
    keys.type_into(label(main, t(lang, "Work plan")), "Year one: build. Year two: field trials.")
    keys.type_into(main.locator("[name=milestones-0-title]"), "Sensors on the first machine")
    keys.type_into(main.locator("[name=milestones-0-month]"), "9")
    keys.activate(main.get_by_role("button", exact=True, name=t(lang, "Add a milestone")))
    second = main.locator("[name=milestones-1-title]")
    expect(second).to_be_focused()
    visitor.page.keyboard.insert_text("Field trials reported")
    keys.type_into(main.locator("[name=milestones-1-month]"), "20")
    keys.activate(main.get_by_role("button", exact=True, name=t(lang, "Save this section")), "description-saved")
    steps.expect_message(visitor, t(lang, "This section is saved."))

    section(keys, "Consortium", "consortium")
    for name in (steps.LARGE_COMPANY, steps.UNIVERSITY):
        keys.choose(main.locator("[name=add-organization]"), label=name)
        keys.activate(main.get_by_role("button", exact=True, name=t(lang, "Add this partner")), "partner-added")
    keys.type_into(main.locator("[name=new-legal_name]"), steps.NEW_SME)
    keys.choose(main.locator("[name=new-kind]"), value="sme")
    keys.type_into(main.locator("[name=new-employee_count]"), "12")
    keys.choose(main.locator("[name=new-country]"), value="CA")
    keys.choose(main.locator("[name=new-province]"), value="NS")
    keys.activate(
        main.get_by_role("button", exact=True, name=t(lang, "Create and add this partner")), "partner-created"
    )
    for name, (cash, in_kind) in steps.CONTRIBUTIONS.items():
        keys.type_into(label(main, t(lang, "Cash contribution of %(organization)s", organization=name)), cash)
        keys.type_into(label(main, t(lang, "In-kind contribution of %(organization)s", organization=name)), in_kind)
    keys.activate(main.get_by_role("button", exact=True, name=t(lang, "Save the contributions")), "contributions-saved")
    steps.expect_message(visitor, t(lang, "The contributions are saved."))

    section(keys, "Budget", "budget")
    # Row by row, as Tab goes through the grid: each partner's costs, then its funding request.
    for name in steps.CONTRIBUTIONS:
        for (partner, category), amount in steps.COSTS.items():
            if partner == name:
                cell = t(lang, "%(category)s costs of %(organization)s", category=t(lang, category), organization=name)
                keys.type_into(label(main, cell), amount)
        if name in steps.FUNDING:
            funding = t(lang, "Funding requested by %(organization)s", organization=name)
            keys.type_into(label(main, funding), steps.FUNDING[name])
    keys.activate(main.get_by_role("button", exact=True, name=t(lang, "Save the budget")), "budget-saved")
    steps.expect_message(visitor, t(lang, "The budget is saved."))

    section(keys, "IP plan", "ip")
    for name in steps.CONTRIBUTIONS:
        keys.type_into(label(main, t(lang, "Background IP of %(organization)s", organization=name)), "none")
    keys.choose(main.locator("[name=foreground-0-kind]"), value="software")
    keys.choose(main.locator("[name=foreground-0-owner]"), label=t(lang, "Joint ownership"))
    keys.type_into(main.locator("[name=foreground-0-description]"), "The gateway's firmware.")
    keys.type_into(label(main, t(lang, "Proposed ownership of the foreground IP")), "Joint ownership.")
    keys.type_into(label(main, t(lang, "Licensing terms among the partners")), "Royalty-free among the partners.")
    keys.type_into(label(main, t(lang, "Licensing terms for cluster members")), "On fair terms.")
    keys.activate(main.get_by_role("button", exact=True, name=t(lang, "Save this section")), "ip-saved")
    steps.expect_message(visitor, t(lang, "This section is saved."))

    section(keys, "Expected outcomes", "outcomes")
    for name in ("jobs_during", "jobs_after", "revenue_during", "revenue_after", "ip_rights_during",
                 "ip_rights_after", "smes_scaled_during", "smes_scaled_after"):  # fmt: skip
        keys.type_into(main.locator(f"[name={name}]"), "1")
    keys.activate(main.get_by_role("button", exact=True, name=t(lang, "Save this section")), "outcomes-saved")
    steps.expect_message(visitor, t(lang, "This section is saved."))

    section(keys, "Attachments", "attachments")
    for kind, name in steps.DOCUMENTS:
        kind_label = t(lang, "%(label)s (required by the call)", label=t(lang, kind))
        keys.choose(label(main, t(lang, "Type of document")), label=kind_label)
        keys.upload(label(main, t(lang, "File")), name, samples.MINIMAL_PDF)
        keys.activate(main.get_by_role("button", exact=True, name=t(lang, "Upload")), "attached")
    steps.expect_message(visitor, t(lang, "Every type of document the call requires is attached."))

    breadcrumb = main.locator("nav ol.breadcrumb").get_by_role("link", exact=True, name=steps.TITLE)
    keys.activate(breadcrumb, "ready")
    keys.activate(visitor.page.locator("#action-submit_application").get_by_role("button"), "submitted")
    steps.expect_message(visitor, t(lang, "Application submitted"))


def test_applicant_submits_loi_and_application_with_the_keyboard_alone(
    site: Any, visitor: Callable[..., Visitor]
) -> None:
    seeded = steps.seed_intake()
    person = steps.Applicant()
    user = UserFactory(role=Role.APPLICANT, email=person.email, display_name=person.name)
    MembershipFactory(user=user, organization=Organization.objects.get(legal_name=steps.LEAD))
    applicant, staff = visitor("applicant"), visitor("staff")
    keys = Keyboard(applicant)

    applicant.go(reverse("accounts:login"))
    applicant.arrive("login")  # the email field has the focus from the start
    keys.type_into(applicant.page.locator("main [name=username]"), person.email)
    keys.type_into(applicant.page.locator("main [name=password]"), person.password)
    keys.activate(applicant.page.locator("main form [type=submit]").first, "dashboard")
    proposal_pk = write_and_submit_loi(keys, seeded.call_pk)

    staff.login(seeded.staff_email, seeded.password)
    steps.invite(staff, proposal_pk)

    complete_application(keys, proposal_pk)

    proposal = Proposal.objects.get(pk=proposal_pk)
    assert proposal.state == ProposalState.SUBMITTED
    assert proposal.members.count() == 4
    assert sorted(proposal.attachments.values_list("original_name", flat=True)) == ["letters.pdf", "project plan.pdf"]
