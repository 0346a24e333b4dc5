"""A project's milestones marked done and reviewed, its evidence, and its reports (docs/reports.md).

Every page reads the project through ``workflow.access`` (404 for whoever may not read it); the
project's people act (``project_acts_for``), its program's staff review (``project_reviews``);
one service each does the change.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import AuthenticatedRequest
from accounts.errors import DomainError
from accounts.form_handling import form_submit
from intake.forms.answers import AnswersForm
from projects.models import MilestoneCompletion, Project, ProjectMilestone, Report, ReportedIPRight
from projects.report_forms import IPRightFormSet, MilestoneDoneForm, ReportCreateForm, ReportForm, ReviewForm
from projects.reporting import project_periods_started
from projects.selectors import project_partners
from records.downloads import stored_file_download
from workflow import access
from workflow import project_reports as services


def _project(request: AuthenticatedRequest, pk: int) -> Project:
    return access.project_for_user(user=request.user, pk=pk)


def _milestone(project: Project, pk: int) -> ProjectMilestone:
    return get_object_or_404(ProjectMilestone.objects.filter(project=project), pk=pk)


def _refuse_unless_acts_for(request: AuthenticatedRequest, project: Project) -> None:
    if not access.project_acts_for(user=request.user, project=project):
        raise PermissionDenied(_("Only the project's applicants and its partners' people can do this."))


def _refuse_unless_reviews(request: AuthenticatedRequest, project: Project) -> None:
    if not access.project_reviews(user=request.user, project=project):
        raise PermissionDenied(_("Only the program's staff review the project's milestones and reports."))


# --- Milestones ----------------------------------------------------------------------------------


@login_required
def milestone_done(request: AuthenticatedRequest, pk: int, milestone_pk: int) -> HttpResponse:
    """Mark a milestone done with a note and evidence files (the project's people)."""
    project = _project(request, pk)
    milestone = _milestone(project, milestone_pk)
    _refuse_unless_acts_for(request, project)
    form = MilestoneDoneForm(request.POST or None, request.FILES or None)
    done = form_submit(
        request,
        form,
        lambda: services.milestone_mark_done(
            milestone=milestone, by=request.user, note=form.cleaned_data["note"], uploads=form.cleaned_data["evidence"]
        ),
    )
    if done.saved:
        messages.success(request, _("The milestone is marked done: the program's staff are told."))
        return redirect("projects:project_detail", pk=project.pk)
    return render(
        request,
        "projects/milestone_done.html",
        {"project": project, "proposal": project.proposal, "milestone": milestone, "form": form},
        status=done.status,
    )


@login_required
def milestone_review(request: AuthenticatedRequest, pk: int, milestone_pk: int) -> HttpResponse:
    """Show a milestone's completion with its evidence; staff of the program accept it or send it back."""
    project = _project(request, pk)
    milestone = _milestone(project, milestone_pk)
    completions = list(
        MilestoneCompletion.objects.filter(milestone=milestone)
        .select_related("submitted_by", "decided_by")
        .prefetch_related("evidence")
    )
    reviews = access.project_reviews(user=request.user, project=project)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        _refuse_unless_reviews(request, project)

        def decide() -> ProjectMilestone:
            if form.cleaned_data["decision"] == "accept":
                return services.milestone_accept(
                    milestone=milestone, by=request.user, message=form.cleaned_data["message"]
                )
            return services.milestone_send_back(
                milestone=milestone, by=request.user, message=form.cleaned_data["message"]
            )

        done = form_submit(request, form, decide)
        if done.saved:
            messages.success(request, _("Your decision on the milestone is recorded and the project is told."))
            return redirect("projects:project_detail", pk=project.pk)
        status = done.status
    return render(
        request,
        "projects/milestone_review.html",
        {
            "project": project,
            "proposal": project.proposal,
            "milestone": milestone,
            "completions": completions,
            "form": form if reviews and milestone.state == "done" else None,
        },
        status=status,
    )


@login_required
def evidence_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """Send a milestone's evidence to a user who may read its project, as a download never rendered inline."""
    evidence = access.evidence_for_user(user=request.user, pk=pk)
    return stored_file_download(
        evidence.file,
        filename=evidence.original_name,
        content_type=evidence.content_type,
        missing=_("The file of this evidence is missing."),
    )


# --- Reports -------------------------------------------------------------------------------------


@login_required
def report_list(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """List the project's reports; its people start the report of a period (or the final one)."""
    project = _project(request, pk)
    acts = access.project_acts_for(user=request.user, project=project)
    periods = project_periods_started(project=project, today=timezone.localdate())
    reports = list(Report.objects.filter(project=project).order_by("period"))
    taken = {report.period for report in reports}
    closing = project.proposal.state == "closing"
    form = ReportCreateForm(
        request.POST or None, periods=[period for period in periods if period.number not in taken], closing=closing
    )
    periods_open = any(period.number not in taken for period in periods)
    status = 200
    if request.method == "POST":
        _refuse_unless_acts_for(request, project)
        done = form_submit(
            request,
            form,
            lambda: services.report_create(
                project=project,
                by=request.user,
                period=form.cleaned_data["period"],
                final=form.cleaned_data.get("final", False),
            ),
        )
        if done.saved and done.result is not None:
            return redirect("projects:report_edit", pk=project.pk, report_pk=done.result.pk)
        status = done.status
    return render(
        request,
        "projects/report_list.html",
        {
            "project": project,
            "proposal": project.proposal,
            "reports": reports,
            "due_days": settings.REPORT_DUE_DAYS,
            "form": form if acts and project.proposal.state in services.REPORTING_STATES and periods_open else None,
        },
        status=status,
    )


def _report(request: AuthenticatedRequest, pk: int, report_pk: int) -> Report:
    project = _project(request, pk)
    report = access.report_for_user(user=request.user, project=project, pk=report_pk)
    report.project = project
    return report


@login_required
def report_detail(request: AuthenticatedRequest, pk: int, report_pk: int) -> HttpResponse:
    """Show a report: its indicators, milestones, IP rights and answers; staff of the program review it."""
    report = _report(request, pk, report_pk)
    project = report.project
    reviews = access.project_reviews(user=request.user, project=project)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        _refuse_unless_reviews(request, project)

        def decide() -> Report:
            if form.cleaned_data["decision"] == "accept":
                return services.report_accept(report=report, by=request.user, message=form.cleaned_data["message"])
            return services.report_request_changes(report=report, by=request.user, message=form.cleaned_data["message"])

        done = form_submit(request, form, decide)
        if done.saved:
            messages.success(request, _("Your decision on the report is recorded and the project is told."))
            return redirect("projects:report_detail", pk=project.pk, report_pk=report.pk)
        status = done.status
    rights = list(ReportedIPRight.objects.filter(report=report).prefetch_related("owners__organization"))
    milestones = (report.milestones or {}).get("frozen") or [
        {"title": milestone.title, "due_on": milestone.due_on, "state": milestone.get_state_display(),
         "comment": services.report_comments(report=report).get(str(milestone.pk), "")}
        for milestone in ProjectMilestone.objects.filter(project=project)
    ]  # fmt: skip
    questions = report.questions or [
        {"id": question.pk, "label_en": question.label_en, "label_fr": question.label_fr,
         "value": report.answers.get(str(question.pk))}
        for question in services.report_questions(project=project)
    ]  # fmt: skip
    return render(
        request,
        "projects/report_detail.html",
        {
            "project": project,
            "proposal": project.proposal,
            "report": report,
            "rights": rights,
            "milestones": milestones,
            "questions": questions,
            "acts": access.project_acts_for(user=request.user, project=project),
            "review_form": form if reviews and report.state == "submitted" else None,
            "missing": services.report_missing(report=report) if report.editable else [],
        },
        status=status,
    )


@login_required
def report_edit(request: AuthenticatedRequest, pk: int, report_pk: int) -> HttpResponse:
    """Edit a draft report (or one whose changes were requested): indicators, milestones, IP rights, answers."""
    report = _report(request, pk, report_pk)
    project = report.project
    _refuse_unless_acts_for(request, project)
    if not report.editable:
        messages.info(request, _("This report is submitted: it is shown read-only."))
        return redirect("projects:report_detail", pk=project.pk, report_pk=report.pk)
    milestones = list(ProjectMilestone.objects.filter(project=project))
    partners = project_partners(project=project)
    questions = services.report_questions(project=project)
    data = request.POST or None
    form = ReportForm(data, report=report, milestones=milestones, comments=services.report_comments(report=report))
    rights = IPRightFormSet(
        data,
        prefix="ip",
        form_kwargs={"partners": partners},
        initial=None
        if data
        else [
            {"title": right.title, "kind": right.kind, "status": right.status, "owners": list(right.owners.all())}
            for right in ReportedIPRight.objects.filter(report=report).prefetch_related("owners")
        ],
    )
    answers = AnswersForm(
        data,
        prefix="answers",
        questions=questions,
        answers={int(key): SimpleNamespace(value=value) for key, value in (report.answers or {}).items()},  # type: ignore[misc]
    )
    status = 200
    if request.method == "POST":
        others_valid = rights.is_valid() and answers.is_valid()

        def save() -> Report:
            return services.report_save(
                report=report,
                by=request.user,
                indicators=form.indicators(),
                milestone_comments=form.milestone_comments(),
                ip_rights=[
                    services.IPRightRow(
                        title=row.cleaned_data["title"],
                        kind=row.cleaned_data["kind"],
                        status=row.cleaned_data["status"],
                        owner_ids=[partner.pk for partner in row.cleaned_data["owners"]],
                    )
                    for row in rights.forms
                    if row.cleaned_data.get("title")
                ],
                answers=answers.values(),
                expected_updated_at=form.cleaned_data.get("loaded_at"),
            )

        done = form_submit(request, form, save, others_valid=others_valid, current=lambda: _updated_at(report))
        if done.saved:
            if "submit" in request.POST:
                try:
                    services.report_submit(report=report, by=request.user)
                except DomainError as error:
                    messages.error(request, str(error))
                    return redirect("projects:report_edit", pk=project.pk, report_pk=report.pk)
                messages.success(request, _("The report is submitted: the program's staff are told."))
            else:
                messages.success(request, _("The report is saved."))
            return redirect("projects:report_detail", pk=project.pk, report_pk=report.pk)
        status = done.status
    return render(
        request,
        "projects/report_form.html",
        {
            "project": project,
            "proposal": project.proposal,
            "report": report,
            "form": form,
            "rights": rights,
            "answers": answers,
        },
        status=status,
    )


def _updated_at(report: Report) -> Any:
    return Report.objects.values_list("updated_at", flat=True).get(pk=report.pk)


@login_required
@require_POST
def report_submit(request: AuthenticatedRequest, pk: int, report_pk: int) -> HttpResponse:
    """Submit a saved report for review (the project's people)."""
    report = _report(request, pk, report_pk)
    _refuse_unless_acts_for(request, report.project)
    try:
        services.report_submit(report=report, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("projects:report_detail", pk=report.project.pk, report_pk=report.pk)
    messages.success(request, _("The report is submitted: the program's staff are told."))
    return redirect("projects:report_detail", pk=report.project.pk, report_pk=report.pk)
