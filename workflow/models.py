"""The workflow's own records: outages (incidents) and the service standard that extends deadlines after them."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from intake.states import ProposalState


class IncidentSource(models.TextChoices):
    STAFF = "staff", _("Recorded by staff")
    HEALTH_CHECK = "health_check", _("Recorded by the health check")


class Incident(models.Model):
    """A time Clusterflow was out of service for some calls or all; once applied, it extends their deadlines.

    Staff record it (or the health check opens it and closes it on recovery), may edit it
    until it is applied, then apply it once: ``applied_at`` is the record that it was.
    """

    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True, help_text=_("Empty while the outage goes on."))
    all_calls = models.BooleanField(_("all calls"), default=True)
    calls = models.ManyToManyField(
        "intake.Call", blank=True, related_name="incidents", verbose_name=_("calls affected")
    )
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=IncidentSource.choices, default=IncidentSource.STAFF)
    # Which probe of the health check opened it ("database", "broker"); empty when staff did.
    probe = models.CharField(_("probe"), max_length=16, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("applied by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")), name="incident_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(applied_at__isnull=True) | Q(ended_at__isnull=False), name="incident_applied_once_ended"
            ),
            # The health check keeps at most one open incident per probe.
            models.UniqueConstraint(
                fields=["probe"], condition=Q(ended_at__isnull=True) & ~Q(probe=""), name="incident_one_open_per_probe"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} UTC"

    @property
    def description(self) -> str:
        """Return the description in the reader's language, or the other one when that is empty."""
        french = translation.get_language() or ""
        first, second = (
            (self.description_fr, self.description_en)
            if french.startswith("fr")
            else (self.description_en, self.description_fr)
        )
        return first or second

    @property
    def duration(self) -> timedelta | None:
        return None if self.ended_at is None else self.ended_at - self.started_at


class ExtensionRule(models.Model):
    """One cell of the service standard: how long an outage lasted, by how long before the deadline it ended.

    Both are whole minutes and both bounds are inclusive (docs/outages.md says why and how
    they are rounded); an empty upper bound has no limit. No two rules overlap.
    """

    outage_min_minutes = models.PositiveIntegerField(_("outage lasted at least (minutes)"))
    outage_max_minutes = models.PositiveIntegerField(
        _("outage lasted at most (minutes)"), null=True, blank=True, help_text=_("Empty: no upper limit.")
    )
    before_min_minutes = models.PositiveIntegerField(_("ended at least this long before the deadline (minutes)"))
    before_max_minutes = models.PositiveIntegerField(_("ended at most this long before the deadline (minutes)"))
    extension_hours = models.PositiveSmallIntegerField(_("extension (hours)"), help_text=_("0: no extension."))
    in_standard = models.BooleanField(
        _("in the published standard"),
        default=True,
        help_text=_("Off for the cells the tri-agency standard marks as impossible, which Clusterflow fills in."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("extension rule")
        verbose_name_plural = _("extension rules")
        ordering = ["outage_min_minutes", "before_min_minutes"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outage_min_minutes__gte=1)
                & (Q(outage_max_minutes__isnull=True) | Q(outage_max_minutes__gte=F("outage_min_minutes")))
                & Q(before_max_minutes__gte=F("before_min_minutes")),
                name="extension_rule_bands_in_order",
            ),
        ]

    def __str__(self) -> str:
        top = "∞" if self.outage_max_minutes is None else self.outage_max_minutes
        return (
            f"{self.outage_min_minutes}-{top} min, {self.before_min_minutes}-{self.before_max_minutes} min"
            f" → {self.extension_hours} h"
        )


class IncidentExtension(models.Model):
    """What applying an incident gave one call at one stage: the public record, with no proposal named."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="extensions")
    call = models.ForeignKey("intake.Call", on_delete=models.PROTECT, related_name="+", verbose_name=_("call"))
    state = models.CharField(_("stage"), max_length=32, choices=ProposalState.choices)
    extension_hours = models.PositiveSmallIntegerField(_("extension (hours)"))

    class Meta:
        verbose_name = _("extension given by an incident")
        verbose_name_plural = _("extensions given by incidents")
        ordering = ["incident", "call", "state", "extension_hours"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "call", "state", "extension_hours"], name="incident_extension_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident} · {self.call_id} · {self.state} · {self.extension_hours} h"
