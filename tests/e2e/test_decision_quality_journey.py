"""Decision quality in the browser: staff read a call's calibrated results and set a meeting's portfolio, the
lottery is seeded and drawn, and the chair reads the suggestion and decides.

Factories make what exists before: a call of $300,000 that draws lots among the proposals its
ranking cannot settle, five proposals before the board asking $100,000 each, each scored by the
same two assessors and one of two others (one of them two points harsher), so the calibration,
the agreement and the chances of funding have data; a meeting opened early, chaired by a board member who voted on the
best proposal; and staff of the program. Everything after goes through the pages, each checked
by axe, at a laptop's and a phone's width, and for the formats its reader writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import cast

from accounts.choices import OrganizationType, Role
from accounts.models import User
from assessment.chances import lottery_seed
from assessment.models import CalibratedStanding, CalibrationFit
from board.models import AgendaItem, BoardMeeting, Ranking
from intake.choices import Sector
from intake.models import Call, ConsortiumMember, Proposal
from intake.states import ProposalState
from tests.assessment.reviewing import assessor_make, assignment_make, review_make, rubric_make
from tests.board.making import meeting_make, meeting_open, votes_cast
from tests.e2e.harness import Journal, Visitor
from tests.e2e.review_steps import Person, click_to, named, open_call, says, sign_in, state_of
from tests.factories import CallFactory, OrganizationFactory, ProgramFactory, ProposalFactory, UserFactory

#: The proposals: title, quality (of 10), led by an SME, sector. Three fit the envelope.
PROPOSALS = (
    ("Autonomous hull survey drones", 10, False, Sector.ADVANCED_MANUFACTURING),
    ("Predictive maintenance for paper mills", 9, False, Sector.ADVANCED_MANUFACTURING),
    ("Vision inspection of turbine blades", 7, False, Sector.ADVANCED_MANUFACTURING),
    ("Robotic welding cells for small shops", 6, True, Sector.ADVANCED_MANUFACTURING),
    ("Cold-chain sensors for fisheries", 4, False, Sector.OCEAN),
)
#: The value staff commit for the lottery's seed.
LOTTERY_VALUE = "Lotto Max, 4 December 2026: 3 11 19 24 33 41 47"


def decided_call() -> tuple[BoardMeeting, list[Proposal], User, User]:
    """Return the meeting, its proposals (best first), the program's staff and the meeting's chair."""
    call = cast(
        Call,
        CallFactory(
            program=ProgramFactory(name_en="Next Generation Manufacturing Canada"),
            title_en="Shop-floor automation projects",
            funding_envelope=Decimal("300000.00"),
            partial_randomisation=True,
        ),
    )
    staff = cast(User, UserFactory(role=Role.STAFF, email="sam@example.com", display_name="Sam Staff"))
    chair = cast(User, UserFactory(role=Role.BOARD_MEMBER, email="carla@board.example", display_name="Carla Chair"))
    rubric = rubric_make(call, criteria=((Decimal("1"), 0, 10),))
    meeting = meeting_make(call, chair=chair, members=[chair])
    ann, bob, harsh, dee = (assessor_make(display_name=name) for name in ("Ann", "Bob", "Hal Harsh", "Dee"))
    proposals = []
    for index, (title, quality, sme, sector) in enumerate(PROPOSALS):
        lead = OrganizationFactory(
            kind=OrganizationType.SME if sme else OrganizationType.LARGE_COMPANY, employee_count=40 if sme else 900
        )
        proposal = cast(
            Proposal,
            ProposalFactory(
                call=call, state=ProposalState.BOARD_REVIEW, title=title, lead_organization=lead, sectors=[sector]
            ),
        )
        ConsortiumMember.objects.filter(proposal=proposal).exclude(is_lead=True).delete()
        ConsortiumMember.objects.filter(proposal=proposal).update(
            funding_requested=Decimal("100000"), cash_contribution=Decimal("100000"), in_kind_contribution=0
        )
        AgendaItem.objects.create(meeting=meeting, proposal=proposal)
        # Ann and Bob score every proposal; the harsh assessor the first three, Dee the others: raw means
        # punish the first three, which the calibration sees. A point of noise here and there.
        for who, assessor in enumerate((ann, bob, harsh if index < 3 else dee)):
            score = quality - (2 if assessor == harsh else 0) - (1 if (index + who) % 4 == 0 else 0)
            review_make(assignment_make(proposal, rubric=rubric, assessor=assessor), values=[score])
        proposals.append(proposal)
    votes_cast(proposals[0], [chair])
    meeting_open(meeting)
    return meeting, proposals, staff, chair


def row_of(visitor: Visitor, title: str) -> str:
    """Return the text of the table row headed by ``title``, whitespace collapsed."""
    header = visitor.page.get_by_role("rowheader", name=title, exact=True)
    return " ".join(visitor.page.locator("tr", has=header).first.inner_text().split())


def test_staff_read_calibrated_results_set_a_portfolio_and_a_lottery_and_the_chair_decides(
    visitor: Callable[..., Visitor], journal: Journal
) -> None:
    meeting, proposals, staff_user, chair_user = decided_call()
    call = meeting.call
    staff = Person(staff_user, visitor("staff"))
    chair = Person(chair_user, visitor("chair"))
    sign_in(staff)
    sign_in(chair)
    page = staff.visitor.page

    # Staff open the call's results: raw beside calibrated totals, the chances of funding and the agreement.
    open_call(staff.visitor, call)
    click_to(staff.visitor, page.get_by_role("link", name="Results", exact=True), "results")
    says(staff.visitor, "Calibrated total (90% interval)")
    gains: list[float] = []
    for proposal in proposals:
        standing = CalibratedStanding.objects.get(proposal=proposal)
        assert standing.raw is not None
        assert standing.calibrated is not None
        assert standing.chance is not None
        shown = row_of(staff.visitor, proposal.title)
        interval = f"{standing.low:.1f}\u2013{standing.high:.1f}"
        assert f"{standing.raw:.1f} {standing.calibrated:.1f} {interval}" in shown, shown
        assert f"{standing.chance:.2f} {standing.get_chance_label_display()}" in shown, shown
        gains.append(standing.calibrated - standing.raw)
    # The harsh assessor's proposals gain from the calibration against the others.
    assert min(gains[:3]) > max(gains[3:]), gains
    total = CalibrationFit.objects.get(rubric__call=call).reliability["total"]
    agreement = row_of(staff.visitor, "Weighted total")
    for measure in ("icc1", "icck", "alpha"):
        assert f"{total[measure][0]:.2f}" in agreement, (measure, agreement)
    says(staff.visitor, "Chances drawn 1000 times with seed 20140101 against a remaining envelope of $300,000.")
    says(staff.visitor, "ICC(1,1): one assessor")
    says(staff.visitor, "Krippendorff's alpha")
    labels = {p.pk: CalibratedStanding.objects.get(proposal=p).chance_label for p in proposals}
    band = [p for p in proposals if labels[p.pk] == "sometimes"]
    assert band, labels

    # Staff set two constraints for the meeting: one SME-led project, and one of ocean.
    click_to(staff.visitor, page.get_by_role("link", name=call.title), "call-again")
    click_to(staff.visitor, page.get_by_role("link", name="Board meetings"), "meetings")
    click_to(staff.visitor, page.locator("main tbody th a").first, "agenda")
    link = "The suggestion, the cost of each constraint and why each proposal is out"
    click_to(staff.visitor, page.get_by_role("link", name=link), "suggestion-none")
    says(staff.visitor, "No suggestion has been computed for this meeting yet.")
    click_to(staff.visitor, page.get_by_role("link", name="Set the selection mode and constraints"), "constraints")
    page.get_by_role("radio", name=re.compile("^Constrained portfolio")).check()
    page.get_by_label("At least this many SME-led projects").fill("1")
    page.get_by_role("checkbox", name="Ocean", exact=True).check()
    click_to(staff.visitor, page.get_by_role("button", name=re.compile("^Save")), "constraints-saved")
    click_to(staff.visitor, page.get_by_role("button", name="Compute the suggestion"), "suggestion-computed")
    says(staff.visitor, "The constrained portfolio suggests funding 3 proposals.")

    # The lottery: staff commit a value, the agenda shows the seed before the draw; then the lots are drawn.
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    click_to(staff.visitor, breadcrumb.get_by_role("link", name="Agenda", exact=True), "agenda-lottery")
    page.get_by_label("Value the seed is made from").fill(LOTTERY_VALUE)
    click_to(staff.visitor, page.get_by_role("button", name="Commit the value"), "seed-committed")
    says(staff.visitor, "The lottery's seed is committed and shown on the agenda.")
    seed = lottery_seed(meeting_id=meeting.pk, value=LOTTERY_VALUE)
    says(staff.visitor, f"by Sam Staff: {seed}")
    assert LOTTERY_VALUE not in page.locator("main").inner_text()  # the value itself is told after the draw
    click_to(staff.visitor, page.get_by_role("button", name="Draw lots among the band"), "lots-drawn")
    says(staff.visitor, "The lots are drawn: the order is shown on the agenda.")
    says(staff.visitor, f"from the value “{LOTTERY_VALUE}”")
    drawn = page.locator("table", has=page.get_by_text("The band in the order drawn"))
    assert sorted(drawn.locator("tbody th").all_inner_texts()) == sorted(p.title for p in band)

    # The chair reads the suggestion on the agenda, ranks it by the calibrated score, and reads why each is out.
    visitor_chair, chair_page = chair.visitor, chair.visitor.page
    click_to(visitor_chair, chair_page.get_by_role("link", name=re.compile(r"Agenda$")), "chair-agenda")
    says(visitor_chair, "The constrained portfolio suggests funding 3 proposals.")
    says(visitor_chair, seed)
    chair_page.get_by_label("Rank the agenda by").select_option(label="Calibrated score")
    click_to(visitor_chair, chair_page.get_by_role("button", name="Save the ranking"), "ranked-calibrated")
    says(visitor_chair, "Ranked by: Calibrated score.")
    assert BoardMeeting.objects.get(pk=meeting.pk).ranking == Ranking.CALIBRATED
    click_to(visitor_chair, chair_page.get_by_role("link", name=link), "chair-suggestion")
    # Raw totals 90, 83.3, 60, 56.7 (the SME) and 36.7 (the ocean one), each kept to three decimals: the best
    # three without constraints score 233.333; with both, the best, the SME's and the ocean one, 183.334.
    says(visitor_chair, "the best portfolio scores 233.333; under every constraint, 183.334.")
    chosen = chair_page.locator("table", has=chair_page.get_by_text("The proposals the selection mode suggests"))
    assert [" ".join(row.split()) for row in chosen.locator("tbody tr").all_inner_texts()] == [
        f"{proposals[0].title} 90.0 $100,000",
        f"{proposals[3].title} 56.7 $100,000",
        f"{proposals[4].title} 36.7 $100,000",
    ]
    costs = chair_page.locator("table", has=chair_page.get_by_text("The score the best portfolio would gain"))
    assert [" ".join(row.split()) for row in costs.locator("tbody tr").all_inner_texts()] == [
        "At least 1 SME-led project 26.666",  # 210 without it
        "At least one project in the priority area Ocean 46.666",  # 230 without it
    ]
    out = chair_page.locator("table", has=chair_page.get_by_text("that the portfolio leaves out"))
    assert out.locator("tbody th").all_inner_texts() == [proposals[1].title, proposals[2].title]
    says(
        visitor_chair,
        f"{proposals[1].title} Left out by At least 1 SME-led project; At least one project in the priority area "
        "Ocean: without that constraint alone it would be in the best portfolio.",
    )
    says(visitor_chair, f"{proposals[2].title} The constraints together leave it out, though no single one of them")

    # The chair decides the best proposal, on which the quorum has voted.
    click_to(visitor_chair, chair_page.get_by_role("link", name="Agenda", exact=True), "chair-agenda-again")
    click_to(visitor_chair, chair_page.locator("main").get_by_role("link", name=re.compile("^Your votes")), "votes")
    best = proposals[0]
    click_to(visitor_chair, chair_page.get_by_role("link", name=named("Record the decision", best.title)), "decide")
    approve = chair_page.locator("#decide-approve")
    approve.get_by_label("Approved amount ($)").fill("100000.00")
    approve.get_by_label("Rationale").fill("First by the raw and the calibrated score, and in the suggested portfolio.")
    click_to(visitor_chair, approve.get_by_role("button", name="Approve"), "decided")
    assert state_of(best.pk) == ProposalState.APPROVED

    shots = sorted(path.name for path in journal.folder.glob("*.png"))
    assert shots[0] == "001-staff-login.png"
    assert len(shots) >= 20
