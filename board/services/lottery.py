"""Partial randomisation: the board draws lots among the proposals the ranking cannot settle.

Opt-in per call (``Call.partial_randomisation``). Staff commit a value; its seed
(``assessment.chances.lottery_seed`` of the meeting's id and the value) is shown on the
agenda before any draw. The band is the agenda's undecided proposals labelled "sometimes"
funded (their stored ``CalibratedStanding``); the money is what remains of the envelope after
the undecided proposals labelled "always". The draw (``assessment.chances.lottery_draw``)
orders the band from the seed and allots the money down that order. Both steps are audited
on the meeting; the agenda reads them from the meeting's records. The chair still decides
each proposal; the letters of the band's proposals say they were decided partly by lottery.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import DomainError, StaleAction
from accounts.models import User
from assessment.chances import Label, lottery_draw, lottery_seed
from board.models import BoardMeeting, Ranking
from board.services.agenda_queries import ZERO, ranking_read
from board.services.agenda_rows import rows_ranked
from board.services.meetings import _locked_for_staff
from intake.states import ProposalState
from records.models import AuditRecord

LOTTERY_SEED = "lottery_seed"
LOTTERY_DRAW = "lottery_draw"
VALUE_MAX = 200


@dataclass(frozen=True)
class Drawn:
    """One proposal of the band in the order drawn: its place, and whether the band's money funds it."""

    proposal_pk: int
    title: str
    requested: Decimal
    position: int
    funded: bool


@dataclass(frozen=True)
class Lottery:
    """The meeting's lottery as its records tell it: the seed committed, and the draw once made."""

    seed: str | None = None
    value: str = ""
    seeded_at: datetime | None = None
    seeded_by: User | None = None
    drawn_at: datetime | None = None
    drawn_by: User | None = None
    money: Decimal | None = None
    order: tuple[Drawn, ...] = ()
    #: How many of the band's proposals are left out of ``order`` because the viewer is recused from them.
    hidden: int = 0


def meeting_lottery(*, records: Iterable[AuditRecord], recused_ids: set[int] | None = None) -> Lottery:
    """Read the meeting's lottery from its audit ``records`` (no query); a recused viewer's proposals left out."""
    recused_ids = recused_ids or set()
    seeded = drawn = None
    for record in records:
        if record.action == LOTTERY_SEED:
            seeded = record
        elif record.action == LOTTERY_DRAW:
            drawn = record
    if seeded is None:
        return Lottery()
    if drawn is None:
        return Lottery(seed=seeded.data["seed"], seeded_at=seeded.at, seeded_by=seeded.actor)
    band = {line["proposal"]: line for line in drawn.data["band"]}
    order = tuple(
        Drawn(
            proposal_pk=ticket["proposal"],
            title=band[ticket["proposal"]]["title"],
            requested=Decimal(band[ticket["proposal"]]["requested"]),
            position=ticket["position"],
            funded=ticket["funded"],
        )
        for ticket in drawn.data["order"]
    )
    return Lottery(
        seed=seeded.data["seed"],
        # The value is shown once the draw is made: the seed alone was published before it.
        value=seeded.data["value"],
        seeded_at=seeded.at,
        seeded_by=seeded.actor,
        drawn_at=drawn.at,
        drawn_by=drawn.actor,
        money=Decimal(drawn.data["money"]),
        order=tuple(line for line in order if line.proposal_pk not in recused_ids),
        hidden=sum(1 for line in order if line.proposal_pk in recused_ids),
    )


def _lottery_locked(meeting: BoardMeeting, by: User) -> tuple[BoardMeeting, set[str]]:
    locked = _locked_for_staff(meeting=meeting, by=by)
    if not locked.call.partial_randomisation:
        raise DomainError(_("This call does not use partial randomisation: set it on the call's edit page."))
    done = set(
        AuditRecord.objects.filter(meeting=locked, action__in=(LOTTERY_SEED, LOTTERY_DRAW)).values_list(
            "action", flat=True
        )
    )
    return locked, done


