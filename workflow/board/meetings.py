"""Use cases of board meetings: staff plan them, send assessed proposals to them, and items are deferred.

A meeting belongs to one call. Staff create and edit it until it is held or its decisions
are released; after that its date, quorum and members are the record of what happened.
Only staff and the meeting's invited members see it: anyone else gets a 404.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from intake.models import Call, Proposal
from workflow.actions import proposal_send_to_board
from workflow.models import AgendaItem, BoardMeeting
from workflow.selectors import board_recused, member_recused
from workflow.states import ProposalState


def board_members() -> QuerySet[User]:
    """Return the active users who hold the board member's role: those a meeting may invite."""
    return User.objects.filter(is_active=True, groups__name=Role.BOARD_MEMBER.value).order_by("display_name", "pk")


def meetings_of_call(*, call: Call) -> QuerySet[BoardMeeting]:
    """Return ``call``'s meetings, soonest first, each with its chair and its count of current items."""
    return (
        BoardMeeting.objects.filter(call=call)
        .select_related("chair")
        .annotate(item_count=Count("items", filter=Q(items__deferred_to__isnull=True)))
        .order_by("held_at", "pk")
    )


def meetings_of_member(*, user: User) -> QuerySet[BoardMeeting]:
    """Return the meetings ``user`` is invited to whose decisions are not released yet, soonest first.

    Each comes with its call, its chair and its count of current items: the board member's
    way to the agenda, the votes and the conflicts of each.
    """
    return (
        BoardMeeting.objects.filter(members=user, decisions_released_at__isnull=True)
        .select_related("call", "chair")
        .annotate(item_count=Count("items", filter=Q(items__deferred_to__isnull=True), distinct=True))
        .order_by("held_at", "pk")
    )


