"""A project's milestones marked done with evidence, and its progress and outcome reports (docs/reports.md).

A milestone's completion is proposed by the project's people with a note and files, then
accepted or sent back by the program's staff: each proposal is a ``MilestoneCompletion``, so
the history of send-backs stays readable. A ``Report`` is the project's report of one period
(``claim_period_months`` long, counted from ``started_on``): its indicators, its milestones'
status, its risks, the IP rights it reports and the answers to the call's report questions.
What the project submits is frozen: staff accept it or request changes, which reopens it.

The diversity figures (jobs held by women, by people of under-represented groups) are
optional and shown only aggregated: never per project to anyone but the project's people and
its program's staff (``projects.selectors.program_outcomes`` sums them; the funder's and the
open-data views never name a project).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from intake.models.base import money
from projects.models.partners import ProjectMilestone, ProjectPartner
from projects.models.project import Project

NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


def fte(label: object, **options: object) -> models.DecimalField:
    """Full-time equivalents, to the hundredth, never negative."""
    return models.DecimalField(label, max_digits=10, decimal_places=2, validators=NOT_NEGATIVE, **options)  # type: ignore[arg-type]


# --- Milestones --------------------------------------------------------------------------------------


class CompletionOutcome(models.TextChoices):
    PENDING = "pending", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    SENT_BACK = "sent_back", _("Sent back")


class MilestoneCompletion(models.Model):
    """The project's word that a milestone is done, with a note and evidence; staff accept it or send it back."""

    milestone = models.ForeignKey(
        ProjectMilestone, on_delete=models.CASCADE, related_name="completions", verbose_name=_("milestone")
    )
    note = models.TextField(_("what was done"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("marked done"), auto_now_add=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=CompletionOutcome.choices, default=CompletionOutcome.PENDING
    )
    #: Staff's message when they send it back (read by the project), or their note when they accept it.
    message = models.TextField(_("staff's message"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone completion")
        verbose_name_plural = _("milestone completions")
        ordering = ["milestone_id", "-submitted_at", "-pk"]
        constraints = [
            # One completion at a time awaits staff.
            models.UniqueConstraint(
                fields=["milestone"], condition=Q(outcome="pending"), name="completion_one_pending_per_milestone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone} · {self.get_outcome_display()}"


def evidence_path(evidence: MilestoneEvidence, filename: str) -> str:
    """Store evidence by project under a random name: the user's file name is never a path."""
    return f"projects/{evidence.project_id}/evidence/{uuid.uuid4().hex}"


class MilestoneEvidence(models.Model):
    """A file that shows a milestone done, checked as an application's attachment is; never changed."""

    completion = models.ForeignKey(
        MilestoneCompletion, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("completion")
    )
    #: The project, for the storage path and the permission check of the download.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project"))
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=127)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("milestone evidence")
        verbose_name_plural = _("milestone evidence")
        ordering = ["completion_id", "pk"]

    def __str__(self) -> str:
        return self.original_name


# --- Reports -----------------------------------------------------------------------------------------


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    ACCEPTED = "accepted", _("Accepted")


#: The states in which the project may edit its report.
REPORT_EDITABLE = frozenset({ReportState.DRAFT, ReportState.CHANGES_REQUESTED})
#: The states in which a report counts as handed in (a reminder or an escalation is not due).
REPORT_HANDED_IN = frozenset({ReportState.SUBMITTED, ReportState.ACCEPTED})


class Report(models.Model):
    """The project's progress (or final) report of one period: its indicators, milestones, risks and answers.

    ``milestones`` holds, while a draft, the project's comment on each milestone by its id;
    on submission it is frozen as each milestone's title, due date, state and comment.
    ``answers`` holds the answers to the call's report questions by question id; on submission
    ``questions`` freezes each question's wording and kind with its answer.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports", verbose_name=_("project"))
    period = models.PositiveSmallIntegerField(_("period"), validators=[MinValueValidator(1)])
    starts_on = models.DateField(_("period start"))
    ends_on = models.DateField(_("period end"))
    final = models.BooleanField(_("final report"), default=False)
    state = models.CharField(_("state"), max_length=20, choices=ReportState.choices, default=ReportState.DRAFT)
    staff_message = models.TextField(_("staff's message"), blank=True)

    milestones = models.JSONField(_("milestones' status"), default=dict, blank=True)
    risks = models.TextField(_("risks and issues"), blank=True)
    jobs_created = fte(_("jobs created (FTE)"), default=Decimal("0"))
    jobs_maintained = fte(_("jobs maintained (FTE)"), default=Decimal("0"))
    #: Optional, and only ever shown aggregated (see the module's docstring).
    jobs_women = fte(_("of which held by women (FTE, optional)"), null=True, blank=True)
    jobs_underrepresented = fte(_("of which held by under-represented groups (FTE, optional)"), null=True, blank=True)
    revenue = money(_("revenue attributable ($)"), default=Decimal("0"))
    follow_on_investment = money(_("follow-on investment ($)"), default=Decimal("0"))
    smes_scaled = models.PositiveIntegerField(_("SMEs scaled"), default=0)
    new_products = models.PositiveIntegerField(_("new products and services"), default=0)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    answers = models.JSONField(_("answers to the call's report questions"), default=dict, blank=True)
    questions = models.JSONField(_("the call's report questions, frozen"), default=list, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["project_id", "period", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "period"], name="report_one_per_period"),
            models.UniqueConstraint(fields=["project"], condition=Q(final=True), name="report_one_final"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="report_period_dates"),
            models.CheckConstraint(
                condition=Q(jobs_created__gte=0)
                & Q(jobs_maintained__gte=0)
                & Q(revenue__gte=0)
                & Q(follow_on_investment__gte=0)
                & (Q(jobs_women__isnull=True) | Q(jobs_women__gte=0))
                & (Q(jobs_underrepresented__isnull=True) | Q(jobs_underrepresented__gte=0)),
                name="report_figures_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["project", "state"], name="report_project_state")]

    def __str__(self) -> str:
        return f"{self.project} · {self.period}"

    @property
    def editable(self) -> bool:
        return self.state in REPORT_EDITABLE


class IPKind(models.TextChoices):
    PATENT = "patent", _("Patent or patent application")
    COPYRIGHT = "copyright", _("Copyright")
    TRADEMARK = "trademark", _("Trademark")
    INDUSTRIAL_DESIGN = "industrial_design", _("Industrial design")
    TRADE_SECRET = "trade_secret", _("Trade secret")
    SOFTWARE = "software", _("Software")
    DATA = "data", _("Data")
    KNOW_HOW = "know_how", _("Know-how")


class IPStatus(models.TextChoices):
    IDEA = "idea", _("Idea or invention disclosed")
    FILED = "filed", _("Filed")
    GRANTED = "granted", _("Granted or registered")
    IN_USE = "in_use", _("In use")


class ReportedIPRight(models.Model):
    """An IP right a report says the project created: its title, type, owners and status.

    ``asset_id`` is the slot of the members' IP registry: the id of the registry's asset made
    from this right, once one is. The registry sits above the projects in the apps' order, so
    this app cannot point at its model; the registry writes the id (and may point its asset
    back here). Nothing in this app writes it.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="ip_rights", verbose_name=_("report"))
    title = models.CharField(_("title"), max_length=250)
    kind = models.CharField(_("type"), max_length=20, choices=IPKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=IPStatus.choices)
    owners = models.ManyToManyField(ProjectPartner, related_name="reported_ip_rights", verbose_name=_("owners"))
    asset_id = models.PositiveBigIntegerField(_("IP registry asset"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("reported IP right")
        verbose_name_plural = _("reported IP rights")
        ordering = ["report_id", "pk"]

    def __str__(self) -> str:
        return self.title
