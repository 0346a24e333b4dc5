"""The second factor: who must have one, setting it up, signing in with it, recovery codes, the admin."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from accounts.admin_site import SecondFactorAdminSite
from accounts.choices import Role
from accounts.models import User
from tests.conftest import client_for, totp_code
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SETUP = reverse("accounts:second_factor_setup")
VERIFY = reverse("accounts:second_factor_verify")
DISABLE = reverse("accounts:second_factor_disable")
RECOVERY = reverse("accounts:second_factor_recovery_codes")
EMAIL = "sam@example.com"
REQUIRED_MESSAGE = (
    "Program staff and administrators sign in with a second factor. Set up an authenticator app now: it takes a "
    "minute, and keeps the applications in your care safe."
)
WRONG_CODE = "This code is not right. Type the six digits your app shows now, or one of your recovery codes."


@pytest.fixture(autouse=True)
def _forget_counters(settings: Any) -> Iterator[None]:
    """Start and end each test with no wrong code counted (the counters outlive a test's rolled-back users)."""
    settings.SECOND_FACTOR_THROTTLE_FAILURES = 5
    settings.LOGIN_THROTTLE_WINDOW_SECONDS = 15 * 60
    cache.clear()
    yield
    cache.clear()


def _password_only(user: User) -> Client:
    """Sign ``user`` in with the password alone, through the login page."""
    client = Client()
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _with_device(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    second_factor.recovery_codes_generate(user=user)
    return device


def _pages_without_arguments() -> list[str]:
    """Every URL of the project that takes no argument, except the admin's."""
    paths: list[str] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if not route.startswith("admin/"):
                    walk(pattern.url_patterns, route)
            elif "<" not in route:
                paths.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(paths))


OPEN_BEFORE_SECOND_FACTOR = {SETUP, VERIFY, reverse("accounts:logout"), reverse("accounts:set_language")}


# --- Who must have one ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "required"),
    [
        ({"role": Role.STAFF}, True),
        ({"is_staff": True}, True),
        ({"is_staff": True, "is_superuser": True}, True),
        ({"role": Role.APPLICANT}, False),
        ({"role": Role.ASSESSOR}, False),
        ({"role": Role.BOARD_MEMBER}, False),
        ({}, False),
    ],
)
def test_second_factor_required_by_roles_and_admin_access(kwargs: dict[str, object], required: bool) -> None:
    assert UserFactory(**kwargs).second_factor_required is required


# --- Staff without a device ---------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(set(_pages_without_arguments()) - OPEN_BEFORE_SECOND_FACTOR))
def test_second_factor_staff_without_device_sent_to_setup_from_every_page(path: str) -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL)
    client = _password_only(staff)

    response = client.get(path)

    assert response.status_code == 302
    assert response.url == f"{SETUP}?next={path}"


def test_second_factor_staff_without_device_sent_from_an_object_page_and_the_admin() -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL, is_staff=True, is_superuser=True)
    client = _password_only(staff)

    for path in ("/proposals/1/", reverse("admin:index"), reverse("admin:accounts_user_changelist")):
        response = client.get(path)
        assert (response.status_code, response.url) == (302, f"{SETUP}?next={path}")


def test_second_factor_staff_without_device_told_why() -> None:
    client = _password_only(UserFactory(role=Role.STAFF, email=EMAIL))

    response = client.get(reverse("workflow:staff_dashboard"), follow=True)

    assert response.redirect_chain == [(f"{SETUP}?next=/staff/", 302)]
    assert [str(message) for message in response.context["messages"]] == [REQUIRED_MESSAGE]


def test_second_factor_setup_page_shows_key_uri_and_qr_code_without_script() -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL)
    client = _password_only(staff)

    response = client.get(SETUP)

    device = TOTPDevice.objects.get(user=staff)
    assert device.confirmed is False
    content = response.content.decode()
    assert response.status_code == 200
    assert device.config_url.replace("&", "&amp;") in content
    assert second_factor.authenticator_key_text(device) in content
    assert re.search(r'<svg [^>]*class="segno"', content)
    assert "<title>QR code of your key</title>" in content
    # No script but the layout's own files; the QR code is drawn here, not by a service.
    assert re.findall(r"<script[^>]*>", content) == [
        '<script src="/static/django_htmx/htmx-2.min.js" defer>',
        '<script src="/static/vendor/bootstrap/bootstrap.bundle.min.js" defer>',
        '<script src="/static/js/wide-tables.js" defer>',
    ]
    assert "http" not in device.config_url


def test_second_factor_setup_keeps_its_key_until_confirmed() -> None:
    client = _password_only(UserFactory(role=Role.STAFF, email=EMAIL))

    client.get(SETUP)
    client.get(SETUP)

    assert TOTPDevice.objects.count() == 1


