"""The directory's search page: its form's selects, its pages of organizations, its rows in both languages."""

from __future__ import annotations

import importlib
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django import forms
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.choices import OrganizationType
from intake.choices import Sector
from intake.models import ConsortiumRole, Program
from registry.directory_forms import DirectorySearchForm
from registry.selectors.directory import PAGE_SIZE, DirectoryQuery, directory_regions, directory_search
from registry.services.directory import announcement_post
from registry.widgets import PlainSelect, country_choices, country_names
from tests.conftest import client_for
from tests.factories import CallFactory, ProgramFactory
from tests.registry.making import member_organization, person_of, profile

pytestmark = pytest.mark.django_db


class _Options(HTMLParser):
    """The select's own attributes and its options as (value, label, selected)."""

    def __init__(self) -> None:
        super().__init__()
        self.select: dict[str, str | None] = {}
        self.options: list[tuple[str, str, bool]] = []
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "select":
            self.select = dict(attrs)
        elif tag == "option":
            self._open = dict(attrs)
            self.options.append((self._open.get("value") or "", "", "selected" in self._open))

    def handle_data(self, data: str) -> None:
        if self._open is not None and self.options:
            value, label, selected = self.options[-1]
            self.options[-1] = (value, label + data, selected)

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._open = None


def _parsed(html: str) -> _Options:
    parser = _Options()
    parser.feed(html)
    return parser


CHOICES = [("", "Any"), ("a&b", 'A <b> & "c"'), ("x", "Ex"), ("x", "Ex again"), (3, "Three")]


@pytest.mark.parametrize("value", ["", "a&b", "x", "3", "missing", None])
def test_plain_select_renders_what_djangos_select_renders(value: str | None) -> None:
    attrs = {"id": "id_country", "class": "form-select", "aria-invalid": "true", "required": True}

    plain = _parsed(PlainSelect(choices=CHOICES).render("country", value, attrs))
    django = _parsed(forms.Select(choices=CHOICES).render("country", value, attrs))

    assert (
        plain.select
        == django.select
        == {
            "name": "country",
            "id": "id_country",
            "class": "form-select",
            "aria-invalid": "true",
            "required": None,
        }
    )
    assert [(v, label.strip(), s) for v, label, s in plain.options] == [
        (v, label.strip(), s) for v, label, s in django.options
    ]


def test_plain_select_escapes_values_and_labels() -> None:
    html = PlainSelect(choices=CHOICES).render("kind", "x")

    assert '<option value="a&amp;b">A &lt;b&gt; &amp; &quot;c&quot;</option>' in html
    assert html.count(" selected") == 1
    assert '<option value="x" selected>Ex</option>' in html


def test_country_choices_in_each_language_sorted_by_name() -> None:
    with translation.override("en"):
        english = dict(country_choices())
        english_names = [name for _, name in country_choices()]
    with translation.override("fr"):
        french = dict(country_choices())

    assert english["DE"] == "Germany"
    assert french["DE"] == "Allemagne"
    with translation.override("fr"):
        assert country_names() == french
    assert english.keys() == french.keys()
    assert english_names[:2] == ["Afghanistan", "Åland Islands"]


def test_directory_search_form_takes_a_country_of_its_list_only() -> None:
    with translation.override("fr"):
        form = DirectorySearchForm({"country": "DE"}, regions=["Bavaria"])
        refused = DirectorySearchForm({"country": "XX"}, regions=[])

        assert form.is_valid()
        assert '<option value="DE" selected>Allemagne</option>' in str(form["country"])
    assert not refused.is_valid()
    assert list(refused.errors) == ["country"]


@pytest.fixture
def program() -> Program:
    return ProgramFactory()


