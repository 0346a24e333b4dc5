"""The IP manager's review of an application's IP plan, and their declaration of conflict before reading it.

For calls that ask for it (``Call.ip_review``), an IP manager of the call's program reviews each
submitted application's IP plan against its work plan and each partner's background IP, and records
findings and a verdict. Before reading an application they declare that they have no conflict of
interest with it, or declare one (the review is then staff's to arrange). Who may read which
application is ``registry.selectors.ip_reviews.ip_manager_may_read``, used by ``workflow.access``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IPVerdict(models.TextChoices):
    SATISFACTORY = "satisfactory", _("Satisfactory")
    NEEDS_CHANGES = "needs_changes", _("Needs changes")
    UNSATISFACTORY = "unsatisfactory", _("Unsatisfactory")


class IPReviewDeclaration(models.Model):
    """An IP manager's word on an application before reading it: no conflict of interest, or a conflict."""

    proposal = models.ForeignKey(
        "intake.Proposal", on_delete=models.CASCADE, related_name="ip_review_declarations", verbose_name=_("proposal")
    )
    ip_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("IP manager")
    )
    conflict = models.BooleanField(_("conflict of interest declared"), default=False)
    nature = models.TextField(_("nature of the conflict"), blank=True)
    declared_at = models.DateTimeField(_("declared"), auto_now_add=True)

    class Meta:
        verbose_name = _("IP review declaration")
        verbose_name_plural = _("IP review declarations")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "ip_manager"], name="ip_declaration_once_per_pair"),
            models.CheckConstraint(condition=Q(conflict=True) | Q(nature=""), name="ip_declaration_nature_if_conflict"),
        ]

    def __str__(self) -> str:
        return f"{self.ip_manager} · {self.proposal}"


class IPReview(models.Model):
    """The program's IP review of one application: findings and a verdict (one per application, revisable)."""

    proposal = models.OneToOneField(
        "intake.Proposal", on_delete=models.CASCADE, related_name="ip_review", verbose_name=_("proposal")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("IP manager")
    )
    findings = models.TextField(_("findings"))
    verdict = models.CharField(_("verdict"), max_length=16, choices=IPVerdict.choices)
    changes_needed = models.TextField(
        _("changes needed"),
        blank=True,
        help_text=_("What the applicants must change; required when the verdict is needs changes."),
    )
    submitted_at = models.DateTimeField(_("submitted"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("IP review")
        verbose_name_plural = _("IP reviews")
        constraints = [
            models.CheckConstraint(
                condition=~Q(verdict=IPVerdict.NEEDS_CHANGES) | ~Q(changes_needed=""),
                name="ip_review_changes_when_needed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal} · {self.get_verdict_display()}"
