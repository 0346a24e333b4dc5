"""Eligibility overrides: staff's written decisions to set aside a failed eligibility check."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.models.proposals import Proposal


class EligibilityOverride(models.Model):
    """Staff's written decision to set aside one failed eligibility check of a proposal."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="eligibility_overrides", verbose_name=_("proposal")
    )
    check_code = models.CharField(_("check"), max_length=64)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("eligibility override")
        verbose_name_plural = _("eligibility overrides")
        constraints = [models.UniqueConstraint(fields=["proposal", "check_code"], name="override_unique_check")]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.check_code}"
