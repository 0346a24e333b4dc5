"""A project's partners, their approved budget and the project's milestones, copied from the approved proposal.

The proposal's consortium, budget and milestones are what the board approved; the project's
copies are what the agreements bind and what amendments change, so the proposal and its
frozen versions stay as they were decided.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from intake.choices import CostCategory
from intake.models import ConsortiumMember
from intake.models.base import money
from projects.models.project import Project


class ProjectPartner(models.Model):
    """An organization of the project's consortium, with its commitments and the person who signs for it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="partners", verbose_name=_("project"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="project_partnerships", verbose_name=_("organization")
    )
    #: The consortium member it was copied from; none for a partner an amendment added.
    member = models.ForeignKey(
        ConsortiumMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("member")
    )
    is_lead = models.BooleanField(_("lead"), default=False)
    cash_committed = money(_("cash contribution ($)"), default=Decimal("0"))
    in_kind_committed = money(_("in-kind contribution ($)"), default=Decimal("0"))
    #: The part of the cluster's funding approved for this partner.
    funding_approved = money(_("cluster funding approved ($)"), default=Decimal("0"))
    #: The person who signs the agreements for the organization: a member of it.
    signatory = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signatory_of",
        verbose_name=_("signatory"),
    )
    #: When an amendment removed it from the project; it keeps what it claimed before.
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("project partner")
        verbose_name_plural = _("project partners")
        ordering = ["-is_lead", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "organization"], name="partner_unique_organization"),
            models.UniqueConstraint(fields=["project"], condition=Q(is_lead=True), name="partner_one_lead"),
            models.CheckConstraint(
                condition=Q(cash_committed__gte=0) & Q(in_kind_committed__gte=0) & Q(funding_approved__gte=0),
                name="partner_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.organization)


class ProjectBudgetLine(models.Model):
    """What one partner may spend in one category of eligible costs, as approved (and then amended)."""

    partner = models.ForeignKey(
        ProjectPartner, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("partner")
    )
    category = models.CharField(_("category"), max_length=32, choices=CostCategory.choices)
    amount = money(_("amount ($)"))

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["partner_id", "category"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "category"], name="project_budget_line_unique_category"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="project_budget_line_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.get_category_display()}"


class MilestoneState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done, awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")


class ProjectMilestone(models.Model):
    """A milestone of the project's work plan: due some months after the project starts, then on its date."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("project"))
    title = models.CharField(_("milestone"), max_length=250)
    deliverables = models.TextField(_("deliverables"), blank=True)
    #: The month of the project it falls in, as the work plan said; its date once the project starts.
    month = models.PositiveSmallIntegerField(_("due in month"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    budget_lines = models.ManyToManyField(
        ProjectBudgetLine, blank=True, related_name="milestones", verbose_name=_("budget lines it draws on")
    )
    state = models.CharField(_("state"), max_length=16, choices=MilestoneState.choices, default=MilestoneState.PLANNED)
    done_at = models.DateTimeField(_("marked done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("project milestone")
        verbose_name_plural = _("project milestones")
        ordering = ["month", "pk"]

    def __str__(self) -> str:
        return self.title
