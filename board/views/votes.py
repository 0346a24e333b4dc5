"""Views of a meeting's conflicts of interest, the members' votes and the chair's decisions.

Every fetch checks the user's right: a member recused from a proposal, or not invited to
the meeting, gets a 404 for anything of it; another member on the chair's page, a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import ActionForbidden, DomainError
from accounts.form_handling import form_submit
from board.forms.votes import ConflictForm, VoteForm
from board.models import AgendaItem, BoardMeeting
from board.services.conflicts import conflict_declare, meeting_conflict_rows, meeting_recusals
from board.services.meetings import meeting_for_user
from board.services.portfolio import portfolio_suggestion_for
from board.services.votes import (
    decision_facts,
    item_of_chair,
    item_of_member,
    meeting_decisions_refusal,
    meeting_of_member,
    member_votes,
    vote_cast,
    vote_of,
    vote_version,
)
from board.views.portfolio import recused_ids_of
from intake.models import Proposal
from intake.states import ProposalState
from workflow import actions
from workflow.forms import ACTION_FORMS, ActionForm


@login_required
def meeting_conflicts(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Let a member declare conflicts on the meeting's agenda; show staff every recusal of the meeting."""
    user = request.user
    if not (user.has_role(Role.STAFF) or user.has_role(Role.BOARD_MEMBER)):
        raise PermissionDenied(_("This page is for program staff and board members."))
    meeting = meeting_for_user(user=user, pk=pk)
    program = meeting.call.program_id
    is_member = user.acts_in(Role.BOARD_MEMBER, program) and meeting.members.filter(pk=user.pk).exists()
    rows = meeting_conflict_rows(meeting=meeting, member=user) if is_member else []
    form = ConflictForm(request.POST or None, rows=rows)
    if request.method == "POST" and not is_member:
        raise ActionForbidden(_("Only the members invited to this meeting declare conflicts of interest."))
    done = form_submit(
        request,
        form,
        lambda: conflict_declare(
            meeting=meeting,
            member=user,
            proposal_pk=form.cleaned_data["proposal"],
            nature=form.cleaned_data["nature"],
        ),
        raised=lambda error: False,
    )
    if done.saved and done.result is not None:
        messages.success(
            request,
            _("Your conflict of interest on “%(title)s” is recorded: you are recused from it.")
            % {"title": done.result.proposal.title},
        )
        return redirect("board:conflicts", pk=meeting.pk)
    context = {
        "meeting": meeting,
        "is_member": is_member,
        "rows": rows,
        "form": form,
        "recusals": meeting_recusals(meeting=meeting) if user.acts_in(Role.STAFF, program) else None,
    }
    return render(request, "board/conflicts.html", context, status=done.status)


