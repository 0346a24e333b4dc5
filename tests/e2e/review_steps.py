"""Steps 3 and 4 of the browser journeys: staff assess a submitted application, the board decides on it.

Step 3 (``check_eligibility_and_assess``): staff read the proposal's eligibility checks and
start its assessment, set the call's rubric to two assessors per proposal and run the
optimal assignment; the first assessor it picks declares a conflict, staff run it again for
the slot left free, and the two assessors assigned without a conflict declare none, accept,
read the proposal and score it against the rubric. The last review moves it to ``assessed``.

Step 4 (``decide_and_tell``): staff plan a board meeting and send the proposal to it, tell
the members its agenda is ready and open it early; one member declares a conflict and is
recused, the others vote to approve, and the chair
approves the request (or what is left of the envelope, if less); staff edit and release the
decision letters, and the applicant reads the notifications in the inbox and the letter on
the proposal's page.

Staff start each of their tasks at the staff home, from its work queue or its link to the
programs, and click on from there: no staff step types a URL.

Each step takes people already made (``Person``: the user and the visitor who will sign in
as them) and clicks through the pages; every page reached is shot and checked by axe-core
(``Visitor.arrive``). Assessors and board members are seeded by ``assessors_seed`` and
``board_seed`` with factories, since inviting them is not part of these journeys.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from assessment.models import AssessorProfile
from intake.models import Call, Proposal
from intake.states import ProposalState
from tests.factories import PASSWORD, UserFactory

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from tests.e2e.harness import Visitor

#: Assessors per proposal in these journeys: two reviews complete the assessment.
ASSESSORS_PER_PROPOSAL = 2

#: One score per criterion of the call's default rubric (five criteria, scored 0 to 5).
SCORES = {"Ada Arsenault": [4, 4, 5, 3, 4], "Ben Bouchard": [5, 4, 4, 4, 3], "Cy Chen": [4, 3, 4, 4, 4]}


@dataclass(frozen=True)
class Person:
    """A seeded user and the visitor (a browser context of their own) who signs in as them."""

    user: User
    visitor: Visitor

    @property
    def label(self) -> str:
        """Return how the site names the person in its lists: ``Name <email>``."""
        return str(self.user)


# --- Seeding: the people these journeys need before they start -----------------------------------


def assessors_seed(*, keywords: Sequence[str] = ()) -> list[User]:
    """Return three assessors of the pool with their profiles; the first two know ``keywords``."""
    people = [
        ("ada@experts.example", "Ada Arsenault", list(keywords)),
        ("ben@experts.example", "Ben Bouchard", list(keywords)),
        ("cy@experts.example", "Cy Chen", []),
    ]
    users = []
    for email, name, known in people:
        user = cast(User, UserFactory(role=Role.ASSESSOR, email=email, display_name=name))
        AssessorProfile.objects.create(user=user, keywords=known, languages=["en"], max_assignments_per_call=5)
        users.append(user)
    return users


def board_seed() -> list[User]:
    """Return three board members; the first will chair the meeting."""
    return [
        cast(
            User,
            UserFactory(role=Role.BOARD_MEMBER, email=f"{name.split()[0].lower()}@board.example", display_name=name),
        )
        for name in ("Carla Chair", "Dev Director", "Eve Elder")
    ]


def sign_in(person: Person, step: str = "signed-in") -> None:
    """Log the person in through the login form and record the page they land on."""
    person.visitor.login(person.user.email, PASSWORD)
    person.visitor.arrive(step)


# --- Small moves on a page ------------------------------------------------------------------------


def click_to(visitor: Visitor, target: Locator, step: str) -> None:
    """Click ``target`` (a link or a submit button), wait for the page it leads to, and record it."""
    with visitor.page.expect_navigation():
        target.click()
    visitor.arrive(step)


def says(visitor: Visitor, text: str) -> None:
    """Assert that the page's main content shows ``text`` (whitespace aside)."""
    shown = " ".join(visitor.page.locator("main").inner_text().split())
    assert text in shown, f"{visitor.name} does not see {text!r} on {visitor.path}:\n{shown}"


