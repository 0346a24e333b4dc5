"""Who calls the API: the bearer token (valid, unknown, expired, revoked), its scope, the session, the throttle."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.choices import ApiScope
from accounts.models import ApiToken, User
from accounts.services import api_token_create, api_token_revoke
from intake.models import Call
from tests.api.conftest import TokenClient, bearer_client
from tests.conftest import client_for
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

PROPOSALS = "/api/v1/proposals/"


def test_bearer_token_reads_as_its_holder(applicant: User, token_client: TokenClient) -> None:
    response = token_client(applicant).get(PROPOSALS)

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_bearer_unknown_token_is_refused_with_401(db: None) -> None:
    response = bearer_client("cfp_not-a-token").get(PROPOSALS)

    assert response.status_code == 401
    assert response.json()["detail"] == "This token is not valid."
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_bearer_expired_token_is_refused_with_401_saying_so(applicant: User) -> None:
    created = api_token_create(user=applicant, name="old", scope=ApiScope.READ, days=1)

    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        response = bearer_client(created.secret).get(PROPOSALS)

    assert response.status_code == 401
    assert response.json()["detail"] == "This token has expired. Create a new one on your profile."


def test_bearer_revoked_token_is_refused_with_401_saying_so(applicant: User) -> None:
    created = api_token_create(user=applicant, name="gone", scope=ApiScope.READ, days=5)
    api_token_revoke(token=created.token, by=applicant)

    response = bearer_client(created.secret).get(PROPOSALS)

    assert response.status_code == 401
    assert response.json()["detail"] == "This token was revoked. Create a new one on your profile."


def test_bearer_token_of_a_closed_account_is_refused(applicant: User) -> None:
    created = api_token_create(user=applicant, name="mine", scope=ApiScope.READ, days=5)
    User.objects.filter(pk=applicant.pk).update(is_active=False)

    response = bearer_client(created.secret).get(PROPOSALS)

    assert response.status_code == 401
    assert response.json()["detail"] == "This token's account is closed."


def test_bearer_use_is_recorded_at_most_once_a_minute(applicant: User) -> None:
    created = api_token_create(user=applicant, name="busy", scope=ApiScope.READ, days=5)
    client = bearer_client(created.secret)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        client.get(PROPOSALS)
        first = ApiToken.objects.get(pk=created.token.pk).last_used_at
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        client.get(PROPOSALS)
        within_a_minute = ApiToken.objects.get(pk=created.token.pk).last_used_at
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        client.get(PROPOSALS)
        later = ApiToken.objects.get(pk=created.token.pk).last_used_at

    assert (first, within_a_minute, later) == (start, start, start + timedelta(seconds=61))


def test_bearer_read_token_may_not_write(applicant: User, call: Call, token_client: TokenClient) -> None:
    organization = MembershipFactory(user=applicant).organization

    response = token_client(applicant, scope=ApiScope.READ).post(
        PROPOSALS, {"call": call.pk, "title": "A testbed", "lead_organization": organization.pk},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 403
    assert response.json()["detail"] == (
        "This token's scope is read: it may only read. Create a token with the write scope to change things."
    )


def test_anonymous_request_for_proposals_is_asked_to_authenticate(anonymous_client: Client) -> None:
    response = anonymous_client.get(PROPOSALS)

    assert response.status_code == 401


def test_session_reads_the_api(applicant_client: Client) -> None:
    response = applicant_client.get(PROPOSALS)

    assert response.status_code == 200


def test_session_write_needs_the_csrf_token(applicant: User, call: Call) -> None:
    client = client_for(applicant)
    client.handler.enforce_csrf_checks = True
    organization = MembershipFactory(user=applicant).organization

    response = client.post(
        PROPOSALS, {"call": call.pk, "title": "A testbed", "lead_organization": organization.pk},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_throttle_counts_each_token_apart(applicant: User, settings: Any) -> None:
    settings.API_RATE = "2/minute"
    first = bearer_client(api_token_create(user=applicant, name="a", scope=ApiScope.READ, days=5).secret)
    second = bearer_client(api_token_create(user=applicant, name="b", scope=ApiScope.READ, days=5).secret)

    statuses = [first.get(PROPOSALS).status_code for _ in range(3)]
    other = second.get(PROPOSALS).status_code

    assert (statuses, other) == ([200, 200, 429], 200)


def test_throttle_limits_an_anonymous_address(anonymous_client: Client, settings: Any) -> None:
    settings.API_ANONYMOUS_RATE = "1/minute"

    statuses = [anonymous_client.get("/api/v1/calls/").status_code for _ in range(2)]

    assert statuses == [200, 429]


def test_http_basic_credentials_open_nothing(applicant: User, anonymous_client: Client) -> None:
    """No route checks a password: that would bypass the sign-in's throttle and second factor."""
    basic = "Basic " + base64.b64encode(f"{applicant.email}:{PASSWORD}".encode()).decode()

    proposals = anonymous_client.get(PROPOSALS, headers={"Authorization": basic})
    schema = anonymous_client.get("/api/v1/schema/", headers={"Authorization": basic})

    assert (proposals.status_code, schema.status_code) == (401, 200)
