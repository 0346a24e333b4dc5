"""The member directory: who reads which program's, profiles, announcements and the search in English and French."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from accounts.errors import ActionForbidden, StaleAction
from intake.models import Call, ConsortiumRole, Program
from registry.models import Announcement
from registry.selectors.directory import DirectoryQuery, directory_search
from registry.services.directory import announcement_close, announcement_post
from tests.conftest import client_for
from tests.factories import CallFactory, OrganizationFactory, ProgramFactory, UserFactory
from tests.registry.making import ended_membership, member_organization, person_of, profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def program() -> Program:
    return ProgramFactory()


@pytest.fixture
def call(program: Program) -> Call:
    return CallFactory(program=program)


def test_directory_read_by_members_and_staff_only(program: Program) -> None:
    organization = member_organization(program)
    member = person_of(organization)
    staff = UserFactory(role=Role.STAFF, programs=[program])
    other_staff = UserFactory(role=Role.STAFF, programs=[ProgramFactory()])
    former = OrganizationFactory()
    ended_membership(program, former)
    url = reverse("directory:search", args=[program.pk])

    outcomes = {
        name: client_for(user).get(url).status_code
        for name, user in {
            "member": member,
            "staff": staff,
            "other_staff": other_staff,
            "former_member": person_of(former),
            "stranger": UserFactory(),
        }.items()
    }

    assert outcomes == {"member": 200, "staff": 200, "other_staff": 404, "former_member": 404, "stranger": 404}
    assert client_for(None).get(url).status_code == 302


def test_directory_lists_only_the_programs_members(program: Program) -> None:
    inside = member_organization(program, legal_name="Inside Robotics")
    person_of(inside)
    member_organization(ProgramFactory(), legal_name="Elsewhere Robotics")
    former = OrganizationFactory(legal_name="Former Robotics")
    ended_membership(program, former)

    results = directory_search(program=program, query=DirectoryQuery(text="Robotics"))

    assert [o.legal_name for o in results.organizations] == ["Inside Robotics"]


def test_directory_profile_kept_by_its_own_people_only(program: Program) -> None:
    organization = member_organization(program)
    own = person_of(organization)
    outsider = person_of(member_organization(program))

    with pytest.raises(ActionForbidden):
        profile(organization, outsider, description_en="Taken over")
    saved = profile(organization, own, description_en="We machine parts.", sectors=["materials", "bogus"])

    assert saved.sector_codes() == ["materials"]
    assert client_for(outsider).get(reverse("directory:profile_edit", args=[organization.pk])).status_code == 404
    page = client_for(outsider).get(reverse("directory:profile", args=[program.pk, organization.pk]))
    assert "We machine parts." in page.content.decode()


def test_directory_profile_form_keeps_what_was_typed(program: Program) -> None:
    organization = member_organization(program)
    client = client_for(person_of(organization))

    response = client.post(
        reverse("directory:profile_edit", args=[organization.pk]),
        {"description_en": "Kept", "sectors": ["not-a-sector"]},
    )

    assert response.status_code == 400
    assert "Kept" in response.content.decode()


def test_directory_search_english_and_french_words(program: Program) -> None:
    german = member_organization(program, european=True, legal_name="Cluster Bayern Sensorik")
    profile(
        german,
        person_of(german),
        description_en="Sensors for recycling plants.",
        description_fr="Capteurs pour les centres de recyclage des plastiques.",
        is_cluster=True,
        region="Bavaria",
        sectors=["advanced_manufacturing"],
    )
    other = member_organization(program, legal_name="Maple Foods")
    profile(other, person_of(other), description_en="Plant-based proteins.")

    def names(**query: str) -> list[str]:
        return [o.legal_name for o in directory_search(program=program, query=DirectoryQuery(**query)).organizations]

    assert names(text="plastiques") == ["Cluster Bayern Sensorik"]
    assert names(text="recycling") == ["Cluster Bayern Sensorik"]
    assert names(text="proteins") == ["Maple Foods"]
    assert names(text="recyclage", country="CA") == []
    assert names(country="DE") == ["Cluster Bayern Sensorik"]
    assert names(kind="cluster") == ["Cluster Bayern Sensorik"]
    assert names(region="bavaria") == ["Cluster Bayern Sensorik"]
    assert names(sector="advanced_manufacturing") == ["Cluster Bayern Sensorik"]
    assert names(text='"OR" NEAR(') == []


def test_directory_search_queries_constant(program: Program, call: Call) -> None:
    organization = member_organization(program)
    member = person_of(organization)
    profile(organization, member, description_en="Sensors")
    client = client_for(member)
    url = reverse("directory:search", args=[program.pk]) + "?q=sensors"

    def count() -> int:
        cache.clear()  # the regions of the search's filter read too, not kept from the request before
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    announcement_post(call=call, organization=organization, by=member, title="Sensors partner", needs="Sensors")
    one = count()
    for index in range(4):
        other = member_organization(program)
        profile(other, person_of(other), description_en=f"Sensors {index}", sectors=["ocean"])
        announcement_post(call=call, organization=other, by=other.memberships.first().user, title="Sensors", needs="x")

    assert count() == one


def test_announcement_posted_browsed_and_closed(program: Program, call: Call) -> None:
    organization = member_organization(program)
    poster = person_of(organization)
    role = ConsortiumRole.objects.create(call=call, slug="adopter", name_en="Adopter", name_fr="Adoptant")
    reader = person_of(member_organization(program))
    client = client_for(poster)

    response = client.post(
        reverse("directory:announcement_create", args=[program.pk]),
        {
            "call": call.pk,
            "organization": organization.pk,
            "title": "Need an adopter",
            "needs": "A plant to test in.",
            "roles": [role.pk],
        },
    )
    announcement = Announcement.objects.get()
    listed = client_for(reader).get(reverse("directory:announcement_list", args=[program.pk])).content.decode()

    assert response.status_code == 302
    assert list(announcement.roles.all()) == [role]
    assert "Need an adopter" in listed
    with pytest.raises(ActionForbidden):
        announcement_close(announcement=announcement, by=reader)
    announcement_close(announcement=announcement, by=poster)
    with pytest.raises(StaleAction):
        announcement_close(announcement=announcement, by=poster)
    assert (
        "Need an adopter"
        not in client_for(reader).get(reverse("directory:announcement_list", args=[program.pk])).content.decode()
    )
    assert client_for(reader).get(reverse("directory:announcement", args=[announcement.pk])).status_code == 404


def test_announcement_closes_at_the_calls_deadline(program: Program, call: Call) -> None:
    organization = member_organization(program)
    announcement = announcement_post(
        call=call, organization=organization, by=person_of(organization), title="T", needs="N"
    )

    assert directory_search(program=program, query=DirectoryQuery()).announcements == [announcement]
    with time_machine.travel(call.application_closes_at + timedelta(minutes=1)):
        assert not announcement.is_open()
        assert directory_search(program=program, query=DirectoryQuery()).announcements == []


def test_announcement_refused_to_non_members_and_for_another_programs_role(program: Program, call: Call) -> None:
    organization = member_organization(program)
    stranger_org = OrganizationFactory()
    other_role = ConsortiumRole.objects.create(call=CallFactory(), slug="x", name_en="X", name_fr="X")

    with pytest.raises(ActionForbidden):
        announcement_post(call=call, organization=stranger_org, by=person_of(stranger_org), title="T", needs="N")
    with pytest.raises(ValidationError):
        announcement_post(
            call=call, organization=organization, by=person_of(organization), title="T", needs="N", roles=[other_role]
        )


def test_announcement_staff_reads_but_may_not_post(program: Program, call: Call) -> None:
    staff = client_for(UserFactory(role=Role.STAFF, programs=[program]))

    assert staff.get(reverse("directory:announcement_list", args=[program.pk])).status_code == 200
    assert staff.get(reverse("directory:announcement_create", args=[program.pk])).status_code == 403
