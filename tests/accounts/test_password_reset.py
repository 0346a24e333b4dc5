"""Password reset by email, end to end, in the recipient's language, telling nobody who has an account."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from config.celery import app as celery_app
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")
NEW_PASSWORD = "a-brand-new-horse-battery"
THROTTLED = "Too many requests for this email address or from your network. Wait up to 15 minutes and try again."
FRENCH_CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES" / "django.mo"


@pytest.fixture(autouse=True)
def eager_tasks() -> Iterator[None]:
    """Send queued mail at once: the worker itself is tested in tests/config/test_celery.py."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _request_reset(client: Client, email: str, capture) -> None:
    with capture(execute=True):
        response = client.post(RESET, {"email": email})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")


def _link(body: str) -> str:
    # The link is on the site's address (SITE_URL), not on the host the request came by.
    (path,) = re.findall(re.escape(settings.SITE_URL) + r"(/accounts/password-reset/[^/\s]+/[^/\s]+/)", body)
    return path


def test_password_reset_link_sets_new_password(anonymous_client: Client, django_capture_on_commit_callbacks) -> None:
    user = UserFactory(email="ann@example.com", display_name="Ann", preferred_language="en")

    _request_reset(anonymous_client, "ANN@example.com", django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    confirm = anonymous_client.get(_link(message.body))
    form_page = anonymous_client.get(confirm.url)
    done = anonymous_client.post(confirm.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert message.to == ["ann@example.com"]
    assert message.subject == "Reset your Clusterflow password"
    assert message.body.startswith("Hello Ann,")
    assert [alternative.mimetype for alternative in message.alternatives] == ["text/html"]
    assert confirm.status_code == 302
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    assert done.status_code == 302
    assert done.url == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) is True


def test_password_reset_link_used_twice_refused(anonymous_client: Client, django_capture_on_commit_callbacks) -> None:
    UserFactory(email="ann@example.com")
    _request_reset(anonymous_client, "ann@example.com", django_capture_on_commit_callbacks)
    link = _link(mail.outbox[0].body)
    confirm = anonymous_client.get(link)
    anonymous_client.post(confirm.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = anonymous_client.get(link)

    assert again.status_code == 200
    assert again.context["validlink"] is False


def test_password_reset_unknown_email_sends_nothing(
    anonymous_client: Client, django_capture_on_commit_callbacks
) -> None:
    UserFactory(email="ann@example.com")

    _request_reset(anonymous_client, "nobody@example.com", django_capture_on_commit_callbacks)

    assert mail.outbox == []


def test_password_reset_french_user_gets_french_email(
    anonymous_client: Client, django_capture_on_commit_callbacks
) -> None:
    if not FRENCH_CATALOGUE.exists():
        pytest.skip(f"no compiled French catalogue at {FRENCH_CATALOGUE}: run `make messages`")
    UserFactory(email="jeanne@example.com", display_name="Jeanne", preferred_language="fr")

    # The request itself is in English: the email follows the recipient's preference.
    _request_reset(anonymous_client, "jeanne@example.com", django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    assert message.subject == "Réinitialisez votre mot de passe Clusterflow"
    assert message.body.startswith("Bonjour Jeanne,")


def test_password_reset_inactive_user_gets_nothing(
    anonymous_client: Client, django_capture_on_commit_callbacks
) -> None:
    UserFactory(email="ann@example.com", is_active=False)

    _request_reset(anonymous_client, "ann@example.com", django_capture_on_commit_callbacks)

    assert mail.outbox == []
    assert User.objects.get().check_password(NEW_PASSWORD) is False


def _without_csrf(content: bytes) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "<csrf>", content.decode())


def test_password_reset_known_and_unknown_addresses_do_the_same_work(
    django_capture_on_commit_callbacks: Any,
) -> None:
    UserFactory(email="ann@example.com", display_name="Ann", preferred_language="en")
    answers = []
    for email in ("ann@example.com", "nobody@example.com"):
        client = Client()
        with django_capture_on_commit_callbacks() as callbacks, CaptureQueriesContext(connection) as queries:
            response = client.post(RESET, {"email": email})
        page = client.get(response.url)
        for callback in callbacks:
            callback()
        # The request's own work: no query at all, so none on the users; the worker looks the address up.
        sql = [query["sql"] for query in queries]
        answers.append((response.status_code, response.url, len(callbacks), sql, _without_csrf(page.content)))

    known, unknown = answers
    assert known == unknown
    assert known[3] == []
    assert [message.to for message in mail.outbox] == [["ann@example.com"]]


def _request_from(client: Client, email: str, capture: Any) -> tuple[Any, list[Any]]:
    with capture(execute=True) as callbacks:
        response = client.post(RESET, {"email": email})
    return response, callbacks


def test_password_reset_throttled_per_address_with_message_and_email_kept(
    settings: Any, django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.ACCOUNT_EMAIL_THROTTLE_PER_EMAIL = 3
    UserFactory(email="ann@example.com")
    for n in range(3):
        response, _callbacks = _request_from(
            Client(REMOTE_ADDR=f"198.51.100.{n}"), "ann@example.com", django_capture_on_commit_callbacks
        )
        assert response.status_code == 302

    with caplog.at_level(logging.WARNING, logger="clusterflow.security"):
        refused, callbacks = _request_from(
            Client(REMOTE_ADDR="192.0.2.10"), "ANN@example.com", django_capture_on_commit_callbacks
        )

    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors() == [THROTTLED]
    assert THROTTLED in refused.content.decode()
    assert 'value="ANN@example.com"' in refused.content.decode()
    assert callbacks == []
    assert len(mail.outbox) == 3
    assert [r.getMessage() for r in caplog.records if r.name == "clusterflow.security"] == [
        "Requests to password-reset refused for the rest of a 900-second window (by email): "
        "email 'ann@example.com', client 192.0.2.10"
    ]


def test_password_reset_throttled_the_same_for_an_unknown_address(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ACCOUNT_EMAIL_THROTTLE_PER_EMAIL = 3
    for n in range(3):
        _request_from(Client(REMOTE_ADDR=f"198.51.100.{n}"), "nobody@example.com", django_capture_on_commit_callbacks)

    refused, _callbacks = _request_from(Client(), "nobody@example.com", django_capture_on_commit_callbacks)

    assert refused.context["form"].non_field_errors() == [THROTTLED]


def test_password_reset_throttled_per_client(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.ACCOUNT_EMAIL_THROTTLE_PER_CLIENT = 20
    UserFactory(email="ann@example.com")
    client = Client(REMOTE_ADDR="192.0.2.10")
    for n in range(20):
        _request_from(client, f"sprayed{n}@example.com", django_capture_on_commit_callbacks)

    from_sprayer, callbacks = _request_from(client, "ann@example.com", django_capture_on_commit_callbacks)
    from_elsewhere, _callbacks = _request_from(
        Client(REMOTE_ADDR="192.0.2.20"), "ann@example.com", django_capture_on_commit_callbacks
    )

    assert from_sprayer.context["form"].non_field_errors() == [THROTTLED]
    assert callbacks == []
    assert from_elsewhere.status_code == 302
    assert [message.to for message in mail.outbox] == [["ann@example.com"]]


def test_password_reset_link_is_on_the_site_url_whatever_the_request_host(
    anonymous_client: Client, django_capture_on_commit_callbacks, settings
) -> None:
    settings.SITE_URL = "https://apply.example.org"
    UserFactory(email="ann@example.com", display_name="Ann", preferred_language="en")

    _request_reset(anonymous_client, "ann@example.com", django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    assert re.search(r"https://apply\.example\.org/accounts/password-reset/[^/\s]+/[^/\s]+/", message.body)
    assert "testserver" not in message.body
