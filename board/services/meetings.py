"""Use cases of board meetings: staff plan them, send assessed proposals to them, and items are deferred.

A meeting belongs to one call, hence to its program. Staff create and edit it until it is
held or its decisions are released; after that its date, quorum and members are the record
of what happened. Only the staff of its program, and its invited members who sit on that
program's board, see it: anyone else gets a 404 (``meetings_visible_to``).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from board.models import AgendaItem, BoardMeeting
from board.selectors import board_recused, member_recused
from intake import program_roles
from intake.models import Call, Proposal
from intake.states import ProposalState
from records.events import Event
from records.models import AuditRecord
from records.notifications import notify
from records.sql import row_read_compiled_or_404


def board_members() -> QuerySet[User]:
    """Return the active users who hold the board member's role, in any program."""
    return User.objects.filter(is_active=True, groups__name=Role.BOARD_MEMBER.value).order_by("display_name", "pk")


def program_board_members(*, program_id: int) -> QuerySet[User]:
    """Return the active members of the board of the program ``program_id``: those its meetings may invite."""
    return User.objects.filter(program_roles.audience(Role.BOARD_MEMBER, program_id)).order_by("display_name", "pk")


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

    Only those of the programs whose board ``user`` sits on: an invitation to another
    program's meeting (a mistake in the data) gives nothing. Each comes with its call, its
    chair and its count of current items: the board member's way to the agenda, the votes
    and the conflicts of each.
    """
    return (
        BoardMeeting.objects.filter(
            _as_member(user, meeting="pk", program="call__program"), decisions_released_at__isnull=True
        )
        .select_related("call", "chair")
        .annotate(item_count=Count("items", filter=Q(items__deferred_to__isnull=True), distinct=True))
        .order_by("held_at", "pk")
    )


def _as_staff(user: User, *, program: str) -> Q | None:
    """The condition that ``user`` is staff of the program at path ``program``; None when of every program."""
    if program_roles.acts_everywhere(user, Role.STAFF):
        return None
    return program_roles.in_programs(user, Role.STAFF, program)


def _as_member(user: User, *, meeting: str, program: str) -> Q:
    """The condition that ``user`` is invited to the meeting at path ``meeting`` and sits on its program's board.

    Both are needed: an invitation to a meeting of a program whose board the member does not
    sit on (a mistake in the data, or a grant revoked since) opens nothing.
    """
    if not user.has_role(Role.BOARD_MEMBER):
        return Q(pk__in=[])
    invited = BoardMeeting.members.through.objects.filter(boardmeeting_id=OuterRef(meeting), user_id=user.pk)
    return Q(Exists(invited)) & program_roles.in_programs(user, Role.BOARD_MEMBER, program)


def meetings_visible_to(*, user: User) -> QuerySet[BoardMeeting]:
    """Return the meetings ``user`` may open: as staff, their programs'; as a board member, those of ``_as_member``."""
    meetings = BoardMeeting.objects.select_related("call", "call__program", "chair")
    as_staff = _as_staff(user, program="call__program")
    if as_staff is None:
        return meetings
    return meetings.filter(as_staff | _as_member(user, meeting="pk", program="call__program"))


def meeting_for_user(*, user: User, pk: int) -> BoardMeeting:
    """Return the meeting ``pk`` with its call if ``user`` may open it (``meetings_visible_to``), or raise 404.

    The read's shape and parameters follow from who reads (their key, roles and grants): it is
    compiled once per reader and per connection, then run with the meeting's key swapped in
    (``records.sql.row_read_compiled``, ADR 0051).
    """
    return row_read_compiled_or_404(
        BoardMeeting,
        ("meeting_for_user", *user.access_key),
        lambda key: meetings_visible_to(user=user).filter(pk=key),
        pk,
    )


def meeting_for_staff(*, user: User, pk: int) -> BoardMeeting:
    """Return the meeting ``pk`` with its call if ``user`` is staff of its program, or raise 404.

    For staff's pages (edit, send, letters): an invited member who is staff elsewhere edits nothing here.
    """
    meetings = BoardMeeting.objects.select_related("call", "call__program", "chair")
    return get_object_or_404(meetings.filter(program_roles.in_programs(user, Role.STAFF, "call__program")), pk=pk)


def meeting_edit_refusal(meeting: BoardMeeting) -> str | None:
    """Return why ``meeting`` can no longer be edited (held, or its decisions released), or None."""
    if meeting.decisions_released_at is not None:
        return _("The decisions of this meeting were released: the meeting can no longer be changed.")
    if meeting.held_at <= timezone.now():
        return _("This meeting has been held: its date, quorum and members are now the record of it.")
    return None


