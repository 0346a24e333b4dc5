"""The project's milestones marked done and accepted, and its reports written, submitted and reviewed (docs/reports.md).

Each use case locks the row it changes, checks the person (``workflow.access``: the project's
people act, its program's staff review), writes one audit record on the project's proposal
(the ``Step`` declared in ``workflow.actions``) and notifies after commit. Two people acting at
once: one wins, the other gets ``StaleAction`` (409) and nothing is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import User
from intake import program_roles
from intake.choices import QuestionStage
from intake.models import Question
from intake.services.attachments import Upload, attachment_display_name, upload_read
from intake.states import ProposalState
from projects.models import (
    CompletionOutcome,
    IPKind,
    IPStatus,
    MilestoneCompletion,
    MilestoneEvidence,
    MilestoneState,
    Project,
    ProjectMilestone,
    ProjectPartner,
    Report,
    ReportedIPRight,
    ReportState,
)
from projects.reporting import project_periods_started
from records.events import Event
from records.models import AuditRecord
from records.notifications import notify
from registry.services.assets import assets_from_report
from workflow import access
from workflow.actions import (
    MILESTONE_ACCEPT,
    MILESTONE_DONE,
    MILESTONE_SEND_BACK,
    REPORT_ACCEPT,
    REPORT_CHANGES,
    REPORT_SUBMIT,
)

#: The project states in which milestones are marked done and reports written.
REPORTING_STATES = frozenset({ProposalState.ACTIVE, ProposalState.CLOSING})
#: The most files one completion of a milestone carries.
MAX_EVIDENCE_FILES = 10
#: The indicators a report's form sets, as its fields are named.
INDICATORS = (
    "risks",
    "jobs_created",
    "jobs_maintained",
    "jobs_women",
    "jobs_underrepresented",
    "revenue",
    "follow_on_investment",
    "smes_scaled",
    "new_products",
    "participants",
)


def _project_link(project: Project) -> str:
    return f"/projects/{project.pk}/"


def _report_link(report: Report) -> str:
    return f"/projects/{report.project_id}/reports/{report.pk}/"


def _context(project: Project, **more: Any) -> dict[str, Any]:
    """What every message about ``project`` says: its title and call in both languages, and its link."""
    proposal = project.proposal
    return {
        "project": project.pk,
        "title": proposal.title,
        "call_en": proposal.call.title_en,
        "call_fr": proposal.call.title_fr,
        "link": _project_link(project),
        **more,
    }


def _audit(project: Project, *, step: str, by: User, reason: str = "", data: dict[str, Any]) -> AuditRecord:
    proposal = project.proposal
    return AuditRecord.objects.create(
        proposal=proposal, action=step, from_state=proposal.state, to_state=proposal.state, actor=by,
        reason=reason, data=data,
    )  # fmt: skip


def _people(project: Project) -> Any:
    return User.objects.filter(access.project_people(project), is_active=True).distinct()


def _staff(project: Project) -> Any:
    return User.objects.filter(program_roles.audience(Role.STAFF, project.proposal.call.program_id)).distinct()


def _require_acts_for(project: Project, by: User) -> None:
    if not access.project_acts_for(user=by, project=project):
        raise ActionForbidden(_("Only the project's applicants and its partners' people can do this."))


def _require_reviewer(project: Project, by: User) -> None:
    if not access.project_reviews(user=by, project=project):
        raise ActionForbidden(_("Only the program's staff review the project's milestones and reports."))


def _require_reporting(project: Project) -> None:
    if project.proposal.state not in REPORTING_STATES:
        raise StaleAction(
            _("This project is “%(state)s”: its milestones and reports no longer change. Nothing was changed.")
            % {"state": project.proposal.get_state_display()}
        )


def _message(text: str, error: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"message": error})
    return text


# --- Milestones ----------------------------------------------------------------------------------


def milestone_mark_done(
    *, milestone: ProjectMilestone, by: User, note: str, uploads: Sequence[Upload] = ()
) -> MilestoneCompletion:
    """Mark ``milestone`` done with ``note`` and evidence files, for its program's staff to accept.

    The files are checked as an application's attachments are (type by content, size, active
    content); each is stored under a random name. Refused (with the reason beside the field)
    without a note or with too many files.
    """
    project = milestone.project
    _require_acts_for(project, by)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done and where the deliverables are.")})
    if len(uploads) > MAX_EVIDENCE_FILES:
        raise ValidationError(
            {"files": _("Attach at most %(limit)s files; put more in one archive.") % {"limit": MAX_EVIDENCE_FILES}}
        )
    files = [
        (upload, *upload_read(upload=upload, limit=settings.ATTACHMENT_MAX_BYTES, field="files")) for upload in uploads
    ]
    stored: list[MilestoneEvidence] = []
    try:
        with transaction.atomic():
            locked = (
                ProjectMilestone.objects.select_for_update()
                .select_related("project__proposal__call")
                .get(pk=milestone.pk)
            )
            _require_reporting(locked.project)
            if locked.state != MilestoneState.PLANNED:
                raise StaleAction(
                    _("This milestone is now “%(state)s”. Nothing was changed.") % {"state": locked.get_state_display()}
                )
            completion = MilestoneCompletion.objects.create(milestone=locked, note=note, submitted_by=by)
            for upload, data, kind in files:
                evidence = MilestoneEvidence(
                    completion=completion,
                    project=locked.project,
                    original_name=attachment_display_name(upload.name or "", extension=kind.extension),
                    content_type=kind.content_type,
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    uploaded_by=by,
                )
                evidence.file.save(f"evidence.{kind.extension}", ContentFile(data), save=False)
                stored.append(evidence)
                evidence.save()
            locked.state, locked.done_at, locked.done_by = MilestoneState.DONE, timezone.now(), by
            locked.save(update_fields=["state", "done_at", "done_by"])
            record = _audit(
                locked.project, step=MILESTONE_DONE.name, by=by, reason=note,
                data={"milestone": locked.pk, "title": locked.title, "files": len(files)},
            )  # fmt: skip
            notify(
                event=Event.MILESTONE_DONE,
                recipients=_staff(locked.project),
                occurrence=f"audit{record.pk}",
                context=_context(locked.project, milestone=locked.title, note=note),
            )
    except BaseException:
        for evidence in stored:
            evidence.file.delete(save=False)
        raise
    return completion


def _decide_milestone(*, milestone: ProjectMilestone, by: User, accept: bool, message: str) -> ProjectMilestone:
    project = milestone.project
    _require_reviewer(project, by)
    with transaction.atomic():
        locked = (
            ProjectMilestone.objects.select_for_update().select_related("project__proposal__call").get(pk=milestone.pk)
        )
        _require_reporting(locked.project)
        if locked.state != MilestoneState.DONE:
            raise StaleAction(
                _("This milestone is now “%(state)s”. Nothing was changed.") % {"state": locked.get_state_display()}
            )
        now = timezone.now()
        MilestoneCompletion.objects.filter(milestone=locked, outcome=CompletionOutcome.PENDING).update(
            outcome=CompletionOutcome.ACCEPTED if accept else CompletionOutcome.SENT_BACK,
            message=message,
            decided_by=by,
            decided_at=now,
        )
        if accept:
            locked.state, locked.accepted_at, locked.accepted_by = MilestoneState.ACCEPTED, now, by
            locked.save(update_fields=["state", "accepted_at", "accepted_by"])
        else:
            locked.state, locked.done_at, locked.done_by = MilestoneState.PLANNED, None, None
            locked.save(update_fields=["state", "done_at", "done_by"])
        step = MILESTONE_ACCEPT if accept else MILESTONE_SEND_BACK
        record = _audit(
            locked.project, step=step.name, by=by, reason=message, data={"milestone": locked.pk, "title": locked.title}
        )
        notify(
            event=Event.MILESTONE_ACCEPTED if accept else Event.MILESTONE_SENT_BACK,
            recipients=_people(locked.project),
            occurrence=f"audit{record.pk}",
            context=_context(locked.project, milestone=locked.title, reason=message),
        )
    return locked


def milestone_accept(*, milestone: ProjectMilestone, by: User, message: str = "") -> ProjectMilestone:
    """Accept ``milestone`` as done (staff of its program), with an optional note to the project."""
    return _decide_milestone(milestone=milestone, by=by, accept=True, message=(message or "").strip())


def milestone_send_back(*, milestone: ProjectMilestone, by: User, message: str) -> ProjectMilestone:
    """Send ``milestone`` back to the project (staff of its program), saying what is missing; it is planned again."""
    text = _message(message, _("Say what is missing, for the project to complete it."))
    return _decide_milestone(milestone=milestone, by=by, accept=False, message=text)


# --- Reports -------------------------------------------------------------------------------------


def report_questions(*, project: Project) -> list[Question]:
    """Return the questions ``project``'s call asks in every report, in order (retired ones left out)."""
    return list(
        Question.objects.filter(
            call_id=project.proposal.call_id, stage=QuestionStage.REPORT, retired_at__isnull=True
        ).order_by("position", "pk")
    )


