"""The registry's enumerations (a leaf): kinds of IP, states, listings and licence terms."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.models.reports import IPKind

#: The kinds of IP an asset is: the same as a funded project reports (``projects.models.IPKind``), so a
#: reported right becomes an asset of its own kind.
AssetType = IPKind


class AssetCategory(models.TextChoices):
    """Whether the IP existed before the project (background) or came out of it (foreground)."""

    BACKGROUND = "background", _("Background IP")
    FOREGROUND = "foreground", _("Foreground IP")


class AssetState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for the IP manager's check")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Listing(models.TextChoices):
    """Who may read an asset: the owners chose it (registry.access applies it everywhere)."""

    PRIVATE = "private", _("Private: the owners and the IP manager")
    MEMBERS = "members", _("Members of the program")
    PUBLIC = "public", _("Public")


class LegalStatus(models.TextChoices):
    UNREGISTERED = "unregistered", _("Not registered")
    PENDING = "pending", _("Application filed")
    GRANTED = "granted", _("Granted or registered")
    EXPIRED = "expired", _("Expired")
    ABANDONED = "abandoned", _("Abandoned")


class FeeBasis(models.TextChoices):
    NEGOTIABLE = "negotiable", _("To be negotiated")
    FREE = "free", _("Free of charge")
    LUMP_SUM = "lump_sum", _("Lump sum")
    ROYALTY = "royalty", _("Royalty")
    LUMP_SUM_AND_ROYALTY = "lump_sum_and_royalty", _("Lump sum and royalty")


class OfferedTo(models.TextChoices):
    MEMBERS = "members", _("Members of the program only")
    ANYONE = "anyone", _("Anyone")


class RequestState(models.TextChoices):
    OPEN = "open", _("Open")
    AGREED = "agreed", _("Agreed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
