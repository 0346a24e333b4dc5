"""Benchmark of the IP registry's search: 20,000 assets owned by 2,000 member organizations.

The seed writes with ``bulk_create``: one program, 2,000 organizations each holding a current
membership of it, and 20,000 assets, each owned by one of them (ten each), a third public, a
third members only, a third private, nine in ten published (the rest submitted or drafts).
Each asset's title, teaser and keywords name one of 20 subjects in English and French, so a
subject's word is in 1 asset in 20 (1,000 assets, about 300 of them readable by the searcher);
``search_text`` is composed before the insert (``IPAsset.compose_search_text``), and SQLite's
triggers index it in the FTS5 table. The pages are read by a person of one member
organization, who reads every public and members-only asset and their own private ones.
``--scale`` does not apply: the budget is for 20,000 assets. The directory's cases give those
2,000 organizations each a profile naming one of the subjects (``seed_directory``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.people import bench_user
from bench.registry import SeedContext, case
from bench.sign_in import log_in

ASSETS = 20_000
MEMBER_ORGANIZATIONS = 2_000
#: The subjects of the assets: (English, French), one per asset in turn.
SUBJECTS = [
    ("corrosion sensor for pipes", "capteur de corrosion pour conduites"),
    ("underwater acoustic modem", "modem acoustique sous-marin"),
    ("crop yield forecast", "prevision du rendement des cultures"),
    ("protein extraction from peas", "extraction de proteines de pois"),
    ("battery thermal model", "modele thermique de batterie"),
    ("welding robot vision", "vision pour robot de soudage"),
    ("fish stock survey drone", "drone de releve des stocks de poissons"),
    ("hydrogen fuel cell membrane", "membrane de pile a hydrogene"),
    ("predictive maintenance of turbines", "maintenance predictive des turbines"),
    ("medical image segmentation", "segmentation d'images medicales"),
    ("supply chain demand model", "modele de demande de la chaine d'approvisionnement"),
    ("composite wing panel", "panneau d'aile en composite"),
    ("soil moisture probe", "sonde d'humidite du sol"),
    ("natural language claims triage", "triage des reclamations en langage naturel"),
    ("ice load detection on ships", "detection des charges de glace sur les navires"),
    ("precision fermentation strain", "souche de fermentation de precision"),
    ("additive manufacturing alloy", "alliage pour fabrication additive"),
    ("wave energy converter", "convertisseur d'energie des vagues"),
    ("freight route optimizer", "optimiseur d'itineraires de fret"),
    ("cold chain temperature tag", "etiquette de temperature de la chaine du froid"),
]
#: The French word the search case looks for: one subject's, in 1 asset in 20.
SEARCHED_WORD = "conduites"


@dataclass(frozen=True)
class Registry:
    member: Any
    program_pk: int


def seed_registry(ctx: SeedContext) -> Registry:
    """Create one program, its 2,000 member organizations and their 20,000 assets, and a member to read them."""
    from accounts.choices import OrganizationType, Role
    from accounts.models import Membership, Organization
    from intake.models import Program, ProgramMembership
    from registry.choices import AssetCategory, AssetState, AssetType, Listing, OfferedTo
    from registry.models import AssetOwner, IPAsset

    program = Program.objects.create(
        slug="registry-bench", name_en="Ocean Supercluster", name_fr="Supergrappe des océans", description_en="."
    )
    since = (ctx.now - timedelta(days=400)).date()
    organizations = Organization.objects.bulk_create(
        Organization(legal_name=f"Member {index}", kind=OrganizationType.SME, employee_count=40, country="CA",
                     province="NS")
        for index in range(MEMBER_ORGANIZATIONS)
    )  # fmt: skip
    ProgramMembership.objects.bulk_create(
        ProgramMembership(program=program, organization=organization, starts_on=since) for organization in organizations
    )
    member = bench_user("member@bench.example", "Morgan Member", Role.APPLICANT)
    Membership.objects.create(user=member, organization=organizations[0])
    types, listings = list(AssetType.values), [Listing.PUBLIC, Listing.MEMBERS, Listing.PRIVATE]
    states = [AssetState.PUBLISHED] * 9 + [AssetState.SUBMITTED]
    assets = []
    for index in range(ASSETS):
        english, french = SUBJECTS[index % len(SUBJECTS)]
        state = states[index % len(states)] if index % 50 else AssetState.DRAFT
        asset = IPAsset(
            program=program,
            title_en=f"{english.capitalize()} {index}",
            title_fr=f"{french.capitalize()} {index}",
            teaser_en=f"A {english} that members license for their own products and services.",
            teaser_fr=f"Un {french} que les membres prennent sous licence pour leurs produits et services.",
            asset_type=types[index % len(types)],
            category=AssetCategory.FOREGROUND if index % 3 else AssetCategory.BACKGROUND,
            jurisdiction="CA" if index % 4 else "EU",
            keywords=f"{english.split()[0]}, {french.split()[0]}",
            sectors="ocean" if index % 2 else "advanced_manufacturing",
            offered_to=OfferedTo.MEMBERS,
            listing=listings[(index // 7) % len(listings)],
            state=state,
            created_by=member,
            published_at=ctx.now - timedelta(minutes=index) if state == AssetState.PUBLISHED else None,
        )
        asset.search_text = asset.compose_search_text()
        assets.append(asset)
    IPAsset.objects.bulk_create(assets, batch_size=2000)
    # Each organization owns ten assets, one in every 2,000: the member's own organization those from the first on.
    AssetOwner.objects.bulk_create(
        (
            AssetOwner(asset=asset, organization=organizations[position % MEMBER_ORGANIZATIONS], share=Decimal("100"))
            for position, asset in enumerate(assets)
        ),
        batch_size=5000,
    )
    return Registry(member=member, program_pk=program.pk)


def log_in_member(client: Any, data: Registry) -> None:
    log_in(client, data.member)


@case(
    "registry_search",
    target_ratio=40,
    seed=seed_registry,
    prepare=log_in_member,
    description="The registry searched by a member for a French word, among 20,000 assets (first page of 25).",
)
def registry_search(client: Any, data: Registry) -> Any:
    return client.get("/registry/", {"q": SEARCHED_WORD})


@case(
    "registry_list",
    seed=seed_registry,
    prepare=log_in_member,
    description="The registry listed for a member without words, newest first, among 20,000 assets (25 a page).",
)
def registry_list(client: Any, data: Registry) -> Any:
    return client.get("/registry/")


#: The word the directory's search looks for: a subject's, in both languages, in the profiles of 1 organization in 20.
DIRECTORY_WORD = "corrosion"


def seed_directory(ctx: SeedContext) -> Registry:
    """Give each of the registry's 2,000 member organizations a directory profile naming one subject, indexed.

    The profiles are written with ``bulk_create`` and their rows of SQLite's search index as the
    directory's service writes them (``registry.services.directory.directory_index_write``).
    """
    from accounts.models import Organization
    from registry.models import OrganizationProfile
    from registry.services.directory import directory_index_write

    registry = ctx.need(seed_registry)
    organizations = list(
        Organization.objects.filter(program_memberships__program_id=registry.program_pk).order_by("pk")
    )
    profiles = OrganizationProfile.objects.bulk_create(
        OrganizationProfile(
            organization=organization,
            description_en=f"We build the {SUBJECTS[index % len(SUBJECTS)][0]} for our customers.",
            description_fr=f"Nous concevons {SUBJECTS[index % len(SUBJECTS)][1]} pour nos clients.",
            capabilities="Prototyping, field trials",
            technologies=SUBJECTS[index % len(SUBJECTS)][0].split()[0],
            sectors=",ocean," if index % 2 else ",advanced_manufacturing,",
            region="Nova Scotia" if index % 3 else "Bavaria",
        )
        for index, organization in enumerate(organizations)
    )
    for profile, organization in zip(profiles, organizations, strict=True):
        body = "\n".join([organization.legal_name, profile.description_en, profile.description_fr,
                          profile.capabilities, profile.technologies, profile.region])  # fmt: skip
        directory_index_write(kind="profile", ref=profile.pk, body=body)
    return registry


@case(
    "directory_search",
    target_ratio=40,
    seed=seed_directory,
    prepare=log_in_member,
    description="The member directory searched by a member for a word, among 2,000 member organizations.",
)
def directory_search(client: Any, data: Registry) -> Any:
    return client.get(f"/directory/{data.program_pk}/", {"q": DIRECTORY_WORD})


@case(
    "directory_list",
    target_ratio=40,
    seed=seed_directory,
    prepare=log_in_member,
    description="The member directory listed for a member without words, among 2,000 member organizations.",
)
def directory_list(client: Any, data: Registry) -> Any:
    return client.get(f"/directory/{data.program_pk}/")
