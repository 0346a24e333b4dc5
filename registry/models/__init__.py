"""The members' IP registry and the member directory: their models, one module each."""

from registry.models.assets import AssetOwner, IPAsset
from registry.models.directory import Announcement, OrganizationProfile, RelayMessage, RelayThread
from registry.models.ip_reviews import IPReview, IPReviewDeclaration, IPVerdict
from registry.models.licences import Licence, LicenceMessage, LicenceRequest

__all__ = [
    "Announcement",
    "AssetOwner",
    "IPAsset",
    "IPReview",
    "IPReviewDeclaration",
    "IPVerdict",
    "Licence",
    "LicenceMessage",
    "LicenceRequest",
    "OrganizationProfile",
    "RelayMessage",
    "RelayThread",
]
