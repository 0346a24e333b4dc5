"""A superuser grants and revokes program roles in the admin; the role's group follows, as through the service."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from intake.models import ProgramRole
from tests.browser import forms_of
from tests.conftest import client_for
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser() -> User:
    return UserFactory(is_staff=True, is_superuser=True, email="root@example.org")


@pytest.fixture
def admin_client(superuser: User) -> Client:
    return client_for(superuser)


def test_program_role_admin_grants_a_funder_every_program_and_the_group(admin_client: Client, superuser: User) -> None:
    ProgramFactory()
    funder = UserFactory(email="fran@example.org")

    response = admin_client.post(
        reverse("admin:intake_programrole_add"), {"user": funder.pk, "program": "", "role": Role.FUNDER}
    )

    assert response.status_code == 302
    grant = ProgramRole.objects.get(user=funder)
    assert (grant.program, grant.role, grant.granted_by) == (None, Role.FUNDER, superuser)
    funder.forget_roles()
    assert funder.has_role(Role.FUNDER)


def test_program_role_admin_refuses_every_program_for_staff(admin_client: Client) -> None:
    user = UserFactory()

    response = admin_client.post(
        reverse("admin:intake_programrole_add"), {"user": user.pk, "program": "", "role": Role.STAFF}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not ProgramRole.objects.filter(user=user).exists()


def test_program_role_admin_delete_takes_the_last_group(admin_client: Client) -> None:
    program = ProgramFactory()
    member = UserFactory(role=Role.BOARD_MEMBER, programs=[program])
    grant = ProgramRole.objects.get(user=member)

    response = admin_client.post(reverse("admin:intake_programrole_delete", args=[grant.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not ProgramRole.objects.filter(pk=grant.pk).exists()
    member.forget_roles()
    assert not member.has_role(Role.BOARD_MEMBER)


def test_user_admin_inline_grants_a_program_role_and_the_group(admin_client: Client, superuser: User) -> None:
    program = ProgramFactory()
    expert = UserFactory(email="eve@example.org")
    url = reverse("admin:accounts_user_change", args=[expert.pk])
    page = admin_client.get(url)

    (form,) = [form for form in forms_of(page) if form.action == url]
    # The inline's empty row is a template the admin's script copies; its fields are posted as a browser would.
    data = {**form.fields, **{name: values[0] for name, values in form.boxes.items()}}
    data.update(
        {
            "program_roles-TOTAL_FORMS": "1",
            "program_roles-0-program": str(program.pk),
            "program_roles-0-role": Role.ASSESSOR,
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    grant = ProgramRole.objects.get(user=expert)
    assert (grant.program, grant.role, grant.granted_by) == (program, Role.ASSESSOR, superuser)
    expert.forget_roles()
    assert expert.acts_in(Role.ASSESSOR, program.pk)


def test_program_role_admin_is_closed_to_program_staff() -> None:
    staff = UserFactory(role=Role.STAFF, is_staff=True)

    response = client_for(staff).get(reverse("admin:intake_programrole_changelist"))

    assert response.status_code == 403