def named(action: str, title: str) -> re.Pattern[str]:
    """Return the accessible name of a link ``action`` whose visually hidden text adds ``: title``.

    Chromium computes a space before the hidden part, which is positioned out of the flow.
    """
    return re.compile(rf"^{re.escape(action)}\s*:\s*{re.escape(title)}$")


def money(text: str) -> Decimal:
    """Return the amount a page shows as ``$1,234.50``."""
    return Decimal(re.sub(r"[^0-9.]", "", text))


def state_of(proposal_pk: int) -> str:
    return str(Proposal.objects.values_list("state", flat=True).get(pk=proposal_pk))


def staff_home(staff: Visitor) -> None:
    """Open the staff home from the main navigation."""
    main_nav = staff.page.get_by_role("navigation", name="Main")
    click_to(staff, main_nav.get_by_role("link", name="Program staff dashboard"), "staff-home")


def open_call(staff: Visitor, call: Call) -> None:
    """Open ``call``'s staff page through the programs: the staff home, its programs, the call's program."""
    main = staff.page.locator("main")
    staff_home(staff)
    click_to(staff, main.get_by_role("link", name="Programs and calls"), "programs")
    click_to(staff, main.get_by_role("link", name=call.program.name, exact=True), "program")
    click_to(staff, main.get_by_role("link", name=call.title, exact=True).first, "call")


def from_staff_home(staff: Visitor, work: str, step: str) -> None:
    """Open the staff home from the main navigation and follow the work queue's link ``work``.

    Every task of staff in these journeys starts there: no URL is typed.
    """
    page = staff.page
    staff_home(staff)
    queue = page.locator("main table").filter(has=page.locator("#work-caption"))
    click_to(staff, queue.get_by_role("link", name=work, exact=True), step)


# --- Step 3: eligibility, assignment and reviews --------------------------------------------------


def start_assessment(staff: Visitor, proposal: Proposal) -> None:
    """From the staff home's applications to check, staff read the proposal's checks, then start its assessment."""
    from_staff_home(staff, "1 application whose eligibility to check", "applications-to-check")
    page = staff.page
    click_to(staff, page.locator("main").get_by_role("link", name=proposal.title, exact=True), "submitted-proposal")
    click_to(staff, page.get_by_role("link", name="Review the checks and override a failed one"), "eligibility")
    says(staff, f"Eligibility of {proposal.title}")
    assert page.locator("#checks-heading + .eligibility tbody tr").count() > 0, "no eligibility check is shown"
    says(staff, "No failed check is left to override.")
    click_to(staff, page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=proposal.title),
             "back-to-proposal")  # fmt: skip
    action = page.locator("#action-start_assessment")
    click_to(staff, action.get_by_role("button", name="Start the assessment"), "assessment-started")
    says(staff, "In assessment")
    assert state_of(proposal.pk) == ProposalState.IN_ASSESSMENT


def set_assessors_per_proposal(staff: Visitor, proposal: Proposal, count: int) -> None:
    """Staff set how many assessors score each proposal on the call's rubric page.

    They reach it from the staff home's proposals short of assessors: the assignments page's
    breadcrumb leads to the call, which links to its rubric.
    """
    from_staff_home(staff, "1 proposal in assessment short of assessors", "assignments")
    breadcrumb = staff.page.get_by_role("navigation", name="Breadcrumb")
    click_to(staff, breadcrumb.get_by_role("link", name=proposal.call.title, exact=True), "call")
    click_to(staff, staff.page.get_by_role("link", name="Rubric", exact=True), "rubric")
    staff.page.get_by_label("Assessors per proposal").fill(str(count))
    click_to(staff, staff.page.locator("main form").get_by_role("button", name=re.compile("^Save")), "rubric-saved")
    says(staff, "The rubric is saved.")


