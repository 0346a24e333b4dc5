"""One page of the agenda ranked, totalled and cut in SQL (``board.services.agenda_queries.agenda_page_read``).

The database ranks and totals as the lottery's band does in Python (``ranking_read`` and
``agenda_rows.rows_ranked``): these tests read every page and compare, on whichever database
the suite runs (SQLite and PostgreSQL).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from assessment.services.rubrics import rubric_for
from board.models import BoardConflict, BoardMeeting
from board.services.agenda import meeting_agenda
from board.services.agenda_queries import AgendaPage, RankedItem, agenda_page_read, ranking_read
from board.services.agenda_rows import rows_ranked
from intake.models import Call, ConsortiumMember, Proposal
from intake.states import ProposalState
from tests.board.making import meeting_make
from tests.board.test_agenda_calibration import on_agenda, standing_store
from tests.conftest import MakeProposal
from tests.factories import AgendaItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(call: Call, board_member: User) -> BoardMeeting:
    return meeting_make(call, members=[board_member])


def _page(meeting: BoardMeeting, user: User, number: Any, *, per_page: int = 3, **options: Any) -> AgendaPage:
    return agenda_page_read(
        meeting=meeting, user=user, page_number=number, per_page=per_page, calibrated=False, **options
    )


def _every_page(meeting: BoardMeeting, user: User, *, per_page: int = 3, **options: Any) -> list[RankedItem]:
    first = _page(meeting, user, 1, per_page=per_page, **options)
    pages = [first] + [
        _page(meeting, user, number, per_page=per_page, **options)
        for number in range(2, Paginator(range(first.count), per_page).num_pages + 1)
    ]
    return [item for page in pages for item in page.items]


def _requests(proposal: Proposal, amount: str) -> None:
    """Make ``proposal``'s consortium request ``amount`` in all (its lead all of it)."""
    ConsortiumMember.objects.filter(proposal=proposal).update(funding_requested=Decimal("0"))
    ConsortiumMember.objects.filter(proposal=proposal, is_lead=True).update(funding_requested=Decimal(amount))


def _tricky_agenda(make_proposal: MakeProposal, meeting: BoardMeeting, board_member: User) -> list[Proposal]:
    """Ties broken by titles that differ in case and accents, unscored items, two recused ones, stored standings."""
    made = [
        on_agenda(make_proposal, meeting, title, scores)
        for title, scores in [
            ("beta", [4, 4, 4, 4, 4]),
            ("Beta", [4, 4, 4, 4, 4]),
            ("Été", [4, 4, 4, 4, 4]),
            ("ete", [4, 4, 4, 4, 4]),
            ("Top", [5, 5, 5, 5, 5]),
            ("Low", [1, 1, 1, 1, 1]),
            ("Recused high", [5, 5, 5, 5, 5]),
            ("Recused low", [0, 0, 0, 0, 0]),
        ]
    ]
    for title in ("zed unscored", "Alpha unscored"):
        unscored = make_proposal(ProposalState.BOARD_REVIEW, title=title)
        AgendaItemFactory(meeting=meeting, proposal=unscored)
        made.append(unscored)
    by_title = {proposal.title: proposal for proposal in made}
    for title in ("Recused high", "Recused low"):
        BoardConflict.objects.create(member=board_member, proposal=by_title[title], nature="Declared.")
    # Under the calibrated ranking, "Low" rises above the ties and "ete" keeps its raw total (no calibrated one).
    standing_store(by_title["Low"], raw=20.0, calibrated=95.0, low=90.0, high=99.0, fallback="", chance=0.9)
    standing_store(by_title["ete"], raw=80.0, calibrated=None, low=70.0, high=90.0, fallback="no_linking_assessor")
    for index, proposal in enumerate(made):
        _requests(proposal, f"{100000 + index * 1000}.{index:02d}")
    return made


