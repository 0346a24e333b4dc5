"""The agenda of a board meeting: ranking, the envelope's running total and chart, recusal, queries, access."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from assessment.models import CalibratedStanding
from board.models import BoardConflict, BoardMeeting, Ranking
from board.services.agenda import meeting_agenda
from intake.models import Call, Proposal
from intake.states import ProposalState
from tests.board.making import meeting_make, review_submitted
from tests.conftest import MakeProposal, client_for
from tests.factories import AgendaItemFactory, ProposalVersionFactory, user_with_role
from tests.queries import settled_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(call: Call, board_member: User) -> BoardMeeting:
    return meeting_make(call, members=[board_member])


def _on_agenda(make_proposal: MakeProposal, meeting: BoardMeeting, title: str, scores: list[int]) -> Proposal:
    proposal = make_proposal(ProposalState.BOARD_REVIEW, title=title)
    AgendaItemFactory(meeting=meeting, proposal=proposal)
    review_submitted(proposal, scores, comment=f"Comment on {title}")
    return proposal


def test_meeting_agenda_ranks_by_weighted_score_with_running_total(
    call: Call, meeting: BoardMeeting, make_proposal: MakeProposal, staff: User
) -> None:
    # Each factory proposal asks the cluster for $1,000,000; the envelope leaves room for two.
    Call.objects.filter(pk=call.pk).update(funding_envelope=Decimal("2500000.00"))
    call.refresh_from_db()
    meeting.call = call
    low = _on_agenda(make_proposal, meeting, "Low", [1, 1, 1, 1, 1])
    high = _on_agenda(make_proposal, meeting, "High", [5, 5, 5, 5, 5])
    middle = _on_agenda(make_proposal, meeting, "Middle", [3, 3, 3, 3, 3])

    agenda = meeting_agenda(meeting=meeting, user=staff)

    assert [(row.proposal, row.rank) for row in agenda.rows] == [(high, 1), (middle, 2), (low, 3)]
    assert [row.cumulative for row in agenda.rows] == [Decimal("1000000"), Decimal("2000000"), Decimal("3000000")]
    assert [row.within_envelope for row in agenda.rows] == [True, True, False]
    assert [row.envelope_runs_out for row in agenda.rows] == [False, False, True]
    assert agenda.rows[0].scores is not None
    assert agenda.rows[0].scores.total == 100.0
    assert [result.mean for result in agenda.rows[1].criteria] == [3.0] * 5
    assert agenda.chart.proposed == Decimal("3000000")
    assert agenda.chart.remaining == Decimal("2500000.00")
    assert agenda.chart.over == Decimal("500000.00")


def test_meeting_agenda_remaining_envelope_counts_approvals(
    call: Call, meeting: BoardMeeting, make_proposal: MakeProposal, staff: User
) -> None:
    Call.objects.filter(pk=call.pk).update(funding_envelope=Decimal("1500000.00"))
    make_proposal(ProposalState.APPROVED, approved_amount=Decimal("700000.00"))
    meeting.call.refresh_from_db()
    _on_agenda(make_proposal, meeting, "Only", [4, 4, 4, 4, 4])

    agenda = meeting_agenda(meeting=meeting, user=staff)

    assert agenda.chart.committed == Decimal("700000.00")
    assert agenda.chart.remaining == Decimal("800000.00")
    assert agenda.rows[0].within_envelope is False


def test_a_proposal_approved_at_this_meeting_is_not_also_committed_by_earlier_decisions(
    call: Call, meeting: BoardMeeting, make_proposal: MakeProposal, staff: User
) -> None:
    Call.objects.filter(pk=call.pk).update(funding_envelope=Decimal("2500000.00"))
    meeting.call.refresh_from_db()
    make_proposal(ProposalState.APPROVED, approved_amount=Decimal("300000.00"))  # an earlier meeting's
    decided = _on_agenda(make_proposal, meeting, "Decided", [5, 5, 5, 5, 5])
    Proposal.objects.filter(pk=decided.pk).update(state=ProposalState.APPROVED, approved_amount=Decimal("700000.00"))
    _on_agenda(make_proposal, meeting, "Waiting", [3, 3, 3, 3, 3])

    chart = meeting_agenda(meeting=meeting, user=staff).chart

    assert chart.committed == Decimal("300000.00")  # the earlier decision only
    assert chart.proposed == Decimal("2000000")  # both requests on this agenda, the decided one included once
    assert chart.remaining == Decimal("2200000.00")


def test_meeting_agenda_marks_smes_and_matching_ratio(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff: User
) -> None:
    _on_agenda(make_proposal, meeting, "Only", [4, 4, 4, 4, 4])

    row = meeting_agenda(meeting=meeting, user=staff).rows[0]

    # The factory's lead is an SME (42 employees); its two partners are large companies.
    assert [(partner.is_lead, partner.sme) for partner in row.partners] == [
        (True, True),
        (False, False),
        (False, False),
    ]
    # Industry: 800k + 1.5M + 200k in kind + 300k = 2.8M for 1M requested.
    assert row.matching_ratio == Decimal("2.80")
    assert row.eligibility is not None


def test_meeting_agenda_page_shows_comments_without_names_and_the_version_link(
    meeting: BoardMeeting, make_proposal: MakeProposal, board_client: Client
) -> None:
    proposal = _on_agenda(make_proposal, meeting, "Shown", [4, 4, 4, 4, 4])
    version = ProposalVersionFactory(proposal=proposal, kind="application")
    assessor_name = proposal.assessment_assignments.get().assessor.display_name

    response = board_client.get(reverse("board:meeting_agenda", args=[meeting.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Comment on Shown" in html
    assert assessor_name not in html
    assert reverse("intake:version_detail", args=[proposal.pk, version.number]) in html
    assert 'role="img" aria-labelledby="envelope-title envelope-desc"' in html


def test_meeting_agenda_recused_member_sees_the_title_only(
    meeting: BoardMeeting, make_proposal: MakeProposal, board_member: User, board_client: Client
) -> None:
    hidden = _on_agenda(make_proposal, meeting, "Hidden from the member", [2, 2, 2, 2, 2])
    _on_agenda(make_proposal, meeting, "Visible", [4, 4, 4, 4, 4])
    ProposalVersionFactory(proposal=hidden, kind="application")
    BoardConflict.objects.create(member=board_member, proposal=hidden, nature="My brother works there.")

    response = board_client.get(reverse("board:meeting_agenda", args=[meeting.pk]))

    html = response.content.decode()
    assert "Hidden from the member" in html
    assert "Comment on Hidden" not in html
    assert reverse("intake:version_detail", args=[hidden.pk, 1]) not in html
    assert reverse("board:agenda_item_defer", args=[hidden.agenda_items.get().pk]) not in html
    agenda = meeting_agenda(meeting=meeting, user=board_member)
    recused = [row for row in agenda.rows if row.recused]
    assert [row.proposal for row in recused] == [hidden]
    assert (recused[0].scores, recused[0].partners, recused[0].funding_requested) == (None, [], 0)
    # The recused proposal's request is left out of the member's running total and chart.
    assert agenda.chart.proposed == Decimal("1000000")
    assert agenda.recused_count == 1


def test_meeting_agenda_offers_deferral_only_before_the_decision(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff_client: Client
) -> None:
    pending = _on_agenda(make_proposal, meeting, "Pending", [3, 3, 3, 3, 3])
    decided = _on_agenda(make_proposal, meeting, "Decided", [4, 4, 4, 4, 4])
    Proposal.objects.filter(pk=decided.pk).update(state=ProposalState.DECLINED)

    html = staff_client.get(reverse("board:meeting_agenda", args=[meeting.pk])).content.decode()

    assert reverse("board:agenda_item_defer", args=[pending.agenda_items.get().pk]) in html
    assert reverse("board:agenda_item_defer", args=[decided.agenda_items.get().pk]) not in html


def test_meeting_agenda_staff_is_not_recused(
    meeting: BoardMeeting, make_proposal: MakeProposal, board_member: User, staff: User
) -> None:
    proposal = _on_agenda(make_proposal, meeting, "Declared", [2, 2, 2, 2, 2])
    BoardConflict.objects.create(member=board_member, proposal=proposal, nature="Shareholder.")

    assert [row.recused for row in meeting_agenda(meeting=meeting, user=staff).rows] == [False]


@pytest.mark.parametrize(
    ("who", "status"),
    [("staff", 200), ("member", 200), ("other_member", 404), ("applicant", 403), ("assessor", 403)],
)
def test_meeting_agenda_access(
    who: str, status: int, meeting: BoardMeeting, staff: User, board_member: User, applicant: User, assessor: User
) -> None:
    users = {
        "staff": staff,
        "member": board_member,
        "other_member": user_with_role(Role.BOARD_MEMBER),
        "applicant": applicant,
        "assessor": assessor,
    }

    response = client_for(users[who]).get(reverse("board:meeting_agenda", args=[meeting.pk]))

    assert response.status_code == status


def _fill(make_proposal: MakeProposal, meeting: BoardMeeting, indexes: range, conflicted_with: User) -> None:
    for index in indexes:
        proposal = _on_agenda(make_proposal, meeting, f"P{index}", [index % 6] * 5)
        review_submitted(proposal, [(index + 2) % 6] * 5)
        ProposalVersionFactory(proposal=proposal, kind="application")
        if index % 7 == 3:
            BoardConflict.objects.create(member=conflicted_with, proposal=proposal, nature="Declared.")


@pytest.mark.parametrize(
    ("persona", "ranking"), [("staff", Ranking.RAW), ("member", Ranking.RAW), ("member", Ranking.CALIBRATED)]
)
def test_meeting_agenda_queries_do_not_grow_with_items(
    persona: str,
    ranking: Ranking,
    meeting: BoardMeeting,
    make_proposal: MakeProposal,
    staff: User,
    board_member: User,
) -> None:
    BoardMeeting.objects.filter(pk=meeting.pk).update(ranking=ranking)
    client = client_for(staff if persona == "staff" else board_member)
    url = reverse("board:meeting_agenda", args=[meeting.pk])

    def count(page: int) -> int:
        response, queries = settled_queries(lambda: client.get(url, {"page": page}))
        assert response.status_code == 200
        return queries

    _fill(make_proposal, meeting, range(1), board_member)
    with_one = count(1)
    _fill(make_proposal, meeting, range(1, 60), board_member)
    with_sixty = count(2)
    # Each review submitted refitted the calibration: every item has its stored calibrated standing.
    assert CalibratedStanding.objects.filter(proposal__in=meeting.items.values("proposal")).count() == 60

    # The session (none when it is in Redis), the user with its roles, the meeting with its
    # call, the ranking (items, criterion means, criteria and the committed amount in one),
    # the page's texts and scores with comments (one), their consortia with budget lines,
    # their attachments and overrides, the rules frozen in their versions, and the inbox's count;
    # for staff, the programs of the navigation; and the meeting's selection mode with its stored suggestion
    # (one; checking a stored suggestion's fingerprint costs five more, tests/board/test_portfolio.py).
    assert with_one == with_sixty <= (11 if persona == "staff" else 10)
    agenda = client.get(url, {"page": 2}).context["agenda"]
    assert agenda.count == agenda.page.paginator.count == 60
    # 60 rows make two pages: the second holds the last ten, with their rank and details, and only they are read.
    assert len(agenda.page.object_list) == len(agenda.rows) == 10


def test_meeting_agenda_pages_keep_the_whole_ranking(
    call: Call, meeting: BoardMeeting, make_proposal: MakeProposal, staff: User, staff_client: Client
) -> None:
    # 55 proposals ask $1,000,000 each against $52,500,000: the envelope runs out on the 53rd, on page 2.
    Call.objects.filter(pk=call.pk).update(funding_envelope=Decimal("52500000.00"))
    call.refresh_from_db()
    meeting.call = call
    for index in range(55):
        _on_agenda(make_proposal, meeting, f"P{index:02d}", [index % 5 + 1] * 5)

    agenda = meeting_agenda(meeting=meeting, user=staff, page_number=2)

    rows = list(agenda.page.object_list)
    assert [row.rank for row in rows] == [51, 52, 53, 54, 55]
    assert [row.cumulative for row in rows] == [Decimal(n * 1000000) for n in range(51, 56)]
    assert agenda.runs_out_at == 53
    assert [row.envelope_runs_out for row in rows] == [False, False, True, False, False]
    assert all(row.scores is not None and row.reviews for row in rows)
    assert agenda.rows == rows  # only the page's rows are read; the others are counted and totalled in SQL
    assert (agenda.count, agenda.page.number, agenda.page.paginator.num_pages) == (55, 2, 2)
    assert agenda.chart.proposed == Decimal("55000000")
    # Lowest scores last: the second page holds proposals scored 1 on every criterion of 0 to 5.
    assert {row.scores.total for row in rows if row.scores} == {20.0}
    html = staff_client.get(reverse("board:meeting_agenda", args=[meeting.pk]), {"page": 2}).content.decode()
    assert "The envelope runs out here" in html
    assert "page 2 of 2" in html
    assert 'href="?page=1"' in html
