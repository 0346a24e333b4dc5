"""After the decision, in the browser: staff start contracting, the lead names signatories, each signs both agreements.

Factories make what exists before: a complete proposal of three partners approved for
$750,000 whose decision is released (``tests.projects.making.approved``), its program's
staff, and in each partner's organization a person who will sign for it. Everything after
goes through the pages: staff (past their second factor) start contracting on the
proposal's staff page, which drafts both agreements; the lead applicant names each
partner's signatory on the project's page; each signatory follows the inbox's link to the
project, reads each agreement and signs it with their password again. At the last
signature the project starts, and its page says so. Every page reached is checked by axe-core.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from accounts.choices import Role
from accounts.models import Membership, User
from intake.models import Proposal
from intake.states import ProposalState
from projects.models import Agreement, Project, ProjectPartner, Signature
from tests.e2e.harness import Journal, Visitor, expect
from tests.e2e.review_steps import Person, click_to, from_staff_home, says, sign_in
from tests.factories import PASSWORD, UserFactory
from tests.projects.making import approved

if TYPE_CHECKING:
    from playwright.sync_api import Locator

TITLE = "Digital twin of a wind farm's maintenance"

#: Who signs for each partner, in the order of the project's partners (the lead first).
SIGNATORIES = [
    ("lea@lead.example", "Léa Leclerc"),
    ("paul@partner.example", "Paul Pelletier"),
    ("sara@second.example", "Sara Singh"),
]


def seed() -> tuple[Proposal, User, list[tuple[str, User]]]:
    """Return the approved proposal, its program's staff, and each partner organization's name with its signatory."""
    staff = cast(User, UserFactory(role=Role.STAFF, email="sam@example.com", display_name="Sam Staff"))
    proposal = approved(title=TITLE)
    members = list(proposal.members.select_related("organization").order_by("-is_lead", "pk"))
    assert len(members) == len(SIGNATORIES)
    signers = []
    for member, (email, name) in zip(members, SIGNATORIES, strict=True):
        user = cast(User, UserFactory(role=Role.APPLICANT, email=email, display_name=name))
        Membership.objects.create(user=user, organization=member.organization)
        signers.append((str(member.organization), user))
    return proposal, staff, signers


def open_project(visitor: Visitor, step: str) -> None:
    """Open the project from the site's "Projects" menu, then its page."""
    click_to(visitor, visitor.page.get_by_role("navigation").get_by_role("link", name="Projects", exact=True),
             f"{step} projects")  # fmt: skip
    click_to(visitor, visitor.page.locator("main").get_by_role("link", name=TITLE), step)


def start_contracting(staff: Visitor, proposal: Proposal) -> None:
    """From the staff home, staff open the approved proposal and start contracting: both agreements are drafted."""
    from_staff_home(staff, "1 approved project whose contracting to start", "approved proposals")
    click_to(staff, staff.page.locator("main").get_by_role("link", name=proposal.title, exact=True),
             "proposal approved")  # fmt: skip
    form = staff.page.locator("form#action-start_contracting")
    click_to(staff, form.get_by_role("button", name="Start contracting"), "contracting started")
    says(staff, "Contracting started")
    open_project(staff, "project contracting")
    says(staff, "Contracting")
    says(staff, "Each partner's signatory signs the funding agreement and the IP agreement.")
    says(staff, "Not started: the project starts when every partner has signed both agreements.")
    for agreement in Agreement.objects.filter(project__proposal=proposal):
        says(staff, agreement.sha256)


def name_signatories(lead: Visitor, signers: list[tuple[str, User]]) -> None:
    """The lead applicant names, on the project's page, each partner's signatory among its organization's members."""
    open_project(lead, "project to name signatories")
    for organization, user in signers:
        partners = lead.page.get_by_role("region", name="Partners", exact=True)
        link = partners.get_by_role("link", name=re.compile(rf"^Name\s+the signatory of {re.escape(organization)}$"))
        click_to(lead, link, f"name the signatory of {organization}")
        lead.page.get_by_label("Signatory").select_option(label=f"{user.get_full_name()} <{user.email}>")
        click_to(lead, lead.page.locator("main form").get_by_role("button", name="Name the signatory"),
                 f"signatory of {organization} named")  # fmt: skip
        says(lead, f"The signatory of {organization} is named.")
        says(lead, user.get_full_name())


