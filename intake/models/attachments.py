"""Attachments: the files applicants upload to a proposal, and where they are stored."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.choices import AttachmentType
from intake.models.proposals import Proposal


def attachment_path(attachment: Attachment, filename: str) -> str:
    """Store uploads by proposal under a random name: the user's file name is never a path."""
    return f"proposals/{attachment.proposal_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file an applicant uploaded. Never changed; removing it from the draft keeps it for the versions."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("proposal")
    )
    kind = models.CharField(_("type"), max_length=32, choices=AttachmentType.choices)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=127)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed from the draft"), null=True, blank=True)
    #: The document's text for the search (``intake.extraction``); null until read, "" when it has none.
    text = models.TextField(_("text"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["kind", "uploaded_at", "pk"]
        indexes = [models.Index(fields=["proposal", "removed_at"], name="attachment_current")]

    def __str__(self) -> str:
        return self.original_name
