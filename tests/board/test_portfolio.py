"""The meeting's selection modes: constraints set by staff, the suggestion computed, stored, read and kept honest."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import OrganizationType
from accounts.errors import ActionForbidden
from accounts.models import User
from board.models import BoardConflict, BoardMeeting, PortfolioBound, PortfolioSuggestion, SelectionMode
from board.services.agenda import meeting_agenda
from board.services.portfolio import (
    Bound,
    Constraints,
    portfolio_compute,
    portfolio_constraints_set,
    portfolio_inputs,
    portfolio_suggestion_for,
)
from intake.models import Call, ConsortiumMember, Proposal
from intake.states import ProposalState
from records.models import AuditRecord
from tests.board.making import meeting_make, review_submitted
from tests.conftest import MakeProposal, client_for
from tests.factories import AgendaItemFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(call: Call, board_member: User) -> BoardMeeting:
    Call.objects.filter(pk=call.pk).update(funding_envelope=Decimal("3000000.00"))
    call.refresh_from_db()
    return meeting_make(call, members=[board_member])


def _proposal(
    make_proposal: MakeProposal,
    meeting: BoardMeeting,
    title: str,
    mark: int,
    *,
    requested: str = "1000000",
    industry: str = "1000000",
    sme: bool = True,
    province: str = "ON",
    sectors: tuple[str, ...] = ("ocean",),
) -> Proposal:
    """A proposal on the agenda scored ``mark`` (of 5) on every criterion, asking ``requested``, led as told."""
    lead = OrganizationFactory(
        kind=OrganizationType.SME if sme else OrganizationType.LARGE_COMPANY,
        employee_count=40 if sme else 900,
        province=province,
    )
    proposal = make_proposal(ProposalState.BOARD_REVIEW, title=title, lead_organization=lead, sectors=list(sectors))
    ConsortiumMember.objects.filter(proposal=proposal).exclude(is_lead=True).delete()
    ConsortiumMember.objects.filter(proposal=proposal, is_lead=True).update(
        funding_requested=Decimal(requested), cash_contribution=Decimal(industry), in_kind_contribution=Decimal("0")
    )
    AgendaItemFactory(meeting=meeting, proposal=proposal)
    review_submitted(proposal, [mark] * 5)
    return proposal


def _set(meeting: BoardMeeting, staff: User, **fields: object) -> None:
    portfolio_constraints_set(meeting=meeting, by=staff, constraints=Constraints(**fields))  # type: ignore[arg-type]


def test_portfolio_inputs_read_the_lead_the_money_and_the_region(
    meeting: BoardMeeting, make_proposal: MakeProposal
) -> None:
    _proposal(make_proposal, meeting, "Quebec SME", 5, requested="800000", industry="1200000", province="QC")
    _proposal(make_proposal, meeting, "Large lead", 3, sme=False, sectors=("health", "ocean"))

    inputs = portfolio_inputs(meeting=meeting)

    first, second = inputs.proposals
    assert (first.title, first.total, first.requested, first.industry) == (
        "Quebec SME",
        100.0,
        Decimal("800000"),
        Decimal("1200000"),
    )
    assert (first.sme_led, first.region, first.sectors) == (True, "CA-QC", ("ocean",))
    assert (second.sme_led, second.sectors) == (False, ("health", "ocean"))
    assert inputs.envelope == Decimal("3000000.00")


def test_constraints_are_set_audited_and_replace_the_bounds(meeting: BoardMeeting, staff: User) -> None:
    bound = Bound("sector", "ocean", "count", None, Decimal("1"))
    _set(meeting, staff, mode=SelectionMode.PORTFOLIO, sme_min_count=1, bounds=(bound,))
    _set(meeting, staff, mode=SelectionMode.PORTFOLIO, bounds=(Bound("region", "CA-QC", "funds", Decimal("1"), None),))

    assert list(PortfolioBound.objects.filter(meeting=meeting).values_list("dimension", "value")) == [
        ("region", "CA-QC")
    ]
    records = AuditRecord.objects.filter(meeting=meeting, action="portfolio_constraints")
    assert records.count() == 2
    assert records.last().data["bounds"][0]["minimum"] == "1"  # type: ignore[union-attr]


def test_constraints_refuse_an_envelope_above_what_remains(meeting: BoardMeeting, staff: User) -> None:
    with pytest.raises(ValidationError) as raised:
        _set(meeting, staff, envelope=Decimal("3000000.01"))
    assert "envelope" in raised.value.message_dict


def test_constraints_are_staff_s_only(meeting: BoardMeeting, board_member: User) -> None:
    with pytest.raises(ActionForbidden):
        _set(meeting, board_member, mode=SelectionMode.PORTFOLIO)


def test_the_portfolio_suggestion_explains_its_constraints_and_exclusions(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff: User
) -> None:
    best = _proposal(make_proposal, meeting, "Best", 5, sme=False)
    second = _proposal(make_proposal, meeting, "Second", 4, sme=False)
    sme = _proposal(make_proposal, meeting, "SME", 2)
    _set(meeting, staff, mode=SelectionMode.PORTFOLIO, sme_min_count=1, envelope=Decimal("2000000"))

    stored = portfolio_compute(meeting=meeting, by=staff)
    shown = portfolio_suggestion_for(meeting=meeting, recused_ids=set())

    assert stored.result["optimum"]["chosen"] == [best.pk, sme.pk]
    assert stored.result["top_down"] == [best.pk, second.pk]
    assert shown is not None
    assert not shown.stale
    assert shown.suggested_ids == {best.pk, sme.pk}
    assert (shown.total_score, shown.total_funds) == (Decimal("140.000"), Decimal("2000000"))
    assert [(line.label, line.cost) for line in shown.costs] == [("At least 1 SME-led project", Decimal("40.000"))]
    (out,) = shown.excluded
    assert out.proposal_pk == second.pk
    assert "Left out by At least 1 SME-led project" in out.why
    assert "by 20.000 points" in out.why  # Second and SME: 120 against 140
    assert AuditRecord.objects.filter(meeting=meeting, action="portfolio_computed").count() == 1


def test_the_suggestion_goes_stale_when_the_agenda_or_the_constraints_change(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff: User
) -> None:
    _proposal(make_proposal, meeting, "Best", 5)
    _set(meeting, staff, mode=SelectionMode.PORTFOLIO)
    portfolio_compute(meeting=meeting, by=staff)
    assert not portfolio_suggestion_for(meeting=meeting, recused_ids=set()).stale  # type: ignore[union-attr]

    _proposal(make_proposal, meeting, "Late", 3)
    assert portfolio_suggestion_for(meeting=meeting, recused_ids=set()).stale  # type: ignore[union-attr]

    portfolio_compute(meeting=meeting, by=staff)
    _set(meeting, staff, mode=SelectionMode.PORTFOLIO, min_leverage=Decimal("1.50"))
    assert portfolio_suggestion_for(meeting=meeting, recused_ids=set()).stale  # type: ignore[union-attr]


def test_conflicting_constraints_are_named(meeting: BoardMeeting, make_proposal: MakeProposal, staff: User) -> None:
    _proposal(make_proposal, meeting, "Ocean", 5, sectors=("ocean",))
    _proposal(make_proposal, meeting, "Health", 4, sectors=("health",))
    _set(
        meeting,
        staff,
        mode=SelectionMode.PORTFOLIO,
        envelope=Decimal("1500000"),
        priority_sectors=("health", "ocean"),
        sme_min_count=1,
    )

    portfolio_compute(meeting=meeting, by=staff)
    shown = portfolio_suggestion_for(meeting=meeting, recused_ids=set())

    assert shown is not None
    assert shown.status == "infeasible"
    assert shown.suggested_ids == set()
    assert shown.conflict == [
        "The envelope",
        "At least one project in the priority area Health and life sciences",
        "At least one project in the priority area Ocean",
    ]


def test_top_down_mode_suggests_the_agenda_s_line(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff: User
) -> None:
    first = _proposal(make_proposal, meeting, "First", 5, requested="2000000")
    _proposal(make_proposal, meeting, "Second", 4, requested="2000000")
    third = _proposal(make_proposal, meeting, "Third", 3, requested="500000")

    portfolio_compute(meeting=meeting, by=staff)
    shown = portfolio_suggestion_for(meeting=meeting, recused_ids=set())

    assert shown is not None
    assert shown.mode == SelectionMode.TOP_DOWN
    assert shown.suggested_ids == {first.pk}
    assert shown.excluded == []
    stored = PortfolioSuggestion.objects.get(meeting=meeting)
    assert stored.result["optimum"]["chosen"] == [first.pk, third.pk]  # the portfolio's, kept but not suggested


def test_alternative_scores_rank_the_portfolio(meeting: BoardMeeting, make_proposal: MakeProposal, staff: User) -> None:
    first = _proposal(make_proposal, meeting, "First", 5, requested="2000000")
    second = _proposal(make_proposal, meeting, "Second", 4, requested="2000000")
    _set(meeting, staff, mode=SelectionMode.PORTFOLIO)

    stored = portfolio_compute(meeting=meeting, by=staff, scores={first.pk: 50.0, second.pk: Decimal("70.5")})

    assert stored.result["optimum"]["chosen"] == [second.pk]
    assert stored.result["alternative_scores"] is True


# --- The pages ---------------------------------------------------------------------------------------


def test_staff_edit_the_constraints_and_errors_keep_the_input(
    meeting: BoardMeeting, staff: User, make_proposal: MakeProposal
) -> None:
    client = client_for(staff)
    url = reverse("board:portfolio_constraints", args=[meeting.pk])
    form = {
        "mode": "portfolio",
        "envelope": "",
        "sme_min_count": "",
        "sme_min_share": "33.5",
        "min_leverage": "",
        "bounds-TOTAL_FORMS": "2",
        "bounds-INITIAL_FORMS": "0",
        "bounds-MIN_NUM_FORMS": "0",
        "bounds-MAX_NUM_FORMS": "60",
        "bounds-0-group": "sector:ocean",
        "bounds-0-measure": "count",
        "bounds-0-minimum": "3",
        "bounds-0-maximum": "1.5",
        "bounds-1-group": "",
        "bounds-1-measure": "count",
    }
    response = client.post(url, form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "A number of projects is a whole number." in page
    assert "The maximum is below the minimum." in page
    assert 'value="33.5"' in page
    assert not PortfolioBound.objects.exists()

    form["bounds-0-maximum"] = "4"
    response = client.post(url, form)
    assert response.status_code == 302
    assert list(PortfolioBound.objects.values_list("value", "minimum", "maximum")) == [
        ("ocean", Decimal("3.00"), Decimal("4.00"))
    ]
    page = client.get(reverse("board:portfolio", args=[meeting.pk])).content.decode()
    assert "Ocean: between 3 and 4 projects" in page


def test_staff_compute_and_the_board_reads_the_suggestion_on_the_agenda(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff: User, board_member: User
) -> None:
    _proposal(make_proposal, meeting, "Best", 5, sme=False)
    _proposal(make_proposal, meeting, "Second", 4, sme=False)
    _proposal(make_proposal, meeting, "Small", 2)
    _set(meeting, staff, mode=SelectionMode.PORTFOLIO, sme_min_count=1, envelope=Decimal("2000000"))
    response = client_for(staff).post(reverse("board:portfolio_compute", args=[meeting.pk]))
    assert response.status_code == 302

    member = client_for(board_member)
    page = member.get(reverse("board:portfolio", args=[meeting.pk])).content.decode()
    assert "The constrained portfolio suggests funding 2 proposals." in page
    assert "Left out by At least 1 SME-led project" in page
    assert "Compute the suggestion" not in page
    agenda = member.get(reverse("board:meeting_agenda", args=[meeting.pk])).content.decode()
    assert agenda.count(">suggested</span>") == 2
    assert "Out of date" not in agenda


def test_a_recused_member_sees_no_figure_of_the_suggestion(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff: User, board_member: User
) -> None:
    best = _proposal(make_proposal, meeting, "Best", 5)
    _proposal(make_proposal, meeting, "Second", 4)
    _set(meeting, staff, mode=SelectionMode.PORTFOLIO, envelope=Decimal("1500000"))
    portfolio_compute(meeting=meeting, by=staff)
    BoardConflict.objects.create(member=board_member, proposal=best, nature="Declared.")

    page = client_for(board_member).get(reverse("board:portfolio", args=[meeting.pk])).content.decode()

    assert "Totals, costs and losses are not shown to you" in page
    assert "1,000,000" not in page  # neither request, nor the total funds
    assert "Total:" not in page
    assert "recused: title only" in page


def test_applicants_never_see_the_suggestion(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff: User, applicant: User
) -> None:
    _proposal(make_proposal, meeting, "Best", 5)
    portfolio_compute(meeting=meeting, by=staff)
    client = client_for(applicant)
    assert client.get(reverse("board:portfolio", args=[meeting.pk])).status_code == 403
    assert client.post(reverse("board:portfolio_compute", args=[meeting.pk])).status_code == 403


@pytest.mark.parametrize("persona", ["staff", "member"])
def test_the_agenda_and_the_suggestion_keep_their_queries_with_a_suggestion(
    persona: str, meeting: BoardMeeting, make_proposal: MakeProposal, staff: User, board_member: User
) -> None:
    client = client_for(staff if persona == "staff" else board_member)
    _set(meeting, staff, mode=SelectionMode.PORTFOLIO, sme_min_count=1)

    def count(name: str) -> int:
        portfolio_compute(meeting=meeting, by=staff)
        url = reverse(name, args=[meeting.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    _proposal(make_proposal, meeting, "P0", 3)
    one = (count("board:meeting_agenda"), count("board:portfolio"))
    for index in range(1, 12):
        _proposal(make_proposal, meeting, f"P{index}", index % 5 + 1, requested="200000")
    many = (count("board:meeting_agenda"), count("board:portfolio"))
    assert one == many


def test_the_chair_reads_on_the_decide_page_whether_the_suggestion_includes_the_proposal(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff: User, board_member: User
) -> None:
    best = _proposal(make_proposal, meeting, "Best", 5, sme=False)
    second = _proposal(make_proposal, meeting, "Second", 4, sme=False)
    _proposal(make_proposal, meeting, "SME", 2)
    _set(meeting, staff, mode=SelectionMode.PORTFOLIO, sme_min_count=1, envelope=Decimal("2000000"))
    chair = client_for(board_member)

    def decide_page(proposal: Proposal) -> str:
        item = meeting.items.get(proposal=proposal)
        response = chair.get(reverse("board:decide", kwargs={"pk": meeting.pk, "item_pk": item.pk}))
        assert response.status_code == 200
        return response.content.decode()

    assert "No suggestion has been computed for this meeting." in decide_page(best)
    portfolio_compute(meeting=meeting, by=staff)

    page = decide_page(best)
    assert "The constrained portfolio includes this proposal." in page
    assert "Out of date" not in page
    page = decide_page(second)
    assert "The constrained portfolio does not include this proposal." in page
    assert "Left out by At least 1 SME-led project" in page

    _proposal(make_proposal, meeting, "Late", 3)
    assert "Out of date" in decide_page(best)


def test_the_agenda_s_line_runs_against_the_meeting_s_envelope(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff: User
) -> None:
    for title, mark in (("First", 5), ("Second", 4), ("Third", 3)):
        _proposal(make_proposal, meeting, title, mark)
    agenda_url = reverse("board:meeting_agenda", args=[meeting.pk])
    page = client_for(staff).get(agenda_url).content.decode()
    assert "The envelope runs out" not in page  # 3,000,000 remain: the three fit
    assert "set by staff for this meeting" not in page

    _set(meeting, staff, envelope=Decimal("1500000"))
    agenda = meeting_agenda(meeting=meeting, user=staff, envelope=Decimal("1500000"))
    assert (agenda.runs_out_at, agenda.chart.available, agenda.chart.remaining) == (
        2,
        Decimal("1500000"),
        Decimal("3000000.00"),
    )
    page = client_for(staff).get(agenda_url).content.decode()
    assert "$1,500,000, set by staff for this meeting" in page
    assert "The envelope runs out at the proposal ranked 2 down the list" in page
