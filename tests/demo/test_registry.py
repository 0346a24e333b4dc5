"""The demo's IP registry: assets in each listing, one waiting for the check, an open licence request with a message."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from records.models import AuditRecord
from registry.choices import AssetState, Listing, RequestState
from registry.models import IPAsset, LicenceMessage, LicenceRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def _seed() -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def _titles(client: Client) -> set[str]:
    response = client.get(reverse("registry:asset_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return {asset.title_en for asset in response.context["assets"]}


def test_the_demo_holds_assets_in_each_listing_and_an_open_licence_request() -> None:
    output = _seed()

    assert "  IP manager           ip-manager@demo.clusterflow.ca" in output
    assets = IPAsset.objects.prefetch_related("owners__organization").order_by("pk")
    assert [(asset.listing, asset.state) for asset in assets] == [
        (Listing.PUBLIC, AssetState.PUBLISHED),
        (Listing.MEMBERS, AssetState.PUBLISHED),
        (Listing.PRIVATE, AssetState.PUBLISHED),
        (Listing.MEMBERS, AssetState.SUBMITTED),
        # The patent the demo's funded project reported: a private draft for its owners to complete.
        (Listing.PRIVATE, AssetState.DRAFT),
    ]
    assert {owner.organization.legal_name for asset in assets for owner in asset.owners.all()} == {
        "Northern Robotics Inc.", "Laurentian Rail Corp.", "Harbourview Analytics Inc."
    }  # fmt: skip
    (request,) = LicenceRequest.objects.select_related("asset", "organization")
    assert (request.state, request.organization.legal_name, request.asset.listing) == (
        RequestState.OPEN, "Laurentian Rail Corp.", Listing.PUBLIC
    )  # fmt: skip
    (message,) = LicenceMessage.objects.filter(request=request)
    assert message.author.email == "applicant@demo.clusterflow.ca"
    # Made through the services: each step audited.
    assert (
        AuditRecord.objects.filter(action__in=["ip_asset_publish", "licence_request", "licence_message"]).count() == 5
    )


def test_the_demo_s_registry_shows_each_reader_what_its_listing_allows() -> None:
    _seed()
    published = set(IPAsset.objects.filter(state=AssetState.PUBLISHED).values_list("title_en", flat=True))
    public = set(IPAsset.objects.filter(listing=Listing.PUBLIC).values_list("title_en", flat=True))
    private = set(IPAsset.objects.filter(listing=Listing.PRIVATE).values_list("title_en", flat=True))

    assert _titles(Client()) == public
    rail = Client()
    rail.force_login(User.objects.get(email="member@demo.clusterflow.ca"))
    # Laurentian Rail's person: the published assets but the private one, and their own waiting for the check.
    assert _titles(rail) == (published - private) | {"Trackside acoustic array housing"}
    owner = Client()
    owner.force_login(User.objects.get(email="applicant@demo.clusterflow.ca"))
    # The applicant's organization owns the published assets, and the draft its funded project reported.
    assert _titles(owner) == published | {"Rail-temperature probe for switch heaters"}
    ip_manager = Client()
    ip_manager.force_login(User.objects.get(email="ip-manager@demo.clusterflow.ca"))
    dashboard = ip_manager.get(reverse("registry:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert [item.organization.legal_name for item in dashboard.context["in_progress"]] == ["Laurentian Rail Corp."]
    assert [asset.title_en for asset in dashboard.context["to_check"]] == ["Trackside acoustic array housing"]