def run_assignment(staff: Visitor, proposal: Proposal, *, offered: int) -> list[str]:
    """From the staff home, staff compute the optimal assignment and accept it; return the assessors it gives."""
    from_staff_home(staff, "1 proposal in assessment short of assessors", "assignments")
    page = staff.page
    click_to(staff, page.get_by_role("button", name="Compute the optimal assignment"), "plan")
    says(staff, "The optimal assignment is computed. Check it, then accept or discard it.")
    rows = page.locator("section[aria-labelledby=plan-heading] tbody tr")
    planned = [
        rows.nth(i).locator("td").first.inner_text().strip()
        for i in range(rows.count())
        if rows.nth(i).locator("th").inner_text().strip() == proposal.title
    ]
    assert len(planned) == offered, f"the plan gives {proposal.title!r} {planned}"
    click_to(staff, page.get_by_role("button", name="Accept and offer the assignments"), "plan-accepted")
    says(staff, f"{offered} assignment{'s' if offered > 1 else ''} offered; each assessor is told once.")
    return planned


def open_from_dashboard(person: Person, next_step: str, title: str, step: str, *, reload: bool = True) -> None:
    """Open the assessor's next step (``Declare conflicts``, ``Accept or decline``, ...) for ``title``.

    The dashboard is opened afresh unless ``reload`` is false and the assessor was just sent there.
    """
    visitor = person.visitor
    if reload or visitor.path != reverse("assessment:dashboard"):
        visitor.go(reverse("assessment:dashboard"))
        visitor.arrive("assignments")
    click_to(visitor, visitor.page.get_by_role("link", name=named(next_step, title)), step)


def declare(person: Person, title: str, *, conflict: str = "", reload: bool = True) -> None:
    """The assessor declares a conflict of interest (``conflict``: its nature) or none.

    ``reload=False``: the assessor has just signed in and is on a dashboard that lists the assignment.
    """
    visitor = person.visitor
    open_from_dashboard(person, "Declare conflicts", title, "declare", reload=reload)
    says(visitor, title)  # only the title and the consortium until declared
    page = visitor.page
    if conflict:
        page.get_by_label("Yes: I have a conflict of interest.").check()
        page.get_by_label("Nature of the conflict").fill(conflict)
    else:
        page.get_by_label("No: I have no conflict of interest with this proposal or its consortium.").check()
    click_to(visitor, page.get_by_role("button", name="Send my declaration"), "declared")
    if conflict:
        says(visitor, "Your conflict of interest is recorded and the assignment withdrawn. Staff are told.")
    else:
        says(visitor, "Thank you. Accept the assignment to read the proposal and review it, or decline it.")


def accept_and_review(person: Person, proposal: Proposal, scores: Sequence[int]) -> None:
    """The assessor accepts the assignment, reads the proposal as submitted and submits a scored review."""
    visitor, page = person.visitor, person.visitor.page
    open_from_dashboard(person, "Accept or decline", proposal.title, "respond", reload=False)
    page.get_by_label("I accept this assignment").check()
    click_to(visitor, page.get_by_role("button", name="Send my answer"), "review")
    says(visitor, "You accepted the assignment. You can now read the proposal and review it.")
    says(visitor, "The proposal as submitted")
    says(visitor, proposal.summary)
    criteria = page.locator("main form fieldset").filter(has=page.locator("select[name^=score_]"))
    assert criteria.count() == len(scores), f"{criteria.count()} criteria on the review form"
    name = person.user.display_name
    for index, score in enumerate(scores):
        criterion = criteria.nth(index)
        criterion.get_by_label("Score").select_option(str(score))
        criterion.get_by_label("Comment").fill(f"{name}: criterion {index + 1} earns {score}.")
    page.get_by_label("Overall recommendation").select_option(label="Fund")
    page.get_by_label("Your confidence in this review").select_option(label="High")
    page.get_by_label("Overall comment (optional)").fill(f"{name}: a sound consortium with a clear plan.")
    click_to(visitor, page.get_by_role("button", name="Submit the review"), "review-submitted")
    says(visitor, "Your review is submitted. Thank you.")
    says(visitor, "Your review is submitted and can no longer be changed.")


