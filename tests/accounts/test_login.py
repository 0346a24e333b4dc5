"""Log in and out: each role lands on its own dashboard."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
DASHBOARD = reverse("accounts:dashboard")


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.APPLICANT, "/applicant/"),
        # Staff must have a second factor: without one, they are sent to set it up (test_second_factor.py).
        (Role.STAFF, "/accounts/second-factor/setup/?next=/accounts/dashboard/"),
        (Role.ASSESSOR, "/assessor/"),
        (Role.BOARD_MEMBER, "/board/"),
    ],
)
def test_login_role_lands_on_its_dashboard(anonymous_client: Client, role: Role, landing: str) -> None:
    UserFactory(email="person@example.com", role=role)

    response = anonymous_client.post(LOGIN, {"username": "person@example.com", "password": PASSWORD}, follow=True)

    assert response.redirect_chain == [(DASHBOARD, 302), (landing, 302)]
    assert response.status_code == 200


def test_login_without_role_shows_no_role_page(anonymous_client: Client) -> None:
    UserFactory(email="person@example.com")

    response = anonymous_client.post(LOGIN, {"username": "person@example.com", "password": PASSWORD}, follow=True)

    assert response.redirect_chain == [(DASHBOARD, 302)]
    assert response.status_code == 200
    assert response.templates[0].name == "accounts/no_role.html"


def test_login_email_in_other_case_accepted(anonymous_client: Client) -> None:
    user = UserFactory(email="person@example.com", role=Role.APPLICANT)

    response = anonymous_client.post(LOGIN, {"username": "PERSON@Example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert anonymous_client.session["_auth_user_id"] == str(user.pk)


def test_login_wrong_password_refused_and_email_kept(anonymous_client: Client) -> None:
    UserFactory(email="person@example.com")

    response = anonymous_client.post(LOGIN, {"username": "person@example.com", "password": "wrong-password"})

    assert response.status_code == 200
    assert "_auth_user_id" not in anonymous_client.session
    assert 'value="person@example.com"' in response.content.decode()
    assert response.context["form"].non_field_errors() == [
        "Please enter a correct email address and password. Note that both fields may be case-sensitive."
    ]


def test_login_next_within_site_followed(anonymous_client: Client) -> None:
    UserFactory(email="person@example.com", role=Role.APPLICANT)

    response = anonymous_client.post(
        LOGIN, {"username": "person@example.com", "password": PASSWORD, "next": "/accounts/profile/"}
    )

    assert response.url == "/accounts/profile/"


def test_logout_post_signs_out(applicant_client: Client) -> None:
    response = applicant_client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert "_auth_user_id" not in applicant_client.session


def test_logout_get_refused(applicant_client: Client) -> None:
    response = applicant_client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert "_auth_user_id" in applicant_client.session
