"""Sign-up: a new account is an applicant, signed in at once."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = reverse("accounts:signup")


def _form(**overrides: str) -> dict[str, str]:
    return {
        "email": "New.Person@Example.com",
        "display_name": "New Person",
        "preferred_language": "fr",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


def test_signup_valid_creates_applicant_and_logs_in(anonymous_client: Client) -> None:
    response = anonymous_client.post(SIGNUP, _form())

    user = User.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("accounts:organizations")
    assert (user.email, user.display_name, user.preferred_language) == ("new.person@example.com", "New Person", "fr")
    assert user.roles == frozenset({Role.APPLICANT})
    assert user.check_password(PASSWORD) is True
    assert anonymous_client.session["_auth_user_id"] == str(user.pk)


def test_signup_passwords_differ_keeps_typed_values(anonymous_client: Client) -> None:
    response = anonymous_client.post(SIGNUP, _form(password2="another-horse-battery-staple"))

    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].errors == {"password2": ["The two passwords differ."]}
    assert "The two passwords differ." in content
    assert 'value="New.Person@Example.com"' in content
    assert 'value="New Person"' in content
    assert User.objects.count() == 0


def test_signup_weak_password_refused_with_message(anonymous_client: Client) -> None:
    response = anonymous_client.post(SIGNUP, _form(password1="12345678", password2="12345678"))

    assert response.status_code == 200
    assert response.context["form"].errors["password1"] == [
        "This password is too common.",
        "This password is entirely numeric.",
    ]
    assert User.objects.count() == 0


def test_signup_duplicate_email_in_other_case_refused(anonymous_client: Client) -> None:
    UserFactory(email="new.person@example.com")

    response = anonymous_client.post(SIGNUP, _form(email="NEW.PERSON@example.com"))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": ["An account with this email address exists already: sign in instead."]
    }
    assert "An account with this email address exists already: sign in instead." in response.content.decode()
    assert User.objects.count() == 1


def test_signup_signed_in_user_sent_to_dashboard(applicant_client: Client) -> None:
    response = applicant_client.get(SIGNUP)

    assert response.status_code == 302
    assert response.url == reverse("accounts:dashboard")
