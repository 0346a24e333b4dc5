"""The registry's pages: the licence journey through the views, the download, the dashboard and its figures."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.choices import AssetState, Listing, RequestState
from registry.models import Licence, LicenceRequest
from registry.selectors.members import registry_figures
from tests.conftest import client_for
from tests.registry.conftest import PDF, World, make_asset

pytestmark = pytest.mark.django_db


def test_licence_journey_through_the_pages(world: World, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    asset = make_asset(world.program, world.owner_org, listing=Listing.MEMBERS)
    member, owner = client_for(world.member), client_for(world.owner)

    found = member.get(reverse("registry:asset_list"), {"q": "données"}).context["assets"]
    assert found == [asset]
    response = member.post(
        reverse("registry:request_create", kwargs={"pk": asset.pk}),
        {"organization": world.member_org.pk, "intended_use": "Monitor our pipelines.", "territory": "Canada"},
    )
    request = LicenceRequest.objects.get()
    assert response.url == reverse("registry:request_detail", kwargs={"pk": request.pk})

    page = owner.get(reverse("registry:licence_agree", kwargs={"pk": request.pk}))
    assert page.context["form"].initial["territory"] == "Canada"
    with open(tmp_path / "signed.pdf", "wb") as handle:
        handle.write(PDF)
    with open(tmp_path / "signed.pdf", "rb") as upload:
        response = owner.post(
            reverse("registry:licence_agree", kwargs={"pk": request.pk}),
            {"terms": "2 % royalty.", "starts_on": "2027-01-01", "territory": "Canada", "document": upload},
        )
    licence = Licence.objects.get()
    assert response.url == reverse("registry:licence_detail", kwargs={"pk": licence.pk})

    download = member.get(reverse("registry:licence_download", kwargs={"pk": licence.pk}))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"] == 'attachment; filename="signed.pdf"'
    assert (
        client_for(world.outsider).get(reverse("registry:licence_download", kwargs={"pk": licence.pk})).status_code
        == 404
    )


def test_licence_agree_page_keeps_input_and_says_what_is_wrong(world: World) -> None:
    asset = make_asset(world.program, world.owner_org)
    request = LicenceRequest.objects.create(
        asset=asset, organization=world.member_org, requested_by=world.member, intended_use="x"
    )

    response = client_for(world.owner).post(
        reverse("registry:licence_agree", kwargs={"pk": request.pk}), {"terms": "Royalty", "starts_on": "2027-01-01"}
    )

    assert response.status_code == 200
    assert "document" in response.context["form"].errors
    assert response.context["form"]["terms"].value() == "Royalty"
    assert LicenceRequest.objects.get().state == RequestState.OPEN


def test_asset_register_page_reports_shares_beside_the_form(world: World) -> None:
    data = {
        "program": world.program.pk, "title_en": "Know-how", "title_fr": "Savoir-faire", "teaser_en": "How.",
        "teaser_fr": "Comment.", "asset_type": "know_how", "category": "background", "legal_status": "unregistered",
        "fee_basis": "negotiable", "offered_to": "members", "listing": "members", "owner": world.owner_org.pk,
        "share": "50",
    }  # fmt: skip

    response = client_for(world.owner).post(reverse("registry:asset_create"), data)

    assert response.status_code == 200
    assert "add up to 50" in str(response.context["form"].non_field_errors())
    assert response.context["form"]["title_fr"].value() == "Savoir-faire"


def test_ip_manager_publishes_from_the_check_page(world: World) -> None:
    asset = make_asset(world.program, world.owner_org, state=AssetState.SUBMITTED)
    client = client_for(world.ip_manager)

    dashboard = client.get(reverse("registry:dashboard"))
    assert dashboard.context["to_check"] == [asset]
    client.post(reverse("registry:asset_check", kwargs={"pk": asset.pk}), {"decision": "publish"})

    asset.refresh_from_db()
    assert asset.state == AssetState.PUBLISHED
    assert (
        client_for(world.other_ip_manager).get(reverse("registry:asset_check", kwargs={"pk": asset.pk})).status_code
        == 404
    )


def test_registry_figures_count_per_program(world: World) -> None:
    asset = make_asset(world.program, world.owner_org, listing=Listing.MEMBERS)
    make_asset(world.program, world.owner_org, state=AssetState.SUBMITTED)
    make_asset(world.program, world.owner_org, listing=Listing.PRIVATE, asset_type="software")
    LicenceRequest.objects.create(asset=asset, organization=world.member_org, requested_by=world.member,
                                  intended_use="x", state="agreed")  # fmt: skip

    figures = registry_figures(program_ids=[world.program.pk, world.elsewhere.pk])

    home = figures[world.program.pk]
    assert (home["assets"], home["to_check"], home["requests"]) == (2, 1, 1)
    assert home["by_type"]["patent"] == 1
    assert home["by_type"]["software"] == 1
    assert home["by_listing"] == {"private": 1, "members": 1, "public": 0}
    assert figures[world.elsewhere.pk]["assets"] == 0


def test_dashboard_queries_do_not_grow_with_rows(world: World) -> None:
    client = client_for(world.ip_manager)
    url = reverse("registry:dashboard")

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    asset = make_asset(world.program, world.owner_org, state=AssetState.SUBMITTED)
    LicenceRequest.objects.create(
        asset=asset, organization=world.member_org, requested_by=world.member, intended_use="x"
    )
    one = count()
    for _ in range(5):
        other = make_asset(world.program, world.owner_org, state=AssetState.SUBMITTED)
        LicenceRequest.objects.create(asset=other, organization=world.member_org, requested_by=world.member,
                                      intended_use="x")  # fmt: skip

    assert count() == one


def test_registry_search_form_keeps_the_chosen_filters() -> None:
    page = (
        client_for(None)
        .get(reverse("registry:asset_list"), {"listing": Listing.PUBLIC.value, "q": "brevet"})
        .content.decode()
    )

    assert f'<option value="{Listing.PUBLIC.value}" selected>{Listing.PUBLIC.label}</option>' in page
    assert '<option value="" selected>' in page  # the other selects: "any"
    assert 'for="id_listing"' in page
    assert 'name="listing"' in page
    assert 'value="brevet"' in page
