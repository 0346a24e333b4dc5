"""Staff's pages of a call's questions: the form of each stage, a question's page, retiring, removing, copying.

Every page fetches the call or the question through a check that the user is staff of its
program (``selectors.call_for_staff``, ``services.questions.question_for_staff``): staff of
another program get 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.decorators import AuthenticatedRequest, role_required
from accounts.errors import DomainError
from accounts.form_handling import form_save, form_submit
from intake import selectors
from intake.choices import BuiltInSection, QuestionKind, QuestionStage, VersionKind
from intake.forms.questions import CopyQuestionsForm, KindForm, QuestionForm, ReasonForm
from intake.models import Call, Question
from intake.services import answers as answer_services
from intake.services import questions as services


def _list_url(call: Call, stage: str = "") -> str:
    url = reverse("intake:call_questions", args=[call.pk])
    return f"{url}#stage-{stage}" if stage else url


@role_required(Role.STAFF)
def call_questions(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List each stage's questions by section, with what staff can do to each, and add a question of a kind."""
    call = selectors.call_for_staff(user=request.user, pk=pk)
    return _questions_page(request, call)


def _questions_page(request: AuthenticatedRequest, call: Call, *, error: str = "", status: int = 200) -> HttpResponse:
    by_stage = services.questions_by_stage(call=call)
    stages = [
        {"value": stage, "label": label, "sections": by_stage[stage], "kind_form": KindForm(auto_id=f"id_{stage}_%s")}
        for stage, label in QuestionStage.choices
    ]
    left_out = [(slug, BuiltInSection(slug).label) for slug in services.sections_left_out(call=call)]
    return render(
        request,
        "intake/staff/questions.html",
        {"call": call, "stages": stages, "error": error, "left_out": left_out},
        status=status,
    )


@role_required(Role.STAFF)
@require_POST
def section_texts_ask(request: AuthenticatedRequest, pk: int, section: str) -> HttpResponse:
    """Ask the texts of a built-in section the call's full application leaves out as ordinary questions."""
    call = selectors.call_for_staff(user=request.user, pk=pk)
    try:
        created = services.section_texts_ask(call=call, section=section, by=request.user)
    except DomainError as error:
        return _questions_page(request, call, error=str(error), status=409)
    messages.success(
        request,
        ngettext(
            "%(count)s question now asks what the section asked: edit it as any question.",
            "%(count)s questions now ask what the section asked: edit them as any question.",
            len(created),
        )
        % {"count": len(created)},
    )
    return redirect(_list_url(call, VersionKind.APPLICATION))


def _stage_and_kind(request: AuthenticatedRequest) -> tuple[str, str]:
    stage = request.GET.get("stage", "")
    kind = request.GET.get("kind", "")
    return (stage if stage in QuestionStage.values else "", kind if kind in QuestionKind.values else "")


@role_required(Role.STAFF)
def question_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Add a question of the kind chosen (``?stage=&kind=``) at the end of the stage's questions."""
    call = selectors.call_for_staff(user=request.user, pk=pk)
    stage, kind = _stage_and_kind(request)
    if not stage or not kind:
        return _questions_page(request, call, error=_("Choose a stage and a kind of question."), status=400)
    form = QuestionForm(request.POST or None, kind=kind)
    done = form_submit(
        request,
        form,
        lambda: services.question_create(call=call, by=request.user, stage=stage, kind=kind, **form.model_fields()),
    )
    if done.saved:
        messages.success(request, _("The question is added."))
        return redirect(_list_url(call, stage))
    return render(
        request,
        "intake/staff/question_form.html",
        {
            "call": call,
            "form": form,
            "kind": kind,
            "kind_label": QuestionKind(kind).label,
            "stage_label": QuestionStage(stage).label,
            "sections": _sections(call, stage),
        },
        status=done.status,
    )


def _sections(call: Call, stage: str) -> list[Any]:
    return services.questions_by_stage(call=call)[stage]


