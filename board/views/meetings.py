"""Views of board meetings: staff plan and edit them and send proposals to them; members defer items."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import DomainError
from accounts.form_handling import form_submit
from accounts.models import User
from board.forms.meetings import DeferForm, MeetingForm, OpenEarlyForm, SendProposalsForm
from board.services.meetings import (
    agenda_item_defer,
    agenda_item_for_user,
    meeting_agenda_ready,
    meeting_create,
    meeting_edit_refusal,
    meeting_for_staff,
    meeting_open_early,
    meeting_open_early_refusal,
    meeting_update,
    meetings_of_call,
)
from intake.selectors import call_for_staff
from workflow.actions.board import meeting_send_proposals


def require_staff_or_board(user: User) -> None:
    """Refuse (403) whoever is neither staff nor a board member anywhere; the meeting's fetch then answers 404.

    No meeting is known yet: the fetch that follows (``meeting_for_user``) checks the program.
    """
    if not (user.has_role(Role.STAFF) or user.has_role(Role.BOARD_MEMBER)):
        raise PermissionDenied(_("This page is for program staff and board members."))


@role_required(Role.STAFF)
def meeting_list(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List a call's board meetings, soonest first."""
    call = call_for_staff(user=request.user, pk=pk)
    return render(request, "board/meeting_list.html", {"call": call, "meetings": list(meetings_of_call(call=call))})


@role_required(Role.STAFF)
def meeting_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Plan a board meeting of the call."""
    call = call_for_staff(user=request.user, pk=pk)
    form = MeetingForm(request.POST or None, call=call)
    done = form_submit(
        request,
        form,
        lambda: meeting_create(
            call=call,
            held_at=form.cleaned_data["held_at"],
            quorum=form.cleaned_data["quorum"],
            chair=form.cleaned_data["chair"],
            members=list(form.cleaned_data["members"]),
            by=request.user,
        ),
        raised=lambda error: False,
        status=400,
    )
    if done.saved and done.result is not None:
        messages.success(request, _("The board meeting is planned."))
        return redirect("board:meeting_agenda", pk=done.result.pk)
    return render(request, "board/meeting_form.html", {"call": call, "form": form}, status=done.status)


@role_required(Role.STAFF)
def meeting_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Edit a meeting not yet held; once held or released the page says why it cannot be changed."""
    meeting = meeting_for_staff(user=request.user, pk=pk)
    call = meeting.call
    refusal = meeting_edit_refusal(meeting)
    form = MeetingForm(request.POST or None, call=call, meeting=meeting)
    status = 200 if request.method != "POST" else 403
    if refusal is None:
        done = form_submit(
            request,
            form,
            lambda: meeting_update(
                meeting=meeting,
                held_at=form.cleaned_data["held_at"],
                quorum=form.cleaned_data["quorum"],
                chair=form.cleaned_data["chair"],
                members=list(form.cleaned_data["members"]),
                by=request.user,
                expected_updated_at=form.cleaned_data.get("updated_at"),
            ),
            raised=lambda error: error.status != 400,
            back=(reverse("board:meeting_agenda", kwargs={"pk": meeting.pk}), _("Back to the meeting")),
        )
        if done.saved:
            messages.success(request, _("The board meeting is saved."))
            return redirect("board:meeting_agenda", pk=meeting.pk)
        status = done.status
    return render(
        request,
        "board/meeting_form.html",
        {"call": call, "meeting": meeting, "form": form, "refusal": refusal},
        status=status,
    )


@role_required(Role.STAFF)
def meeting_send(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Send some of the call's assessed proposals (or a rolling call's batch) to the meeting, each on its own."""
    meeting = meeting_for_staff(user=request.user, pk=pk)
    form = SendProposalsForm(request.POST or None, meeting=meeting)
    outcomes = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            outcomes = meeting_send_proposals(
                meeting=meeting,
                proposal_ids=[p.pk for p in form.cleaned_data["proposals"]],
                by=request.user,
                batch=form.cleaned_data.get("batch"),
            )
            form = SendProposalsForm(meeting=meeting)
        else:
            status = 400
    return render(
        request,
        "board/meeting_send.html",
        {"meeting": meeting, "call": meeting.call, "form": form, "outcomes": outcomes},
        status=status,
    )


@login_required
def agenda_item_defer_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Defer an agenda item to a later meeting of the same call: staff, or a member of its meeting."""
    require_staff_or_board(request.user)
    item = agenda_item_for_user(user=request.user, pk=pk)
    form = DeferForm(request.POST or None, meeting=item.meeting)
    back = reverse("board:meeting_agenda", kwargs={"pk": item.meeting_id})
    done = form_submit(
        request,
        form,
        lambda: agenda_item_defer(item=item, to_meeting=form.cleaned_data["to_meeting"], by=request.user),
        raised=lambda error: error.status != 400,
        back=(back, _("Back to the agenda")),
    )
    if done.saved and done.result is not None:
        messages.success(request, _("The proposal is deferred to the later meeting."))
        return redirect("board:meeting_agenda", pk=done.result.meeting_id)
    return render(
        request,
        "board/agenda_defer.html",
        {
            "item": item,
            "meeting": item.meeting,
            "form": form,
            "back": back,
            # Staff of the program plan meetings; a board member is told that staff do.
            "plan_url": (
                reverse("board:meeting_create", kwargs={"pk": item.meeting.call_id})
                if request.user.acts_in(Role.STAFF, item.meeting.call.program_id)
                else ""
            ),
        },
        status=done.status,
    )


@role_required(Role.STAFF)
@require_POST
def meeting_agenda_ready_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Mark the meeting's agenda ready and tell its members (the agenda page's button); refusals say why."""
    meeting = meeting_for_staff(user=request.user, pk=pk)
    try:
        meeting_agenda_ready(meeting=meeting, by=request.user)
    except DomainError as error:
        error.back_url = reverse("board:meeting_agenda", kwargs={"pk": meeting.pk})
        error.back_label = _("Back to the agenda")
        raise
    messages.success(request, _("The agenda is ready: the meeting's members are told."))
    return redirect("board:meeting_agenda", pk=meeting.pk)


@role_required(Role.STAFF)
def meeting_open_early_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Open the meeting before its scheduled time, giving the reason; the page says why when it cannot be."""
    meeting = meeting_for_staff(user=request.user, pk=pk)
    back = reverse("board:meeting_agenda", kwargs={"pk": meeting.pk})
    refusal = meeting_open_early_refusal(meeting)
    form = OpenEarlyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if refusal is not None:
            status = 409
        elif form.is_valid():
            try:
                meeting_open_early(meeting=meeting, by=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                if error.status == 400:
                    form.add_error("reason", error.message)
                    status = 400
                else:
                    form.add_error(None, error.message)
                    status = error.status
            else:
                messages.success(request, _("The meeting is open: the chair can record decisions now."))
                return redirect(back)
        else:
            status = 400
    return render(
        request,
        "board/meeting_open_early.html",
        {"meeting": meeting, "call": meeting.call, "form": form, "refusal": refusal, "back": back},
        status=status,
    )
