"""The API's routes declared in its URLconfs are its views' (``api.lazy``): declared once by hand, checked here."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.test import Client
from django.urls import resolve, reverse

from api.lazy import LazyView, views_of


@pytest.mark.parametrize(
    ("declared", "built"),
    [("api.v1.urls", "api.v1.routes"), ("api.common_grants.urls", "api.common_grants.routes")],
)
def test_the_declared_routes_are_the_views_routes(declared: str, built: str) -> None:
    routes = [(str(pattern.pattern), pattern.name) for pattern in import_module(built).urlpatterns]

    assert list(import_module(declared).ROUTES) == routes
    assert all(isinstance(pattern.callback, LazyView) for pattern in import_module(declared).urlpatterns)


def test_a_lazy_route_resolves_to_its_view() -> None:
    match = resolve(reverse("api_v1:proposal-act", kwargs={"pk": 7, "name": "withdraw"}))

    assert isinstance(match.func, LazyView)
    assert match.kwargs == {"pk": 7, "name": "withdraw"}
    assert match.func.csrf_exempt is True  # as DRF's own views: DRF checks the session's CSRF token itself
    assert views_of("api.v1.routes")["proposal-act"].cls.__name__ == "ProposalViewSet"  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_a_lazy_route_serves_its_view_and_an_unknown_one_is_a_404(anonymous_client: Client) -> None:
    assert anonymous_client.get("/api/v1/programs/").status_code == 200
    assert anonymous_client.get("/common-grants/opportunities").status_code == 200
    assert anonymous_client.get("/api/v1/nothing-here/").status_code == 404
