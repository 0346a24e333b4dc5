"""Reads of the board: who is recused from which proposal, what the lifecycle's guards read, the tally."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessment.selectors import automatic_conflict
from board.models import AgendaItem, BoardConflict, BoardMeeting, Vote, VoteChoice
from intake.models import Proposal


def board_recused(*, member: Any, proposal: Any) -> Q:
    """The condition that board ``member`` is recused from ``proposal``: a declared conflict, or an automatic one.

    The automatic rule is the assessors' (``assessment.selectors.automatic_conflict``): an
    affiliation or a membership, now or in the last three years, with any organization of
    the consortium, or leading another proposal of the same call. Both arguments are ids or
    expressions of the query this goes into (``OuterRef(...)``).
    """
    declared = BoardConflict.objects.filter(member_id=member, proposal_id=proposal)
    return Q(Exists(declared)) | automatic_conflict(person=member, proposal=proposal)


def member_recused(*, member: Any, proposal: Any) -> bool:
    """Say whether board ``member`` is recused from ``proposal`` now (``board_recused``, for one pair)."""
    return Proposal.objects.filter(board_recused(member=member.pk, proposal=proposal.pk), pk=proposal.pk).exists()


def board_facts() -> dict[str, Any]:
    """Return the annotations of a proposal that the board's guards read (``intake.lifecycle``).

    ``board_chair_id`` and ``board_quorum``: the chair and the quorum of the meeting whose
    agenda the proposal is on now (None when on none); ``board_votes_counted``: the votes on
    that agenda item by members invited to the meeting who are not recused from the proposal;
    ``board_opens_at``: when that meeting opens for decisions (its scheduled time, or when
    staff opened it early).
    """
    current = AgendaItem.objects.filter(proposal_id=OuterRef("pk"), deferred_to__isnull=True)
    counted = (
        Vote.objects.filter(
            item__proposal_id=OuterRef("pk"), item__deferred_to__isnull=True, item__meeting__members=F("member_id")
        )
        .exclude(board_recused(member=OuterRef("member_id"), proposal=OuterRef("item__proposal_id")))
        .order_by()
        .values("item__proposal_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return {
        "board_chair_id": Subquery(current.values("meeting__chair_id")[:1]),
        "board_quorum": Subquery(current.values("meeting__quorum")[:1]),
        "board_votes_counted": Coalesce(Subquery(counted), 0),
        "board_opens_at": Subquery(
            current.annotate(opens_at=Coalesce("meeting__opened_early_at", "meeting__held_at")).values("opens_at")[:1]
        ),
    }


def vote_tally(*, proposal: Proposal) -> dict[str, int]:
    """Return the counted votes on ``proposal``'s current agenda item by choice (recused members' left out)."""
    tally = dict.fromkeys(VoteChoice.values, 0)
    rows = (
        Vote.objects.filter(
            item__proposal=proposal, item__deferred_to__isnull=True, item__meeting__members=F("member_id")
        )
        .exclude(board_recused(member=OuterRef("member_id"), proposal=proposal.pk))
        .order_by()
        .values_list("choice")
        .annotate(count=Count("pk"))
    )
    tally.update(dict(rows))
    return tally


def board_meetings_ahead(*, call: Any) -> QuerySet[BoardMeeting]:
    """Return the meetings of ``call`` still to be held (by the server's clock, decisions not released), soonest first.

    The meetings a proposal of the call may be sent to (``proposal_send_to_board`` checks again).
    """
    return BoardMeeting.objects.filter(
        call=call, held_at__gt=timezone.now(), decisions_released_at__isnull=True
    ).order_by("held_at", "pk")