def check_eligibility_and_assess(*, staff: Visitor, assessors: Sequence[Person], proposal_pk: int) -> list[Person]:
    """Walk step 3 for the submitted proposal ``proposal_pk``; return the assessors who reviewed it.

    ``staff`` is signed in; the three ``assessors`` (``assessors_seed``) sign in here. The
    first assessor the optimal assignment picks declares a conflict; the two others review.
    """
    proposal = Proposal.objects.get(pk=proposal_pk)
    assert proposal.state == ProposalState.SUBMITTED, proposal.state
    start_assessment(staff, proposal)
    set_assessors_per_proposal(staff, proposal, ASSESSORS_PER_PROPOSAL)

    by_label = {person.label: person for person in assessors}
    planned = [by_label[label] for label in run_assignment(staff, proposal, offered=ASSESSORS_PER_PROPOSAL)]
    conflicted, kept = planned[0], planned[1]
    sign_in(conflicted)
    declare(conflicted, proposal.title, conflict="I advised the lead organization on this project last year.",
            reload=False)  # fmt: skip
    # The conflicted assessor can no longer open the proposal, whatever the link.
    conflicted.visitor.go(reverse("intake:version_detail", args=[proposal.pk, proposal.version_count]), status=404)

    click_to(staff, staff.page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Inbox")),
             "inbox-conflict")  # fmt: skip
    says(staff, f"Conflict of interest declared: {proposal.title}")
    (replacement_label,) = run_assignment(staff, proposal, offered=1)
    replacement = by_label[replacement_label]
    assert replacement not in planned

    reviewers = [kept, replacement]
    for person in reviewers:
        sign_in(person)
        declare(person, proposal.title, reload=False)
    for number, person in enumerate(reviewers, start=1):
        accept_and_review(person, proposal, SCORES[person.user.display_name])
        expected = ProposalState.ASSESSED if number == len(reviewers) else ProposalState.IN_ASSESSMENT
        assert state_of(proposal.pk) == expected

    open_call(staff, proposal.call)
    click_to(staff, staff.page.locator("main").get_by_role("link", name="Results", exact=True), "results")
    says(staff, proposal.title)
    return reviewers


# --- Step 4: the board's meeting, votes and decision; the letters ---------------------------------


