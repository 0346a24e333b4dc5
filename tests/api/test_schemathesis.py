"""Every route of the API, called with data generated from its own schema: no server error, no answer breaking it.

Run as a staff member and as an applicant, each with a write token, through the WSGI application
(no server); a few examples per operation, to keep the suite quick.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from accounts.choices import ApiScope, Role
from accounts.models import User
from accounts.services import api_token_create
from config.wsgi import application
from tests.factories import MembershipFactory, ProposalFactory, UserFactory

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(autouse=True)
def _generous_rate(settings: Any) -> None:
    settings.API_RATE = settings.API_ANONYMOUS_RATE = "100000/minute"


@pytest.fixture(autouse=True)
def _connection_kept_open() -> Iterator[None]:
    """Keep the test's database connection (and its transaction) open across the WSGI calls, as Django's test client
    does: at the end of each request Django closes a connection outside autocommit, which the test's is."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token_create(user=user, name='fuzz', scope=ApiScope.WRITE, days=1).secret}"}


@pytest.fixture(params=[Role.STAFF, Role.APPLICANT])
def persona_headers(request: pytest.FixtureRequest, db: None) -> dict[str, str]:
    user = UserFactory(role=request.param)
    MembershipFactory(user=user)
    ProposalFactory(lead_applicant=user if request.param == Role.APPLICANT else UserFactory(role=Role.APPLICANT))
    return _bearer(user)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
def test_api_answers_within_its_schema(case: Any, persona_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=persona_headers, checks=CHECKS)
