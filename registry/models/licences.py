"""Licence requests on an asset, their thread, and the licence recorded when the owners agree."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from registry.choices import FeeBasis, RequestState
from registry.models.assets import IPAsset


class LicenceRequest(models.Model):
    """A member organization's request for a licence on an asset, answered by its owners in a thread."""

    asset = models.ForeignKey(
        IPAsset, on_delete=models.PROTECT, related_name="licence_requests", verbose_name=_("asset")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="licence_requests",
        verbose_name=_("requesting organization"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    intended_use = models.TextField(_("intended use"))
    field_of_use = models.TextField(_("field of use"), blank=True)
    territory = models.CharField(_("territory"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=RequestState.choices, default=RequestState.OPEN)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )

    class Meta:
        verbose_name = _("licence request")
        verbose_name_plural = _("licence requests")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"], name="licence_request_state_created")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=RequestState.DECLINED) | ~Q(decline_reason=""),
                name="licence_request_declined_has_reason",
            ),
            # One open request per organization and asset: a second one goes into the first one's thread.
            models.UniqueConstraint(
                fields=["asset", "organization"],
                condition=Q(state=RequestState.OPEN),
                name="licence_request_one_open_per_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} → {self.asset}"


class LicenceMessage(models.Model):
    """One message of a licence request's thread, by the requesting side, an owner or the IP manager."""

    request = models.ForeignKey(
        LicenceRequest, on_delete=models.CASCADE, related_name="messages", verbose_name=_("licence request")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    body = models.TextField(_("message"))
    at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"


def licence_path(licence: Licence, filename: str) -> str:
    """Store signed licences by request under a random name: the user's file name is never a path."""
    return f"licences/{licence.request_id}/{uuid.uuid4().hex}"


class Licence(models.Model):
    """The licence recorded when the owners agree: the parties, the terms, the dates and the signed document."""

    request = models.OneToOneField(
        LicenceRequest, on_delete=models.PROTECT, related_name="licence", verbose_name=_("licence request")
    )
    asset = models.ForeignKey(IPAsset, on_delete=models.PROTECT, related_name="licences", verbose_name=_("asset"))
    licensee = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="licences_held", verbose_name=_("licensee")
    )
    #: The owners at the time of the agreement, their names as they were (the licensors).
    licensors = models.JSONField(_("licensors"), default=list)
    exclusive = models.BooleanField(_("exclusive"), default=False)
    field_of_use = models.TextField(_("field of use"), blank=True)
    territory = models.CharField(_("territory"), max_length=200, blank=True)
    fee_basis = models.CharField(_("fee basis"), max_length=32, choices=FeeBasis.choices)
    terms = models.TextField(_("terms"), help_text=_("The main terms as signed: fees, royalties, reporting."))
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    document = models.FileField(_("signed licence"), upload_to=licence_path, max_length=255)
    document_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="licence_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.licensee} · {self.asset}"