def report_create(*, project: Project, by: User, period: int, final: bool = False, today: date | None = None) -> Report:
    """Start ``project``'s report of ``period`` (a draft), or its final report, which may come only while it closes.

    A period is reported once it has started; each period has one report, the project one final report.
    """
    _require_acts_for(project, by)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = Project.objects.select_for_update().select_related("proposal__call").get(pk=project.pk)
        _require_reporting(locked)
        if final and locked.proposal.state != ProposalState.CLOSING:
            raise DomainError(_("The final report is written once the project is closing."))
        periods = {period.number: period for period in project_periods_started(project=locked, today=today)}
        if period not in periods:
            raise ValidationError({"period": _("Choose a period that has started.")})
        if Report.objects.filter(project=locked, period=period).exists():
            raise ValidationError({"period": _("This period has its report already: open it from the list.")})
        if final and Report.objects.filter(project=locked, final=True).exists():
            raise ValidationError({"period": _("The project has its final report already.")})
        chosen = periods[period]
        try:
            with transaction.atomic():
                return Report.objects.create(
                    project=locked,
                    period=period,
                    starts_on=chosen.starts_on,
                    ends_on=chosen.ends_on,
                    final=final,
                    created_by=by,
                )
        except IntegrityError:
            raise StaleAction(_("Somebody started this report first: open it from the list.")) from None


