"""The program's people page: its staff see who holds its roles, grant them by email and revoke them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.errors import ActionForbidden
from accounts.models import User
from intake.models import Program, ProgramRole
from intake.services.program_roles import program_role_grant
from tests.conftest import client_for
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program() -> Program:
    return ProgramFactory(name_en="Ocean")


@pytest.fixture
def other_program() -> Program:
    return ProgramFactory(name_en="Protein")


@pytest.fixture
def own_staff(program: Program, other_program: Program) -> User:
    """Staff of ``program`` alone (the programs exist first, so the grant names only this one)."""
    return UserFactory(role=Role.STAFF, programs=[program], email="olivia@example.com", display_name="Olivia Ocean")


@pytest.fixture
def own_client(own_staff: User) -> Client:
    return client_for(own_staff)


def _people_url(program: Program) -> str:
    return reverse("intake:program_people", args=[program.pk])


def _revoke_url(grant: ProgramRole) -> str:
    assert grant.program_id is not None
    return reverse("intake:program_role_revoke", args=[grant.program_id, grant.pk])


def test_program_people_lists_each_role_s_holders_of_this_program(
    own_client: Client, program: Program, other_program: Program
) -> None:
    UserFactory(role=Role.BOARD_MEMBER, programs=[program], display_name="Bo Board")
    UserFactory(role=Role.ASSESSOR, programs=[program], display_name="Ada Assessor")
    UserFactory(role=Role.STAFF, programs=[other_program], display_name="Pat Protein")
    UserFactory(role=Role.FUNDER, display_name="Fran Funder")  # every program

    response = own_client.get(_people_url(program))

    assert response.status_code == 200
    sections = {
        role: [grant.user.display_name for grant in grants] for role, _label, grants in response.context["sections"]
    }
    assert sections == {
        Role.STAFF: ["Olivia Ocean"],
        Role.BOARD_MEMBER: ["Bo Board"],
        Role.ASSESSOR: ["Ada Assessor"],
        Role.FUNDER: ["Fran Funder"],
        Role.IP_MANAGER: [],
    }
    page = response.content.decode()
    assert "Pat Protein" not in page
    assert "Every program" in page
    # Revoke buttons for the board member and the assessor; none for oneself or the funder.
    assert page.count('btn btn-sm btn-outline-danger"') == 2


def test_program_people_queries_do_not_grow_with_the_people(
    own_client: Client, program: Program, django_assert_max_num_queries: Any
) -> None:
    UserFactory(role=Role.BOARD_MEMBER, programs=[program])
    with django_assert_max_num_queries(30) as one:
        own_client.get(_people_url(program))
    for role in (Role.BOARD_MEMBER, Role.ASSESSOR, Role.STAFF):
        for _ in range(4):
            granter = UserFactory()
            ProgramRole.objects.create(
                user=UserFactory(role=role, programs=[]), program=program, role=role, granted_by=granter
            )

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = own_client.get(_people_url(program))

    assert sum(len(grants) for _role, _label, grants in response.context["sections"]) == 14


def test_program_people_grant_gives_the_role_and_its_group(
    own_client: Client, own_staff: User, program: Program
) -> None:
    expert = UserFactory(email="expert@example.org", display_name="Eve Expert")

    response = own_client.post(_people_url(program), {"email": "Expert@Example.org", "role": Role.ASSESSOR})

    assert (response.status_code, response.url) == (302, _people_url(program))
    grant = ProgramRole.objects.get(user=expert)
    assert (grant.program, grant.role, grant.granted_by) == (program, Role.ASSESSOR, own_staff)
    expert.forget_roles()
    assert expert.acts_in(Role.ASSESSOR, program.pk)
    followed = own_client.get(response.url)
    assert "Eve Expert now holds the role “Assessor” in this program." in followed.content.decode()


def test_program_people_grant_unknown_email_says_so_and_keeps_what_was_typed(
    own_client: Client, program: Program
) -> None:
    response = own_client.post(_people_url(program), {"email": "nobody@example.org", "role": Role.BOARD_MEMBER})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "email": ["No account uses this email address. Ask the person to sign up first, then grant the role."]
    }
    page = response.content.decode()
    assert 'value="nobody@example.org"' in page
    assert ProgramRole.objects.filter(role=Role.BOARD_MEMBER).count() == 0


def test_program_people_grant_twice_says_the_person_holds_it_already(own_client: Client, program: Program) -> None:
    member = UserFactory(role=Role.BOARD_MEMBER, programs=[program], display_name="Bo Board", email="bo@example.org")

    response = own_client.post(_people_url(program), {"email": "bo@example.org", "role": Role.BOARD_MEMBER})

    assert response.status_code == 400
    assert response.context["form"].errors == {"email": ["Bo Board already holds this role here."]}
    assert 'value="bo@example.org"' in response.content.decode()
    assert ProgramRole.objects.filter(user=member).count() == 1


def test_program_people_grant_offers_no_funder_role(own_client: Client, program: Program) -> None:
    UserFactory(email="money@example.org")

    response = own_client.post(_people_url(program), {"email": "money@example.org", "role": Role.FUNDER})

    assert response.status_code == 400
    assert "role" in response.context["form"].errors
    assert not ProgramRole.objects.filter(role=Role.FUNDER).exists()


def test_program_role_grant_of_a_funder_by_staff_is_refused(own_staff: User, program: Program) -> None:
    with pytest.raises(ActionForbidden):
        program_role_grant(by=own_staff, user=UserFactory(), program=program, role=Role.FUNDER)


def test_program_role_revoke_takes_the_role_and_its_last_group(own_client: Client, program: Program) -> None:
    member = UserFactory(role=Role.BOARD_MEMBER, programs=[program], display_name="Bo Board")
    grant = ProgramRole.objects.get(user=member)

    response = own_client.post(_revoke_url(grant))

    assert (response.status_code, response.url) == (302, _people_url(program))
    assert not ProgramRole.objects.filter(pk=grant.pk).exists()
    member.forget_roles()
    assert not member.has_role(Role.BOARD_MEMBER)


def test_program_role_revoke_keeps_the_group_of_who_holds_it_in_another_program(
    own_client: Client, program: Program, other_program: Program
) -> None:
    member = UserFactory(role=Role.BOARD_MEMBER, programs=[program, other_program])

    own_client.post(_revoke_url(ProgramRole.objects.get(user=member, program=program)))

    member.forget_roles()
    assert member.has_role(Role.BOARD_MEMBER)
    assert (member.acts_in(Role.BOARD_MEMBER, program.pk), member.acts_in(Role.BOARD_MEMBER, other_program.pk)) == (
        False,
        True,
    )


def test_program_role_revoke_of_one_s_own_staff_role_is_refused(
    own_client: Client, own_staff: User, program: Program
) -> None:
    grant = ProgramRole.objects.get(user=own_staff, role=Role.STAFF)

    response = own_client.post(_revoke_url(grant))

    assert response.status_code == 400
    assert "You cannot take back your own staff role" in response.content.decode()
    assert _people_url(program) in response.content.decode()
    assert ProgramRole.objects.filter(pk=grant.pk).exists()


def test_program_role_revoke_of_a_funder_answers_404(own_client: Client, program: Program) -> None:
    funder = UserFactory(role=Role.FUNDER, programs=[program])

    response = own_client.post(_revoke_url(ProgramRole.objects.get(user=funder)))

    assert response.status_code == 404
    assert ProgramRole.objects.filter(user=funder).exists()


def test_program_people_of_another_program_answers_404(own_client: Client, other_program: Program) -> None:
    other_member = UserFactory(role=Role.BOARD_MEMBER, programs=[other_program])
    grant = ProgramRole.objects.get(user=other_member)

    page = own_client.get(_people_url(other_program))
    granted = own_client.post(_people_url(other_program), {"email": other_member.email, "role": Role.ASSESSOR})
    revoked = own_client.post(_revoke_url(grant))

    assert (page.status_code, granted.status_code, revoked.status_code) == (404, 404, 404)
    assert list(ProgramRole.objects.filter(user=other_member).values_list("role", flat=True)) == [Role.BOARD_MEMBER]


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.BOARD_MEMBER, Role.ASSESSOR])
def test_program_people_is_refused_to_who_is_not_staff(role: str, program: Program) -> None:
    client = client_for(UserFactory(role=role))
    grant = ProgramRole.objects.create(user=UserFactory(), program=program, role=Role.ASSESSOR)

    page = client.get(_people_url(program))
    revoked = client.post(_revoke_url(grant))

    assert (page.status_code, revoked.status_code) == (403, 403)
    assert ProgramRole.objects.filter(pk=grant.pk).exists()


def test_program_detail_links_to_its_people(own_client: Client, program: Program) -> None:
    response = own_client.get(reverse("intake:program_detail", args=[program.pk]))

    assert _people_url(program) in response.content.decode()
