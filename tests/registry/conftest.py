"""The registry's people and assets: a program, a member organization owning assets, another member, an IP manager."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from accounts.choices import Role
from accounts.models import Organization, User
from intake.models import Program, ProgramMembership
from registry.choices import AssetCategory, AssetState, AssetType, Listing, OfferedTo
from registry.models import AssetOwner, IPAsset
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory, UserFactory

#: A file the upload checks accept: a minimal PDF without active content.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)


@dataclass
class World:
    program: Program
    elsewhere: Program
    owner_org: Organization
    owner: User
    member_org: Organization
    member: User
    outsider: User
    ip_manager: User
    other_ip_manager: User


def member_of(program: Program, *, email: str, name: str) -> tuple[Organization, User]:
    organization = OrganizationFactory(legal_name=name)
    ProgramMembership.objects.create(program=program, organization=organization, starts_on=date(2020, 1, 1))
    user = UserFactory(email=email, display_name=email.split("@")[0].title())
    MembershipFactory(user=user, organization=organization)
    return organization, user


@pytest.fixture
def world(db: None) -> World:
    program = ProgramFactory()
    elsewhere = ProgramFactory()
    owner_org, owner = member_of(program, email="olive@example.com", name="Owner Labs")
    member_org, member = member_of(program, email="mel@example.com", name="Member Works")
    return World(
        program=program,
        elsewhere=elsewhere,
        owner_org=owner_org,
        owner=owner,
        member_org=member_org,
        member=member,
        outsider=UserFactory(email="out@example.com"),
        ip_manager=UserFactory(role=Role.IP_MANAGER, programs=[program], email="ipm@example.com"),
        other_ip_manager=UserFactory(role=Role.IP_MANAGER, programs=[elsewhere], email="ipx@example.com"),
    )


def make_asset(
    program: Program, owner: Organization, *, listing: str = Listing.PUBLIC, state: str = AssetState.PUBLISHED,
    created_by: User | None = None, **fields: Any,
) -> IPAsset:  # fmt: skip
    values: dict[str, Any] = {
        "title_en": "Corrosion sensor patent",
        "title_fr": "Brevet de capteur de corrosion",
        "teaser_en": "A sensor that measures corrosion in pipes, with its data.",
        "teaser_fr": "Un capteur qui mesure la corrosion des conduites, avec ses données.",
        "asset_type": AssetType.PATENT,
        "category": AssetCategory.FOREGROUND,
        "offered_to": OfferedTo.MEMBERS,
        "jurisdiction": "CA",
        "keywords": "sensor, pipes",
        "sectors": "advanced_manufacturing,ocean",
        **fields,
    }
    asset = IPAsset.objects.create(
        program=program, listing=listing, state=state, created_by=created_by or UserFactory(), **values
    )
    AssetOwner.objects.create(asset=asset, organization=owner, share=Decimal("100"))
    return asset
