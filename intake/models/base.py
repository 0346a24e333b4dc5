"""The bases and field helpers intake's models share: bilingual fields, the legal hold, amounts and percentages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


def money(label: Any, **options: Any) -> models.DecimalField:
    """A dollar amount, never negative."""
    return models.DecimalField(label, max_digits=14, decimal_places=2, validators=NOT_NEGATIVE, **options)


class BilingualMixin:
    """Read a field kept in English and French in the active language, falling back to English."""

    def localized(self, field: str) -> str:
        language = (translation.get_language() or "en")[:2]
        return getattr(self, f"{field}_{language}", "") or getattr(self, f"{field}_en")


class LegalHold(models.Model):
    """Who put the record under a legal hold, when and why: disposition waits while it is set (docs/retention.md)."""

    legal_hold_at = models.DateTimeField(_("legal hold since"), null=True, blank=True, editable=False)
    legal_hold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        editable=False, verbose_name=_("legal hold set by"),
    )  # fmt: skip
    legal_hold_reason = models.TextField(_("reason for the legal hold"), blank=True, editable=False)

    class Meta:
        abstract = True
