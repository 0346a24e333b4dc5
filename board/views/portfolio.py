"""Views of the meeting's selection modes: staff set the constraints and compute; staff and members read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef
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
from board.forms.portfolio import BoundFormSet, PortfolioForm, constraints_from, initial_of
from board.models import AgendaItem, BoardMeeting
from board.selectors import board_recused
from board.services.meetings import meeting_for_staff, meeting_for_user
from board.services.portfolio import (
    portfolio_compute,
    portfolio_constraints_of,
    portfolio_constraints_set,
    portfolio_suggestion_for,
)
from board.services.ranking import meeting_ranking_scores
from board.views.meetings import require_staff_or_board


def recused_ids_of(*, meeting: BoardMeeting, user: User) -> set[int]:
    """Return the ids of the proposals on ``meeting``'s agenda that ``user`` is recused from (none for staff)."""
    if not user.acts_in(Role.BOARD_MEMBER, meeting.call.program_id):
        return set()
    return set(
        AgendaItem.objects.filter(meeting=meeting, deferred_to__isnull=True)
        .filter(board_recused(member=user.pk, proposal=OuterRef("proposal_id")))
        .values_list("proposal_id", flat=True)
    )


@login_required
def portfolio_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show the meeting's suggestion: what its mode suggests funding, each constraint's cost, why each is out."""
    require_staff_or_board(request.user)
    meeting = meeting_for_user(user=request.user, pk=pk)
    is_staff = request.user.acts_in(Role.STAFF, meeting.call.program_id)
    constraints = portfolio_constraints_of(meeting=meeting)
    suggestion = portfolio_suggestion_for(
        meeting=meeting, recused_ids=recused_ids_of(meeting=meeting, user=request.user)
    )
    return render(
        request,
        "board/portfolio.html",
        {
            "meeting": meeting,
            "call": meeting.call,
            "constraints": constraints,
            "suggestion": suggestion,
            "is_staff": is_staff,
            "may_compute": is_staff and meeting.decisions_released_at is None,
        },
    )


@role_required(Role.STAFF)
def portfolio_constraints_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Set the meeting's selection mode and constraints; refused once its decisions are released."""
    meeting = meeting_for_staff(user=request.user, pk=pk)
    back = reverse("board:portfolio", kwargs={"pk": meeting.pk})
    stored = portfolio_constraints_of(meeting=meeting)
    initial, rows = initial_of(stored)
    form = PortfolioForm(request.POST or None, initial=initial)
    formset = BoundFormSet(request.POST or None, initial=rows, prefix="bounds")
    refusal = (
        _("The decisions of this meeting were released: its constraints can no longer be changed.")
        if meeting.decisions_released_at is not None
        else None
    )
    status = 200
    if refusal is None:
        done = form_submit(
            request,
            form,
            lambda: portfolio_constraints_set(
                meeting=meeting,
                by=request.user,
                constraints=constraints_from(form, formset),
                expected_updated_at=form.cleaned_data.get("updated_at"),
            ),
            others_valid=formset.is_valid() if request.method == "POST" else True,
            raised=lambda error: error.status not in (400, 409),
            back=(back, _("Back to the suggestion")),
        )
        if done.saved:
            messages.success(request, _("The constraints are saved. Compute the suggestion again to apply them."))
            return redirect(back)
        status = done.status
    elif request.method == "POST":
        status = 403
    return render(
        request,
        "board/portfolio_constraints.html",
        {"meeting": meeting, "call": meeting.call, "form": form, "formset": formset, "refusal": refusal, "back": back},
        status=status,
    )


@role_required(Role.STAFF)
@require_POST
def portfolio_compute_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Compute the meeting's suggestion now and store it (the suggestion page's button)."""
    meeting = meeting_for_staff(user=request.user, pk=pk)
    try:
        # Under the calibrated ranking, the calibrated scores replace the raw totals.
        suggestion = portfolio_compute(meeting=meeting, by=request.user, scores=meeting_ranking_scores(meeting=meeting))
    except DomainError as error:
        error.back_url = reverse("board:portfolio", kwargs={"pk": meeting.pk})
        error.back_label = _("Back to the suggestion")
        raise
    if suggestion.result["status"] == "infeasible":
        messages.warning(request, _("No portfolio meets every constraint: the page says which ones conflict."))
    else:
        messages.success(request, _("The suggestion is computed."))
    return redirect("board:portfolio", pk=meeting.pk)
