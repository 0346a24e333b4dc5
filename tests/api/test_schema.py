"""The API's OpenAPI 3 schema: generated without a warning, valid, served, and its docs page under the site's policy."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from api.v1.routes import app_name, resources

pytestmark = pytest.mark.django_db


def test_schema_generates_without_a_warning_and_validates() -> None:
    GENERATOR_STATS.reset()

    schema = SchemaGenerator(patterns=[path("api/v1/", include((resources, app_name)))]).get_schema(public=True)

    assert not GENERATOR_STATS, "drf-spectacular warned while generating the schema (run manage.py spectacular)"
    validate_schema(schema)
    assert set(schema["components"]["securitySchemes"]) == {"personalAccessToken", "cookieAuth"}


def test_schema_is_served_to_anyone_with_every_route(anonymous_client: Client) -> None:
    response = anonymous_client.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    assert {"/api/v1/proposals/", "/api/v1/proposals/{id}/submit/", "/api/v1/decisions/"} <= set(schema["paths"])
    assert not any(route.startswith("/common-grants") for route in schema["paths"])


def test_docs_page_runs_only_the_sites_own_files(anonymous_client: Client) -> None:
    page = anonymous_client.get("/api/v1/docs/")
    script = anonymous_client.get("/api/v1/docs/", {"script": ""})

    html = page.content.decode()
    assert page.status_code == 200
    assert "<script>" not in html
    assert "<style" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert (script.status_code, script["Content-Type"]) == (200, "application/javascript")
    assert "/api/v1/schema/" in script.content.decode()