def lottery_seed_commit(*, meeting: BoardMeeting, by: User, value: str) -> str:
    """Commit staff's ``value`` and return the lottery's seed, published on the agenda before the draw: staff, once.

    The meeting is locked: of two staff committing at once, one does and the other is told.
    """
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Enter the value the lottery's seed is made from."))
    if len(value) > VALUE_MAX:
        raise DomainError(_("Enter a value of at most %(count)s characters.") % {"count": VALUE_MAX})
    with transaction.atomic():
        locked, done = _lottery_locked(meeting, by)
        if LOTTERY_SEED in done:
            raise StaleAction(_("The lottery's seed was already committed. Nothing was changed."))
        seed = lottery_seed(meeting_id=locked.pk, value=value)
        AuditRecord.objects.create(meeting=locked, action=LOTTERY_SEED, actor=by, data={"value": value, "seed": seed})
    return seed


def lottery_band(*, meeting: BoardMeeting, by: User) -> tuple[list[tuple[int, str, Decimal]], Decimal]:
    """Return the band (undecided "sometimes" proposals' id, title, request, in the agenda's order) and its money.

    The money: what remains of the call's envelope after its approvals, less the requests of
    the undecided proposals labelled "always", never below zero.
    """
    ranking = ranking_read(meeting=meeting, user=by)
    rows, _recused = rows_ranked(ranking.items, calibrated=meeting.ranking == Ranking.CALIBRATED)
    undecided = [row for row in rows if row.state == ProposalState.BOARD_REVIEW and row.calibration is not None]
    band = [
        (row.proposal_pk, row.title, row.funding_requested)
        for row in undecided
        if row.calibration is not None and row.calibration.chance_label == Label.SOMETIMES
    ]
    always = sum(
        (
            row.funding_requested
            for row in undecided
            if row.calibration and row.calibration.chance_label == Label.ALWAYS
        ),
        ZERO,
    )
    return band, max(meeting.call.funding_envelope - ranking.committed - always, ZERO)


def lottery_run(*, meeting: BoardMeeting, by: User) -> AuditRecord:
    """Draw the band's order from the committed seed and allot the band's money down it: staff, once, audited.

    Reproducible: the record holds the seed, the band in its order, the money and the order drawn.
    """
    with transaction.atomic():
        locked, done = _lottery_locked(meeting, by)
        if LOTTERY_SEED not in done:
            raise DomainError(_("Commit the lottery's value first: its seed is shown on the agenda before the draw."))
        if LOTTERY_DRAW in done:
            raise StaleAction(_("The lots were already drawn. Nothing was drawn again."))
        seeded = AuditRecord.objects.get(meeting=locked, action=LOTTERY_SEED)
        band, money = lottery_band(meeting=locked, by=by)
        if not band:
            raise DomainError(_("No undecided proposal on the agenda is sometimes funded: there is nothing to draw."))
        tickets = lottery_draw(
            seed=seeded.data["seed"], band=[(pk, requested) for pk, _t, requested in band], money=money
        )
        data: dict[str, Any] = {
            "seed": seeded.data["seed"],
            "value": seeded.data["value"],
            "ranking": locked.ranking,
            "band": [{"proposal": pk, "title": title, "requested": str(requested)} for pk, title, requested in band],
            "money": str(money),
            "order": [{"proposal": t.key, "position": t.position, "funded": t.funded} for t in tickets],
        }
        return AuditRecord.objects.create(meeting=locked, action=LOTTERY_DRAW, actor=by, data=data)


def proposal_in_lottery_band(*, meeting_id: int, proposal_id: int) -> bool:
    """Whether ``proposal_id`` was in the band of the lots drawn at meeting ``meeting_id`` (one query)."""
    record = (
        AuditRecord.objects.filter(meeting_id=meeting_id, action=LOTTERY_DRAW).values_list("data", flat=True).first()
    )
    return record is not None and any(line["proposal"] == proposal_id for line in record["band"])
