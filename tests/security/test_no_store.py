"""Responses to a signed-in user are never stored by a cache (ASVS 8.2.1); public pages and static files may be."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _directives(response: Any) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.mark.parametrize("url", [reverse("accounts:profile"), reverse("accounts:dashboard"), reverse("home")])
def test_no_store_on_every_signed_in_response(applicant_client: Client, url: str) -> None:
    response = applicant_client.get(url)

    assert response.status_code in {200, 302}
    assert {"no-store", "private"} <= _directives(response)


def test_no_store_on_staff_pages(staff_client: Client) -> None:
    assert "no-store" in _directives(staff_client.get(reverse("accounts:profile")))


def test_no_store_absent_on_public_page(anonymous_client: Client) -> None:
    assert "no-store" not in _directives(anonymous_client.get(reverse("home")))


def test_no_store_on_the_response_that_signs_in(applicant: User, anonymous_client: Client) -> None:
    response = anonymous_client.post(reverse("accounts:login"), {"username": applicant.email, "password": PASSWORD})

    assert response.status_code == 302
    assert "no-store" in _directives(response)


def test_no_store_absent_on_static_files(settings: Any, applicant: User) -> None:
    settings.WHITENOISE_USE_FINDERS = True  # WhiteNoise serves the source folders, as with debug on
    client = Client()
    client.force_login(applicant)

    response = client.get("/static/css/clusterflow.css")

    assert response.status_code == 200
    assert "no-store" not in _directives(response)
