"""Sign-up: the address is proven by an emailed link, and the page never tells whether it has an account (ADR 0017)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from accounts.login_throttle import DEVICE_COOKIE_NAME
from accounts.models import User
from accounts.services import SignUpRequest, sign_up_token
from config.celery import app as celery_app
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = reverse("accounts:signup")
SENT = reverse("accounts:signup_sent")
THROTTLED = "Too many requests for this email address or from your network. Wait up to 15 minutes and try again."
LINK_GONE = "This link has been used already or has expired."


@pytest.fixture(autouse=True)
def eager_tasks(settings: Any) -> Iterator[None]:
    """Send queued mail at once: the worker itself is tested in tests/config/test_celery.py."""
    settings.ACCOUNT_EMAIL_THROTTLE_PER_EMAIL = 3
    settings.ACCOUNT_EMAIL_THROTTLE_PER_CLIENT = 20
    settings.LOGIN_THROTTLE_WINDOW_SECONDS = 15 * 60
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _form(**overrides: str) -> dict[str, str]:
    return {"email": "New.Person@Example.com", "display_name": "New Person", "preferred_language": "fr", **overrides}


def _sign_up(client: Client, capture: Any, **overrides: str) -> tuple[Any, list[Any]]:
    with capture(execute=True) as callbacks:
        response = client.post(SIGNUP, _form(**overrides))
    return response, callbacks


def _without_csrf(content: bytes) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "<csrf>", content.decode())


def _link(body: str) -> str:
    (path,) = re.findall(r"http://127\.0\.0\.1:8000(/accounts/signup/[^/\s]+/)", body)
    return path


def test_signup_new_address_sends_a_link_and_creates_nothing(
    anonymous_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    response, _callbacks = _sign_up(anonymous_client, django_capture_on_commit_callbacks, preferred_language="en")

    (message,) = mail.outbox
    assert response.status_code == 302
    assert response.url == SENT
    assert User.objects.count() == 0
    assert message.to == ["new.person@example.com"]
    assert message.subject == "Finish creating your Clusterflow account"
    assert message.body.startswith("Hello New Person,")
    assert _link(message.body).startswith("/accounts/signup/")
    assert "_auth_user_id" not in anonymous_client.session


def test_signup_link_creates_applicant_and_signs_in(
    anonymous_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    _sign_up(anonymous_client, django_capture_on_commit_callbacks)
    link = _link(mail.outbox[0].body)

    page = anonymous_client.get(link)
    response = anonymous_client.post(link, {"password1": PASSWORD, "password2": PASSWORD})

    user = User.objects.get()
    assert page.status_code == 200
    assert page.context["validlink"] is True
    assert "new.person@example.com" in page.content.decode()
    assert response.status_code == 302
    assert response.url == reverse("accounts:organizations")
    assert (user.email, user.display_name, user.preferred_language) == ("new.person@example.com", "New Person", "fr")
    assert user.roles == frozenset({Role.APPLICANT})
    assert user.check_password(PASSWORD) is True
    assert anonymous_client.session["_auth_user_id"] == str(user.pk)
    assert DEVICE_COOKIE_NAME in response.cookies


def test_signup_existing_address_answers_as_a_new_one(django_capture_on_commit_callbacks: Any) -> None:
    owner = UserFactory(email="new.person@example.com", display_name="Nora", preferred_language="en")
    owner_password = owner.password
    answers = []
    for email in ("NEW.PERSON@example.com", "unknown.person@example.com"):
        client = Client()
        with django_capture_on_commit_callbacks() as callbacks, CaptureQueriesContext(connection) as queries:
            response = client.post(SIGNUP, _form(email=email))
        page = client.get(response.url)
        for callback in callbacks:
            callback()
        # The request's own work: no query at all, so none on the users; the worker looks the address up.
        sql = [query["sql"] for query in queries]
        answers.append((response.status_code, response.url, len(callbacks), sql, _without_csrf(page.content)))

    taken, new = answers
    assert taken == new
    assert taken[3] == []
    # The owner is written to in their own language; the newcomer in the language they chose (French).
    assert [message.subject for message in mail.outbox] == [
        "Somebody tried to sign up with your Clusterflow address",
        "Terminez la création de votre compte Clusterflow",
    ]
    assert User.objects.count() == 1
    owner.refresh_from_db()
    assert owner.password == owner_password


def test_signup_existing_address_warns_its_owner_in_their_language(
    anonymous_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    UserFactory(email="new.person@example.com", display_name="Nora", preferred_language="en")

    # The sign-up is in French; the warning follows its recipient's own preference.
    _sign_up(anonymous_client, django_capture_on_commit_callbacks, preferred_language="fr")

    (message,) = mail.outbox
    assert message.to == ["new.person@example.com"]
    assert message.subject == "Somebody tried to sign up with your Clusterflow address"
    assert message.body.startswith("Hello Nora,")
    assert "http://127.0.0.1:8000/accounts/login/" in message.body
    assert "http://127.0.0.1:8000/accounts/password-reset/" in message.body
    assert "/accounts/signup/" not in message.body


def test_signup_deactivated_address_gets_nothing(
    anonymous_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    UserFactory(email="new.person@example.com", is_active=False)

    response, callbacks = _sign_up(anonymous_client, django_capture_on_commit_callbacks)

    assert response.url == SENT
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_signup_missing_name_keeps_typed_values(anonymous_client: Client) -> None:
    response = anonymous_client.post(SIGNUP, _form(display_name=""))

    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].errors == {"display_name": ["This field is required."]}
    assert 'value="New.Person@Example.com"' in content


def test_signup_link_passwords_differ_keeps_the_page(
    anonymous_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    _sign_up(anonymous_client, django_capture_on_commit_callbacks)

    response = anonymous_client.post(
        _link(mail.outbox[0].body), {"password1": PASSWORD, "password2": "another-horse-battery-staple"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"password2": ["The two passwords differ."]}
    assert "The two passwords differ." in response.content.decode()
    assert User.objects.count() == 0


def test_signup_link_weak_password_refused_with_message(
    anonymous_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    _sign_up(anonymous_client, django_capture_on_commit_callbacks)

    response = anonymous_client.post(_link(mail.outbox[0].body), {"password1": "12345678", "password2": "12345678"})

    assert response.status_code == 400
    assert response.context["form"].errors["password1"] == [
        "This password is too common.",
        "This password is entirely numeric.",
    ]
    assert User.objects.count() == 0


def test_signup_link_used_twice_refused(anonymous_client: Client, django_capture_on_commit_callbacks: Any) -> None:
    _sign_up(anonymous_client, django_capture_on_commit_callbacks)
    link = _link(mail.outbox[0].body)
    Client().post(link, {"password1": PASSWORD, "password2": PASSWORD})

    again = anonymous_client.post(link, {"password1": PASSWORD, "password2": PASSWORD})

    assert again.status_code == 200
    assert again.context["validlink"] is False
    assert LINK_GONE in again.content.decode()
    assert User.objects.count() == 1


def test_signup_link_tampered_or_expired_refused(anonymous_client: Client, settings: Any) -> None:
    token = sign_up_token(
        request=SignUpRequest(email="new.person@example.com", display_name="New Person", preferred_language="en")
    )
    other = sign_up_token(
        request=SignUpRequest(email="mallory@example.com", display_name="New Person", preferred_language="en")
    )
    tampered = token.split(":")[0] + ":" + ":".join(other.split(":")[1:])

    forged = anonymous_client.get(reverse("accounts:signup_confirm", kwargs={"token": tampered}))
    settings.PASSWORD_RESET_TIMEOUT = -1
    expired = anonymous_client.get(reverse("accounts:signup_confirm", kwargs={"token": token}))

    assert forged.context["validlink"] is False
    assert expired.context["validlink"] is False
    with pytest.raises(signing.BadSignature):
        signing.loads(tampered, salt="accounts.services.sign_up")


def test_signup_throttled_per_address_with_message_and_typed_values_kept(
    django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    for n in range(3):
        response, _callbacks = _sign_up(Client(REMOTE_ADDR=f"198.51.100.{n}"), django_capture_on_commit_callbacks)
        assert response.status_code == 302

    with caplog.at_level(logging.WARNING, logger="clusterflow.security"):
        refused, callbacks = _sign_up(Client(REMOTE_ADDR="192.0.2.10"), django_capture_on_commit_callbacks)

    content = refused.content.decode()
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors() == [THROTTLED]
    assert THROTTLED in content
    assert 'value="New.Person@Example.com"' in content
    assert 'value="New Person"' in content
    assert callbacks == []
    assert len(mail.outbox) == 3
    assert [r.getMessage() for r in caplog.records if r.name == "clusterflow.security"] == [
        "Requests to signup refused for the rest of a 900-second window (by email): "
        "email 'new.person@example.com', client 192.0.2.10"
    ]


def test_signup_throttled_per_client(django_capture_on_commit_callbacks: Any) -> None:
    client = Client(REMOTE_ADDR="192.0.2.10")
    for n in range(20):
        response, _callbacks = _sign_up(client, django_capture_on_commit_callbacks, email=f"sprayed{n}@example.com")
        assert response.status_code == 302

    from_sprayer, callbacks = _sign_up(client, django_capture_on_commit_callbacks, email="fresh@example.com")
    from_elsewhere, _callbacks = _sign_up(
        Client(REMOTE_ADDR="192.0.2.20"), django_capture_on_commit_callbacks, email="fresh@example.com"
    )

    assert from_sprayer.context["form"].non_field_errors() == [THROTTLED]
    assert callbacks == []
    assert from_elsewhere.status_code == 302


def test_signup_signed_in_user_sent_to_dashboard(applicant_client: Client) -> None:
    response = applicant_client.get(SIGNUP)

    assert response.status_code == 302
    assert response.url == reverse("accounts:dashboard")


def test_signup_link_used_twice_at_once_second_told(
    anonymous_client: Client, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sign_up(anonymous_client, django_capture_on_commit_callbacks)
    link = _link(mail.outbox[0].body)
    # The other use of the link creates the account after this one checked the address was free.
    monkeypatch.setattr("accounts.selectors.email_taken", lambda *, email: False)
    assert Client().post(link, {"password1": PASSWORD, "password2": PASSWORD}).status_code == 302

    second = anonymous_client.post(link, {"password1": PASSWORD, "password2": PASSWORD})

    assert second.status_code == 409
    assert LINK_GONE in second.content.decode()
    assert "_auth_user_id" not in anonymous_client.session
    assert User.objects.count() == 1