def test_second_factor_setup_wrong_code_refused_and_keeps_it() -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL)
    client = _password_only(staff)
    client.get(SETUP)

    response = client.post(SETUP, {"code": "000000x"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "code": ["This code is not the one your authenticator app shows. Check the app and try again."]
    }
    assert 'value="000000x"' in response.content.decode()
    assert TOTPDevice.objects.get(user=staff).confirmed is False
    assert client.get(reverse("workflow:staff_dashboard")).url == f"{SETUP}?next=/staff/"


def test_second_factor_setup_with_right_code_shows_recovery_codes_once_and_opens_the_site() -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL)
    client = _password_only(staff)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=staff)
    session_before = client.session.session_key

    response = client.post(SETUP, {"code": totp_code(device), "next": "/staff/"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", response.content.decode())
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True))
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=staff).confirmed is True
    assert client.session.session_key != session_before
    assert client.get(reverse("workflow:staff_dashboard")).status_code == 200
    # Shown once: the profile says how many are left, not which.
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "You have 10 unused recovery codes." in profile
    assert codes[0] not in profile


# --- Signing in with it ---------------------------------------------------------------------


def test_second_factor_sign_in_asks_for_the_code_after_the_password() -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL)
    device = _with_device(staff)
    client = Client()

    response = client.post(LOGIN, {"username": EMAIL, "password": PASSWORD, "next": "/staff/"}, follow=True)

    assert response.redirect_chain == [("/staff/", 302), (f"{VERIFY}?next=/staff/", 302)]
    assert client.get(reverse("accounts:profile")).url == f"{VERIFY}?next=/accounts/profile/"
    session_before = client.session.session_key

    response = client.post(VERIFY, {"code": totp_code(device), "next": "/staff/"})

    assert (response.status_code, response.url) == (302, "/staff/")
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.session.session_key != session_before
    assert client.get("/staff/").status_code == 200


def test_second_factor_wrong_code_refused_with_a_message() -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL)
    _with_device(staff)
    client = _password_only(staff)

    response = client.post(VERIFY, {"code": "123456", "next": "/staff/"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"code": [WRONG_CODE]}
    assert 'value="123456"' in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get("/staff/").url == f"{VERIFY}?next=/staff/"


def test_second_factor_wrong_code_refused_in_french() -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL, preferred_language="fr")
    _with_device(staff)
    client = _password_only(staff)

    response = client.post(VERIFY, {"code": ""})

    assert response.status_code == 400
    assert response.headers["Content-Language"] == "fr"


def test_second_factor_code_accepted_once() -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL)
    device = _with_device(staff)
    code = totp_code(device)
    assert _password_only(staff).post(VERIFY, {"code": code}).status_code == 302

    response = _password_only(staff).post(VERIFY, {"code": code})

    assert response.status_code == 400


def test_second_factor_recovery_code_works_once() -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL)
    _with_device(staff)
    code = StaticToken.objects.filter(device__user=staff).first().token
    client = _password_only(staff)

    response = client.post(VERIFY, {"code": code.upper(), "next": "/staff/"}, follow=True)

    assert response.redirect_chain == [("/staff/", 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "You signed in with a recovery code, which is now used up (9 left). Make new ones in your profile if you "
        "lost your authenticator app."
    ]
    again = _password_only(staff)
    response = again.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert response.context["form"].errors == {"code": [WRONG_CODE]}
    assert DEVICE_ID_SESSION_KEY not in again.session


def test_second_factor_new_recovery_codes_replace_the_old() -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL)
    old = set(second_factor.recovery_codes_generate(user=staff))
    client = client_for(staff)

    response = client.post(RECOVERY)

    new = set(re.findall(r"<li>([a-z2-7]{8})</li>", response.content.decode()))
    assert response.status_code == 200
    assert "Your earlier recovery codes no longer work." in response.content.decode()
    assert len(new) == 10
    assert set(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True)) == new
    assert not old & new


def test_second_factor_code_throttled_after_five_wrong_codes(caplog: pytest.LogCaptureFixture) -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL)
    device = _with_device(staff)
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.post(LOGIN, {"username": EMAIL, "password": PASSWORD})
    with caplog.at_level(logging.WARNING, logger="clusterflow.security"):
        for _attempt in range(5):
            assert client.post(VERIFY, {"code": "000000"}).status_code == 400

    response = client.post(VERIFY, {"code": totp_code(device)})

    assert response.status_code == 429
    assert response.context["form"].errors == {"code": ["Too many wrong codes. Wait up to 15 minutes and try again."]}
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert [record.getMessage() for record in caplog.records if record.name == "clusterflow.security"] == [
        f"Second-factor codes locked for 900 seconds after too many wrong codes: email '{EMAIL}', client 203.0.113.9"
    ]
    # Another session of the same account (say, the attacker's next one) is throttled alike.
    assert _password_only(staff).post(VERIFY, {"code": totp_code(device)}).status_code == 429


def test_second_factor_right_code_clears_the_wrong_ones() -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL)
    device = _with_device(staff)
    client = _password_only(staff)
    for _attempt in range(4):
        client.post(VERIFY, {"code": "000000"})
    assert client.post(VERIFY, {"code": totp_code(device)}).status_code == 302

    client = _password_only(staff)
    for _attempt in range(4):
        client.post(VERIFY, {"code": "000000"})

    assert client.post(VERIFY, {"code": totp_code(device)}).status_code == 302


