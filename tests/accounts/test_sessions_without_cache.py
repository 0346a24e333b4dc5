"""Signing in and signed-in pages with the cache unreachable: sessions come from the database (docs/adr/0011).

The cache here is a real Redis client pointed at a port where nothing listens, as when
Redis is down: every call to it fails with a connection error. (The whole outage, with a
real Redis stopped and started again and a real worker, is in
``tests/workflow/test_redis_outage.py``.)
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.login_throttle import login_throttle_reset
from accounts.models import User
from accounts.sessions import stale_session_keys
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
DASHBOARD = reverse("accounts:dashboard")
PROFILE = reverse("accounts:profile")
EMAIL = "down@example.com"
THROTTLED = "Too many failed sign-ins for this email address or from your network."


def _closed_port() -> int:
    """Return a local port on which nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def cache_down(settings: Any) -> None:
    """Configure sessions on a Redis cache that cannot be reached, as the full stack's settings do."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "KEY_PREFIX": "clusterflow",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.SESSION_ENGINE = "accounts.sessions"
    with pytest.raises(Exception, match=r"Connection refused|Error 111|connecting"):
        caches["default"].get("anything")


@pytest.fixture
def user(cache_down: None) -> User:
    return UserFactory(email=EMAIL, role=Role.APPLICANT, display_name="Dee Down")


@pytest.mark.usefixtures("cache_down")
def test_sign_in_without_cache_works(user: User, anonymous_client: Client) -> None:
    response = anonymous_client.post(LOGIN, {"username": EMAIL, "password": PASSWORD}, REMOTE_ADDR="192.0.2.41")

    assert response.status_code == 302
    assert anonymous_client.get(PROFILE).status_code == 200


@pytest.mark.usefixtures("cache_down")
def test_signed_in_pages_and_forms_without_cache_work(user: User) -> None:
    client = Client()
    client.force_login(user)

    page = client.get(PROFILE)
    saved = client.post(PROFILE, {"display_name": "Dee Still Up", "preferred_language": "en"})

    assert page.status_code == 200
    assert saved.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Dee Still Up"


@pytest.mark.usefixtures("cache_down")
def test_sign_out_without_cache_ends_session_and_remembers_stale_copy(user: User) -> None:
    client = Client()
    client.force_login(user)
    session_key = client.session.session_key

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert client.get(PROFILE).status_code == 302  # to the sign-in page
    assert f"django.contrib.sessions.cached_db{session_key}" in stale_session_keys()


@pytest.mark.usefixtures("cache_down")
def test_cache_failure_logged(user: User, caplog: pytest.LogCaptureFixture) -> None:
    from accounts import sessions

    sessions._last_logged = 0.0
    client = Client()
    with caplog.at_level(logging.WARNING, logger="clusterflow.cache"):
        client.force_login(user)

    assert any("sessions are read from the database" in record.getMessage() for record in caplog.records)


@pytest.mark.usefixtures("cache_down")
def test_login_throttle_without_cache_counts_in_process(user: User, anonymous_client: Client) -> None:
    """With the shared counters unreachable, the process's own still stop guessing."""
    login_throttle_reset(email=EMAIL, address="192.0.2.42")
    for _ in range(5):
        wrong = anonymous_client.post(LOGIN, {"username": EMAIL, "password": "wrong"}, REMOTE_ADDR="192.0.2.42")
        assert wrong.status_code == 200

    right = anonymous_client.post(LOGIN, {"username": EMAIL, "password": PASSWORD}, REMOTE_ADDR="192.0.2.42")
    login_throttle_reset(email=EMAIL, address="192.0.2.42")

    assert right.status_code == 200
    assert THROTTLED in right.content.decode()