@dataclass(frozen=True)
class IPRightRow:
    """One IP right as the report's form gives it: its owners are partners of the project."""

    title: str
    kind: str
    status: str
    owner_ids: list[int]


def report_save(
    *,
    report: Report,
    by: User,
    indicators: dict[str, Any],
    milestone_comments: dict[int, str],
    ip_rights: list[IPRightRow],
    answers: dict[int, Any],
    expected_updated_at: datetime | None = None,
) -> Report:
    """Save the draft ``report`` (or one whose changes were requested): its indicators, comments, rights, answers.

    ``expected_updated_at`` is the report's time the person's form started from: a save over
    somebody else's newer save is refused (409), nothing lost on either side. The figures are
    checked by the form and again by the database (never negative); the diversity figures are
    optional and may not exceed the jobs they are part of.
    """
    unknown = set(indicators) - set(INDICATORS)
    if unknown:
        raise TypeError(f"unknown indicators: {', '.join(sorted(unknown))}")
    project = report.project
    _require_acts_for(project, by)
    errors: dict[str, str] = {}
    jobs = (indicators.get("jobs_created") or 0) + (indicators.get("jobs_maintained") or 0)
    for name in ("jobs_women", "jobs_underrepresented"):
        if indicators.get(name) is not None and indicators[name] > jobs:
            errors[name] = _("This cannot be more than the jobs created and maintained together.")
    if errors:
        raise ValidationError(errors)
    partners = set(ProjectPartner.objects.filter(project=project, removed_at__isnull=True).values_list("pk", flat=True))
    for row in ip_rights:
        if row.kind not in IPKind.values or row.status not in IPStatus.values:
            raise ValidationError({"ip_rights": _("Choose each right's type and status.")})
        if not row.owner_ids or not set(row.owner_ids) <= partners:
            raise ValidationError({"ip_rights": _("Name each right's owners among the project's partners.")})
    questions = {question.pk: question for question in report_questions(project=project)}
    for pk, value in answers.items():
        if pk not in questions:
            raise ValidationError({"answers": _("A question of this report changed: reload the page.")})
        questions[pk].answer_check(value)
    with transaction.atomic():
        locked = _report_locked(report)
        if not locked.editable:
            raise StaleAction(
                _("This report is now “%(state)s”: it can no longer be edited. Nothing was changed.")
                % {"state": locked.get_state_display()}
            )
        if expected_updated_at is not None and locked.updated_at != expected_updated_at:
            raise StaleAction(
                _(
                    "Somebody saved this report after you opened it. Reload it to see their changes; "
                    "yours were not saved."
                )
            )
        for name, value in indicators.items():
            setattr(locked, name, value)
        milestone_ids = set(ProjectMilestone.objects.filter(project=project).values_list("pk", flat=True))
        locked.milestones = {
            "comments": {
                str(pk): comment.strip()
                for pk, comment in milestone_comments.items()
                if pk in milestone_ids and comment.strip()
            }
        }
        locked.answers = {str(pk): value for pk, value in answers.items() if value is not None}
        locked.save()
        ReportedIPRight.objects.filter(report=locked).delete()
        for row in ip_rights:
            right = ReportedIPRight.objects.create(report=locked, title=row.title, kind=row.kind, status=row.status)
            right.owners.set(row.owner_ids)
    return locked


