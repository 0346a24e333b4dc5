"""The agenda of a board meeting: its proposals ranked by weighted score against what remains of the envelope.

The page shows one page of rows (``PAGE_SIZE``), but the ranking, the running total and the
chart cover every current item. ``meeting_agenda`` runs the use case in three steps:

1. rank every item, run the total of the requests down the ranking against the envelope and
   cut the page, in SQL, reading only the page's items with what the chart needs over all
   of them, the rubric's criteria and the committed amount, in one query
   (``agenda_queries.agenda_page_read``);
2. read the page's rows' details only: their texts and submitted scores in one query
   (``agenda_queries.details_read``) and their consortia, eligibility inputs and frozen
   rules in the staff list's prefetch (``intake.services.call_lists.prefetch_eligibility``);
3. shape those rows for the page (``agenda_rows.rows_placed``, ``agenda_rows.rows_detail``)
   and chart the envelope.

The number of queries does not depend on the agenda's length, and only the page's rows
reach Python (with the titles of those the viewer is recused from).

A board member recused from a proposal (``board.selectors.board_recused``) gets its
title only; its figures are left out of their running total and chart too, since the
difference between two cumulative figures would tell its request.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator

from accounts.models import User
from assessment.models import Criterion
from board.models import BoardMeeting, Ranking
from board.services.agenda_queries import agenda_page_read, details_read
from board.services.agenda_rows import (
    AgendaRow,
    EnvelopeChart,
    rows_detail,
    rows_give_proposals,
    rows_placed,
)
from intake.services.call_lists import prefetch_eligibility

PAGE_SIZE = 50


@dataclass(frozen=True)
class Agenda:
    meeting: BoardMeeting
    criteria: list[Criterion]
    #: The page's rows in the agenda's order, with their details (the same as ``page.object_list``).
    rows: list[AgendaRow]
    #: The page shown; its paginator counts every current item.
    page: Page
    chart: EnvelopeChart
    #: How many current items the agenda has.
    count: int
    #: How many proposals the viewer is recused from (left out of their figures).
    recused_count: int
    #: The proposals the viewer is recused from, on this page or not.
    recused_ids: frozenset[int]
    #: The position (1-based, in the whole ranking) of the first row beyond the envelope, None if all fit.
    runs_out_at: int | None


def meeting_agenda(
    *, meeting: BoardMeeting, user: User, page_number: str | int | None = 1, envelope: Decimal | None = None
) -> Agenda:
    """Return ``meeting``'s current items ranked by weighted score, with the running total against the envelope.

    The score is the raw weighted total, or the calibrated one if the meeting ranks by it
    (``BoardMeeting.ranking``).

    Unscored proposals rank last (by title), as on the results page; the proposals the
    viewer is recused from come after them, title only. The running total goes down the
    whole ranking from what remains of the call's envelope after its approvals, or from the
    meeting's ``envelope`` when staff set one (never more than what remains); only the rows
    of page ``page_number`` (an invalid number gives the nearest page) are read, with details.
    """
    call = meeting.call
    read = agenda_page_read(
        meeting=meeting,
        user=user,
        page_number=page_number,
        per_page=PAGE_SIZE,
        calibrated=meeting.ranking == Ranking.CALIBRATED,
        envelope=envelope,
    )
    remaining = call.funding_envelope - read.committed
    available = remaining if envelope is None else min(envelope, remaining)
    rows = rows_placed(
        read.items,
        calibrated=meeting.ranking == Ranking.CALIBRATED,
        available=available,
        runs_out_at=read.runs_out_at,
    )
    paginator = Paginator(rows, PAGE_SIZE)
    # ``count`` is a cached property: set, the paginator counts every item without reading them.
    paginator.count = read.count  # type: ignore[misc]
    page = Page(rows, read.number, paginator)
    _page_detail(rows, meeting, read.criteria)
    chart = EnvelopeChart(
        envelope=call.funding_envelope,
        committed=read.committed,
        proposed=read.proposed,
        remaining=remaining,
        left_after=available - read.proposed,
        meeting_envelope=envelope,
    )
    return Agenda(
        meeting=meeting,
        criteria=read.criteria,
        rows=rows,
        page=page,
        chart=chart,
        count=read.count,
        recused_count=read.recused_count,
        recused_ids=read.recused_ids,
        runs_out_at=read.runs_out_at,
    )


def _page_detail(rows: list[AgendaRow], meeting: BoardMeeting, criteria: list[Criterion]) -> None:
    """Give the page's rows their proposal, and the visible ones their details (3 queries).

    The details: consortium, eligibility, scores and comments; a recused row keeps its title
    only. The proposals' texts and scores come in one query, the eligibility inputs and the
    rules frozen at submission in two (``intake.services.call_lists``' prefetch).
    """
    call = meeting.call
    rows_give_proposals(rows, call)
    visible = list({row.proposal_pk: row for row in rows if not row.recused}.values())
    if not visible:
        return
    details = details_read(
        proposal_ids=[row.proposal_pk for row in visible],
        call_id=call.pk,
        first_criterion=criteria[0].pk if criteria else None,
    )
    prefetch_eligibility([row.proposal for row in visible if row.proposal is not None])
    rows_detail(visible, details=details, criteria=criteria)
