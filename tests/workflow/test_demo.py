"""The demo loads twice with the same result, and each demo user can log in."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("auth", "accounts", "intake", "assessment", "workflow")


def _seed() -> str:
    out = StringIO()
    # As from a shell: an earlier request in this process may have left French active.
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    """Return every row of the project's models, so any change between runs shows."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
    }


def _logins(output: str) -> tuple[str, dict[str, str]]:
    (password,) = re.findall(r"Demo logins \(password: (\S+)\):", output)
    logins = dict(re.findall(r"^  (.+?)\s{2,}(\S+@\S+)$", output, flags=re.MULTILINE))
    return password, logins


def test_seed_demo_twice_changes_nothing() -> None:
    first_output = _seed()
    after_first = _snapshot()

    second_output = _seed()

    assert first_output.startswith("Created: program digital, call digital/open-loi")
    assert "The demo is loaded already; nothing changed." not in first_output
    assert "The demo is loaded already; nothing changed." in second_output
    assert _snapshot() == after_first
    counts = {label: len(rows) for label, rows in after_first.items()}
    assert {label: counts[label] for label in ("accounts.User", "intake.Program", "intake.Call")} == {
        "accounts.User": 5,
        "intake.Program": 5,
        "intake.Call": 8,
    }


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("Applicant", "/applicant/"),
        ("Program staff", "/staff/"),
        ("Assessor", "/assessor/"),
        ("Board member", "/board/"),
        ("Django admin", "/accounts/dashboard/"),
    ],
)
def test_seed_demo_printed_login_lands_on_dashboard(role: str, landing: str) -> None:
    password, logins = _logins(_seed())
    client = Client()

    response = client.post(reverse("accounts:login"), {"username": logins[role], "password": password}, follow=True)

    assert response.status_code == 200
    assert response.request["PATH_INFO"] == landing
    assert len(logins) == 5


def test_seed_demo_admin_reaches_admin_site() -> None:
    password, logins = _logins(_seed())
    client = Client()
    client.post(reverse("accounts:login"), {"username": logins["Django admin"], "password": password})

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
