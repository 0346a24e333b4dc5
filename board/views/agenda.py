"""The agenda page of a board meeting: for the staff of its program and the meeting's members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import DomainError
from accounts.form_handling import form_submit
from board.forms.lottery import LotteryDrawForm, LotterySeedForm
from board.models import Ranking
from board.services.agenda import meeting_agenda
from board.services.lottery import lottery_run, lottery_seed_commit, meeting_lottery
from board.services.meetings import (
    meeting_audit_records,
    meeting_edit_refusal,
    meeting_for_staff,
    meeting_for_user,
    meeting_open_early_refusal,
)
from board.services.portfolio import portfolio_for_agenda, portfolio_of_agenda
from board.services.ranking import meeting_ranking_may_set, meeting_ranking_set
from board.views.agenda_table import AgendaRowWriter
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
    # The selection mode, the meeting's envelope and the stored suggestion (docs/portfolio.md): one query,
    # five more with a suggestion. The envelope line runs against the meeting's envelope when staff set one.
    portfolio = portfolio_of_agenda(meeting=meeting)
    agenda = meeting_agenda(
        meeting=meeting, user=request.user, page_number=request.GET.get("page"), envelope=portfolio.envelope
    )
    is_staff = request.user.acts_in(Role.STAFF, meeting.call.program_id)
    recused_ids = set(agenda.recused_ids)
    portfolio_mode, suggestion = portfolio_for_agenda(meeting=meeting, recused_ids=recused_ids, read=portfolio)
    steps = list(meeting_audit_records(meeting=meeting))
    columns = len(agenda.criteria) + 11
    writer = AgendaRowWriter(
        columns=columns, available=agenda.chart.available, suggested=suggestion.suggested_ids if suggestion else ()
    )
    return render(
        request,
        "board/agenda.html",
        {
            "meeting": meeting,
            "call": meeting.call,
            "agenda": agenda,
            "page": agenda.page,
            "chart": agenda.chart,
            "columns": columns,
            # The page's rows, written in Python (ADR 0048): the template keeps the table around them.
            "rows": writer.rows(agenda.page.object_list),
            "board_review": ProposalState.BOARD_REVIEW,
            "is_staff": is_staff,
            "editable": is_staff and meeting_edit_refusal(meeting) is None,
            # The agenda sent and the early opening, with who did them and why: members read them too.
            "steps": steps,
            # The lottery, read from the same records (docs/decision-quality.md).
            "lottery": meeting_lottery(records=steps, recused_ids=recused_ids)
            if meeting.call.partial_randomisation
            else None,
            "may_open_early": is_staff and meeting_open_early_refusal(meeting) is None,
            "portfolio_mode": portfolio_mode,
            "suggestion": suggestion,
            "rankings": Ranking.choices,
            "ranked_by": Ranking(meeting.ranking).label,
            "may_set_ranking": meeting_ranking_may_set(meeting=meeting, user=request.user),
        },
    )


@login_required
def meeting_ranking_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Choose which score ranks the agenda, raw or calibrated (the agenda page's form): staff or the chair.

    POST only; whoever is neither staff nor a board member is refused first (403).
    """
    require_staff_or_board(request.user)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    meeting = meeting_for_user(user=request.user, pk=pk)
    try:
        meeting_ranking_set(
            meeting=meeting,
            by=request.user,
            ranking=request.POST.get("ranking", ""),
            expected=request.POST.get("expected") or None,
        )
    except DomainError as error:
        error.back_url = reverse("board:meeting_agenda", kwargs={"pk": meeting.pk})
        error.back_label = _("Back to the agenda")
        raise
    messages.success(request, _("The agenda's ranking is saved."))
    return redirect("board:meeting_agenda", pk=meeting.pk)


@role_required(Role.STAFF)
def lottery_seed_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Commit the value the lottery's seed is made from (the agenda's form, or this page's).

    The seed is shown on the agenda before the draw. A value missing or too long is said beside
    the field (400), a seed already committed at the top (409), and what was typed is kept.
    """
    meeting = meeting_for_staff(user=request.user, pk=pk)
    back = reverse("board:meeting_agenda", kwargs={"pk": meeting.pk})
    form = LotterySeedForm(request.POST if request.method == "POST" else None)
    done = form_submit(
        request,
        form,
        lambda: lottery_seed_commit(meeting=meeting, by=request.user, value=form.cleaned_data["value"]),
        back=(back, _("Back to the agenda")),
    )
    if done.saved:
        messages.success(request, _("The lottery's seed is committed and shown on the agenda."))
        return redirect(back)
    return render(
        request,
        "board/lottery_seed.html",
        {"meeting": meeting, "call": meeting.call, "form": form, "back": back},
        status=done.status,
    )


@role_required(Role.STAFF)
def lottery_draw_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Draw lots among the band from the committed seed (the agenda's button, or this page's).

    A draw refused (no seed committed, nothing to draw: 400; already drawn: 409) is said at
    the top of the form.
    """
    meeting = meeting_for_staff(user=request.user, pk=pk)
    back = reverse("board:meeting_agenda", kwargs={"pk": meeting.pk})
    form = LotteryDrawForm(request.POST if request.method == "POST" else None)
    done = form_submit(
        request,
        form,
        lambda: lottery_run(meeting=meeting, by=request.user),
        back=(back, _("Back to the agenda")),
    )
    if done.saved:
        messages.success(request, _("The lots are drawn: the order is shown on the agenda."))
        return redirect(back)
    lottery = meeting_lottery(records=meeting_audit_records(meeting=meeting))
    return render(
        request,
        "board/lottery_draw.html",
        {"meeting": meeting, "call": meeting.call, "form": form, "back": back, "lottery": lottery},
        status=done.status,
    )
