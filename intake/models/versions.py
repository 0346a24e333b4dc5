"""Submitted versions: what the applicant submitted, frozen for assessors and the board."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.choices import VersionKind
from intake.models.attachments import Attachment
from intake.models.proposals import Proposal


class ProposalVersion(models.Model):
    """What the applicant submitted, frozen: assessors and the board read this, never the draft.

    Written once by the submission and never changed or deleted through the application.
    """

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="versions", verbose_name=_("proposal")
    )
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("submitted as"), max_length=16, choices=VersionKind.choices)
    data = models.JSONField(_("content"))
    attachments = models.ManyToManyField(Attachment, related_name="versions", verbose_name=_("attachments"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted"))

    class Meta:
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")
        ordering = ["proposal", "number"]
        constraints = [models.UniqueConstraint(fields=["proposal", "number"], name="version_unique_number")]

    def __str__(self) -> str:
        return f"{self.proposal} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError(_("A submitted version can never be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError(_("A submitted version can never be deleted."))