def _check_members(
    *, call: Call, held_at: datetime, quorum: int, chair: User, members: Sequence[User], by: User
) -> None:
    if not by.acts_in(Role.STAFF, call.program_id):
        raise ActionForbidden(_("Only the program's staff plan its board meetings."))
    if held_at <= timezone.now():
        raise DomainError(_("Choose a date and time in the future."))
    chosen = [member.pk for member in members]
    boards = set(board_members().filter(pk__in=chosen).values_list("pk", flat=True))
    strangers = [member for member in members if member.pk not in boards]
    if strangers:
        raise DomainError(
            _("Only board members can be invited: %(names)s cannot.")
            % {"names": ", ".join(str(member) for member in strangers)}
        )
    board = set(program_board_members(program_id=call.program_id).filter(pk__in=chosen).values_list("pk", flat=True))
    others = [member for member in members if member.pk not in board]
    if others:
        raise DomainError(
            _("Only members of the board of %(program)s can be invited to its meetings: %(names)s cannot.")
            % {"program": call.program.name, "names": ", ".join(str(member) for member in others)}
        )
    if chair.pk not in {member.pk for member in members}:
        raise DomainError(_("The chair must be one of the members invited."))
    if quorum < 1 or quorum > len(members):
        raise DomainError(
            _("The quorum must be between 1 and the number of members invited (%(count)d).") % {"count": len(members)}
        )


def meeting_notice_context(meeting: BoardMeeting) -> dict[str, Any]:
    """Return what the board's messages about ``meeting`` show: its call (in both languages), time and page."""
    call = meeting.call
    return {
        "meeting": meeting.pk,
        "held_at": meeting.held_at.isoformat(),
        "timezone": call.timezone,
        "call_en": call.title_en,
        "call_fr": call.title_fr or call.title_en,
    }


def _members_invite(*, meeting: BoardMeeting, members: Iterable[User]) -> None:
    """Tell each of ``members`` (newly added to ``meeting``) they are invited: inbox now, email after commit.

    One invitation per member and meeting: a member removed and added again is not told twice.
    """
    notify(
        event=Event.BOARD_INVITED,
        recipients=[member for member in members if member.is_active],
        occurrence=f"meeting{meeting.pk}",
        context=meeting_notice_context(meeting),
        may_exist=True,
    )


def meeting_create(
    *, call: Call, held_at: datetime, quorum: int, chair: User, members: Sequence[User], by: User
) -> BoardMeeting:
    """Plan a board meeting of ``call`` with its members, chair and quorum; tell the members they are invited."""
    _check_members(call=call, held_at=held_at, quorum=quorum, chair=chair, members=members, by=by)
    with transaction.atomic():
        meeting = BoardMeeting.objects.create(call=call, held_at=held_at, quorum=quorum, chair=chair, created_by=by)
        meeting.members.set(members)
        _members_invite(meeting=meeting, members=members)
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
    """Change a meeting not yet held: refused once held or released, or if somebody changed it meanwhile.

    Members added are told they are invited, after the change commits.
    """
    _check_members(call=meeting.call, held_at=held_at, quorum=quorum, chair=chair, members=members, by=by)
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
        before = set(locked.members.values_list("pk", flat=True))
        locked.members.set(members)
        _members_invite(meeting=locked, members=[member for member in members if member.pk not in before])
    return locked


# --- The agenda sent, the meeting opened early: steps of staff, audited on the meeting -----------

AGENDA_READY = "agenda_ready"
OPEN_EARLY = "open_early"


def _locked_for_staff(*, meeting: BoardMeeting, by: User) -> BoardMeeting:
    """Lock ``meeting`` for a step of its program's staff; refuse anyone else, and a released meeting."""
    locked = BoardMeeting.objects.select_for_update().select_related("call").get(pk=meeting.pk)
    if not by.acts_in(Role.STAFF, locked.call.program_id):
        raise ActionForbidden(_("Only program staff can do this to a board meeting."))
    if locked.decisions_released_at is not None:
        raise ActionForbidden(_("The decisions of this meeting were released: the meeting can no longer be changed."))
    return locked


def meeting_agenda_ready(*, meeting: BoardMeeting, by: User) -> BoardMeeting:
    """Mark the meeting's agenda ready and tell its members, once: staff, on an agenda with proposals on it.

    The meeting is locked: of two staff sending it at once, one does and the other is told.
    The step is audited on the meeting; the members' messages leave after commit.
    """
    with transaction.atomic():
        locked = _locked_for_staff(meeting=meeting, by=by)
        if locked.agenda_ready_at is not None:
            raise StaleAction(
                _("The agenda was already sent to the members on %(date)s. Nothing was sent again.")
                % {"date": _local(locked.agenda_ready_at, locked.call.timezone)}
            )
        items = AgendaItem.objects.filter(meeting=locked, deferred_to__isnull=True).count()
        if not items:
            raise DomainError(_("The agenda is empty: send proposals to this meeting before telling its members."))
        locked.agenda_ready_at = timezone.now()
        locked.save(update_fields=["agenda_ready_at", "updated_at"])
        record = AuditRecord.objects.create(meeting=locked, action=AGENDA_READY, actor=by, data={"items": items})
        notify(
            event=Event.BOARD_AGENDA_READY,
            # The members on the program's board: one invited by mistake from another's hears nothing.
            recipients=list(locked.members.filter(program_roles.audience(Role.BOARD_MEMBER, locked.call.program_id))),
            occurrence=f"audit{record.pk}",
            context={**meeting_notice_context(locked), "items": items},
        )
    return locked


