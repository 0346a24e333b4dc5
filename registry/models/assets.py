"""An IP asset of the registry, its owners and their shares."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from intake.choices import Sector
from intake.models import Program
from records.search_text import fold
from registry.choices import AssetCategory, AssetState, AssetType, FeeBasis, LegalStatus, Listing, OfferedTo

#: The fields the full-text index reads (through ``IPAsset.search_text``).
SEARCHED_FIELDS = frozenset({"title_en", "title_fr", "teaser_en", "teaser_fr", "keywords"})


def _french() -> bool:
    return (translation.get_language() or "").startswith("fr")


class IPAsset(models.Model):
    """An IP asset of a program's members: what it is, who owns it, its legal status and the licence offered.

    Its ``state`` moves only through ``registry.services``; who reads it follows its ``listing``
    (``registry.access``). ``search_text`` is the folded text the full-text index holds (``save``
    refreshes it; ``registry.search`` reads it).
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="ip_assets", verbose_name=_("program"))
    title_en = models.CharField(_("title (English)"), max_length=250)
    title_fr = models.CharField(_("title (French)"), max_length=250)
    teaser_en = models.TextField(
        _("teaser (English)"), help_text=_("What it is and what it is good for, in a few lines.")
    )
    teaser_fr = models.TextField(_("teaser (French)"))
    asset_type = models.CharField(_("type"), max_length=32, choices=AssetType.choices)
    category = models.CharField(_("background or foreground"), max_length=16, choices=AssetCategory.choices)
    #: The funded project it came out of, if any; ``origin`` says where it came from otherwise.
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ip_assets",
        verbose_name=_("originating project"),
    )
    #: The version of the project's IP agreement that governs it. A number, not a link: the agreements'
    #: model belongs to the project's contracting and is read there by this number.
    agreement_version = models.PositiveIntegerField(_("IP agreement version"), null=True, blank=True)
    origin = models.TextField(_("origin"), blank=True, help_text=_("Where the asset comes from, in a sentence."))
    jurisdiction = models.CharField(
        _("jurisdiction"),
        max_length=16,
        blank=True,
        help_text=_("A country code (CA, US, FR…), EU for the European Union, or WO for an international filing."),
    )
    filing_number = models.CharField(_("filing number"), max_length=100, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=100, blank=True)
    legal_status = models.CharField(
        _("legal status"), max_length=16, choices=LegalStatus.choices, default=LegalStatus.UNREGISTERED
    )
    filed_on = models.DateField(_("filed"), null=True, blank=True)
    granted_on = models.DateField(_("granted or registered"), null=True, blank=True)
    expires_on = models.DateField(_("expires"), null=True, blank=True)
    keywords = models.CharField(_("keywords"), max_length=500, blank=True, help_text=_("Separated by commas."))
    #: The sectors (``intake.choices.Sector`` values) separated by commas.
    sectors = models.CharField(_("sectors"), max_length=500, blank=True)
    exclusive = models.BooleanField(_("exclusive licence offered"), default=False)
    field_of_use = models.TextField(_("field of use"), blank=True)
    territory = models.CharField(_("territory"), max_length=200, blank=True)
    fee_basis = models.CharField(_("fee basis"), max_length=32, choices=FeeBasis.choices, default=FeeBasis.NEGOTIABLE)
    offered_to = models.CharField(_("licence offered to"), max_length=16, choices=OfferedTo.choices)
    listing = models.CharField(_("listing"), max_length=16, choices=Listing.choices, default=Listing.PRIVATE)
    state = models.CharField(_("state"), max_length=16, choices=AssetState.choices, default=AssetState.DRAFT)
    #: The IP manager's message when sending the asset back to its owners.
    check_message = models.TextField(_("IP manager's message"), blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("IP asset")
        verbose_name_plural = _("IP assets")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["program", "state", "listing"], name="ipasset_program_state_listing")]
        constraints = [
            models.CheckConstraint(
                condition=Q(granted_on__isnull=True)
                | Q(filed_on__isnull=True)
                | Q(granted_on__gte=models.F("filed_on")),
                name="ipasset_granted_after_filed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = self.compose_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & SEARCHED_FIELDS and "search_text" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "search_text"]
        super().save(*args, **kwargs)

    @property
    def title(self) -> str:
        return self.title_fr if _french() else self.title_en

    @property
    def teaser(self) -> str:
        return self.teaser_fr if _french() else self.teaser_en

    @property
    def sector_list(self) -> list[str]:
        return [value for value in self.sectors.split(",") if value]

    @property
    def sector_labels(self) -> list[str]:
        labels = dict(Sector.choices)
        return [str(labels.get(value, value)) for value in self.sector_list]

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]

    def compose_search_text(self) -> str:
        """Return the folded text the full-text index holds: titles, teasers and keywords in both languages."""
        return fold(" ".join((self.title_en, self.title_fr, self.teaser_en, self.teaser_fr, self.keywords)))


class AssetOwner(models.Model):
    """An organization owning a share of an asset; an asset's shares sum to 100 (``registry.services``)."""

    asset = models.ForeignKey(IPAsset, on_delete=models.CASCADE, related_name="owners", verbose_name=_("asset"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="ip_ownerships", verbose_name=_("organization")
    )
    share = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("owner")
        verbose_name_plural = _("owners")
        ordering = ["-share", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "organization"], name="asset_owner_unique_organization"),
            models.CheckConstraint(condition=Q(share__gt=0) & Q(share__lte=100), name="asset_owner_share_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.share} %)"
