"""Personal access tokens: made on the profile, the secret shown once and stored as a hash, revoked by their holder."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts.choices import ApiScope
from accounts.errors import ActionForbidden, StaleAction
from accounts.models import ApiToken, User
from accounts.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db

PAGE = "/accounts/api-tokens/"


def test_api_token_create_keeps_only_the_hash_and_a_prefix(applicant: User) -> None:
    created = api_token_create(user=applicant, name="  Reports  ", scope=ApiScope.READ, days=30)

    stored = ApiToken.objects.get(pk=created.token.pk)
    assert stored.key_hash == hashlib.sha256(created.secret.encode()).hexdigest()
    assert created.secret.startswith("cfp_")
    assert stored.prefix == created.secret[:12]
    assert created.secret not in {value for value in vars(stored).values() if isinstance(value, str)}
    assert (stored.name, stored.scope, stored.expires_at - stored.created_at) == ("Reports", "read", timedelta(30))


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"name": " "}, "name"), ({"scope": "admin"}, "scope"), ({"days": 0}, "days"), ({"days": 366}, "days")],
)
def test_api_token_create_refuses_a_bad_field(applicant: User, fields: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {"name": "CI", "scope": ApiScope.WRITE, "days": 30, **fields}

    with pytest.raises(ValidationError) as refused:
        api_token_create(user=applicant, **arguments)

    assert list(refused.value.message_dict) == [field]
    assert not ApiToken.objects.exists()


def test_api_token_revoke_by_another_is_forbidden(applicant: User, other_applicant: User) -> None:
    created = api_token_create(user=applicant, name="CI", scope=ApiScope.READ, days=5)

    with pytest.raises(ActionForbidden):
        api_token_revoke(token=created.token, by=other_applicant)

    assert ApiToken.objects.get(pk=created.token.pk).revoked_at is None


def test_api_token_revoke_twice_is_stale(applicant: User) -> None:
    created = api_token_create(user=applicant, name="CI", scope=ApiScope.READ, days=5)
    api_token_revoke(token=created.token, by=applicant)

    with pytest.raises(StaleAction):
        api_token_revoke(token=created.token, by=applicant)


def test_api_tokens_page_shows_a_new_secret_once(applicant: User, applicant_client: Client) -> None:
    created = applicant_client.post(PAGE, {"name": "Reports", "scope": "write", "days": "90"})
    token = ApiToken.objects.get(user=applicant)
    again = applicant_client.get(PAGE)

    secret = created.context["created"].secret
    assert created.status_code == 201
    assert secret in created.content.decode()
    assert created["Cache-Control"].startswith("max-age=0")
    assert secret not in again.content.decode()
    assert token.prefix in again.content.decode()
    assert (token.scope, token.key_hash) == ("write", hashlib.sha256(secret.encode()).hexdigest())


def test_api_tokens_page_says_a_bad_field_beside_it(applicant_client: Client) -> None:
    response = applicant_client.post(PAGE, {"name": "Reports", "scope": "read", "days": "9999"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"days": ["Ensure this value is less than or equal to 365."]}
    assert not ApiToken.objects.exists()


def test_api_tokens_page_lists_last_use_and_state(applicant: User, applicant_client: Client) -> None:
    used = api_token_create(user=applicant, name="Used", scope=ApiScope.READ, days=5).token
    ApiToken.objects.filter(pk=used.pk).update(last_used_at=timezone.now())
    revoked = api_token_create(user=applicant, name="Old", scope=ApiScope.READ, days=5).token
    api_token_revoke(token=revoked, by=applicant)

    page = applicant_client.get(PAGE).content.decode()

    assert page.count("Revoked</td>") == 1
    assert page.count("Active</td>") == 1
    assert page.count(f'href="/accounts/api-tokens/{used.pk}/revoke/"') == 1
    assert f"/accounts/api-tokens/{revoked.pk}/revoke/" not in page


def test_api_token_revoke_asks_then_revokes(applicant: User, applicant_client: Client) -> None:
    token = api_token_create(user=applicant, name="CI", scope=ApiScope.READ, days=5).token
    url = f"/accounts/api-tokens/{token.pk}/revoke/"

    asked = applicant_client.get(url)
    still = ApiToken.objects.get(pk=token.pk).revoked_at
    done = applicant_client.post(url)

    assert (asked.status_code, still) == (200, None)
    assert (done.status_code, done.url) == (302, PAGE)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_api_token_revoke_of_anothers_token_answers_404(applicant: User, other_applicant_client: Client) -> None:
    token = api_token_create(user=applicant, name="CI", scope=ApiScope.READ, days=5).token

    response = other_applicant_client.post(f"/accounts/api-tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
