"""The registry's use cases: registering and publishing an asset, licence requests and their answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.errors import ActionForbidden, StaleAction
from records.events import Channel, Event
from records.models import AuditRecord, Notification
from registry.choices import AssetCategory, AssetState, AssetType, Listing, OfferedTo, RequestState
from registry.models import AssetOwner, Licence
from registry.services import assets as services
from registry.services.assets import Share
from tests.factories import OrganizationFactory
from tests.registry.conftest import PDF, World, make_asset

pytestmark = pytest.mark.django_db

FIELDS: dict[str, Any] = {
    "title_en": "Ocean data set",
    "title_fr": "Jeu de données océaniques",
    "teaser_en": "Ten years of buoy data.",
    "teaser_fr": "Dix ans de données de bouées.",
    "asset_type": AssetType.DATA,
    "category": AssetCategory.BACKGROUND,
    "offered_to": OfferedTo.MEMBERS,
    "listing": Listing.MEMBERS,
}


def _told(event: str) -> set[str]:
    return set(
        Notification.objects.filter(event=event, channel=Channel.INBOX).values_list("recipient__email", flat=True)
    )


def test_asset_register_by_a_member_for_their_organization_makes_a_draft(world: World) -> None:
    asset = services.asset_register(
        by=world.owner, program=world.program, organization=world.owner_org, fields=FIELDS,
        owners=[Share(world.owner_org, Decimal("60")), Share(world.member_org, Decimal("40"))],
    )  # fmt: skip

    assert asset.state == AssetState.DRAFT
    assert sorted(AssetOwner.objects.filter(asset=asset).values_list("share", flat=True)) == [
        Decimal("40.00"),
        Decimal("60.00"),
    ]
    record = AuditRecord.objects.get(action="ip_asset_register")
    assert record.program_id == world.program.pk
    assert record.data["asset"] == asset.pk


def test_asset_register_refuses_shares_not_adding_to_100(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        services.asset_register(
            by=world.owner, program=world.program, organization=world.owner_org, fields=FIELDS,
            owners=[Share(world.owner_org, Decimal("60")), Share(world.member_org, Decimal("30"))],
        )  # fmt: skip

    assert "add up to 90" in str(error.value.message_dict["owners"])


def test_asset_register_refuses_a_non_member(world: World) -> None:
    organization = OrganizationFactory()
    with pytest.raises(ActionForbidden):
        services.asset_register(
            by=world.outsider, program=world.program, organization=organization, fields=FIELDS,
            owners=[Share(organization, Decimal("100"))],
        )  # fmt: skip


def test_asset_submit_publish_tells_the_ip_manager_then_the_owners(world: World) -> None:
    asset = make_asset(world.program, world.owner_org, state=AssetState.DRAFT)

    services.asset_submit(by=world.owner, asset=asset)
    assert _told(Event.IP_ASSET_SUBMITTED) == {"ipm@example.com"}

    with pytest.raises(ActionForbidden):
        services.asset_publish(by=world.other_ip_manager, asset=asset)
    published = services.asset_publish(by=world.ip_manager, asset=asset)

    assert published.state == AssetState.PUBLISHED
    assert _told(Event.IP_ASSET_PUBLISHED) == {"olive@example.com"}
    with pytest.raises(StaleAction):
        services.asset_publish(by=world.ip_manager, asset=asset)


def test_asset_send_back_needs_a_message_and_returns_a_draft(world: World) -> None:
    asset = make_asset(world.program, world.owner_org, state=AssetState.SUBMITTED)

    with pytest.raises(ValidationError):
        services.asset_send_back(by=world.ip_manager, asset=asset, message=" ")
    back = services.asset_send_back(by=world.ip_manager, asset=asset, message="Add the filing number.")

    assert back.state == AssetState.DRAFT
    assert back.check_message == "Add the filing number."
    assert _told(Event.IP_ASSET_SENT_BACK) == {"olive@example.com"}


def test_asset_edit_only_by_owners_and_only_when_not_published(world: World) -> None:
    asset = make_asset(world.program, world.owner_org, state=AssetState.DRAFT)
    owners = [Share(world.owner_org, Decimal("100"))]

    with pytest.raises(ActionForbidden):
        services.asset_edit(by=world.member, asset=asset, fields={"title_en": "Mine"}, owners=owners)
    edited = services.asset_edit(by=world.owner, asset=asset, fields={"keywords": "hydrogène"}, owners=owners)
    assert edited.search_text.endswith("hydrogene")

    published = make_asset(world.program, world.owner_org)
    with pytest.raises(StaleAction):
        services.asset_edit(by=world.owner, asset=published, fields={"title_en": "New"}, owners=owners)


def _request(world: World, **kwargs: Any) -> Any:
    asset = kwargs.pop("asset", None) or make_asset(world.program, world.owner_org, listing=Listing.MEMBERS)
    return services.licence_request_create(
        by=world.member, asset=asset, organization=world.member_org, intended_use="Pipeline monitoring."
    )


def test_licence_request_tells_owners_and_ip_manager(world: World) -> None:
    request = _request(world)

    assert request.state == RequestState.OPEN
    assert _told(Event.LICENCE_REQUESTED) == {"olive@example.com", "ipm@example.com"}
    assert AuditRecord.objects.get(action="licence_request").data["request"] == request.pk


def test_licence_request_refused_to_an_owner_a_non_member_and_twice(world: World) -> None:
    asset = make_asset(world.program, world.owner_org)
    with pytest.raises(ValidationError):
        services.licence_request_create(by=world.owner, asset=asset, organization=world.owner_org, intended_use="x")
    with pytest.raises(ActionForbidden):
        services.licence_request_create(
            by=world.outsider, asset=asset, organization=OrganizationFactory(), intended_use="x"
        )
    _request(world, asset=asset)
    with pytest.raises(ValidationError):
        _request(world, asset=asset)


def test_licence_request_refused_on_a_private_asset_the_member_cannot_see(world: World) -> None:
    asset = make_asset(world.program, world.owner_org, listing=Listing.PRIVATE)

    with pytest.raises(ActionForbidden):
        _request(world, asset=asset)


def test_licence_thread_message_tells_the_other_side(world: World) -> None:
    request = _request(world)

    services.licence_message_post(by=world.owner, request=request, body="Which pipelines?")
    assert _told(Event.LICENCE_MESSAGE) == {"mel@example.com"}
    with pytest.raises(ActionForbidden):
        services.licence_message_post(by=world.outsider, request=request, body="Hello")


def _upload(name: str = "licence.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_licence_agree_records_the_licence_and_its_document(world: World, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    request = _request(world)

    licence = services.licence_agree(
        by=world.owner, request=request, terms="2 % royalty.", starts_on=date(2027, 1, 1), ends_on=None,
        upload=_upload("../../signed licence.pdf"),
    )  # fmt: skip

    request.refresh_from_db()
    assert request.state == RequestState.AGREED
    assert licence.document_name == "signed licence.pdf"
    assert licence.licensors == [{"organization": world.owner_org.pk, "name": "Owner Labs", "share": "100.00"}]
    assert _told(Event.LICENCE_AGREED) == {"mel@example.com", "ipm@example.com"}
    with pytest.raises(StaleAction):
        services.licence_decline(by=world.owner, request=request, reason="Too late")


def test_licence_agree_refuses_a_file_that_is_not_a_document(world: World) -> None:
    request = _request(world)

    with pytest.raises(ValidationError) as error:
        services.licence_agree(
            by=world.owner, request=request, terms="x", starts_on=date(2027, 1, 1), ends_on=None,
            upload=_upload("licence.pdf", b"MZ\x90\x00 not a document"),
        )  # fmt: skip

    assert "document" in error.value.message_dict
    assert not Licence.objects.exists()


def test_licence_agree_refused_to_the_requester(world: World) -> None:
    request = _request(world)

    with pytest.raises(ActionForbidden):
        services.licence_agree(
            by=world.member, request=request, terms="x", starts_on=date(2027, 1, 1), ends_on=None, upload=_upload()
        )


def test_licence_decline_needs_a_reason_and_tells_the_requester(world: World) -> None:
    request = _request(world)

    with pytest.raises(ValidationError):
        services.licence_decline(by=world.owner, request=request, reason="")
    declined = services.licence_decline(by=world.owner, request=request, reason="Exclusive elsewhere.")

    assert declined.state == RequestState.DECLINED
    assert _told(Event.LICENCE_DECLINED) == {"mel@example.com", "ipm@example.com"}


def test_licence_request_withdraw_by_the_requester_only(world: World) -> None:
    request = _request(world)

    with pytest.raises(ActionForbidden):
        services.licence_request_withdraw(by=world.owner, request=request)
    withdrawn = services.licence_request_withdraw(by=world.member, request=request)

    assert withdrawn.state == RequestState.WITHDRAWN
    assert _told(Event.LICENCE_WITHDRAWN) == {"olive@example.com", "ipm@example.com"}