def meeting_open_early(*, meeting: BoardMeeting, by: User, reason: str) -> BoardMeeting:
    """Open the meeting before its scheduled time, giving the reason: the chair may record decisions from now.

    Staff only, once, before the scheduled time by the server's clock; audited on the meeting.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason the meeting opens before its scheduled time."))
    with transaction.atomic():
        locked = _locked_for_staff(meeting=meeting, by=by)
        if locked.opened_early_at is not None:
            raise StaleAction(
                _("This meeting was already opened early, on %(date)s. Nothing was changed.")
                % {"date": _local(locked.opened_early_at, locked.call.timezone)}
            )
        now = timezone.now()
        if locked.held_at <= now:
            raise StaleAction(_("This meeting has started by the server's clock: there is nothing to open early."))
        locked.opened_early_at = now
        locked.save(update_fields=["opened_early_at", "updated_at"])
        AuditRecord.objects.create(
            meeting=locked, action=OPEN_EARLY, actor=by, reason=reason, data={"held_at": locked.held_at.isoformat()}
        )
    return locked


def meeting_open_early_refusal(meeting: BoardMeeting) -> str | None:
    """Return why ``meeting`` cannot be opened early (released, opened already, or started), or None."""
    if meeting.decisions_released_at is not None:
        return _("The decisions of this meeting were released: the meeting can no longer be changed.")
    if meeting.opened_early_at is not None:
        return _("This meeting was already opened early, on %(date)s.") % {
            "date": _local(meeting.opened_early_at, meeting.call.timezone)
        }
    if meeting.held_at <= timezone.now():
        return _("This meeting has started by the server's clock: there is nothing to open early.")
    return None


def meeting_audit_records(*, meeting: BoardMeeting) -> QuerySet[AuditRecord]:
    """Return the audited steps of ``meeting`` (its agenda sent, its early opening), oldest first, with who acted."""
    return AuditRecord.objects.filter(meeting=meeting).select_related("actor").order_by("at", "pk")


def _local(moment: datetime, zone: str) -> str:
    """Format ``moment`` in the call's timezone ``zone``, naming it, as the pages do."""
    return f"{date_format(timezone.localtime(moment, zoneinfo.ZoneInfo(zone)), 'DATETIME_FORMAT')} ({zone})"


def meeting_assessed_proposals(*, meeting: BoardMeeting) -> QuerySet[Proposal]:
    """Return the proposals of the meeting's call that are assessed: those staff may send to a meeting."""
    return (
        Proposal.objects.filter(call_id=meeting.call_id, state=ProposalState.ASSESSED)
        .select_related("lead_organization")
        .order_by("title", "pk")
    )


def meeting_later_meetings(*, meeting: BoardMeeting) -> QuerySet[BoardMeeting]:
    """Return the meetings of the same call after ``meeting`` whose decisions are not released: where to defer."""
    return BoardMeeting.objects.filter(
        call_id=meeting.call_id, held_at__gt=meeting.held_at, decisions_released_at__isnull=True
    ).order_by("held_at", "pk")


def agenda_item_for_user(*, user: User, pk: int) -> AgendaItem:
    """Return the agenda item ``pk`` if ``user`` is staff of its program or a member of its meeting not recused, or 404.

    A member is one ``meetings_visible_to`` lets open the meeting. A recused member gets the
    404 anyone gets for what they may not see, as on the vote and decision pages
    (``board.selectors.board_recused``): nothing of the item is theirs.
    """
    items = AgendaItem.objects.select_related("meeting", "meeting__call", "proposal")
    as_staff = _as_staff(user, program="meeting__call__program")
    if as_staff is not None:
        as_member = _as_member(user, meeting="meeting", program="meeting__call__program") & ~board_recused(
            member=user.pk, proposal=OuterRef("proposal_id")
        )
        items = items.filter(as_staff | as_member)
    return get_object_or_404(items, pk=pk)


def agenda_item_defer(*, item: AgendaItem, to_meeting: BoardMeeting, by: User) -> AgendaItem:
    """Move ``item``'s proposal to a later meeting of the same call; it stays before the board.

    The item is locked: of two people deferring at once, one wins and the other is told.
    Refused when the proposal was decided, the item was already moved, or the target is not
    a later meeting of the same call. Returns the new item.
    """
    with transaction.atomic():
        locked = AgendaItem.objects.select_for_update().select_related("meeting", "proposal").get(pk=item.pk)
        program = item.meeting.call.program_id
        if not by.acts_in(Role.STAFF, program):
            invited = locked.meeting.members.filter(pk=by.pk).exists()
            if not (invited and by.acts_in(Role.BOARD_MEMBER, program)):
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
