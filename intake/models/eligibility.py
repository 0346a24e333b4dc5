"""Eligibility overrides: staff's written decisions to set aside a failed eligibility check, bound to its figure."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from intake.choices import VersionKind
from intake.eligibility import Check, Verdict
from intake.models.proposals import Proposal


class EligibilityOverride(models.Model):
    """Staff's written decision to set aside one failed eligibility check of a submitted proposal.

    It is bound to what it set aside: the check, the stage, the measured figure and the limit
    (``intake.eligibility.Check.binding``). It covers the check only while all four are
    unchanged; when they change (a new version, a new rule) it lapses, and once its lapse is
    recorded (``lapsed_at``, with the figure and limit then measured) it never covers again.
    Staff may revoke it with a reason; a revoked override is kept, never deleted.

    An override granted before overrides were bound, for which no submitted version gave a
    figure, has no stage and is kept lapsed from the start.
    """

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="eligibility_overrides", verbose_name=_("proposal")
    )
    check_code = models.CharField(_("check"), max_length=64)
    stage = models.CharField(_("stage"), max_length=16, choices=VersionKind.choices, blank=True)
    figure = models.TextField(_("figure"), blank=True, help_text=_("The measured value it set aside."))
    limit = models.TextField(_("limit"), blank=True, help_text=_("The rule's limit at the time."))
    message = models.TextField(_("explanation"), blank=True, help_text=_("The check's explanation at the time."))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    lapsed_at = models.DateTimeField(_("lapsed"), null=True, blank=True)
    lapsed_figure = models.TextField(_("figure when it lapsed"), blank=True)
    lapsed_limit = models.TextField(_("limit when it lapsed"), blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoked_reason = models.TextField(_("reason for the revocation"), blank=True)

    class Meta:
        verbose_name = _("eligibility override")
        verbose_name_plural = _("eligibility overrides")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "check_code", "stage"],
                condition=Q(revoked_at__isnull=True, lapsed_at__isnull=True),
                name="override_one_in_force",
            ),
            models.CheckConstraint(
                # The reason is required by the revocation's service, and emptied with the proposal's content.
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True, revoked_reason="")
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="override_revocation_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.check_code}"

    @property
    def binding(self) -> tuple[str, str, str, str]:
        """The check, stage, figure and limit it set aside (compare ``Check.binding``)."""
        return (self.check_code, self.stage, self.figure, self.limit)

    @property
    def in_force(self) -> bool:
        """Whether it may still cover its check: neither revoked nor recorded as lapsed."""
        return self.revoked_at is None and self.lapsed_at is None

    @property
    def unbound(self) -> bool:
        """Whether it was granted before overrides were bound and no version gave it a figure."""
        return self.stage == ""

    def covers(self, check: Check | Verdict) -> bool:
        """Return whether it sets aside ``check`` now: in force, and bound to the check's very figure and limit."""
        return self.in_force and self.binding == check.binding

    def lapsed_by(self, check: Check | Verdict | None) -> bool:
        """Return whether it is in force yet no longer covers ``check``, its check now (None: no longer checked)."""
        if not self.in_force:
            return False
        return check is None or self.binding != check.binding
