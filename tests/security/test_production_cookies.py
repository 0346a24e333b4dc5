"""On production settings, the cookies a sign-in sets are secure and the session's is HTTP-only.

``check --deploy`` passing is proven in ``tests/config/test_settings.py``; it reads the
settings. Here a separate process starts Django on production settings (``DJANGO_DEBUG=false``),
signs in through the login view over HTTPS, switches the language, and reports the
``Set-Cookie`` headers it received, so what is checked is what a browser would get.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

# Runs in the child process: a throwaway SQLite test database, one user, a sign-in over HTTPS.
SIGN_IN = """
import json
import django
django.setup()
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()
connection.creation.create_test_db(verbosity=0)
from accounts.models import User
User.objects.create_user(email="person@example.com", password="correct-horse-battery-staple", display_name="P")

def flags(morsel):
    return {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]), "samesite": morsel["samesite"]}

client = Client(HTTP_HOST="clusterflow.example.org")
plain = client.get("/accounts/login/")
signed_in = client.post(
    "/accounts/login/", {"username": "person@example.com", "password": "correct-horse-battery-staple"}, secure=True
)
language = client.post("/accounts/language/", {"language": "fr", "next": "/"}, secure=True)
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "status": signed_in.status_code,
    "hsts": signed_in.get("Strict-Transport-Security", ""),
    "cookies": {name: flags(morsel) for name, morsel in signed_in.cookies.items()},
    "language_cookie": flags(language.cookies[settings.LANGUAGE_COOKIE_NAME]),
}))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("production")
    # Not the suite's database or Redis: the child makes its own SQLite database and sessions.
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_SECURE_COOKIES"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="clusterflow.example.org",
        SQLITE_PATH=str(tmp / "production.sqlite3"),
        SQLITE_TEST_PATH=str(tmp / "production-test.sqlite3"),
        CELERY_FILESYSTEM_BROKER_DIR=str(tmp / "broker"),
    )
    result = subprocess.run(  # noqa: S603 - the interpreter of this virtualenv, a fixed script
        [sys.executable, "-c", SIGN_IN], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_plain_http_redirected_to_https(production: dict[str, Any]) -> None:
    assert production["plain_status"] == 301
    assert production["plain_location"] == "https://clusterflow.example.org/accounts/login/"


def test_production_cookies_sign_in_sets_hsts(production: dict[str, Any]) -> None:
    assert production["status"] == 302
    assert production["hsts"] == "max-age=31536000; includeSubDomains; preload"


def test_production_cookies_session_secure_and_http_only(production: dict[str, Any]) -> None:
    assert production["cookies"]["sessionid"] == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_production_cookies_csrf_secure(production: dict[str, Any]) -> None:
    # Readable by the page on purpose: htmx sends the token from the page's own header, not the cookie.
    assert production["cookies"]["csrftoken"]["secure"] is True
    assert production["cookies"]["csrftoken"]["samesite"] == "Lax"


def test_production_cookies_language_secure_and_http_only(production: dict[str, Any]) -> None:
    assert production["language_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
