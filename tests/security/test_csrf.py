"""A POST without its CSRF token is refused by every view of the site.

The upload without a token is also in ``tests/intake/test_attachments.py``; here every URL
pattern is posted to, so a view that is exempted by mistake, now or later, fails the suite.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CSRF_REFUSAL = "CSRF verification failed. Request aborted."


def _routes(resolver: URLResolver, prefix: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _routes(pattern, route, inner)
        else:
            assert isinstance(pattern, URLPattern)
            yield ":".join((*namespaces, pattern.name or route)), route


# The admin's own views are Django's, protected by the admin site; its login is checked below.
ROUTES = sorted((name, route) for name, route in _routes(get_resolver()) if not name.startswith("admin:"))


def _sample_url(route: str) -> str:
    """Fill a route's converters: the CSRF check refuses before any view looks its arguments up."""
    return "/" + re.sub(r"<(?:\w+:)?\w+>", lambda match: "1" if "int:" in match.group(0) else "x", route)


@pytest.fixture
def signed_in_client() -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    return client


def test_csrf_routes_are_gathered() -> None:
    names = {name for name, _route in ROUTES}

    assert {"accounts:login", "intake:application_attachments", "board:vote", "workflow:proposal_act"} <= names


# The REST API and CommonGrants (Django REST framework): a request signed in by its session cookie
# is checked for CSRF as the pages are, and refused in the API's own words; one without a session
# borrows no one's authority (a token travels in a header a forged form cannot set), so it is
# answered as any anonymous call: never a write.
API_NAMESPACES = ("api_v1:", "common_grants:")
API_CSRF_REFUSAL = "CSRF Failed"


def _is_api(name: str) -> bool:
    return name.startswith(API_NAMESPACES)


@pytest.mark.parametrize(("name", "route"), ROUTES, ids=[name for name, _route in ROUTES])
def test_csrf_missing_token_refused_signed_in(signed_in_client: Client, name: str, route: str) -> None:
    response = signed_in_client.post(_sample_url(route), {"title": "x"})

    assert response.status_code == 403
    if not _is_api(name):
        assert CSRF_REFUSAL in response.content.decode()
    elif response["Content-Type"] == "application/json":
        # (The browsable docs answer with the site's page of refusals, which names no reason.)
        assert API_CSRF_REFUSAL in response.content.decode()


@pytest.mark.parametrize(("name", "route"), ROUTES, ids=[name for name, _route in ROUTES])
def test_csrf_missing_token_refused_anonymous(name: str, route: str) -> None:
    response = Client(enforce_csrf_checks=True).post(_sample_url(route), {"title": "x"})

    if _is_api(name):
        assert response.status_code in (400, 401, 403, 404, 405, 415)
    else:
        assert response.status_code == 403
        assert CSRF_REFUSAL in response.content.decode()


def test_csrf_login_without_token_signs_nobody_in() -> None:
    UserFactory(email="person@example.com")
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("accounts:login"), {"username": "person@example.com", "password": PASSWORD})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_csrf_admin_login_without_token_refused() -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("admin:login"), {"username": admin.email, "password": PASSWORD})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_csrf_token_from_the_page_is_accepted(signed_in_client: Client) -> None:
    """The control: the same client, posting the token its page gave it, gets through."""
    page = signed_in_client.get(reverse("accounts:profile"))
    token = page.context["csrf_token"]
    user = User.objects.get()

    response = signed_in_client.post(
        reverse("accounts:profile"),
        {"display_name": "Renamed", "preferred_language": "en", "csrfmiddlewaretoken": str(token)},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Renamed"


def test_csrf_htmx_requests_carry_the_token_from_every_page(signed_in_client: Client) -> None:
    page = signed_in_client.get(reverse("accounts:profile"))

    assert f'hx-headers=\'{{"X-CSRFToken": "{page.context["csrf_token"]}"}}\'' in page.content.decode()


def test_csrf_token_in_a_header_is_accepted(signed_in_client: Client) -> None:
    page = signed_in_client.get(reverse("accounts:profile"))

    response = signed_in_client.post(
        reverse("records:inbox_mark_read"), {"all": "1"}, HTTP_X_CSRFTOKEN=str(page.context["csrf_token"])
    )

    assert response.status_code == 302
