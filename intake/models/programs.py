"""Programs: the clusters that run calls and fund projects."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.models.base import BilingualMixin


class Program(BilingualMixin, models.Model):
    """A cluster: the organization that runs calls and funds projects."""

    slug = models.SlugField(_("short name"), unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    # How long unsuccessful proposals are kept after their decision (docs/retention.md).
    retention_days = models.PositiveIntegerField(
        _("retention of unsuccessful proposals (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Days after the decision before an unsuccessful proposal is disposed of. Empty: the default."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.localized("name")

    @property
    def name(self) -> str:
        return self.localized("name")

    @property
    def description(self) -> str:
        return self.localized("description")

    @property
    def effective_retention_days(self) -> int:
        """Return the program's retention of unsuccessful proposals, or the site's default."""
        return self.retention_days or settings.RETENTION_UNSUCCESSFUL_DAYS