@pytest.mark.parametrize("calibrated", [False, True])
@pytest.mark.parametrize("persona", ["staff", "member"])
def test_every_page_holds_the_ranking_rows_ranked_gives_in_python(
    persona: str,
    calibrated: bool,
    meeting: BoardMeeting,
    make_proposal: MakeProposal,
    staff: User,
    board_member: User,
) -> None:
    _tricky_agenda(make_proposal, meeting, board_member)
    user = staff if persona == "staff" else board_member
    visible, recused = rows_ranked(ranking_read(meeting=meeting, user=user).items, calibrated=calibrated)

    items = [
        item
        for number in range(1, 5)
        for item in agenda_page_read(
            meeting=meeting, user=user, page_number=number, per_page=3, calibrated=calibrated
        ).items
    ]

    assert [(item.proposal_pk, item.recused) for item in items] == [
        (row.proposal_pk, row.recused) for row in visible + recused
    ]
    assert [item.position for item in items] == list(range(1, 11))
    # Python's order of characters: capitals before small letters, accented letters after both.
    raw_ties = [item.title for item in items if item.title.lower() in ("beta", "ete", "été")]
    if not calibrated:
        assert raw_ties == ["Beta", "beta", "ete", "Été"]
    assert sum(item.recused for item in items) == (2 if persona == "member" else 0)


def test_the_running_total_and_where_the_envelope_runs_out_follow_the_ranking(
    call: Call, meeting: BoardMeeting, make_proposal: MakeProposal, board_member: User
) -> None:
    _tricky_agenda(make_proposal, meeting, board_member)
    visible, _recused = rows_ranked(ranking_read(meeting=meeting, user=board_member).items)
    running, expected = Decimal("0"), []
    for row in visible:
        running += row.funding_requested
        expected.append(running)
    # The envelope runs out on the fourth visible item.
    Call.objects.filter(pk=call.pk).update(funding_envelope=expected[3] - Decimal("0.01"))
    meeting.call.refresh_from_db()

    items = _every_page(meeting, board_member)
    page = _page(meeting, board_member, 2)

    assert [item.cumulative for item in items if not item.recused] == expected
    assert all(item.cumulative == 0 for item in items if item.recused)
    assert (page.runs_out_at, page.proposed, page.count, page.recused_count) == (4, expected[-1], 10, 2)
    # The meeting's own envelope, less than what remains of the call's: it runs out on the third.
    assert _page(meeting, board_member, 1, envelope=expected[1]).runs_out_at == 3
    assert _page(meeting, board_member, 1, envelope=expected[-1] * 2).runs_out_at == 4


def test_the_envelope_counts_what_earlier_decisions_committed(
    call: Call, meeting: BoardMeeting, make_proposal: MakeProposal, staff: User
) -> None:
    for title in ("First", "Second"):
        _requests(on_agenda(make_proposal, meeting, title, [3, 3, 3, 3, 3]), "400000.00")
    make_proposal(ProposalState.APPROVED, approved_amount=Decimal("300000.00"))
    Call.objects.filter(pk=call.pk).update(funding_envelope=Decimal("1000000.00"))
    meeting.call.refresh_from_db()

    page = _page(meeting, staff, 1)

    # 1,000,000 less 300,000 committed: the second request's running total of 800,000 goes beyond.
    assert (page.committed, page.runs_out_at, page.proposed) == (Decimal("300000.00"), 2, Decimal("800000.00"))


def test_requests_in_cents_add_up_exactly_to_the_envelope(
    call: Call, meeting: BoardMeeting, make_proposal: MakeProposal, staff: User
) -> None:
    # 0.10 + 0.20 is not 0.30 in floating point, which is how SQLite keeps decimals: the total runs in cents.
    for title, scores, amount in [("A", [5, 5, 5, 5, 5], "0.10"), ("B", [4, 4, 4, 4, 4], "0.20")]:
        _requests(on_agenda(make_proposal, meeting, title, scores), amount)
    Call.objects.filter(pk=call.pk).update(funding_envelope=Decimal("0.30"))
    meeting.call.refresh_from_db()

    page = _page(meeting, staff, 1)

    assert [item.cumulative for item in page.items] == [Decimal("0.10"), Decimal("0.30")]
    assert (page.runs_out_at, page.proposed) == (None, Decimal("0.30"))


@pytest.mark.parametrize("number", [None, "x", "2.5", 2.5, 2.0, "2", 1, 4, 5, 0, -3, "99999999999999999999"])
def test_the_page_read_is_the_one_paginator_gives(
    number: Any, meeting: BoardMeeting, make_proposal: MakeProposal, staff: User
) -> None:
    for index in range(10):
        on_agenda(make_proposal, meeting, f"P{index}", [index % 6] * 5)

    page = _page(meeting, staff, number)

    expected = Paginator(range(1, 11), 3).get_page(number)
    assert page.number == expected.number
    assert [item.position for item in page.items] == list(expected.object_list)