def test_directory_pages_hold_every_member_once(program: Program) -> None:
    for index in range(PAGE_SIZE + 3):
        member_organization(program, legal_name=f"Member {index:03d}")

    first = directory_search(program=program, query=DirectoryQuery(), page=1)
    second = directory_search(program=program, query=DirectoryQuery(), page="2")
    beyond = directory_search(program=program, query=DirectoryQuery(), page="99")

    assert first.page.paginator.count == PAGE_SIZE + 3
    assert len(first.organizations) == PAGE_SIZE
    assert [o.legal_name for o in second.organizations] == [f"Member {i:03d}" for i in range(PAGE_SIZE, PAGE_SIZE + 3)]
    assert [o.legal_name for o in beyond.organizations] == [o.legal_name for o in second.organizations]


def test_directory_page_links_the_next_page_with_the_filters(program: Program) -> None:
    for index in range(PAGE_SIZE + 1):
        member_organization(program, legal_name=f"Robotics {index:03d}", country="CA")
    client = client_for(person_of(member_organization(program, legal_name="Zeta Robotics", country="CA")))
    url = reverse("directory:search", args=[program.pk])

    first = client.get(url, {"q": "Robotics", "country": "CA"}).content.decode()
    second = client.get(url, {"q": "Robotics", "country": "CA", "page": "2"}).content.decode()

    assert f"{PAGE_SIZE + 2} organizations · page 1 of 2" in first
    assert 'href="?q=Robotics&amp;country=CA&amp;page=2"' in first
    assert 'aria-label="Pages of member organizations"' in first
    assert "Zeta Robotics" not in first
    assert "Zeta Robotics" in second
    assert 'href="?q=Robotics&amp;country=CA&amp;page=1"' in second


def test_directory_page_queries_constant_over_pages(program: Program) -> None:
    client = client_for(person_of(member_organization(program)))
    url = reverse("directory:search", args=[program.pk])

    def count(**params: str) -> int:
        cache.clear()  # the regions read too, not kept from the request before
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        return len(queries)

    one = count()
    for index in range(PAGE_SIZE + 5):
        organization = member_organization(program, legal_name=f"Member {index:03d}")
        profile(organization, person_of(organization), region=f"Region {index}", sectors=["ocean"])

    assert count() == one
    assert count(page="2") == one


def test_directory_rows_in_the_readers_language(program: Program) -> None:
    german = member_organization(program, european=True, legal_name="Cluster Bayern Sensorik")
    profile(german, person_of(german), is_cluster=True, region="Bavaria", sectors=["ocean", "health"])
    reader = person_of(member_organization(program, legal_name="Maple Foods", kind=OrganizationType.SME))
    url = reverse("directory:search", args=[program.pk])

    english = client_for(reader).get(url).content.decode()
    reader.preferred_language = "fr"
    reader.save(update_fields=["preferred_language"])
    french = client_for(reader).get(url).content.decode()

    def row(page: str) -> str:
        found = re.search(r"<tr>\s*<th scope=\"row\"><a [^>]*>Cluster Bayern Sensorik</a>.*?</tr>", page, re.S)
        assert found is not None
        return found.group()

    def cells(language: str) -> str:
        with translation.override(language):
            kind = str(OrganizationType.FOREIGN.label)
            country = dict(country_choices())["DE"]
            sectors = f"{Sector.OCEAN.label}, {Sector.HEALTH.label}"
        return f"<td>{escape(kind)}</td><td>{escape(country)}</td><td>Bavaria</td><td>{escape(sectors)}</td>"

    assert "Cluster</span>" in row(english)
    assert cells("en") in row(english)
    assert "<td>Germany</td>" in row(english)
    assert cells("fr") in row(french)
    assert "<td>Allemagne</td>" in row(french)
    assert f'href="{reverse("directory:profile", args=[program.pk, german.pk])}"' in row(english)
    assert '<option value="Bavaria">Bavaria</option>' in english
    assert '<option value="DE">Allemagne</option>' in french


