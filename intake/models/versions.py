"""Submitted versions: what the applicant submitted, frozen for assessors and the board."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
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
    #: The rules the document froze (its ``rules``, as JSON text) and its shape (``schema``), kept by
    #: the database beside it: a list reads every row's frozen rules without reading whole documents.
    frozen_rules = models.GeneratedField(
        expression=KT("data__rules"), output_field=models.TextField(), db_persist=True, verbose_name=_("frozen rules")
    )
    frozen_schema = models.GeneratedField(
        expression=Cast(KT("data__schema"), models.IntegerField()),
        output_field=models.IntegerField(),
        db_persist=True,
        verbose_name=_("document shape"),
    )
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
