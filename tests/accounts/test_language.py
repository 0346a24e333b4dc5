"""The language switcher."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

SET_LANGUAGE = reverse("accounts:set_language")


def test_set_language_anonymous_sets_cookie_and_returns(anonymous_client: Client) -> None:
    response = anonymous_client.post(SET_LANGUAGE, {"language": "fr", "next": "/calls/"})

    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert response.status_code == 302
    assert response.url == "/calls/"
    assert (cookie.value, cookie["httponly"], cookie["samesite"]) == ("fr", True, "Lax")


def test_set_language_cookie_switches_pages(anonymous_client: Client) -> None:
    anonymous_client.post(SET_LANGUAGE, {"language": "fr", "next": "/"})

    response = anonymous_client.get(reverse("intake:calls_open"))

    assert response.headers["Content-Language"] == "fr"


def test_set_language_signed_in_stores_preference(applicant: User, applicant_client: Client) -> None:
    response = applicant_client.post(SET_LANGUAGE, {"language": "fr", "next": "/accounts/profile/"})

    applicant.refresh_from_db()
    assert response.url == "/accounts/profile/"
    assert applicant.preferred_language == "fr"


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)"])
def test_set_language_unsafe_next_goes_home(anonymous_client: Client, target: str) -> None:
    response = anonymous_client.post(SET_LANGUAGE, {"language": "fr", "next": target})

    assert response.url == reverse("home")


def test_set_language_unknown_language_refused(applicant: User, applicant_client: Client) -> None:
    response = applicant_client.post(SET_LANGUAGE, {"language": "de", "next": "/"}, follow=True)

    applicant.refresh_from_db()
    assert applicant.preferred_language == "en"
    assert response.client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert [str(message) for message in response.context["messages"]] == ["Choose English or French."]
