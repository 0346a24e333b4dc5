"""Each IP right a funded project reports becomes a draft asset of the registry when staff accept the report."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from projects.models import Project, ProjectPartner, ReportedIPRight
from registry.choices import AssetCategory, AssetState, Listing
from registry.models import AssetOwner, IPAsset
from registry.services.assets import equal_shares
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from workflow import project_reports as services


@pytest.fixture
def project(db: None) -> Project:
    return ProjectFactory(started_on=timezone.localdate() - timedelta(days=200))


def _report_with_right(project: Project, owners: list[ProjectPartner]) -> tuple[object, User]:
    person = UserFactory()
    MembershipFactory(user=person, organization=owners[0].organization)
    report = services.report_create(project=project, by=person, period=1)
    right = ReportedIPRight.objects.create(report=report, title="Sensor fusion method", kind="patent", status="filed")
    right.owners.set(owners)
    services.report_submit(report=report, by=person)
    return report, person


def test_accepting_a_report_makes_each_reported_right_a_private_draft_asset_owned_by_its_owners(
    project: Project, staff: User
) -> None:
    partners = list(ProjectPartner.objects.filter(project=project)[:2])
    report, _person = _report_with_right(project, partners)

    services.report_accept(report=report, by=staff)

    asset = IPAsset.objects.get()
    assert (asset.title_en, asset.asset_type, asset.category, asset.state, asset.listing, asset.project_id) == (
        "Sensor fusion method", "patent", AssetCategory.FOREGROUND, AssetState.DRAFT, Listing.PRIVATE, project.pk,
    )  # fmt: skip
    assert "period 1" in asset.teaser_en
    assert "période 1" in asset.teaser_fr
    assert sorted(AssetOwner.objects.filter(asset=asset).values_list("organization_id", "share")) == sorted(
        [(partners[0].organization_id, Decimal("50.00")), (partners[1].organization_id, Decimal("50.00"))]
    )
    assert ReportedIPRight.objects.get().asset_id == asset.pk


def test_a_report_sent_back_makes_no_asset(project: Project, staff: User) -> None:
    report, _person = _report_with_right(project, list(ProjectPartner.objects.filter(project=project)[:1]))

    services.report_request_changes(report=report, by=staff, message="Name the inventors.")

    assert not IPAsset.objects.exists()


@pytest.mark.parametrize(
    ("count", "shares"),
    [(1, ["100"]), (2, ["50.00", "50.00"]), (3, ["33.34", "33.33", "33.33"]), (0, [])],
)
def test_equal_shares_sum_to_a_hundred_to_the_hundredth(count: int, shares: list[str]) -> None:
    assert equal_shares(count) == [Decimal(share) for share in shares]
    assert sum(equal_shares(count), Decimal("0")) == (Decimal("100") if count else Decimal("0"))