def plan_meeting(staff: Visitor, proposal: Proposal, board: Sequence[Person], *, quorum: int) -> None:
    """Staff plan a board meeting of the proposal's call, a week ahead, with ``board`` (the first chairs).

    The staff home's assessed proposal with no meeting to go to leads to planning one.
    """
    call = proposal.call
    from_staff_home(staff, "1 assessed proposal not yet on a board meeting", "meeting-new")
    page = staff.page
    held_at = timezone.localtime(timezone.now() + timedelta(days=7), call.zone)
    page.get_by_label("Date and time").fill(held_at.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Quorum").fill(str(quorum))
    for person in board:
        page.get_by_label(f"{person.user.display_name} ({person.user.email})", exact=True).check()
    page.get_by_role("combobox", name=re.compile("^Chair")).select_option(label=board[0].label)
    click_to(staff, page.get_by_role("button", name="Save the meeting"), "meeting-planned")
    says(staff, "The board meeting is planned.")


def send_to_board(staff: Visitor, proposal: Proposal) -> None:
    """From the staff home, staff send the assessed proposal to the meeting just planned."""
    from_staff_home(staff, "1 assessed proposal not yet on a board meeting", "meeting-send")
    page = staff.page
    page.get_by_label(proposal.title, exact=True).check()
    click_to(staff, page.get_by_role("button", name="Send the chosen proposals"), "sent-to-board")
    says(staff, f"Sent {proposal.title}")
    assert state_of(proposal.pk) == ProposalState.BOARD_REVIEW


def tell_and_open_early(staff: Visitor, proposal: Proposal) -> None:
    """From the meeting's agenda, staff tell the members it is ready and open the meeting early, giving the reason.

    The chair records decisions only from the meeting's time (a week ahead) unless staff open it early.
    """
    from_staff_home(staff, "3 votes missing before a coming board meeting", "agenda-staff")
    page = staff.page
    click_to(staff, page.get_by_role("button", name="The agenda is ready: tell the members"), "agenda-ready")
    says(staff, "The agenda is ready: the meeting's members are told.")
    click_to(staff, page.get_by_role("link", name="Open the meeting early"), "open-early")
    page.get_by_label("Reason").fill("Every member can meet this week.")
    click_to(staff, page.get_by_role("button", name="Open the meeting now"), "opened-early")
    says(staff, "The meeting is open: the chair can record decisions now.")
    says(staff, "Every member can meet this week.")


def open_agenda(person: Person, proposal: Proposal) -> None:
    """The member, on their dashboard since signing in, opens the meeting's agenda, where the proposal is."""
    visitor = person.visitor
    assert visitor.path == reverse("board:dashboard"), visitor.path
    click_to(visitor, visitor.page.get_by_role("link", name=re.compile(r"Agenda$")), "agenda")
    says(visitor, proposal.title)


def declare_board_conflict(person: Person, proposal: Proposal) -> None:
    """From the agenda, the member declares a conflict on the proposal; they are recused from it."""
    visitor, page = person.visitor, person.visitor.page
    click_to(visitor, page.locator("main").get_by_role("link", name="Conflicts of interest"), "board-conflicts")
    page.locator("main form select[name=proposal]").select_option(label=proposal.title)
    page.get_by_label("Nature of the conflict").fill("I sit on the board of a partner of the consortium.")
    click_to(visitor, page.get_by_role("button", name="Declare the conflict"), "board-conflict-declared")
    says(visitor, "Declared I sit on the board of a partner of the consortium.")
    click_to(visitor, page.locator("main").get_by_role("link", name="Agenda", exact=True), "agenda-recused")
    says(visitor, proposal.title)
    click_to(visitor, page.get_by_role("link", name="Your votes"), "votes-recused")
    says(visitor, "There is nothing for you to vote on at this meeting.")


def vote(person: Person, proposal: Proposal) -> None:
    """From the agenda or their dashboard, the member opens their votes and approves the proposal, with a comment."""
    visitor, page = person.visitor, person.visitor.page
    click_to(visitor, page.locator("main").get_by_role("link", name=re.compile("^Your votes")), "votes")
    click_to(visitor, page.get_by_role("link", name=named("Vote", proposal.title)), "vote")
    page.get_by_role("radio", name="Approve").check()
    page.get_by_label("Comment").fill("Strong reviews and a sound budget.")
    click_to(visitor, page.get_by_role("button", name="Record my vote"), "voted")
    says(visitor, f"Your vote on “{proposal.title}” is recorded.")


def record_decision(chair: Person, proposal: Proposal) -> Decimal:
    """On their votes page, the chair approves the request, or what remains of the envelope if less.

    Return the amount approved.
    """
    visitor, page = chair.visitor, chair.visitor.page
    says(visitor, "Quorum reached")
    click_to(visitor, page.get_by_role("link", name=named("Record the decision", proposal.title)), "decide")
    funding = page.locator("section[aria-labelledby=money-heading] dl")
    requested = money(funding.locator("dt:text-is('Funding requested') + dd").inner_text())
    remaining = money(funding.locator("dt:text-is('Remaining') + dd").inner_text())
    amount = min(requested, remaining)
    assert amount > 0, (requested, remaining)
    approve = page.locator("#decide-approve")
    approve.get_by_label("Approved amount ($)").fill(f"{amount:.2f}")
    approve.get_by_label("Rationale").fill("Ranked first by the assessors; the consortium matches the funds.")
    approve.get_by_label("Conditions of funding (optional)").fill("A progress report every quarter.")
    click_to(visitor, approve.get_by_role("button", name="Approve"), "decided")
    assert state_of(proposal.pk) == ProposalState.APPROVED
    return amount


#: What staff add to the drafted decision letter before releasing it.
LETTER_POSTSCRIPT = "Your program officer will call you this week to plan the funding agreement."


def release_letters(staff: Visitor, proposal: Proposal, amount: Decimal) -> None:
    """Staff read the meeting's decision letters from the meeting list, add a line to the draft and release them.

    Then they read the call's figures, where the approved ``amount`` is committed.
    """
    from_staff_home(staff, "1 board decision to release", "letters")
    page = staff.page
    says(staff, proposal.title)
    click_to(staff, page.get_by_role("link", name=named("Edit", proposal.title)), "letter-edit")
    body = page.get_by_label("Text of the letter")
    body.fill(f"{body.input_value()}\n{LETTER_POSTSCRIPT}")
    click_to(staff, page.get_by_role("button", name="Save the letter"), "letter-saved")
    says(staff, "The letter is saved.")
    says(staff, LETTER_POSTSCRIPT)
    click_to(staff, page.get_by_role("button", name="Release the meeting's decisions"), "letters-released")
    says(staff, "The decisions are released: 1 letter")
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    click_to(staff, breadcrumb.get_by_role("link", name=proposal.call.title), "call-decided")
    click_to(staff, page.locator("main").get_by_role("link", name="Figures", exact=True), "figures")
    says(staff, f"${amount:,.2f} committed of")


def read_decision(applicant: Visitor, proposal: Proposal, amount: Decimal) -> None:
    """The applicant reads the notifications in the inbox, marks them read, and opens the decision letter."""
    page = applicant.page
    applicant.go(reverse("records:inbox"))
    applicant.arrive("inbox")
    subject = f"Your proposal is funded: {proposal.title}"
    says(applicant, f"Unread: {subject}")
    says(applicant, "Assessment")  # the earlier steps' notifications are there too
    click_to(applicant, page.get_by_role("button", name="Mark all as read"), "inbox-read")
    assert page.get_by_text("Unread:").count() == 0
    click_to(applicant, page.get_by_role("link", name=f"Open the proposal “{proposal.title}”").first, "decision")
    says(applicant, subject)
    says(applicant, f"{amount:,.2f}")
    says(applicant, "Conditions of funding: A progress report every quarter.")
    says(applicant, LETTER_POSTSCRIPT)


def decide_and_tell(*, staff: Visitor, board: Sequence[Person], applicant: Visitor, proposal_pk: int) -> Decimal:
    """Walk step 4 for the assessed proposal ``proposal_pk``; return the amount approved.

    ``staff`` and ``applicant`` are signed in; the three ``board`` members (``board_seed``;
    the first chairs, the last declares a conflict) sign in here.
    """
    proposal = Proposal.objects.get(pk=proposal_pk)
    assert proposal.state == ProposalState.ASSESSED, proposal.state
    chair, voter, recused = board
    plan_meeting(staff, proposal, board, quorum=2)
    send_to_board(staff, proposal)
    tell_and_open_early(staff, proposal)

    for person in board:
        sign_in(person)
    for person in (chair, recused):
        open_agenda(person, proposal)
    declare_board_conflict(recused, proposal)
    vote(voter, proposal)
    vote(chair, proposal)
    amount = record_decision(chair, proposal)

    release_letters(staff, proposal, amount)
    read_decision(applicant, proposal, amount)
    return amount
