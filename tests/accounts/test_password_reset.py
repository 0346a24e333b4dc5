"""Password reset by email, end to end, in the recipient's language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from config.celery import app as celery_app
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")
NEW_PASSWORD = "a-brand-new-horse-battery"
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
    (path,) = re.findall(r"http://testserver(/accounts/password-reset/[^/\s]+/[^/\s]+/)", body)
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
