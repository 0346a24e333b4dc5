"""Fixtures of the outages' tests: the service standard exactly as the data migration seeds it."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from workflow.models import ExtensionRule

SEED = importlib.import_module("workflow.migrations.0011_seed_tri_agency_service_standard")


@pytest.fixture
def standard(db: None) -> list[ExtensionRule]:
    """Return the seeded standard, seeding it again if a transactional test emptied the tables."""
    if not ExtensionRule.objects.exists():
        SEED.seed(apps, None)
    return list(ExtensionRule.objects.order_by("outage_min_minutes", "before_min_minutes"))
