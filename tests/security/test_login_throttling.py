"""Login throttling against password guessing, through the login pages (docs/adr/0013, 0017).

Each test signs in from its own documentation address (192.0.2.0/24) and forgets its
counters before and after, since on the full stack they live in Redis beyond the test.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.login_throttle import DEVICE_COOKIE_NAME, login_throttle_reset
from accounts.models import User
from config.celery import app as celery_app
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
ADMIN_LOGIN = reverse("admin:login")
EMAIL = "guessed@example.com"
OTHER_EMAIL = "neighbour@example.com"
ADDRESS = "192.0.2.10"
OTHER_ADDRESS = "192.0.2.20"
THROTTLED = (
    "Too many failed sign-ins for this email address or from your network. Wait up to 15 minutes and try again, "
    "or reset your password."
)
INVALID = "Please enter a correct email address and password. Note that both fields may be case-sensitive."


@pytest.fixture(autouse=True)
def _forget_counters(settings: Any) -> Iterator[None]:
    settings.LOGIN_THROTTLE_EMAIL_FAILURES = 5
    settings.LOGIN_THROTTLE_ADDRESS_FAILURES = 30
    settings.LOGIN_THROTTLE_WINDOW_SECONDS = 15 * 60
    settings.TRUSTED_PROXY_COUNT = 0

    def forget() -> None:
        for email in (EMAIL, OTHER_EMAIL, *(f"sprayed{n}@example.com" for n in range(30))):
            login_throttle_reset(email=email)
        for address in (ADDRESS, OTHER_ADDRESS, "198.51.100.1", "198.51.100.2"):
            login_throttle_reset(address=address)

    forget()
    yield
    forget()


@pytest.fixture
def user() -> User:
    return UserFactory(email=EMAIL, role=Role.APPLICANT)


def _sign_in(client: Client, email: str, password: str, **extra: str) -> Any:
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def _errors(response: Any) -> list[str]:
    return list(response.context["form"].non_field_errors())


def test_login_throttling_fifth_failure_locks_the_email_out(user: User) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    first_four = [_errors(_sign_in(client, EMAIL, "wrong-guess")) for _attempt in range(4)]

    fifth = _sign_in(client, EMAIL, "wrong-guess")

    assert first_four == [[INVALID]] * 4
    assert fifth.status_code == 200
    assert _errors(fifth) == [THROTTLED]


def test_login_throttling_right_password_refused_during_lockout_and_email_kept(user: User) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    for _attempt in range(5):
        _sign_in(client, EMAIL, "wrong-guess")

    response = _sign_in(client, EMAIL, PASSWORD)

    assert response.status_code == 200
    assert _errors(response) == [THROTTLED]
    assert "_auth_user_id" not in client.session
    assert f'value="{EMAIL}"' in response.content.decode()


def test_login_throttling_email_counted_whatever_its_case_and_client(user: User) -> None:
    for attempt, typed in enumerate(["guessed@example.com", "GUESSED@example.com", " Guessed@Example.COM "] * 2):
        _sign_in(Client(REMOTE_ADDR=f"198.51.100.{1 + attempt % 2}"), typed, "wrong-guess")

    response = _sign_in(Client(REMOTE_ADDR=ADDRESS), EMAIL, PASSWORD)

    assert _errors(response) == [THROTTLED]


def test_login_throttling_lockout_of_one_email_leaves_others_alone(user: User) -> None:
    UserFactory(email=OTHER_EMAIL, role=Role.APPLICANT)
    client = Client(REMOTE_ADDR=ADDRESS)
    for _attempt in range(5):
        _sign_in(client, EMAIL, "wrong-guess")

    response = _sign_in(client, OTHER_EMAIL, PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("accounts:dashboard")


def test_login_throttling_success_clears_the_email_counter(user: User) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    for _attempt in range(4):
        _sign_in(client, EMAIL, "wrong-guess")
    assert _sign_in(client, EMAIL, PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))

    after = [_errors(_sign_in(client, EMAIL, "wrong-guess")) for _attempt in range(4)]

    assert after == [[INVALID]] * 4
    assert _sign_in(client, EMAIL, PASSWORD).status_code == 302


def test_login_throttling_one_client_spraying_many_emails_locked_out(user: User) -> None:
    sprayer = Client(REMOTE_ADDR=ADDRESS)
    for n in range(30):
        _sign_in(sprayer, f"sprayed{n}@example.com", "Summer2026!")

    from_sprayer = _sign_in(sprayer, EMAIL, PASSWORD)
    from_elsewhere = _sign_in(Client(REMOTE_ADDR=OTHER_ADDRESS), EMAIL, PASSWORD)

    assert _errors(from_sprayer) == [THROTTLED]
    assert from_elsewhere.status_code == 302


def test_login_throttling_forwarded_for_ignored_without_a_trusted_proxy(user: User) -> None:
    for n in range(30):
        # A client naming another address on each guess is still one client.
        _sign_in(Client(REMOTE_ADDR=ADDRESS), f"sprayed{n}@example.com", "any", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    response = _sign_in(Client(REMOTE_ADDR=ADDRESS), EMAIL, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99")

    assert _errors(response) == [THROTTLED]


def test_login_throttling_behind_a_trusted_proxy_counts_the_forwarded_client(settings: Any, user: User) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.5")
    for n in range(30):
        # The first entry is whatever the client claims; the proxy appended the real address last.
        _sign_in(proxy, f"sprayed{n}@example.com", "any", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, {ADDRESS}")

    from_sprayer = _sign_in(proxy, EMAIL, PASSWORD, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ADDRESS}")
    from_other_client = _sign_in(proxy, EMAIL, PASSWORD, HTTP_X_FORWARDED_FOR=OTHER_ADDRESS)

    assert _errors(from_sprayer) == [THROTTLED]
    assert from_other_client.status_code == 302


def test_login_throttling_window_end_lets_the_owner_in(settings: Any, user: User) -> None:
    settings.LOGIN_THROTTLE_WINDOW_SECONDS = 1
    client = Client(REMOTE_ADDR=ADDRESS)
    for _attempt in range(5):
        _sign_in(client, EMAIL, "wrong-guess")
    assert "_auth_user_id" not in client.session

    time.sleep(1.2)  # The counters expire in the cache itself (Redis or local memory), not by a clock we can move.
    response = _sign_in(client, EMAIL, PASSWORD)

    assert response.status_code == 302


def test_login_throttling_lockout_logged(user: User, caplog: pytest.LogCaptureFixture) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    with caplog.at_level(logging.WARNING, logger="clusterflow.security"):
        for _attempt in range(5):
            _sign_in(client, EMAIL, "wrong-guess")

    records = [record for record in caplog.records if record.name == "clusterflow.security"]
    assert [record.getMessage() for record in records] == [
        f"Sign-ins locked for 900 seconds after too many failures (by email): email '{EMAIL}', client {ADDRESS}"
    ]


def test_login_throttling_covers_the_admin_login() -> None:
    # The admin has no login form of its own: it sends to the site's, which is throttled.
    admin = UserFactory(email=EMAIL, is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR=ADDRESS)

    response = client.post(ADMIN_LOGIN, {"username": admin.email, "password": PASSWORD, "next": "/admin/"})

    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next=/admin/"
    assert "_auth_user_id" not in client.session


# --- A stranger cannot lock the owner out (docs/adr/0017) ---------------------------------------


def _stranger_fails(times: int) -> Any:
    stranger = Client(REMOTE_ADDR=OTHER_ADDRESS)
    for _attempt in range(times):
        last = _sign_in(stranger, EMAIL, "wrong-guess")
    return last


def _owners_browser() -> Client:
    """Return the owner's browser, in which they signed in once (and signed out)."""
    owner = Client(REMOTE_ADDR=ADDRESS)
    assert _sign_in(owner, EMAIL, PASSWORD).status_code == 302
    owner.post(reverse("accounts:logout"))
    return owner


