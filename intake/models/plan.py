"""The project's plan: the milestones of its work plan and the foreground IP it expects to create."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from intake.choices import ForegroundIPKind
from intake.models.consortium import ConsortiumMember
from intake.models.proposals import Proposal


class Milestone(models.Model):
    """A milestone of the work plan, due some months after the project starts."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("proposal")
    )
    title = models.CharField(_("milestone"), max_length=250)
    description = models.TextField(_("deliverables"), blank=True)
    month = models.PositiveSmallIntegerField(
        _("due in month"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["month", "pk"]
        constraints = [models.CheckConstraint(condition=Q(month__gte=1, month__lte=120), name="milestone_month_range")]

    def __str__(self) -> str:
        return self.title


class ForegroundIP(models.Model):
    """IP the project expects to create, and who is proposed to own it."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="foreground_ip", verbose_name=_("proposal")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ForegroundIPKind.choices)
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        ConsortiumMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed owner"),
        help_text=_("Leave empty for joint ownership."),
    )

    class Meta:
        verbose_name = _("foreground IP")
        verbose_name_plural = _("foreground IP")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:40]}"
