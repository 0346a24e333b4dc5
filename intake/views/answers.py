"""The applicant's pages of a call's questions at the proposal's current stage: the sections, and one section's form.

Only the proposal's lead applicant and co-applicants reach them (``role_required`` and
``workflow.access.proposal_for_user``; the services check again who may edit).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.form_handling import form_submit
from intake.answers import sections_of, stage_answers
from intake.choices import VersionKind
from intake.completeness import proposal_stage
from intake.forms.answers import AnswersForm
from intake.models import Proposal
from intake.services import answers as services
from intake.views.attachments import UploadSizeLimit
from workflow import access


def _sections_progress(proposal: Proposal, stage: str) -> list[dict[str, Any]]:
    """Return each section of ``stage`` with its number and how many of its required questions lack an answer."""
    rows = []
    for number, section in enumerate(sections_of(stage_answers(proposal, stage)), start=1):
        lacking = [item.label for item in section.items if item.required and not item.answered]
        rows.append({"number": number, "title": section.title, "count": len(section.items), "lacking": lacking})
    return rows


def _disable(form: AnswersForm) -> None:
    """Show the answers read-only: every field disabled, tables' rows too."""
    for field in form.fields.values():
        field.disabled = True
    for table in form.tables.values():
        for row in table.forms:
            for field in row.fields.values():
                field.disabled = True


@role_required(Role.APPLICANT)
def questions_overview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List the sections of questions of the proposal's current stage, and which required answers each lacks."""
    proposal = access.proposal_for_user(user=request.user, pk=pk)
    stage = proposal_stage(proposal)
    return render(
        request,
        "intake/questions/overview.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "stage_label": _stage_label(stage),
            "sections": _sections_progress(proposal, stage),
        },
    )


def _stage_label(stage: str) -> str:
    return str(VersionKind(stage).label) if stage in VersionKind.values else stage


@csrf_exempt
def question_section(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Show one section's questions and save its answers together (POST).

    The size limit applies while a file is received, before the CSRF check reads the body
    (hence the exemption here and the protection just below, as the attachments page does).
    """
    UploadSizeLimit.limited(request, limit=settings.ATTACHMENT_MAX_BYTES)
    return _question_section(request, pk, number)


@csrf_protect
@role_required(Role.APPLICANT)
def _question_section(request: AuthenticatedRequest, pk: int, number: int) -> HttpResponse:
    proposal = access.proposal_for_user(user=request.user, pk=pk)
    stage = proposal_stage(proposal)
    section, sections = services.question_section(proposal=proposal, stage=stage, number=number)
    questions = list(section.items)
    if request.method == "POST":
        # The answers are read only to show the form again after a refusal: saving needs none of them.
        form = AnswersForm(request.POST, request.FILES, questions=questions, answers={})
        done = form_submit(
            request,
            form,
            lambda: services.answers_save(
                proposal=proposal,
                by=request.user,
                expected_updated_at=form.cleaned_data["loaded_at"],
                questions=questions,
                values=form.values(),
                uploads=form.uploads(),
                cleared=form.cleared(),
            ),
            current=lambda: Proposal.objects.get(pk=pk).updated_at,
        )
        if done.saved:
            messages.success(request, _("This section is saved."))
            return redirect(request.path)
        form.answers = services.answers_of(proposal=proposal, questions=questions)
        status = done.status
    else:
        form = AnswersForm(
            initial={"loaded_at": proposal.updated_at.isoformat()},
            questions=questions,
            answers=services.answers_of(proposal=proposal, questions=questions),
        )
        status = 200
        if not proposal.is_editable:
            _disable(form)
    return render(
        request,
        "intake/questions/section.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "stage_label": _stage_label(stage),
            "section": section,
            "number": number,
            "sections": [(index, item.title) for index, item in enumerate(sections, start=1)],
            "form": form,
            "can_edit": proposal.is_editable,
        },
        status=status,
    )
