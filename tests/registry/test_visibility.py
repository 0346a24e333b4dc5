"""Each listing through every page, search result and export: who sees which asset."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.choices import AssetState, Listing
from registry.models import IPAsset
from registry.search import Filters, assets_search
from tests.conftest import client_for
from tests.registry.conftest import World, make_asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def assets(world: World) -> dict[str, IPAsset]:
    return {
        "private": make_asset(world.program, world.owner_org, listing=Listing.PRIVATE, title_en="Private turbine"),
        "members": make_asset(world.program, world.owner_org, listing=Listing.MEMBERS, title_en="Members turbine"),
        "public": make_asset(world.program, world.owner_org, listing=Listing.PUBLIC, title_en="Public turbine"),
        "draft": make_asset(world.program, world.owner_org, state=AssetState.DRAFT, title_en="Draft turbine"),
    }


def _people(world: World) -> dict[str, Any]:
    return {
        "anonymous": None,
        "outsider": world.outsider,
        "member": world.member,
        "owner": world.owner,
        "ip_manager": world.ip_manager,
        "other_ip_manager": world.other_ip_manager,
    }


#: Which of the assets each person reads.
SEES = {
    "anonymous": {"public"},
    "outsider": {"public"},
    "other_ip_manager": {"public"},
    "member": {"public", "members"},
    "owner": {"public", "members", "private", "draft"},
    "ip_manager": {"public", "members", "private"},
}


@pytest.mark.parametrize("person", sorted(SEES))
def test_listing_applies_to_the_list_search_page_and_export(
    person: str, world: World, assets: dict[str, IPAsset]
) -> None:
    user = _people(world)[person]
    client = client_for(user)
    names = {asset.pk: name for name, asset in assets.items()}

    listed = client.get(reverse("registry:asset_list")).context["assets"]
    searched = client.get(reverse("registry:asset_list"), {"q": "turbine"}).context["assets"]
    exported = client.get(reverse("registry:asset_export"), {"q": "turbine"}).content.decode()
    pages = {
        name: client.get(reverse("registry:asset_detail", kwargs={"pk": asset.pk})).status_code
        for name, asset in assets.items()
    }

    assert {names[asset.pk] for asset in listed} == SEES[person]
    assert {names[asset.pk] for asset in searched} == SEES[person]
    assert {name for name, asset in assets.items() if asset.title_en in exported} == SEES[person]
    assert {name for name, status in pages.items() if status == 200} == SEES[person]
    assert set(pages.values()) <= {200, 404}


def test_listing_members_only_to_current_members(world: World, assets: dict[str, IPAsset]) -> None:
    membership = world.member_org.program_memberships.get()
    membership.ends_on = membership.starts_on
    membership.save()

    visible = set(assets_search(user=world.member, filters=Filters()).values_list("pk", flat=True))

    assert visible == {assets["public"].pk}


@pytest.mark.parametrize(
    ("words", "found"),
    [
        ("brevet", True),  # French title
        ("données", True),  # French teaser, with its accent
        ("donnees", True),  # without it
        ("DONNÉES capteur", True),
        ("corrosion sensor", True),  # English
        ("pip", True),  # a prefix of "pipes"
        ("brevet hydrogène", False),  # every word must match
    ],
)
def test_search_finds_french_and_english_words(world: World, words: str, found: bool) -> None:
    asset = make_asset(world.program, world.owner_org)

    results = list(assets_search(user=None, filters=Filters(text=words)))

    assert (asset in results) is found


def test_search_filters_by_type_sector_jurisdiction_listing_and_category(world: World) -> None:
    asset = make_asset(world.program, world.owner_org, jurisdiction="FR", sectors="health,ocean")
    make_asset(world.program, world.owner_org, asset_type="software", category="background", sectors="oceanic")

    def found(**filters: Any) -> list[IPAsset]:
        return list(assets_search(user=world.member, filters=Filters(**filters)))

    assert found(asset_type="patent") == [asset]
    assert found(sector="ocean") == [asset]
    assert found(jurisdiction="fr") == [asset]
    assert found(category="foreground") == [asset]
    assert found(listing="private") == []


def _queries(client: Any, url: str, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("params", [{}, {"q": "brevet"}])
def test_search_page_queries_do_not_grow_with_results(world: World, params: dict[str, str]) -> None:
    client = client_for(world.member)
    url = reverse("registry:asset_list")
    make_asset(world.program, world.owner_org, listing=Listing.MEMBERS)
    one = _queries(client, url, params)
    for _ in range(8):
        make_asset(world.program, world.owner_org, listing=Listing.MEMBERS)

    assert _queries(client, url, params) == one


def test_export_queries_do_not_grow_with_results(world: World) -> None:
    client = client_for(world.member)
    url = reverse("registry:asset_export")
    make_asset(world.program, world.owner_org)
    one = _queries(client, url, {})
    for _ in range(8):
        make_asset(world.program, world.owner_org)

    assert _queries(client, url, {}) == one


def test_search_follows_an_asset_s_new_words(world: World) -> None:
    asset = make_asset(world.program, world.owner_org)
    asset.title_en = "Hydrogen valve"
    asset.save(update_fields=["title_en"])

    assert list(assets_search(user=None, filters=Filters(text="hydrogen valve"))) == [asset]


def test_search_as_a_subquery_keeps_its_words_and_access_rule(world: World, assets: dict[str, IPAsset]) -> None:
    make_asset(world.program, world.owner_org, title_en="Hydrogen valve")
    found = assets_search(user=world.member, filters=Filters(text="turbine")).values("pk")

    names = set(IPAsset.objects.filter(pk__in=found).values_list("title_en", flat=True))

    assert names == {"Public turbine", "Members turbine"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stored vector and the rank are PostgreSQL's")
def test_search_matches_and_ranks_by_the_stored_vector_on_postgresql(world: World) -> None:
    once = make_asset(world.program, world.owner_org, title_en="Turbine blade")
    thrice = make_asset(world.program, world.owner_org, title_en="Turbine turbine blade", keywords="turbine")
    search = assets_search(user=None, filters=Filters(text="turbin"))

    sql = str(search.query)

    assert '"search_vector" @@' in sql
    assert "to_tsvector" not in sql
    assert list(search) == [thrice, once]


@pytest.mark.parametrize(
    ("language", "title", "teaser"), [("en", "Sensor &lt;b&gt; &amp; co", "A"), ("fr", "Capteur", "Un")]
)
def test_a_result_row_shows_the_asset_in_the_reader_s_language_escaped(
    world: World, language: str, title: str, teaser: str
) -> None:
    world.member.preferred_language = language
    world.member.save(update_fields=["preferred_language"])
    long_teaser = " ".join(["word"] * 40)
    asset = make_asset(
        world.program, world.owner_org, listing=Listing.MEMBERS, title_en="Sensor <b> & co", title_fr="Capteur",
        teaser_en=f"A {long_teaser}", teaser_fr=f"Un {long_teaser}", jurisdiction="",
    )  # fmt: skip

    page = client_for(world.member).get(reverse("registry:asset_list"), {"q": "capteur"}).content.decode()

    url = reverse("registry:asset_detail", args=[asset.pk])
    assert f'<a href="{url}">{title}</a>' in page
    assert f'<div class="small text-secondary fw-normal">{teaser} {" ".join(["word"] * 29)} …</div>' in page
    assert f"<td>{asset.get_asset_type_display()}</td><td>—</td><td>{asset.get_listing_display()}</td>" in page
    assert f"<td>{world.program.name}</td></tr>" in page


def test_the_search_form_marks_a_refused_filter_beside_its_field(world: World) -> None:
    page = client_for(world.member).get(reverse("registry:asset_list"), {"q": "x", "type": "rocket"}).content.decode()

    assert 'class="plainselect form-select is-invalid" id="id_type"' in page
    assert '<div id="id_type_error" class="invalid-feedback"><span id="error_1_id_type"><strong>' in page
    assert '<input type="text" name="q" value="x" maxlength="200" class="textinput form-control" id="id_q">' in page