def test_directory_search_form_marks_a_refused_filter_for_eyes_and_screen_readers(program: Program) -> None:
    client = client_for(person_of(member_organization(program)))

    response = client.get(reverse("directory:search", args=[program.pk]), {"q": "sensors", "country": "XX"})
    page = response.content.decode()
    country = _parsed(re.search(r"<select name=\"country\".*?</select>", page, re.S).group())  # type: ignore[union-attr]

    assert response.status_code == 400
    assert country.select["class"] == "form-select is-invalid"
    assert country.select["aria-invalid"] == "true"
    assert country.select["aria-describedby"] == "id_country_error"
    assert '<div id="id_country_error" class="invalid-feedback">' in page
    assert '<label for="id_country" class="form-label">Country</label>' in page
    assert 'value="sensors"' in page
    assert "aria-invalid" not in re.search(r"<select name=\"sector\"[^>]*>", page).group()  # type: ignore[union-attr]


def test_directory_regions_kept_until_a_profile_is_saved(
    program: Program, django_capture_on_commit_callbacks: Any
) -> None:
    organization = member_organization(program)
    member = person_of(organization)
    profile(organization, member, region="Bavaria")
    assert directory_regions(program=program) == ["Bavaria"]

    with CaptureQueriesContext(connection) as kept:
        assert directory_regions(program=program) == ["Bavaria"]
    with django_capture_on_commit_callbacks(execute=True):
        profile(organization, member, region="Nova Scotia")

    assert len(kept) == 0
    assert directory_regions(program=program) == ["Nova Scotia"]
    assert '<option value="Nova Scotia">Nova Scotia</option>' in (
        client_for(member).get(reverse("directory:search", args=[program.pk])).content.decode()
    )


class _Unreachable:
    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("the cache does not answer")

        return fail


def test_directory_regions_read_when_the_cache_does_not_answer(
    program: Program, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    organization = member_organization(program)
    member = person_of(organization)
    monkeypatch.setattr("registry.selectors.directory.cache", _Unreachable())

    with django_capture_on_commit_callbacks(execute=True):
        profile(organization, member, region="Bavaria")
    page = client_for(member).get(reverse("directory:search", args=[program.pk]))

    assert page.status_code == 200
    assert '<option value="Bavaria">Bavaria</option>' in page.content.decode()


def test_directory_search_finds_other_forms_of_a_word_through_its_index(program: Program) -> None:
    organization = member_organization(program, legal_name="Nordic Sensing")
    profile(organization, person_of(organization), description_en="We recycled plastics.", description_fr="Capteurs")
    member_organization(program, legal_name="Recycling Partners")

    def names(text: str) -> list[str]:
        return [o.legal_name for o in directory_search(program=program, query=DirectoryQuery(text=text)).organizations]

    assert names("recycling") == ["Nordic Sensing", "Recycling Partners"]
    assert names("capteur") == ["Nordic Sensing"]
    assert names("sensing plastics") == ["Nordic Sensing"]
    assert names("plastics shipping") == []


ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the migration writes the index's rows on PostgreSQL only"
)


@ON_POSTGRESQL
def test_directory_index_rows_of_existing_profiles_and_announcements_written_by_the_migration(program: Program) -> None:
    migration = importlib.import_module("registry.migrations.0003_directory_search_index_on_postgresql")
    organization = member_organization(program, legal_name="Nordic Sensing")
    member = person_of(organization)
    profile(organization, member, description_fr="Capteurs pour les usines")
    call = CallFactory(program=program)
    role = ConsortiumRole.objects.create(call=call, slug="adopter", name_en="Adopter", name_fr="Adoptant")
    announcement_post(call=call, organization=organization, by=member, title="Pilot", needs="A plant", roles=[role])
    written = _index_rows()

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_directory_fts")
        for statement in migration.CREATE[2:]:
            cursor.execute(statement)
    by_word = directory_search(program=program, query=DirectoryQuery(text="usine"))
    by_role = directory_search(program=program, query=DirectoryQuery(text="adoptant"))

    assert _index_rows() == written
    assert [o.legal_name for o in by_word.organizations] == ["Nordic Sensing"]
    assert [a.title for a in by_role.announcements] == ["Pilot"]


def _index_rows() -> list[tuple[str, int, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT kind, ref, body FROM registry_directory_fts ORDER BY kind, ref")
        return list(cursor.fetchall())
