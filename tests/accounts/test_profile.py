"""The profile: name and language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")


def test_profile_shows_memberships(applicant: User, applicant_client: Client) -> None:
    MembershipFactory(user=applicant, organization__legal_name="Northern Robotics Inc.", title="CTO")

    response = applicant_client.get(PROFILE)

    assert response.status_code == 200
    assert "Northern Robotics Inc. (CTO)" in response.content.decode()


def test_profile_edit_saves_name_and_language(applicant: User, applicant_client: Client) -> None:
    response = applicant_client.post(PROFILE, {"display_name": "Ann Lee", "preferred_language": "fr"})

    applicant.refresh_from_db()
    assert response.status_code == 302
    assert response.url == PROFILE
    assert (applicant.display_name, applicant.preferred_language) == ("Ann Lee", "fr")


def test_profile_edit_speaks_new_language_next(applicant: User, applicant_client: Client) -> None:
    applicant_client.post(PROFILE, {"display_name": "Ann", "preferred_language": "fr"})

    response = applicant_client.get(PROFILE)

    assert response.headers["Content-Language"] == "fr"


def test_profile_edit_empty_name_refused(applicant: User, applicant_client: Client) -> None:
    response = applicant_client.post(PROFILE, {"display_name": "", "preferred_language": "fr"})

    applicant.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors == {"display_name": ["This field is required."]}
    assert (applicant.display_name, applicant.preferred_language) == ("Ann Applicant", "en")