@role_required(Role.BOARD_MEMBER)
def meeting_votes(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List the agenda items the member votes on, with their own vote; the chair also reads the tallies."""
    meeting = meeting_of_member(user=request.user, pk=pk)
    return render(
        request,
        "board/votes.html",
        {
            "meeting": meeting,
            "rows": member_votes(meeting=meeting, member=request.user),
            "is_chair": meeting.chair_id == request.user.pk,
        },
    )


@role_required(Role.BOARD_MEMBER)
def item_vote(request: AuthenticatedRequest, pk: int, item_pk: int) -> HttpResponse:
    """Show and record the member's vote on one agenda item, changeable until the decision is recorded."""
    meeting = meeting_of_member(user=request.user, pk=pk)
    item = item_of_member(user=request.user, meeting=meeting, item_pk=item_pk)
    vote = vote_of(item=item, member=request.user)
    initial = {"seen": vote_version(vote)}
    if vote is not None:
        initial.update(choice=vote.choice, comment=vote.comment)
    form = VoteForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if item.proposal.state != ProposalState.BOARD_REVIEW:
            form.add_error(None, _("The board's decision on this proposal is recorded: votes can no longer change."))
            status = 409
        else:
            done = form_submit(
                request,
                form,
                lambda: vote_cast(item=item, member=request.user, **form.cleaned_data),
                raised=lambda error: False,
            )
            if done.saved:
                messages.success(request, _("Your vote on “%(title)s” is recorded.") % {"title": item.proposal.title})
                return redirect("board:votes", pk=meeting.pk)
            status = done.status
            if done.refusal is not None:
                vote = vote_of(item=item, member=request.user)
    return render(
        request,
        "board/vote.html",
        {"meeting": meeting, "item": item, "proposal": item.proposal, "vote": vote, "form": form},
        status=status,
    )


#: The chair's two forms and their actions, by the value of the button that posts them.
DECISIONS: dict[str, tuple[type[ActionForm], Callable[..., Proposal]]] = {
    "approve": (ACTION_FORMS["approve"], actions.proposal_approve),
    "decline": (ACTION_FORMS["decline"], actions.proposal_decline),
}


@role_required(Role.BOARD_MEMBER)
def item_decide(request: AuthenticatedRequest, pk: int, item_pk: int) -> HttpResponse:
    """Show the chair the tally, quorum, request and envelope of one item, and record the decision.

    An unmet quorum, an amount over the request or the envelope, or a decision recorded
    meanwhile re-renders the page with what was typed, saying what happened (400 or 409).
    Before the meeting starts (server clock, or staff opening it early) the page says from
    when the chair may decide, and a decision posted is refused (403) with that explanation.
    """
    meeting = meeting_of_member(user=request.user, pk=pk)
    item = item_of_chair(user=request.user, meeting=meeting, item_pk=item_pk)
    bound: dict[str, Any] = {}
    error = ""
    status = 200
    if request.method == "POST":
        not_started = meeting_decisions_refusal(meeting)
        if not_started is not None:
            refused = ActionForbidden(not_started)
            refused.back_url = request.path
            refused.back_label = _("Back to the decision")
            raise refused
        decision = request.POST.get("decision", "")
        if decision not in DECISIONS:
            return _decide_page(request, meeting, item, error=_("Choose to approve or to decline."), status=400)
        form_class, perform = DECISIONS[decision]
        form = form_class(request.POST, proposal=item.proposal)
        bound[decision] = form
        if form.is_valid():
            try:
                done = perform(
                    proposal=item.proposal,
                    by=request.user,
                    expected_state=form.cleaned_data["expected_state"],
                    **form.arguments(),
                )
            except ActionForbidden:
                raise
            except DomainError as refused:
                error, status = refused.message, refused.status
                item = item_of_chair(user=request.user, meeting=meeting, item_pk=item_pk)
            else:
                messages.success(
                    request,
                    _("The decision on “%(title)s” is recorded: %(state)s.")
                    % {"title": done.title, "state": done.get_state_display()},
                )
                return redirect("board:votes", pk=meeting.pk)
        else:
            status = 400
    return _decide_page(request, meeting, item, bound=bound, error=error, status=status)


def _decide_page(
    request: AuthenticatedRequest,
    meeting: BoardMeeting,
    item: AgendaItem,
    *,
    bound: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    facts = decision_facts(item=item)
    proposal = item.proposal
    # The board's stored suggestion, as the suggestion page shows it to this chair (docs/portfolio.md).
    suggestion = portfolio_suggestion_for(
        meeting=meeting, recused_ids=recused_ids_of(meeting=meeting, user=request.user)
    )
    verdict = None
    if suggestion is not None:
        excluded = next((line for line in suggestion.excluded if line.proposal_pk == proposal.pk), None)
        verdict = {
            "suggested": proposal.pk in suggestion.suggested_ids,
            "why": excluded.why if excluded is not None else "",
        }
    approve = bound.get("approve") or ACTION_FORMS["approve"](proposal=proposal, initial={"amount": facts.requested})
    decline = bound.get("decline") or ACTION_FORMS["decline"](proposal=proposal)
    return render(
        request,
        "board/decide.html",
        {
            "meeting": meeting,
            "item": item,
            "proposal": proposal,
            "facts": facts,
            "open": proposal.state == ProposalState.BOARD_REVIEW,
            "approve_form": approve,
            "decline_form": decline,
            "error": error,
            "not_started": meeting_decisions_refusal(meeting),
            "votes_url": reverse("board:votes", kwargs={"pk": meeting.pk}),
            "suggestion": suggestion,
            "verdict": verdict,
        },
        status=status,
    )
