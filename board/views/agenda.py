"""The agenda page of a board meeting: for the staff of its program and the meeting's members."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest
from board.services.agenda import meeting_agenda
from board.services.meetings import (
    meeting_audit_records,
    meeting_edit_refusal,
    meeting_for_user,
    meeting_open_early_refusal,
)
from board.views.meetings import require_staff_or_board
from intake.states import ProposalState


@login_required
def meeting_agenda_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show one page of the meeting's proposals ranked by score against the envelope, with its chart.

    Staff also find here the steps of the meeting: telling the members the agenda is ready,
    and opening the meeting early; everyone reads when they were taken, by whom and why.
    """
    require_staff_or_board(request.user)
    meeting = meeting_for_user(user=request.user, pk=pk)
    agenda = meeting_agenda(meeting=meeting, user=request.user, page_number=request.GET.get("page"))
    is_staff = request.user.acts_in(Role.STAFF, meeting.call.program_id)
    return render(
        request,
        "board/agenda.html",
        {
            "meeting": meeting,
            "call": meeting.call,
            "agenda": agenda,
            "page": agenda.page,
            "chart": agenda.chart,
            "columns": len(agenda.criteria) + 9,
            "board_review": ProposalState.BOARD_REVIEW,
            "is_staff": is_staff,
            "editable": is_staff and meeting_edit_refusal(meeting) is None,
            # The agenda sent and the early opening, with who did them and why: members read them too.
            "steps": list(meeting_audit_records(meeting=meeting)),
            "may_open_early": is_staff and meeting_open_early_refusal(meeting) is None,
        },
    )