def test_login_throttling_stranger_does_not_lock_out_the_owners_browser(user: User) -> None:
    owner = _owners_browser()

    stranger_last = _stranger_fails(6)
    response = _sign_in(owner, EMAIL, PASSWORD)

    assert _errors(stranger_last) == [THROTTLED]
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(user.pk)


def test_login_throttling_owners_browser_still_limited_by_its_own_failures(user: User) -> None:
    owner = _owners_browser()
    for _attempt in range(5):
        _sign_in(owner, EMAIL, "wrong-guess")

    response = _sign_in(owner, EMAIL, PASSWORD)

    assert _errors(response) == [THROTTLED]


def test_login_throttling_device_cookie_of_another_address_or_forged_counts_for_nothing(user: User) -> None:
    UserFactory(email=OTHER_EMAIL, role=Role.APPLICANT)
    neighbour = Client(REMOTE_ADDR=ADDRESS)
    assert _sign_in(neighbour, OTHER_EMAIL, PASSWORD).status_code == 302
    neighbour.post(reverse("accounts:logout"))
    forger = Client(REMOTE_ADDR=ADDRESS)
    forger.cookies[DEVICE_COOKIE_NAME] = "eyJlIjoiMCJ9:forged:signature"
    _stranger_fails(5)

    assert _errors(_sign_in(neighbour, EMAIL, PASSWORD)) == [THROTTLED]
    assert _errors(_sign_in(forger, EMAIL, PASSWORD)) == [THROTTLED]


def test_login_throttling_reset_by_the_emailed_link_lets_the_owner_in_despite_the_stranger(
    user: User, django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    new_password = "a-brand-new-horse-battery"
    _stranger_fails(5)
    owner = Client(REMOTE_ADDR=ADDRESS)  # A browser the owner never signed in from.
    assert _errors(_sign_in(owner, EMAIL, PASSWORD)) == [THROTTLED]

    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            owner.post(reverse("accounts:password_reset"), {"email": EMAIL})
    finally:
        celery_app.conf.task_always_eager = False
    (path,) = re.findall(
        re.escape(settings.SITE_URL) + r"(/accounts/password-reset/[^/\s]+/[^/\s]+/)", mail.outbox[0].body
    )
    form_url = owner.get(path).url
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="clusterflow.security"):
        done = owner.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    logged = [r.getMessage() for r in caplog.records if r.name == "clusterflow.security"]
    still_failing = _stranger_fails(5)
    response = _sign_in(owner, EMAIL, new_password)

    assert done.status_code == 302
    assert _errors(still_failing) == [THROTTLED]
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(user.pk)
    assert logged == [f"Sign-in lockout lifted by a password reset: email '{EMAIL}', client {ADDRESS}"]


def test_login_throttling_reset_lifts_the_lockout_in_every_browser(
    user: User, django_capture_on_commit_callbacks: Any
) -> None:
    _stranger_fails(5)
    owner = Client(REMOTE_ADDR=ADDRESS)
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            owner.post(reverse("accounts:password_reset"), {"email": EMAIL})
    finally:
        celery_app.conf.task_always_eager = False
    (path,) = re.findall(
        re.escape(settings.SITE_URL) + r"(/accounts/password-reset/[^/\s]+/[^/\s]+/)", mail.outbox[0].body
    )
    owner.post(owner.get(path).url, {"new_password1": "a-brand-new-horse", "new_password2": "a-brand-new-horse"})

    elsewhere = _sign_in(Client(REMOTE_ADDR="198.51.100.1"), EMAIL, "a-brand-new-horse")

    assert elsewhere.status_code == 302
