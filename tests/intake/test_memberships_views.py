"""The program's members page: its staff list, record, change and end memberships; nobody else reaches it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Organization, User
from intake.models import Program, ProgramMembership
from tests.conftest import client_for
from tests.factories import OrganizationFactory, ProgramFactory, UserFactory
from tests.queries import settled_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def program() -> Program:
    return cast(Program, ProgramFactory(name_en="Ocean"))


@pytest.fixture
def other_program() -> Program:
    return cast(Program, ProgramFactory(name_en="Protein"))


@pytest.fixture
def own_staff(program: Program, other_program: Program) -> User:
    return cast(User, UserFactory(role=Role.STAFF, programs=[program], display_name="Olivia Ocean"))


@pytest.fixture
def own_client(own_staff: User) -> Client:
    return client_for(own_staff)


@pytest.fixture
def organization() -> Organization:
    return cast(Organization, OrganizationFactory(legal_name="Acme Robotics"))


def _url(program: Program) -> str:
    return reverse("intake:program_memberships", args=[program.pk])


def _member(program: Program, starts: date, ends: date | None = None, name: str = "") -> ProgramMembership:
    organization = cast(Organization, OrganizationFactory(**({"legal_name": name} if name else {})))
    return ProgramMembership.objects.create(program=program, organization=organization, starts_on=starts, ends_on=ends)


def test_program_memberships_sorts_current_upcoming_and_ended(own_client: Client, program: Program) -> None:
    today = timezone.localdate()
    _member(program, today - timedelta(days=30), name="Current Co")
    _member(program, today - timedelta(days=30), today, name="Last Day Co")
    _member(program, today + timedelta(days=1), name="Future Co")
    _member(program, today - timedelta(days=60), today - timedelta(days=1), name="Ended Co")

    response = own_client.get(_url(program))

    assert response.status_code == 200
    sections = {key: [m.organization.legal_name for m in rows] for key, _label, rows in response.context["sections"]}
    assert sections == {"current": ["Current Co", "Last Day Co"], "upcoming": ["Future Co"], "ended": ["Ended Co"]}


def test_program_memberships_records_one_and_audits_it(
    own_client: Client, own_staff: User, program: Program, organization: Organization
) -> None:
    response = own_client.post(
        _url(program), {"organization": organization.pk, "starts_on": "2026-01-01", "ends_on": "", "note": "Gold"}
    )

    assert response.status_code == 302
    membership = ProgramMembership.objects.get()
    assert (membership.organization, membership.starts_on, membership.ends_on, membership.note) == (
        organization,
        date(2026, 1, 1),
        None,
        "Gold",
    )
    page = own_client.get(_url(program)).content.decode()
    assert "recorded the membership of Acme Robotics" in page


def test_program_memberships_refuses_an_end_before_the_start_beside_the_field(
    own_client: Client, program: Program, organization: Organization
) -> None:
    response = own_client.post(
        _url(program), {"organization": organization.pk, "starts_on": "2026-05-01", "ends_on": "2026-04-01"}
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {"ends_on": ["A membership cannot end before it starts."]}
    page = response.content.decode()
    assert 'value="2026-04-01"' in page
    assert 'value="2026-05-01"' in page
    assert not ProgramMembership.objects.exists()


def test_program_memberships_refuses_an_overlap_beside_the_start(
    own_client: Client, program: Program, organization: Organization
) -> None:
    ProgramMembership.objects.create(program=program, organization=organization, starts_on=date(2026, 1, 1))

    response = own_client.post(_url(program), {"organization": organization.pk, "starts_on": "2027-01-01"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "starts_on": ["Acme Robotics is already a member of this program from 2026-01-01 to no end."]
    }
    assert ProgramMembership.objects.count() == 1


def test_program_membership_update_ends_a_membership(
    own_client: Client, program: Program, organization: Organization
) -> None:
    membership = ProgramMembership.objects.create(
        program=program, organization=organization, starts_on=date(2026, 1, 1)
    )
    url = reverse("intake:program_membership_update", args=[program.pk, membership.pk])

    offered = own_client.get(f"{url}?end=1")
    response = own_client.post(url, {"starts_on": "2026-01-01", "ends_on": "2026-03-31", "note": ""})

    assert offered.context["form"].initial["ends_on"] == timezone.localdate()
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.ends_on == date(2026, 3, 31)


def test_program_memberships_answer_404_to_staff_of_another_program(
    other_program: Program, own_client: Client, organization: Organization
) -> None:
    membership = ProgramMembership.objects.create(
        program=other_program, organization=organization, starts_on=date(2026, 1, 1)
    )
    update = reverse("intake:program_membership_update", args=[other_program.pk, membership.pk])

    assert own_client.get(_url(other_program)).status_code == 404
    assert (
        own_client.post(_url(other_program), {"organization": organization.pk, "starts_on": "2026-01-01"}).status_code
        == 404
    )
    assert own_client.post(update, {"starts_on": "2026-01-01", "ends_on": "2026-01-02"}).status_code == 404
    membership.refresh_from_db()
    assert membership.ends_on is None


def test_program_membership_update_answers_404_for_a_membership_of_another_program_under_this_one(
    own_client: Client, program: Program, other_program: Program, organization: Organization
) -> None:
    membership = ProgramMembership.objects.create(
        program=other_program, organization=organization, starts_on=date(2026, 1, 1)
    )

    response = own_client.get(reverse("intake:program_membership_update", args=[program.pk, membership.pk]))

    assert response.status_code == 404


def test_program_memberships_queries_do_not_grow_with_the_members(own_client: Client, program: Program) -> None:
    _member(program, date(2026, 1, 1))
    _response, one = settled_queries(lambda: own_client.get(_url(program)))
    for index in range(6):
        membership = _member(program, date(2025, 1, 1), date(2025, 12, 31) if index % 2 else None)
        own_client.post(
            reverse("intake:program_membership_update", args=[program.pk, membership.pk]),
            {"starts_on": "2025-01-01", "ends_on": "2025-06-30"},
        )
    _response, many = settled_queries(lambda: own_client.get(_url(program)))

    assert many == one
