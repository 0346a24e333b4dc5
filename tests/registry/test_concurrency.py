"""Two owners answering one licence request at once: one wins, the other is told somebody acted first."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.errors import StaleAction
from registry.choices import Listing, RequestState
from registry.models import Licence, LicenceRequest
from registry.services import assets as services
from tests.concurrency import race, require_row_locks
from tests.factories import MembershipFactory, UserFactory
from tests.registry.conftest import PDF, World, make_asset

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_licence_concurrent_agree_and_decline_one_wins(world: World, settings: Any, tmp_path: Any) -> None:
    require_row_locks()
    settings.MEDIA_ROOT = str(tmp_path)
    second_owner = UserFactory(email="otto@example.com")
    MembershipFactory(user=second_owner, organization=world.owner_org)
    asset = make_asset(world.program, world.owner_org, listing=Listing.MEMBERS)
    request = services.licence_request_create(
        by=world.member, asset=asset, organization=world.member_org, intended_use="Pipeline monitoring."
    )

    outcomes = race([
        lambda: services.licence_agree(
            by=world.owner, request=request, terms="Royalty 2 %.", starts_on=date(2027, 1, 1), ends_on=None,
            upload=SimpleUploadedFile("licence.pdf", PDF),
        ),
        lambda: services.licence_decline(by=second_owner, request=request, reason="Not now."),
    ])  # fmt: skip

    stale = [outcome for outcome in outcomes if isinstance(outcome, StaleAction)]
    assert len(stale) == 1
    final = LicenceRequest.objects.get(pk=request.pk)
    if isinstance(outcomes[0], StaleAction):
        assert final.state == RequestState.DECLINED
        assert not Licence.objects.exists()
    else:
        assert final.state == RequestState.AGREED
        assert Licence.objects.filter(request=final).count() == 1


def test_licence_concurrent_agree_twice_records_one_licence(world: World, settings: Any, tmp_path: Any) -> None:
    require_row_locks()
    settings.MEDIA_ROOT = str(tmp_path)
    second_owner = UserFactory(email="otto@example.com")
    MembershipFactory(user=second_owner, organization=world.owner_org)
    asset = make_asset(world.program, world.owner_org, listing=Listing.MEMBERS)
    request = services.licence_request_create(
        by=world.member, asset=asset, organization=world.member_org, intended_use="Pipeline monitoring."
    )

    def agree(by: Any) -> Any:
        return services.licence_agree(
            by=by, request=request, terms="Royalty.", starts_on=date(2027, 1, 1), ends_on=None,
            upload=SimpleUploadedFile("licence.pdf", PDF),
        )  # fmt: skip

    outcomes = race([lambda: agree(world.owner), lambda: agree(second_owner)])

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Licence", "StaleAction"]
    assert Licence.objects.count() == 1