def meeting_for_user(*, user: User, pk: int) -> BoardMeeting:
    """Return the meeting ``pk`` with its call if ``user`` is staff or one of its members, or raise 404."""
    meetings = BoardMeeting.objects.select_related("call", "call__program", "chair")
    if not user.has_role(Role.STAFF):
        if not user.has_role(Role.BOARD_MEMBER):
            raise Http404
        meetings = meetings.filter(members=user)
    meeting = meetings.filter(pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting


def meeting_edit_refusal(meeting: BoardMeeting) -> str | None:
    """Return why ``meeting`` can no longer be edited (held, or its decisions released), or None."""
    if meeting.decisions_released_at is not None:
        return _("The decisions of this meeting were released: the meeting can no longer be changed.")
    if meeting.held_at <= timezone.now():
        return _("This meeting has been held: its date, quorum and members are now the record of it.")
    return None


def _check_members(*, held_at: datetime, quorum: int, chair: User, members: Sequence[User]) -> None:
    if held_at <= timezone.now():
        raise DomainError(_("Choose a date and time in the future."))
    allowed = set(board_members().filter(pk__in=[member.pk for member in members]).values_list("pk", flat=True))
    strangers = [member for member in members if member.pk not in allowed]
    if strangers:
        raise DomainError(
            _("Only board members can be invited: %(names)s cannot.")
            % {"names": ", ".join(str(member) for member in strangers)}
        )
    if chair.pk not in {member.pk for member in members}:
        raise DomainError(_("The chair must be one of the members invited."))
    if quorum < 1 or quorum > len(members):
        raise DomainError(
            _("The quorum must be between 1 and the number of members invited (%(count)d).") % {"count": len(members)}
        )


def meeting_create(
    *, call: Call, held_at: datetime, quorum: int, chair: User, members: Sequence[User], by: User
) -> BoardMeeting:
    """Plan a board meeting of ``call`` with its members, chair and quorum."""
    _check_members(held_at=held_at, quorum=quorum, chair=chair, members=members)
    with transaction.atomic():
        meeting = BoardMeeting.objects.create(call=call, held_at=held_at, quorum=quorum, chair=chair, created_by=by)
        meeting.members.set(members)
    return meeting


def meeting_update(
    *,
    meeting: BoardMeeting,
    held_at: datetime,
    quorum: int,
    chair: User,
    members: Sequence[User],
    by: User,
    expected_updated_at: datetime | None = None,
) -> BoardMeeting:
    """Change a meeting not yet held: refused once held or released, or if somebody changed it meanwhile."""
    _check_members(held_at=held_at, quorum=quorum, chair=chair, members=members)
    with transaction.atomic():
        locked = BoardMeeting.objects.select_for_update().get(pk=meeting.pk)
        refusal = meeting_edit_refusal(locked)
        if refusal:
            raise ActionForbidden(refusal)
        if expected_updated_at is not None and locked.updated_at != expected_updated_at:
            raise StaleAction(_("Somebody changed this meeting since you opened it: reload it and edit again."))
        if AgendaItem.objects.filter(deferred_to=locked, meeting__held_at__gte=held_at).exists():
            raise DomainError(_("Items were deferred to this meeting from a meeting on or after that date."))
        locked.held_at, locked.quorum, locked.chair = held_at, quorum, chair
        locked.save(update_fields=["held_at", "quorum", "chair", "updated_at"])
        locked.members.set(members)
    return locked


def meeting_assessed_proposals(*, meeting: BoardMeeting) -> QuerySet[Proposal]:
    """Return the proposals of the meeting's call that are assessed: those staff may send to a meeting."""
    return (
        Proposal.objects.filter(call_id=meeting.call_id, state=ProposalState.ASSESSED)
        .select_related("lead_organization")
        .order_by("title", "pk")
    )


@dataclass(frozen=True)
class SendOutcome:
    """What happened to one proposal sent to a meeting: ``error`` is None when it went on the agenda."""

    proposal: Proposal
    error: str | None


def meeting_send_proposals(*, meeting: BoardMeeting, proposal_ids: Iterable[int], by: User) -> list[SendOutcome]:
    """Send each chosen proposal of the meeting's call to ``meeting``, each in its own transaction.

    One proposal refused (moved on meanwhile, say) does not stop the others; the outcome of
    each says why. Proposals of other calls are not looked at.
    """
    outcomes = []
    for proposal in Proposal.objects.filter(call_id=meeting.call_id, pk__in=list(proposal_ids)).order_by("title", "pk"):
        try:
            proposal_send_to_board(proposal=proposal, by=by, meeting=meeting, expected_state=ProposalState.ASSESSED)
        except DomainError as error:
            outcomes.append(SendOutcome(proposal=proposal, error=error.message))
        else:
            outcomes.append(SendOutcome(proposal=proposal, error=None))
    return outcomes


def meeting_later_meetings(*, meeting: BoardMeeting) -> QuerySet[BoardMeeting]:
    """Return the meetings of the same call after ``meeting`` whose decisions are not released: where to defer."""
    return BoardMeeting.objects.filter(
        call_id=meeting.call_id, held_at__gt=meeting.held_at, decisions_released_at__isnull=True
    ).order_by("held_at", "pk")


def agenda_item_for_user(*, user: User, pk: int) -> AgendaItem:
    """Return the agenda item ``pk`` if ``user`` is staff or a member of its meeting not recused from it, or raise 404.

    A recused member gets the 404 anyone gets for what they may not see, as on the vote and
    decision pages (``workflow.selectors.board_recused``): nothing of the item is theirs.
    """
    items = AgendaItem.objects.select_related("meeting", "proposal")
    if not user.has_role(Role.STAFF):
        if not user.has_role(Role.BOARD_MEMBER):
            raise Http404
        items = items.filter(meeting__members=user).exclude(
            board_recused(member=user.pk, proposal=OuterRef("proposal_id"))
        )
    item = items.filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


def agenda_item_defer(*, item: AgendaItem, to_meeting: BoardMeeting, by: User) -> AgendaItem:
    """Move ``item``'s proposal to a later meeting of the same call; it stays before the board.

    The item is locked: of two people deferring at once, one wins and the other is told.
    Refused when the proposal was decided, the item was already moved, or the target is not
    a later meeting of the same call. Returns the new item.
    """
    with transaction.atomic():
        locked = AgendaItem.objects.select_for_update().select_related("meeting", "proposal").get(pk=item.pk)
        if not by.has_role(Role.STAFF):
            if not locked.meeting.members.filter(pk=by.pk).exists():
                raise ActionForbidden(_("Only staff and the meeting's members can defer its items."))
            if member_recused(member=by, proposal=locked.proposal):
                # Recused since the page was opened (a declaration in another window).
                raise ActionForbidden(
                    _("You are recused from this proposal: you cannot defer it. Nothing was changed.")
                )
        if locked.deferred_to_id is not None:
            raise StaleAction(_("This proposal was already deferred to another meeting."))
        if locked.proposal.state != ProposalState.BOARD_REVIEW:
            raise StaleAction(_("The board has decided on this proposal: it can no longer be deferred."))
        if to_meeting.call_id != locked.meeting.call_id:
            raise DomainError(_("Choose a meeting of the same call."))
        if to_meeting.held_at <= locked.meeting.held_at:
            raise DomainError(_("Choose a meeting later than this one."))
        if to_meeting.decisions_released_at is not None:
            raise DomainError(_("The decisions of that meeting were released: choose another."))
        locked.deferred_to = to_meeting
        locked.deferred_at = timezone.now()
        locked.deferred_by = by
        locked.save(update_fields=["deferred_to", "deferred_at", "deferred_by"])
        return AgendaItem.objects.create(meeting=to_meeting, proposal=locked.proposal)