def report_comments(*, report: Report) -> dict[str, str]:
    """Return the project's comment on each milestone (by the milestone's id as text) in ``report``."""
    return dict((report.milestones or {}).get("comments", {}))


def _report_locked(report: Report) -> Report:
    return Report.objects.select_for_update().select_related("project__proposal__call").get(pk=report.pk)


def report_missing(*, report: Report) -> list[str]:
    """Return what ``report`` lacks to be submitted: the answers to the call's required report questions."""
    return [
        _("an answer to “%(question)s”") % {"question": question.label}
        for question in report_questions(project=report.project)
        if question.required and report.answers.get(str(question.pk)) in (None, "", [])
    ]


def report_submit(*, report: Report, by: User) -> Report:
    """Submit ``report`` for review: its milestones' status and the call's questions are frozen with it."""
    _require_acts_for(report.project, by)
    with transaction.atomic():
        locked = _report_locked(report)
        _require_reporting(locked.project)
        if not locked.editable:
            raise StaleAction(
                _("This report is now “%(state)s”. Nothing was changed.") % {"state": locked.get_state_display()}
            )
        missing = report_missing(report=locked)
        if missing:
            raise DomainError(_("The report still needs: %(missing)s.") % {"missing": "; ".join(missing)})
        comments = report_comments(report=locked)
        locked.milestones = {
            "frozen": [
                {
                    "id": milestone.pk,
                    "title": milestone.title,
                    "due_on": milestone.due_on.isoformat() if milestone.due_on else None,
                    "state": milestone.state,
                    "comment": comments.get(str(milestone.pk), ""),
                }
                for milestone in ProjectMilestone.objects.filter(project=locked.project)
            ],
            "comments": comments,
        }
        locked.questions = [
            {
                "id": question.pk,
                "label_en": question.label_en,
                "label_fr": question.label_fr,
                "kind": question.kind,
                "choices": question.choices,
                "columns": question.columns,
                "value": locked.answers.get(str(question.pk)),
            }
            for question in report_questions(project=locked.project)
        ]
        from_state = locked.state
        locked.state, locked.submitted_at, locked.submitted_by = ReportState.SUBMITTED, timezone.now(), by
        locked.save()
        record = _audit(
            locked.project, step=REPORT_SUBMIT.name, by=by,
            data={"report": locked.pk, "period": locked.period, "final": locked.final, "from": from_state},
        )  # fmt: skip
        notify(
            event=Event.REPORT_SUBMITTED,
            recipients=_staff(locked.project),
            occurrence=f"audit{record.pk}",
            context=_context(locked.project, report=locked.pk, period=locked.period, final=locked.final,
                             link=_report_link(locked)),
        )  # fmt: skip
    return locked


def _decide_report(*, report: Report, by: User, accept: bool, message: str) -> Report:
    _require_reviewer(report.project, by)
    with transaction.atomic():
        locked = _report_locked(report)
        if locked.state != ReportState.SUBMITTED:
            raise StaleAction(
                _("This report is now “%(state)s”. Nothing was changed.") % {"state": locked.get_state_display()}
            )
        locked.state = ReportState.ACCEPTED if accept else ReportState.CHANGES_REQUESTED
        locked.staff_message, locked.decided_at, locked.decided_by = message, timezone.now(), by
        locked.save()
        if accept:  # each IP right it reports becomes a draft asset of the registry, for its owners to complete
            assets_from_report(report=locked, by=by)
        step = REPORT_ACCEPT if accept else REPORT_CHANGES
        record = _audit(
            locked.project, step=step.name, by=by, reason=message,
            data={"report": locked.pk, "period": locked.period, "final": locked.final},
        )  # fmt: skip
        notify(
            event=Event.REPORT_ACCEPTED if accept else Event.REPORT_CHANGES_REQUESTED,
            recipients=_people(locked.project),
            occurrence=f"audit{record.pk}",
            context=_context(locked.project, report=locked.pk, period=locked.period, final=locked.final,
                             reason=message, link=_report_link(locked)),
        )  # fmt: skip
    return locked


def report_accept(*, report: Report, by: User, message: str = "") -> Report:
    """Accept the submitted ``report`` (staff of its program); an accepted final report lets the project close."""
    return _decide_report(report=report, by=by, accept=True, message=(message or "").strip())


def report_request_changes(*, report: Report, by: User, message: str) -> Report:
    """Send the submitted ``report`` back to the project (staff of its program), saying what to change."""
    text = _message(message, _("Say what the project should change."))
    return _decide_report(report=report, by=by, accept=False, message=text)
