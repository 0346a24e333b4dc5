"""Staff's decision letters of a meeting: preview, edit, release; and a released letter as PDF for its readers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import DomainError
from accounts.form_handling import form_submit
from board.forms.letters import LetterForm
from board.services import letters
from board.services.meetings import meeting_for_staff
from workflow.access import proposal_for_user


@role_required(Role.STAFF)
def meeting_letters(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List the meeting's letters (drafting those of decisions recorded since), to preview, edit and release."""
    meeting = meeting_for_staff(user=request.user, pk=pk)
    state = letters.meeting_letters(meeting=meeting)
    return render(
        request,
        "board/letters.html",
        {"meeting": meeting, "letters": state.letters, "undecided": state.undecided},
    )


@role_required(Role.STAFF)
def letter_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Edit one letter's subject and text; somebody's save in between is refused (409), the typed text kept."""
    letter = letters.letter_for_staff(user=request.user, pk=pk)
    form = LetterForm(request.POST or None, letter=letter)
    done = form_submit(
        request,
        form,
        lambda: letters.letter_update(
            letter=letter,
            by=request.user,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            seen=form.cleaned_data["seen"],
        ),
        raised=lambda error: False,
    )
    if done.saved:
        messages.success(request, _("The letter is saved."))
        return redirect("board:meeting_letters", pk=letter.item.meeting_id)
    return render(request, "board/letter_edit.html", {"letter": letter, "form": form}, status=done.status)


@role_required(Role.STAFF)
@require_POST
def meeting_decisions_release(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Send the meeting's letters to the applicants, once."""
    meeting = meeting_for_staff(user=request.user, pk=pk)
    try:
        sent = letters.meeting_decisions_release(meeting=meeting, by=request.user)
    except DomainError as error:
        error.back_url = reverse("board:meeting_letters", kwargs={"pk": pk})
        error.back_label = _("Back to the letters")
        raise
    if sent:
        messages.success(
            request,
            ngettext(
                "The decisions are released: %(count)d letter was sent.",
                "The decisions are released: %(count)d letters were sent.",
                sent,
            )
            % {"count": sent},
        )
    else:
        messages.info(request, _("These decisions were already released: nothing was sent again."))
    return redirect("board:meeting_letters", pk=pk)


@login_required
def decision_letter_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Download the released decision letter on proposal ``pk`` as PDF, for whoever reads it on the proposal's page.

    The proposal is fetched as its page fetches it, so a decision still withheld is never
    given; before the release there is no letter to download (404). The stored file the worker
    printed; if there is none yet, a page saying it is being prepared (docs/pdfs.md).
    """
    letter = letters.letter_released_for(proposal=proposal_for_user(user=request.user, pk=pk))
    if letter is None:
        raise Http404
    return letters.letter_download(request=request, letter=letter)