def test_the_recused_items_are_known_on_every_page_and_shown_on_their_own(
    meeting: BoardMeeting, make_proposal: MakeProposal, board_member: User
) -> None:
    _tricky_agenda(make_proposal, meeting, board_member)
    recused = set(
        BoardConflict.objects.filter(member=board_member, proposal__agenda_items__meeting=meeting).values_list(
            "proposal_id", flat=True
        )
    )

    first, last = _page(meeting, board_member, 1), _page(meeting, board_member, 4)

    assert first.recused_ids == last.recused_ids == recused
    assert not any(item.recused for item in first.items)
    assert [item.recused for item in last.items] == [True]  # the 10th of 10: the last recused, by title


def test_an_empty_agenda_reads_its_criteria_and_committed_amount(
    meeting: BoardMeeting, make_proposal: MakeProposal, staff: User
) -> None:
    make_proposal(ProposalState.APPROVED, approved_amount=Decimal("250000.00"))
    rubric_for(call=meeting.call)  # the call's application rubric, made when first needed

    page = _page(meeting, staff, 3)

    assert (page.items, page.count, page.number, page.runs_out_at, page.proposed) == ([], 0, 1, None, Decimal("0"))
    assert page.committed == Decimal("250000.00")
    assert len(page.criteria) == 5


def test_a_page_is_one_query_whatever_the_agenda_holds(
    meeting: BoardMeeting, make_proposal: MakeProposal, board_member: User
) -> None:
    _tricky_agenda(make_proposal, meeting, board_member)
    _page(meeting, board_member, 1)  # the user's roles and the meeting's call, which the request has read already

    with CaptureQueriesContext(connection) as queries:
        _page(meeting, board_member, 2, envelope=Decimal("100.00"))

    assert len(queries) == 1, [query["sql"][:200] for query in queries]


def test_the_agenda_places_the_page_s_rows_as_read(
    call: Call, meeting: BoardMeeting, make_proposal: MakeProposal, board_member: User
) -> None:
    _tricky_agenda(make_proposal, meeting, board_member)
    Call.objects.filter(pk=call.pk).update(funding_envelope=Decimal("400000.00"))
    meeting.call.refresh_from_db()
    read = _page(meeting, board_member, 1, per_page=50)

    rows = meeting_agenda(meeting=meeting, user=board_member).rows

    visible = [row for row in rows if not row.recused]
    assert [row.proposal_pk for row in rows] == [item.proposal_pk for item in read.items]
    # The unscored rows keep their place in the running total but get no rank.
    assert [row.rank for row in visible] == [1, 2, 3, 4, 5, 6, None, None]
    assert [row.title for row in visible[-2:]] == ["Alpha unscored", "zed unscored"]
    assert [row.within_envelope for row in visible] == [row.cumulative <= Decimal("400000.00") for row in visible]
    assert [row.envelope_runs_out for row in visible] == [index == 3 for index in range(8)]
    assert [(row.title, row.rank, row.cumulative, row.scores) for row in rows if row.recused] == [
        ("Recused high", None, 0, None),
        ("Recused low", None, 0, None),
    ]


def test_the_page_read_is_never_prepared_on_the_server(
    make_proposal: MakeProposal, meeting: BoardMeeting, board_member: User
) -> None:
    """ADR 0058: a generic plan of the agenda's statement took seconds, so PostgreSQL plans it at each run."""
    if connection.vendor != "postgresql":
        pytest.skip(f"statements are prepared on PostgreSQL; this run uses {connection.vendor} (set DATABASE_URL)")
    connection.ensure_connection()
    threshold = cast(Any, connection.connection).prepare_threshold
    if threshold is None:
        pytest.skip("this run prepares no statement (DATABASE_PREPARE_THRESHOLD=0)")
    _tricky_agenda(make_proposal, meeting, board_member)
    for _ in range(threshold + 2):
        assert _page(meeting, board_member, 1).count == 10

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert prepared  # the run prepares what it repeats: the fixtures' inserts
    assert not any("agenda_running" in statement for statement in prepared)
