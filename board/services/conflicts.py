"""Board members' conflicts of interest: declared per proposal before the decision, or automatic (a tie).

A member with a conflict is recused from the proposal (``board.selectors.board_recused``,
the one definition): they read its title on the agenda and nothing else of it, cannot vote
on it, and do not count toward its quorum. A declaration cannot be taken back here: it only
ever narrows what the member may do, so it is safe at any time until the decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, OuterRef, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import DomainError, StaleAction
from accounts.models import User
from assessment.selectors import automatic_conflict
from board.models import AgendaItem, BoardConflict, BoardMeeting
from board.selectors import board_recused
from intake.models import Proposal
from intake.states import ProposalState


@dataclass(frozen=True)
class ConflictRow:
    """One proposal of a meeting's agenda as a member sees it on the declaration page."""

    item_pk: int
    proposal_pk: int
    title: str
    decided: bool
    #: The nature the member declared, or "" when they declared none.
    declared: str
    #: Whether the member is tied to its consortium or leads a competitor (``automatic_conflict``).
    affiliated: bool

    @property
    def recused(self) -> bool:
        return bool(self.declared) or self.affiliated


@dataclass(frozen=True)
class Recusal:
    """A member recused from a proposal of the meeting, for staff: declared (with its nature) or automatic."""

    member_name: str
    member_email: str
    title: str
    declared: str
    affiliated: bool


def meeting_conflict_rows(*, meeting: BoardMeeting, member: User) -> list[ConflictRow]:
    """Return the meeting's current agenda, by title, with ``member``'s declared and automatic conflicts (1 query)."""
    declared = BoardConflict.objects.filter(member_id=member.pk, proposal_id=OuterRef("proposal_id")).values("nature")[
        :1
    ]
    rows = (
        AgendaItem.objects.filter(meeting=meeting, deferred_to__isnull=True)
        .annotate(
            declared=Subquery(declared),
            affiliated=ExpressionWrapper(
                automatic_conflict(person=member.pk, proposal=OuterRef("proposal_id")), output_field=BooleanField()
            ),
        )
        .order_by("proposal__title", "pk")
        .values_list("pk", "proposal_id", "proposal__title", "proposal__state", "declared", "affiliated")
    )
    return [
        ConflictRow(
            item_pk=pk,
            proposal_pk=proposal_pk,
            title=title,
            decided=state != ProposalState.BOARD_REVIEW,
            declared=nature or "",
            affiliated=affiliated,
        )
        for pk, proposal_pk, title, state, nature, affiliated in rows
    ]


def meeting_recusals(*, meeting: BoardMeeting) -> list[Recusal]:
    """Return every member recused from a proposal of the meeting's current agenda, by title then member.

    One query over the agenda's items crossed with the meeting's members, whatever their numbers.
    """
    declared = BoardConflict.objects.filter(member_id=OuterRef("member_id"), proposal_id=OuterRef("proposal_id"))
    pairs = (
        AgendaItem.objects.filter(meeting=meeting, deferred_to__isnull=True)
        .annotate(member_id=F("meeting__members"))
        .annotate(
            declared=Subquery(declared.values("nature")[:1]),
            affiliated=ExpressionWrapper(
                automatic_conflict(person=OuterRef("member_id"), proposal=OuterRef("proposal_id")),
                output_field=BooleanField(),
            ),
        )
        .filter(board_recused(member=OuterRef("member_id"), proposal=OuterRef("proposal_id")))
        .order_by("proposal__title", "pk", "meeting__members__display_name", "member_id")
        .values_list(
            "proposal__title",
            "meeting__members__display_name",
            "meeting__members__email",
            "declared",
            "affiliated",
        )
    )
    return [
        Recusal(member_name=name, member_email=email, title=title, declared=nature or "", affiliated=affiliated)
        for title, name, email, nature, affiliated in pairs
    ]


def conflict_declare(*, meeting: BoardMeeting, member: User, proposal_pk: int, nature: str) -> BoardConflict:
    """Record ``member``'s conflict on a proposal of ``meeting``'s current agenda: they are recused from it.

    Only a member of the meeting who sits on its program's board, on a proposal still before
    the board; declaring twice says so.
    """
    nature = (nature or "").strip()
    if not nature:
        raise DomainError(_("Say what the conflict of interest is."))
    on_board = member.acts_in(Role.BOARD_MEMBER, meeting.call.program_id)
    if not on_board or not meeting.members.filter(pk=member.pk).exists():
        raise Http404
    with transaction.atomic():
        item = (
            AgendaItem.objects.select_related("proposal")
            .filter(meeting=meeting, deferred_to__isnull=True, proposal_id=proposal_pk)
            .first()
        )
        if item is None:
            raise Http404
        # Locked, so that a declaration and the decision are one after the other.
        proposal = Proposal.objects.select_for_update().get(pk=item.proposal_id)
        if proposal.state != ProposalState.BOARD_REVIEW:
            raise StaleAction(
                _("The board's decision on “%(title)s” is recorded: a conflict can no longer be declared on it.")
                % {"title": proposal.title}
            )
        try:
            with transaction.atomic():
                return BoardConflict.objects.create(member=member, proposal=proposal, nature=nature)
        except IntegrityError:
            raise StaleAction(
                _("You have already declared a conflict of interest on “%(title)s”.") % {"title": proposal.title}
            ) from None
