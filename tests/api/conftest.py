"""The API's personas: a client sending a personal access token, read or write, of any user."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.choices import ApiScope
from accounts.models import User
from accounts.services import api_token_create

TokenClient = Callable[..., Client]


def bearer_client(secret: str) -> Client:
    """Return a client that sends ``secret`` as its bearer token, with no session."""
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def token_client(db: None) -> TokenClient:
    """Return a maker of clients holding a new token of ``user`` (write scope unless told)."""

    def make(user: User, scope: str = ApiScope.WRITE, days: int = 30) -> Client:
        created = api_token_create(user=user, name="tests", scope=scope, days=days)
        return bearer_client(created.secret)

    return make
