"""The API's routes, declared without importing Django REST framework (issue 23).

Every page's ``reverse()`` reads the whole URLconf, so a route's view is imported with the
URLconf by each web worker as it starts. The API's views bring Django REST framework,
drf-spectacular and what they import when installed (requests, pygments, PyYAML, psycopg's
PostgreSQL fields, Django's test client with Jinja2): some 25 MiB that a worker serving only
pages never uses. So the API's URLconfs (``api/v1/urls.py``, ``api/common_grants/urls.py``)
declare each route and its name, and point it at a ``LazyView`` that imports the real views
(``api/v1/routes.py``, ``api/common_grants/routes.py``, built by DRF's router) on the
route's first request. A test checks that the declared routes are the router's, so they
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path


class LazyView:
    """The view named ``name`` in ``module``'s ``urlpatterns``, imported on its first request."""

    # As DRF's views are: they check the CSRF token themselves, for the session's requests only.
    csrf_exempt = True

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        view = views_of(self.module)[self.name]
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    def __repr__(self) -> str:
        return f"LazyView({self.module!r}, {self.name!r})"


@cache
def views_of(module: str) -> dict[str, Callable[..., HttpResponse]]:
    """Return the views of ``module``'s ``urlpatterns`` by their names (importing it, once)."""
    return {pattern.name: pattern.callback for pattern in import_module(module).urlpatterns if pattern.name}


def lazy_paths(module: str, routes: tuple[tuple[str, str], ...]) -> list[URLPattern]:
    """Return a ``path`` for each ``(route, name)``: the view of that name in ``module``, imported when used."""
    return [path(route, LazyView(module, name), name=name) for route, name in routes]
