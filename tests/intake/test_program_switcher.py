"""The navigation lists the programs a user is staff of, so one who acts in several switches between them."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from intake.context_processors import programs
from intake.models import Program
from tests.conftest import client_for
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_navigation_lists_the_programs_the_user_is_staff_of() -> None:
    ocean, protein, scale = (cast(Program, ProgramFactory(name_en=name)) for name in ("Ocean", "Protein", "Scale"))
    staff = cast(User, UserFactory(role=Role.STAFF, programs=[ocean, scale]))

    response = client_for(staff).get(reverse("workflow:staff_dashboard"))

    page = response.content.decode()
    assert [program.name for program in response.context["staff_programs"]] == ["Ocean", "Scale"]
    for program in (ocean, scale):
        assert f'href="{reverse("intake:program_detail", args=[program.pk])}"' in page
    assert reverse("intake:program_detail", args=[protein.pk]) not in page
    assert f'href="{reverse("intake:program_list")}"' in page


def test_program_list_is_the_user_s_programs_alone() -> None:
    ocean, protein = (cast(Program, ProgramFactory(name_en=name)) for name in ("Ocean", "Protein"))
    staff = cast(User, UserFactory(role=Role.STAFF, programs=[protein]))

    response = client_for(staff).get(reverse("intake:program_list"))

    assert list(response.context["programs"]) == [protein]
    assert reverse("intake:program_detail", args=[ocean.pk]) not in response.content.decode()


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.ASSESSOR, Role.BOARD_MEMBER])
def test_navigation_programs_cost_no_query_for_who_is_not_staff(role: str, django_assert_num_queries: Any) -> None:
    ProgramFactory()
    request = RequestFactory().get("/")
    request.user = user = cast(User, UserFactory(role=role))
    user.has_role(role)  # the roles are read once per request, by the dashboards' links already

    with django_assert_num_queries(0):
        listed = list(cast(list[Program], programs(request)["staff_programs"]))

    assert listed == []


def test_navigation_programs_cost_one_query_for_staff(django_assert_num_queries: Any) -> None:
    ProgramFactory.create_batch(2)
    request = RequestFactory().get("/")
    request.user = user = cast(User, UserFactory(role=Role.STAFF))
    user.has_role(Role.STAFF)
    user.program_grants  # noqa: B018 - the request's user comes with its grants (``UserManager.with_roles``)

    with django_assert_num_queries(1):
        listed = list(cast(list[Program], programs(request)["staff_programs"]))

    assert len(listed) == 2


def test_navigation_programs_read_again_follow_a_renamed_program_and_a_new_grant() -> None:
    ocean, scale = (cast(Program, ProgramFactory(name_en=name)) for name in ("Ocean", "Scale"))
    staff = cast(User, UserFactory(role=Role.STAFF, programs=[ocean]))
    client = client_for(staff)
    client.get(reverse("workflow:staff_dashboard"))  # the read compiled for one program

    ocean.name_en = "Atlantic"
    ocean.save()
    first = client.get(reverse("workflow:staff_dashboard"))
    ProgramFactory(name_en="Protein")
    UserFactory(role=Role.STAFF, programs=[scale])  # a grant of another user changes nothing here
    staff.program_roles.create(program=scale, role=Role.STAFF)
    second = client.get(reverse("workflow:staff_dashboard"))

    assert [program.name for program in first.context["staff_programs"]] == ["Atlantic"]
    assert [program.name for program in second.context["staff_programs"]] == ["Atlantic", "Scale"]