def sign_both(signatory: Person, organization: str, *, last: bool) -> None:
    """The signatory follows the inbox's link to the project, reads each agreement and signs it with the password."""
    visitor = signatory.visitor
    click_to(visitor, visitor.page.get_by_role("link", name=re.compile("^Inbox")), "inbox")
    says(visitor, f"Agreements to sign: {TITLE}")
    click_to(visitor, visitor.page.locator("main").get_by_role("link", name=f"Open the project “{TITLE}”"), "project")
    for kind in ("Funding agreement", "IP agreement"):
        agreement = Agreement.objects.get(project__proposal__title=TITLE, kind=KINDS[kind], superseded_at=None)
        # The full text first, on its own page, with the fingerprint the signature will record.
        click_to(visitor, agreement_row(visitor, kind).get_by_role("link", name=kind), f"read the {kind}")
        says(visitor, agreement.sha256)
        says(visitor, agreement.text_en.splitlines()[0])
        click_to(visitor, visitor.page.locator("main").get_by_role("link", name=TITLE), f"back before the {kind}")
        click_to(visitor, agreement_row(visitor, kind).get_by_role("link", name=f"Sign for {organization}"),
                 f"sign the {kind}")  # fmt: skip
        says(visitor, f"Sign the {kind} for {organization}")
        says(visitor, agreement.sha256)
        visitor.page.get_by_label("I have read this agreement and I sign it for my organization.").check()
        visitor.page.get_by_label("Your password").fill(PASSWORD)
        click_to(visitor, visitor.page.locator("main form").get_by_role("button", name="Sign"), f"{kind} signed")
        says(visitor, f"Signed for {organization}: {kind}, version 1.")
    if last:
        says(visitor, "Active project")
        says(visitor, "The project is under way")
        expect(visitor.page.get_by_text("Not started: the project starts")).to_have_count(0)
    else:
        says(visitor, "Contracting")


KINDS = {"Funding agreement": "funding", "IP agreement": "ip"}


def agreement_row(visitor: Visitor, kind: str) -> Locator:
    """Return the row of the project page's "Agreements" table that is about the agreement ``kind``."""
    table = visitor.page.get_by_role("region", name="Agreements", exact=True)
    return table.get_by_role("row").filter(has=visitor.page.get_by_role("link", name=kind, exact=True))


def test_staff_start_contracting_the_lead_names_signatories_and_each_signs_both_agreements(
    visitor: Callable[..., Visitor], journal: Journal
) -> None:
    proposal, staff_user, signers = seed()
    staff = Person(staff_user, visitor("staff"))
    lead = Person(proposal.lead_applicant, visitor("lead"))
    sign_in(staff)
    sign_in(lead)

    start_contracting(staff.visitor, proposal)
    name_signatories(lead.visitor, signers)
    for index, (organization, user) in enumerate(signers):
        signatory = Person(user, visitor(user.email.split("@")[0]))
        sign_in(signatory)
        sign_both(signatory, organization, last=index == len(signers) - 1)

    staff.visitor.page.reload()
    staff.visitor.arrive("project active")
    says(staff.visitor, "Active project")
    says(staff.visitor, "Everyone signed")
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ACTIVE
    project = Project.objects.get(proposal=proposal)
    assert project.started_on is not None
    partners = ProjectPartner.objects.filter(project=project)
    assert {p.signatory_id for p in partners} == {user.pk for _organization, user in signers}
    signatures = Signature.objects.filter(agreement__project=project)
    assert signatures.count() == 2 * len(signers)
    assert all(s.sha256 == s.agreement.sha256 and s.signer_id == s.partner.signatory_id for s in signatures)
    shots = sorted(path.name for path in journal.folder.glob("*.png"))
    assert shots[0] == "001-staff-login.png"