# --- The admin --------------------------------------------------------------------------------


def test_second_factor_admin_requires_the_verified_factor() -> None:
    admin = UserFactory(email=EMAIL, is_staff=True, is_superuser=True)
    device = _with_device(admin)
    client = _password_only(admin)
    url = reverse("admin:accounts_user_changelist")

    assert client.get(url).url == f"{VERIFY}?next={url}"

    client.post(VERIFY, {"code": totp_code(device)})
    assert client.get(url).status_code == 200


def test_second_factor_admin_site_refuses_an_unverified_session() -> None:
    # The middleware keeps such a session away from the admin; the site refuses it on its own too.
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    site = SecondFactorAdminSite()

    request.user.is_verified = lambda: False
    assert site.has_permission(request) is False
    request.user.is_verified = lambda: True
    assert site.has_permission(request) is True


def test_second_factor_admin_login_sends_to_the_site_login() -> None:
    response = Client().get(reverse("admin:login") + "?next=/admin/accounts/user/")

    assert (response.status_code, response.url) == (302, f"{LOGIN}?next=/admin/accounts/user/")


# --- An applicant, by choice --------------------------------------------------------------------


def test_second_factor_optional_for_an_applicant() -> None:
    applicant = UserFactory(role=Role.APPLICANT, email="ann@example.com")
    client = _password_only(applicant)
    assert client.get("/applicant/").status_code == 200
    assert "Set up a second factor" in client.get(reverse("accounts:profile")).content.decode()

    client.get(SETUP)
    device = TOTPDevice.objects.get(user=applicant)
    response = client.post(SETUP, {"code": totp_code(device)})
    assert response.status_code == 200
    assert client.get("/applicant/").status_code == 200

    later = _password_only(applicant)
    assert later.get("/applicant/").url == f"{VERIFY}?next=/applicant/"
    later.post(VERIFY, {"code": totp_code(device)})
    assert later.get("/applicant/").status_code == 200


def test_second_factor_applicant_switches_it_off_with_password_and_code() -> None:
    applicant = UserFactory(role=Role.APPLICANT, email="ann@example.com")
    device = _with_device(applicant)
    client = _password_only(applicant)
    client.post(VERIFY, {"code": totp_code(device)})

    wrong_password = client.post(DISABLE, {"password": "not-it", "code": totp_code(device)})
    wrong_code = client.post(DISABLE, {"password": PASSWORD, "code": "000000"})
    response = client.post(DISABLE, {"password": PASSWORD, "code": totp_code(device)})

    assert wrong_password.status_code == 400
    assert wrong_password.context["form"].errors == {"password": ["This is not your password."]}
    assert wrong_code.context["form"].errors == {"code": [WRONG_CODE]}
    assert (response.status_code, response.url) == (302, reverse("accounts:profile"))
    assert not TOTPDevice.objects.filter(user=applicant).exists()
    assert not StaticToken.objects.filter(device__user=applicant).exists()
    assert _password_only(applicant).get("/applicant/").status_code == 200


def test_second_factor_staff_switching_it_off_must_set_up_another() -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL)
    client = client_for(staff)
    device = TOTPDevice.objects.get(user=staff)

    response = client.post(DISABLE, {"password": PASSWORD, "code": totp_code(device)})

    assert (response.status_code, response.url) == (302, SETUP)
    assert client.get("/staff/").url == f"{SETUP}?next=/staff/"


def test_second_factor_wrong_passwords_to_switch_it_off_are_throttled() -> None:
    applicant = UserFactory(role=Role.APPLICANT, email="ann@example.com")
    device = _with_device(applicant)
    client = _password_only(applicant)
    client.post(VERIFY, {"code": totp_code(device)})
    for _attempt in range(5):
        client.post(DISABLE, {"password": "guess", "code": "000000"})

    response = client.post(DISABLE, {"password": PASSWORD, "code": totp_code(device)})

    assert response.status_code == 429
    assert TOTPDevice.objects.filter(user=applicant).exists()


def test_second_factor_other_sessions_stop_counting_when_the_authenticator_is_replaced() -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL)
    client = client_for(staff)
    assert client.get("/staff/").status_code == 200

    # Elsewhere (say, on a new phone) the factor is switched off and set up again.
    second_factor.second_factor_disable(user=staff)
    TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
    response = client.get("/staff/")

    assert (response.status_code, response.url) == (302, f"{VERIFY}?next=/staff/")


def test_second_factor_empty_post_says_the_code_is_missing() -> None:
    staff = UserFactory(role=Role.STAFF, email=EMAIL)
    _with_device(staff)
    client = _password_only(staff)

    response = client.post(VERIFY, {})

    assert response.status_code == 400
    assert response.context["form"].errors == {"code": ["This field is required."]}
