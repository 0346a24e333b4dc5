"""The board's votes on its agenda, and what the chair reads before recording a decision.

Each member of a meeting who is not recused from a proposal votes on its current agenda
item (approve, decline or abstain, with a comment) and may change the vote until the chair
records the decision. A vote and a decision lock the same proposal row, so a vote is never
changed after the decision that counted it. The chair records decisions through
``workflow.actions.proposal_approve`` and ``proposal_decline``, whose guard reads the
same count (``board.selectors.board_facts``).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, StaleAction
from accounts.models import User
from board.models import AgendaItem, BoardMeeting, Vote, VoteChoice
from board.selectors import board_recused, member_recused, vote_tally
from intake.models import Proposal
from intake.program_roles import in_programs
from intake.selectors import call_committed, proposal_funding_requested
from intake.states import ProposalState


def meeting_of_member(*, user: User, pk: int) -> BoardMeeting:
    """Return meeting ``pk`` if ``user`` is invited to it and sits on its program's board, or raise 404."""
    if not user.has_role(Role.BOARD_MEMBER):
        raise Http404
    meeting = (
        BoardMeeting.objects.select_related("call", "call__program", "chair")
        .filter(in_programs(user, Role.BOARD_MEMBER, "call__program"), pk=pk, members=user)
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def item_of_member(*, user: User, meeting: BoardMeeting, item_pk: int) -> AgendaItem:
    """Return the current agenda item ``item_pk`` of ``meeting`` if ``user`` may vote on it, or raise 404.

    ``meeting`` comes from ``meeting_of_member``. A recused member gets the 404 anyone gets
    for what they may not see: they read the proposal's title on the agenda, nothing else.
    """
    item = (
        AgendaItem.objects.select_related("proposal", "meeting", "meeting__call", "meeting__chair")
        .filter(pk=item_pk, meeting=meeting, deferred_to__isnull=True)
        .exclude(board_recused(member=user.pk, proposal=OuterRef("proposal_id")))
        .first()
    )
    if item is None:
        raise Http404
    return item


def item_of_chair(*, user: User, meeting: BoardMeeting, item_pk: int) -> AgendaItem:
    """Return the item as ``item_of_member`` does, if ``user`` chairs ``meeting``; another member gets a 403."""
    item = item_of_member(user=user, meeting=meeting, item_pk=item_pk)
    if meeting.chair_id != user.pk:
        raise ActionForbidden(_("Only the chair of this meeting records the board's decisions."))
    return item


def meeting_decisions_refusal(meeting: BoardMeeting) -> str | None:
    """Return why the chair cannot record decisions at ``meeting`` yet (it has not started), or None.

    The meeting starts at its scheduled time by the server's clock, or when staff open it
    early; the lifecycle's guard (``board_meeting_started``) refuses the same under the lock.
    """
    if timezone.now() >= meeting.opens_at:
        return None
    local = timezone.localtime(meeting.opens_at, zoneinfo.ZoneInfo(meeting.call.timezone))
    return _(
        "This meeting has not started: the chair records decisions from %(time)s (%(zone)s), by the server's "
        "clock, unless staff open the meeting early."
    ) % {"time": date_format(local, "DATETIME_FORMAT"), "zone": meeting.call.timezone}


@dataclass(frozen=True)
class VoteRow:
    """One proposal of the agenda as a member sees it on their votes page; the tally is the chair's."""

    item_pk: int
    title: str
    state: str
    state_label: str
    choice: str
    choice_label: str
    comment: str
    counted: int
    approve: int
    decline: int
    abstain: int

    @property
    def open(self) -> bool:
        return self.state == ProposalState.BOARD_REVIEW


def _counted_votes(choice: str | None = None) -> Coalesce:
    """The votes on the outer item by members not recused from its proposal (of ``choice``, if given)."""
    votes = Vote.objects.filter(item_id=OuterRef("pk")).exclude(
        board_recused(member=OuterRef("member_id"), proposal=OuterRef("item__proposal_id"))
    )
    if choice is not None:
        votes = votes.filter(choice=choice)
    counted = votes.order_by().values("item_id").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def member_votes(*, meeting: BoardMeeting, member: User) -> list[VoteRow]:
    """Return the items of ``meeting``'s current agenda ``member`` may vote on, by title, with their own vote.

    The chair also gets each item's counted votes, by choice. One query whatever the agenda's length.
    """
    own = Vote.objects.filter(item_id=OuterRef("pk"), member_id=member.pk)
    items = (
        AgendaItem.objects.filter(meeting=meeting, deferred_to__isnull=True)
        .exclude(board_recused(member=member.pk, proposal=OuterRef("proposal_id")))
        .annotate(
            own_choice=Subquery(own.values("choice")[:1]),
            own_comment=Subquery(own.values("comment")[:1]),
        )
        .order_by("proposal__title", "pk")
    )
    chair = meeting.chair_id == member.pk
    if chair:
        items = items.annotate(
            counted=_counted_votes(),
            **{f"tally_{choice}": _counted_votes(choice) for choice in VoteChoice.values},
        )
    fields = ["pk", "proposal__title", "proposal__state", "own_choice", "own_comment"]
    if chair:
        fields += ["counted", *(f"tally_{choice}" for choice in VoteChoice.values)]
    choices = dict(VoteChoice.choices)
    states = dict(ProposalState.choices)
    rows = []
    for values in items.values_list(*fields):
        pk, title, state, choice, comment = values[:5]
        counted, approve, decline, abstain = values[5:] if chair else (0, 0, 0, 0)
        rows.append(
            VoteRow(
                item_pk=pk,
                title=title,
                state=state,
                state_label=str(states.get(state, state)),
                choice=choice or "",
                choice_label=str(choices[choice]) if choice else "",
                comment=comment or "",
                counted=counted,
                approve=approve,
                decline=decline,
                abstain=abstain,
            )
        )
    return rows


def vote_of(*, item: AgendaItem, member: User) -> Vote | None:
    """Return ``member``'s vote on ``item``, or None if they have not voted."""
    return Vote.objects.filter(item=item, member=member).first()


def vote_version(vote: Vote | None) -> str:
    """Return what a vote form carries of the vote it was shown with, to tell a change made meanwhile."""
    return vote.updated_at.isoformat() if vote is not None else ""


def vote_cast(*, item: AgendaItem, member: User, choice: str, comment: str = "", seen: str = "") -> Vote:
    """Record or change ``member``'s vote on ``item`` until the decision is recorded.

    ``seen`` is ``vote_version`` of the vote the member's form showed: if their vote changed
    since (another window), nothing is written and they are told what it is now. The
    proposal's row is locked, as the decision locks it, so the two happen one after the other.
    """
    if choice not in VoteChoice.values:
        raise ValueError(choice)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=item.proposal_id)
        if not AgendaItem.objects.filter(pk=item.pk, deferred_to__isnull=True).exists():
            raise StaleAction(_("This proposal was deferred to another meeting: vote there. Nothing was changed."))
        if proposal.state != ProposalState.BOARD_REVIEW:
            raise StaleAction(
                _("The board's decision on this proposal is recorded (“%(state)s”): votes can no longer change.")
                % {"state": proposal.get_state_display()}
            )
        if member_recused(member=member, proposal=proposal):
            # Recused since the page was opened (a declaration in another window): nothing of it is theirs.
            raise Http404
        current = Vote.objects.filter(item=item, member=member).first()
        if vote_version(current) != seen:
            raise StaleAction(
                _(
                    "Your vote on this proposal changed since you opened this page (in another window?): it is now "
                    "“%(choice)s”. Nothing was changed; look at it and vote again."
                )
                % {"choice": current.get_choice_display() if current is not None else _("no vote")}
            )
        if current is None:
            try:
                with transaction.atomic():
                    return Vote.objects.create(item=item, member=member, choice=choice, comment=comment.strip())
            except IntegrityError:
                # The other window's first vote got in between our read and our insert.
                raise StaleAction(
                    _(
                        "Your vote on this proposal was recorded meanwhile (in another window?). Nothing was changed; "
                        "look at it and vote again."
                    )
                ) from None
        current.choice, current.comment = choice, comment.strip()
        current.save(update_fields=["choice", "comment", "updated_at"])
        return current


@dataclass(frozen=True)
class DecisionFacts:
    """What the chair weighs before recording the decision on one item."""

    tally: dict[str, int]
    counted: int
    quorum: int
    requested: Decimal
    envelope: Decimal
    committed: Decimal

    @property
    def quorum_reached(self) -> bool:
        return self.counted >= self.quorum

    @property
    def remaining(self) -> Decimal:
        return self.envelope - self.committed

    @property
    def tally_rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.tally.get(value, 0)) for value, label in VoteChoice.choices]


def decision_facts(*, item: AgendaItem) -> DecisionFacts:
    """Return the counted votes, the quorum, the proposal's request and the call's envelope for ``item``."""
    tally = vote_tally(proposal=item.proposal)
    call = item.meeting.call
    return DecisionFacts(
        tally=tally,
        counted=sum(tally.values()),
        quorum=item.meeting.quorum,
        requested=proposal_funding_requested(proposal=item.proposal),
        envelope=call.funding_envelope,
        committed=call_committed(call=call),
    )
