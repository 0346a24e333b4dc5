"""Sessions end after an idle time and an absolute time, shorter for staff (docs/adr/0011)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.sessions import SEEN_AT, SIGNED_IN_AT
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
PROFILE = reverse("accounts:profile")
EXPIRED = "Your session has expired. Please sign in again to continue."
MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


@pytest.fixture(autouse=True)
def _default_timeouts(settings: Any) -> None:
    settings.SESSION_IDLE_TIMEOUT_STAFF_SECONDS = 30 * MINUTE
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 8 * HOUR
    settings.SESSION_ABSOLUTE_TIMEOUT_STAFF_SECONDS = 12 * HOUR
    settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS = 7 * DAY


def _age(client: Client, *, idle: float = 0, signed_in: float = 0) -> None:
    """Pretend the client's last request was ``idle`` seconds ago and its sign-in ``signed_in`` seconds ago."""
    session = client.session
    now = time.time()
    session[SEEN_AT] = int(now - idle)
    session[SIGNED_IN_AT] = int(now - max(idle, signed_in))
    session.save()


def _signed_out_to_login(response: Any, path: str) -> None:
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={path}"


def test_session_idle_applicant_within_limit_stays(applicant: User, applicant_client: Client) -> None:
    _age(applicant_client, idle=8 * HOUR - 2 * MINUTE)

    assert applicant_client.get(PROFILE).status_code == 200


def test_session_idle_applicant_past_limit_signed_out(applicant: User, applicant_client: Client) -> None:
    _age(applicant_client, idle=8 * HOUR + MINUTE)

    response = applicant_client.get(PROFILE)

    _signed_out_to_login(response, PROFILE)
    assert "_auth_user_id" not in applicant_client.session


def test_session_idle_staff_past_half_hour_signed_out(staff: User, staff_client: Client) -> None:
    _age(staff_client, idle=31 * MINUTE)

    _signed_out_to_login(staff_client.get(PROFILE), PROFILE)


def test_session_idle_admin_user_counts_as_staff(db: None) -> None:
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    _age(client, idle=31 * MINUTE)

    _signed_out_to_login(client.get(PROFILE), PROFILE)


def test_session_idle_applicant_past_half_hour_stays(applicant: User, applicant_client: Client) -> None:
    _age(applicant_client, idle=31 * MINUTE)

    assert applicant_client.get(PROFILE).status_code == 200


def test_session_absolute_applicant_past_week_signed_out_though_active(
    applicant: User, applicant_client: Client
) -> None:
    _age(applicant_client, idle=0, signed_in=7 * DAY + MINUTE)

    _signed_out_to_login(applicant_client.get(PROFILE), PROFILE)


def test_session_absolute_staff_past_twelve_hours_signed_out(staff: User, staff_client: Client) -> None:
    _age(staff_client, idle=0, signed_in=12 * HOUR + MINUTE)

    _signed_out_to_login(staff_client.get(PROFILE), PROFILE)


def test_session_timeouts_read_from_settings(settings: Any, applicant: User, applicant_client: Client) -> None:
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 5 * MINUTE
    _age(applicant_client, idle=6 * MINUTE)

    _signed_out_to_login(applicant_client.get(PROFILE), PROFILE)


def test_session_activity_keeps_idle_session_alive(applicant: User, applicant_client: Client) -> None:
    _age(applicant_client, idle=8 * HOUR - MINUTE)

    applicant_client.get(PROFILE)

    assert time.time() - applicant_client.session[SEEN_AT] < MINUTE


def test_session_expired_message_shown_on_sign_in_page(applicant: User, applicant_client: Client) -> None:
    _age(applicant_client, idle=9 * HOUR)

    response = applicant_client.get(PROFILE, follow=True)

    assert response.redirect_chain == [(f"{LOGIN}?next={PROFILE}", 302)]
    assert EXPIRED in response.content.decode()


def test_session_expired_post_not_saved_and_comes_back_after_sign_in(applicant: User, applicant_client: Client) -> None:
    _age(applicant_client, idle=9 * HOUR)

    response = applicant_client.post(PROFILE, {"display_name": "Too Late", "preferred_language": "en"})

    _signed_out_to_login(response, PROFILE)
    applicant.refresh_from_db()
    assert applicant.display_name == "Ann Applicant"
    again = applicant_client.post(
        f"{LOGIN}?next={PROFILE}", {"username": applicant.email, "password": PASSWORD, "next": PROFILE}
    )
    assert again.url == PROFILE


def test_session_expired_htmx_request_redirects_whole_page(applicant: User, applicant_client: Client) -> None:
    _age(applicant_client, idle=9 * HOUR)

    response = applicant_client.post(
        PROFILE, {"display_name": "x"}, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{PROFILE}"
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{LOGIN}?next={PROFILE}"


def test_session_from_before_timeouts_starts_counting(applicant: User, applicant_client: Client) -> None:
    session = applicant_client.session
    del session[SEEN_AT]
    del session[SIGNED_IN_AT]
    session.save()

    response = applicant_client.get(PROFILE)

    assert response.status_code == 200
    assert time.time() - applicant_client.session[SIGNED_IN_AT] < MINUTE
