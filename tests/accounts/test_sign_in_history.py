"""The sign-in history: written on each successful sign-in, shown on the profile, purged after its days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import SignInRecord, User
from accounts.services import sign_in_history_purge
from accounts.tasks import purge_sign_in_history
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_successful_sign_in_is_recorded_with_the_client_address(applicant: User) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")

    response = client.post(reverse("accounts:login"), {"username": applicant.email, "password": PASSWORD})

    assert response.status_code == 302
    (record,) = SignInRecord.objects.filter(user=applicant)
    assert record.address == "203.0.113.9"
    assert abs(record.at - timezone.now()) < timedelta(minutes=1)


def test_failed_sign_in_is_not_recorded(applicant: User) -> None:
    response = Client().post(reverse("accounts:login"), {"username": applicant.email, "password": "wrong"})

    assert response.status_code == 200
    assert not SignInRecord.objects.exists()


def test_profile_shows_the_persons_last_sign_ins_only(applicant: User, other_applicant: User) -> None:
    SignInRecord.objects.create(user=applicant, address="192.0.2.44")
    SignInRecord.objects.create(user=other_applicant, address="198.51.100.99")
    client = Client(REMOTE_ADDR="192.0.2.45")
    client.post(reverse("accounts:login"), {"username": applicant.email, "password": PASSWORD})

    content = client.get(reverse("accounts:profile")).content.decode()

    assert "192.0.2.44" in content
    assert "192.0.2.45" in content
    assert "198.51.100.99" not in content
    assert "Kept for 90 days." in content


def test_purge_deletes_sign_ins_older_than_the_setting(settings: Any) -> None:
    settings.SIGN_IN_HISTORY_DAYS = 30
    user = UserFactory()
    now = timezone.now()
    old = SignInRecord.objects.create(user=user, at=now - timedelta(days=30, minutes=1))
    kept = SignInRecord.objects.create(user=user, at=now - timedelta(days=29, hours=23))

    assert sign_in_history_purge(now=now) == 1
    assert list(SignInRecord.objects.all()) == [kept]
    assert not SignInRecord.objects.filter(pk=old.pk).exists()


def test_purge_task_runs_the_sweep_and_beat_schedules_it(settings: Any) -> None:
    SignInRecord.objects.create(user=UserFactory(), at=timezone.now() - timedelta(days=91))

    assert purge_sign_in_history() == 1
    assert settings.CELERY_BEAT_SCHEDULE["purge-sign-in-history"]["task"] == "accounts.tasks.purge_sign_in_history"


def test_profile_query_count_does_not_grow_with_the_sign_ins(applicant: User) -> None:
    client = Client()
    client.force_login(applicant)  # one sign-in recorded
    client.get(reverse("accounts:profile"))  # warm the session and the caches

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("accounts:profile"))
    SignInRecord.objects.bulk_create(SignInRecord(user=applicant, address="192.0.2.1") for _ in range(30))
    with CaptureQueriesContext(connection) as many:
        content = client.get(reverse("accounts:profile")).content.decode()

    assert len(many.captured_queries) == len(one.captured_queries)
    assert content.count("192.0.2.1") == 10  # the last ten only
