"""The user model: email login, roles held through groups."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import RolesBackend
from accounts.choices import Role
from accounts.models import User
from accounts.services import user_grant_role
from tests.conftest import client_for
from tests.factories import PASSWORD, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_email_normalised_to_lower_case() -> None:
    user = User.objects.create_user(email="Ann.Lee@Example.COM", password=PASSWORD, display_name="Ann")

    assert user.email == "ann.lee@example.com"


def test_create_user_duplicate_email_in_other_case_refused() -> None:
    User.objects.create_user(email="ann@example.com", password=PASSWORD, display_name="Ann")

    with pytest.raises(IntegrityError):
        User.objects.create_user(email="ANN@example.com", password=PASSWORD, display_name="Ann again")


def test_create_user_without_email_refused() -> None:
    with pytest.raises(ValueError, match=r"^An email address is required\.$"):
        User.objects.create_user(email="", password=PASSWORD)


def test_authenticate_email_in_other_case_finds_user() -> None:
    user = UserFactory(email="ann@example.com")

    authenticated = authenticate(username="Ann@EXAMPLE.com", password=PASSWORD)

    assert authenticated == user


def test_authenticate_wrong_password_refused() -> None:
    UserFactory(email="ann@example.com")

    assert authenticate(username="ann@example.com", password="not-the-password") is None


def test_create_superuser_has_admin_flags_and_no_role() -> None:
    user = User.objects.create_superuser(email="Root@Example.com", password=PASSWORD, display_name="Root")

    assert (user.email, user.is_staff, user.is_superuser, user.is_active) == ("root@example.com", True, True, True)
    assert user.roles == frozenset()
    assert user.check_password(PASSWORD) is True


def test_user_grant_role_gives_role_once() -> None:
    user = UserFactory()

    user_grant_role(user=user, role=Role.ASSESSOR)
    user_grant_role(user=user, role=Role.ASSESSOR)

    assert user.roles == frozenset({Role.ASSESSOR})
    assert user.has_role(Role.ASSESSOR) is True
    assert user.has_role(Role.STAFF) is False
    assert list(user.groups.values_list("name", flat=True)) == ["assessor"]


def test_user_roles_several_held_at_once() -> None:
    user = UserFactory(role=Role.STAFF)

    user_grant_role(user=user, role=Role.BOARD_MEMBER)

    assert user.roles == frozenset({Role.STAFF, Role.BOARD_MEMBER})


def test_user_roles_ignore_groups_that_are_not_roles() -> None:
    user = UserFactory(role=Role.APPLICANT)
    user.groups.create(name="newsletter")

    assert User.objects.get(pk=user.pk).roles == frozenset({Role.APPLICANT})


def test_has_role_inactive_user_has_none() -> None:
    user = UserFactory(role=Role.STAFF, is_active=False)

    assert user.has_role(Role.STAFF) is False


def test_user_str_shows_name_and_email() -> None:
    user = UserFactory(email="ann@example.com", display_name="Ann Lee")

    assert str(user) == "Ann Lee <ann@example.com>"


def test_with_roles_reads_the_roles_with_the_user() -> None:
    user = UserFactory(role=Role.APPLICANT)
    user_grant_role(user=user, role=Role.BOARD_MEMBER)

    with CaptureQueriesContext(connection) as captured:
        loaded = User.objects.with_roles().get(pk=user.pk)
        roles = loaded.roles

    assert (roles, len(captured)) == (frozenset({Role.APPLICANT, Role.BOARD_MEMBER}), 1)


def test_user_grant_role_is_seen_by_a_user_read_with_roles() -> None:
    loaded = User.objects.with_roles().get(pk=UserFactory(role=Role.APPLICANT).pk)
    assert not loaded.has_role(Role.STAFF)

    user_grant_role(user=loaded, role=Role.STAFF)

    assert loaded.roles == frozenset({Role.APPLICANT, Role.STAFF})


def test_roles_backend_loads_an_active_user_with_roles_and_no_inactive_one() -> None:
    active = UserFactory(role=Role.STAFF)
    inactive = UserFactory(role=Role.STAFF, is_active=False)
    backend = RolesBackend()

    with CaptureQueriesContext(connection) as captured:
        loaded = backend.get_user(active.pk)
        assert loaded is not None
        assert loaded.has_role(Role.STAFF)

    assert len(captured) == 1
    assert backend.get_user(inactive.pk) is None
    assert backend.get_user(0) is None


def test_signed_in_page_reads_the_user_and_roles_in_one_query(applicant: User) -> None:
    client = client_for(applicant)

    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("accounts:profile"))

    user_queries = [query["sql"] for query in captured if 'FROM "accounts_user"' in query["sql"]]
    group_queries = [query["sql"] for query in captured if query["sql"].startswith('SELECT "auth_group"')]
    assert (len(user_queries), group_queries) == (1, [])


def test_roles_backend_reads_the_program_grants_with_the_user() -> None:
    first, second = ProgramFactory(), ProgramFactory()
    staff = UserFactory(role=Role.STAFF, programs=[first])
    funder = UserFactory(role=Role.FUNDER)  # a funder's default grant names no program: it reads them all
    backend = RolesBackend()

    with CaptureQueriesContext(connection) as captured:
        loaded_staff = backend.get_user(staff.pk)
        loaded_funder = backend.get_user(funder.pk)
        assert loaded_staff is not None
        assert loaded_funder is not None
        grants = (loaded_staff.program_grants, loaded_funder.program_grants)
        acts = [
            loaded_staff.acts_in(Role.STAFF, first.pk),
            loaded_staff.acts_in(Role.STAFF, second.pk),
            loaded_funder.acts_in(Role.FUNDER, second.pk),
        ]

    assert grants == (frozenset({(first.pk, Role.STAFF.value)}), frozenset({(None, Role.FUNDER.value)}))
    assert acts == [True, False, True]
    assert len(captured) == 2
