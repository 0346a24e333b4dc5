"""Seed the demo's IP registry: assets of the demo's organizations in each listing, and one open licence request.

Every step goes through the registry's own services, so it is audited and notified as on the
pages: the owners' people register and submit each asset, the demo IP manager publishes it (one
stays waiting for the check, for the IP manager's dashboard), and a person of Laurentian Rail
requests a licence on Northern Robotics' public patent, which the demo applicant, of Northern
Robotics, answers with a question in the thread; the request stays open.

Runs after ``memberships``: the owners and the requester are members of the first cluster by then.
An asset is found by its program and English title, the request by its asset and organization;
a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from accounts.choices import Role
from accounts.models import Membership, Organization, User
from demo.seed.common import DemoSummary
from demo.seed.people import DemoPeople, demo_user
from intake.models import Program
from registry.choices import AssetCategory, AssetType, FeeBasis, LegalStatus, Listing, OfferedTo
from registry.models import IPAsset, LicenceRequest
from registry.services.assets import (
    Share,
    asset_publish,
    asset_register,
    asset_submit,
    licence_message_post,
    licence_request_create,
)

#: The demo's IP manager, of every cluster, and Laurentian Rail's person (the licence request's requester).
IP_MANAGER = ("ip-manager@demo.clusterflow.ca", "Iris IP Manager", Role.IP_MANAGER, "fr")
RAIL_MEMBER = ("member@demo.clusterflow.ca", "Louis Laurentian", Role.APPLICANT, "fr")
RAIL = "Laurentian Rail Corp."
ROBOTICS = "Northern Robotics Inc."
HARBOURVIEW = "Harbourview Analytics Inc."


@dataclass(frozen=True)
class DemoAsset:
    """An asset of the demo: its owners (legal name, share), whether the IP manager publishes it, and its fields."""

    owners: tuple[tuple[str, str], ...]
    published: bool
    fields: dict[str, Any]


ASSETS = [
    DemoAsset(
        owners=((ROBOTICS, "100"),),
        published=True,
        fields={
            "title_en": "Magnetic climbing platform for steel inspection",
            "title_fr": "Plateforme d'escalade magnétique pour l'inspection de l'acier",
            "teaser_en": "A robot that climbs steel bridges and tanks on magnetic tracks, carrying inspection sensors.",
            "teaser_fr": "Un robot qui grimpe sur les ponts et réservoirs d'acier sur chenilles magnétiques, "
            "avec ses capteurs d'inspection.",
            "asset_type": AssetType.PATENT,
            "category": AssetCategory.BACKGROUND,
            "origin": "Developed by Northern Robotics before joining the cluster.",
            "jurisdiction": "CA",
            "filing_number": "CA 3 112 448",
            "legal_status": LegalStatus.PENDING,
            "keywords": "robotics, inspection, bridges, ponts, robotique",
            "sectors": "advanced_manufacturing",
            "exclusive": False,
            "field_of_use": "Inspection of steel infrastructure.",
            "territory": "Canada",
            "fee_basis": FeeBasis.ROYALTY,
            "offered_to": OfferedTo.ANYONE,
            "listing": Listing.PUBLIC,
        },
    ),
    DemoAsset(
        owners=((RAIL, "100"),),
        published=True,
        fields={
            "title_en": "Bridge inspection records, 2009 to 2024",
            "title_fr": "Relevés d'inspection des ponts, 2009 à 2024",
            "teaser_en": "Fifteen years of inspection records of 420 rail bridges, with photographs and defect codes.",
            "teaser_fr": "Quinze ans de relevés d'inspection de 420 ponts ferroviaires, "
            "avec photos et codes de défauts.",
            "asset_type": AssetType.DATA,
            "category": AssetCategory.BACKGROUND,
            "origin": "Collected by Laurentian Rail's maintenance teams.",
            "jurisdiction": "CA",
            "keywords": "data, bridges, rail, données, ferroviaire",
            "sectors": "advanced_manufacturing",
            "field_of_use": "Research and the training of defect models.",
            "territory": "Canada",
            "fee_basis": FeeBasis.FREE,
            "offered_to": OfferedTo.MEMBERS,
            "listing": Listing.MEMBERS,
        },
    ),
    DemoAsset(
        owners=((ROBOTICS, "60"), (HARBOURVIEW, "40")),
        published=True,
        fields={
            "title_en": "Wheel-defect classification model",
            "title_fr": "Modèle de classification des défauts de roues",
            "teaser_en": "A trained model that tells wheel flats from other defects in acoustic recordings.",
            "teaser_fr": "Un modèle entraîné qui distingue les méplats de roues des autres défauts "
            "dans les enregistrements acoustiques.",
            "asset_type": AssetType.SOFTWARE,
            "category": AssetCategory.FOREGROUND,
            "origin": "Built by the two owners for their letter of intent's trial.",
            "keywords": "machine learning, acoustics, apprentissage automatique, acoustique",
            "sectors": "advanced_manufacturing",
            "exclusive": True,
            "fee_basis": FeeBasis.NEGOTIABLE,
            "offered_to": OfferedTo.MEMBERS,
            "listing": Listing.PRIVATE,
        },
    ),
    DemoAsset(
        owners=((RAIL, "100"),),
        published=False,
        fields={
            "title_en": "Trackside acoustic array housing",
            "title_fr": "Boîtier de réseau acoustique en bordure de voie",
            "teaser_en": "A self-heating housing that keeps microphones working through a northern winter.",
            "teaser_fr": "Un boîtier chauffant qui garde les microphones en marche tout l'hiver nordique.",
            "asset_type": AssetType.INDUSTRIAL_DESIGN,
            "category": AssetCategory.BACKGROUND,
            "jurisdiction": "CA",
            "keywords": "acoustics, winter, acoustique, hiver",
            "sectors": "advanced_manufacturing",
            "fee_basis": FeeBasis.NEGOTIABLE,
            "offered_to": OfferedTo.MEMBERS,
            "listing": Listing.MEMBERS,
        },
    ),
]

REQUEST = {
    "intended_use": "Mount our trackside sensors on the platform to inspect our steel rail bridges.",
    "field_of_use": "Inspection of rail bridges",
    "territory": "Quebec and Ontario",
}
QUESTION = "Would you inspect the bridges yourselves, or would a contractor operate the platform for you?"


def registry_seed(*, program: Program, people: DemoPeople, summary: DemoSummary) -> None:
    """Create the IP manager, Laurentian Rail's person, the assets and the open request that are missing."""
    ip_manager = demo_user(
        email=IP_MANAGER[0], name=IP_MANAGER[1], role=IP_MANAGER[2], language=IP_MANAGER[3], summary=summary
    )
    summary.logins.append((str(Role.IP_MANAGER.label), ip_manager.email))
    named = Organization.objects.filter(legal_name__in=[RAIL, ROBOTICS, HARBOURVIEW])
    organizations = {organization.legal_name: organization for organization in named}
    rail_member = demo_user(
        email=RAIL_MEMBER[0], name=RAIL_MEMBER[1], role=RAIL_MEMBER[2], language=RAIL_MEMBER[3], summary=summary
    )
    Membership.objects.get_or_create(user=rail_member, organization=organizations[RAIL])
    summary.logins.append(("Member (Laurentian)", rail_member.email))
    people_of = {ROBOTICS: people.applicant, RAIL: rail_member}
    assets = [
        _asset_seed(program=program, asset=asset, organizations=organizations, by=people_of[asset.owners[0][0]],
                    ip_manager=ip_manager, summary=summary)
        for asset in ASSETS
    ]  # fmt: skip
    patent = assets[0]
    rail = organizations[RAIL]
    if not LicenceRequest.objects.filter(asset=patent, organization=rail).exists():
        request = licence_request_create(by=rail_member, asset=patent, organization=rail, **REQUEST)
        licence_message_post(by=people.applicant, request=request, body=QUESTION)
        summary.created.append(f"licence request of {RAIL} on {patent.title_en}")


def _asset_seed(
    *, program: Program, asset: DemoAsset, organizations: dict[str, Organization], by: User, ip_manager: User,
    summary: DemoSummary,
) -> IPAsset:  # fmt: skip
    """Return the asset, registered, submitted and (if ``asset.published``) published when missing."""
    found = IPAsset.objects.filter(program=program, title_en=asset.fields["title_en"]).first()
    if found is not None:
        return found
    shares = [Share(organization=organizations[name], share=Decimal(share)) for name, share in asset.owners]
    made = asset_register(by=by, program=program, organization=shares[0].organization, fields=asset.fields,
                          owners=shares)  # fmt: skip
    made = asset_submit(by=by, asset=made)
    if asset.published:
        made = asset_publish(by=ip_manager, asset=made)
    summary.created.append(f"IP asset {made.title_en}")
    return made