@role_required(Role.STAFF)
def question_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Change a question; with submissions at its stage, show what the change touches, then ask a reason to save it.

    ``?kind=`` shows the fields of another kind, to retype a question no proposal has submitted an answer to.
    """
    question = services.question_for_staff(user=request.user, pk=pk)
    call = question.call
    wanted = request.POST.get("kind") or request.GET.get("kind") or question.kind
    kind = wanted if wanted in QuestionKind.values else question.kind
    impact = services.question_impact(question=question)
    refusal = ""
    if kind != question.kind and impact.answered:
        refusal = _(
            "Proposals have submitted answers to this question, so its kind can no longer change. "
            "Retire it and add a new question instead."
        )
        kind = question.kind
    form = QuestionForm(request.POST or None, kind=kind, question=question)
    changes: list[services.Change] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes = services.question_changes(question=question, kind=kind, fields=form.model_fields())
            if impact.needs_reason and changes and not request.POST.get("confirm"):
                status = 200  # the preview: what the change touches, then confirm it with a reason
            else:
                done = form_save(
                    form,
                    lambda: services.question_update(
                        question=question,
                        by=request.user,
                        expected_updated_at=form.cleaned_data["loaded_at"],
                        kind=kind,
                        reason=form.cleaned_data.get("reason", ""),
                        **form.model_fields(),
                    ),
                    current=lambda: Question.objects.get(pk=pk).updated_at,
                )
                if done.saved:
                    messages.success(request, _("The question is saved."))
                    return redirect(_list_url(call, question.stage))
                status = done.status
    return render(
        request,
        "intake/staff/question_form.html",
        {
            "call": call,
            "question": question,
            "form": form,
            "kind": kind,
            "kind_label": QuestionKind(kind).label,
            "stage_label": question.get_stage_display(),
            "sections": _sections(call, question.stage),
            "impact": impact,
            "changes": changes,
            "preview": bool(changes) and impact.needs_reason and request.method == "POST",
            "refusal": refusal,
            "kind_form": KindForm(initial={"kind": kind}),
        },
        status=status,
    )


@role_required(Role.STAFF)
@require_POST
def question_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Move a question one place up or down in its section (``direction``: ``up`` or ``down``)."""
    question = services.question_for_staff(user=request.user, pk=pk)
    services.question_move(question=question, by=request.user, up=request.POST.get("direction") != "down")
    return redirect(_list_url(question.call, question.stage))


def _confirm(request: AuthenticatedRequest, pk: int, *, template: str, act: Any, done_message: str) -> HttpResponse:
    question = services.question_for_staff(user=request.user, pk=pk)
    impact = services.question_impact(question=question)
    # Bound on every POST, even one with no reason typed (an empty POST is falsy).
    form = ReasonForm(request.POST if request.method == "POST" else None)
    result = form_submit(
        request, form, lambda: act(question=question, by=request.user, reason=form.cleaned_data["reason"])
    )
    if result.saved:
        messages.success(request, done_message)
        return redirect(_list_url(question.call, question.stage))
    return render(
        request,
        template,
        {"call": question.call, "question": question, "impact": impact, "form": form},
        status=result.status,
    )


@role_required(Role.STAFF)
def question_retire(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Ask to confirm (and why, with submissions), then stop asking a question; the submitted answers stay."""
    return _confirm(
        request, pk, template="intake/staff/question_retire.html", act=services.question_retire,
        done_message=_("The question is retired: it is no longer asked."),
    )  # fmt: skip


@role_required(Role.STAFF)
def question_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Ask to confirm, then remove a question no proposal has submitted an answer to (else offer to retire it)."""
    return _confirm(
        request, pk, template="intake/staff/question_delete.html", act=services.question_delete,
        done_message=_("The question is removed."),
    )  # fmt: skip


@role_required(Role.STAFF)
def questions_copy(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Copy every question still asked of another call (of a program the user is staff of) into this one."""
    call = selectors.call_for_staff(user=request.user, pk=pk)
    form = CopyQuestionsForm(request.POST or None, calls=services.calls_to_copy_from(user=request.user, call=call))
    done = form_submit(
        request,
        form,
        lambda: services.questions_copy(source=form.cleaned_data["source"], target=call, by=request.user),
    )
    if done.saved:
        count = done.result or 0
        messages.success(
            request,
            ngettext("%(count)s question is copied.", "%(count)s questions are copied.", count) % {"count": count},
        )
        return redirect(_list_url(call))
    return render(request, "intake/staff/questions_copy.html", {"call": call, "form": form}, status=done.status)


@login_required
def call_answers_csv(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    """Stream the answers the call's proposals submitted, one row per proposal, a column per question."""
    if not request.user.has_role(Role.STAFF):
        raise PermissionDenied(_("This page is for users with the role: %(role)s.") % {"role": Role.STAFF.label})
    call = selectors.call_for_staff(user=request.user, pk=pk)
    response = StreamingHttpResponse(
        answer_services.call_answers_csv(call=call), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="call-{call.pk}-answers.csv"'
    return response
