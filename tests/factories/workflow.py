"""Factories of the workflow app's own records: outages (incidents) and rules of the service standard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from accounts.choices import Role
from intake.models import Call
from tests.factories.accounts import UserFactory
from workflow.models import ExtensionRule, Incident, IncidentSource

#: Minutes in 8 days: the seeded service standard stops below; ``ExtensionRuleFactory``'s bands start here.
EIGHT_DAYS = 8 * 24 * 60


class IncidentFactory(factory.django.DjangoModelFactory):
    """A two-hour outage of all calls recorded by staff, ended an hour ago, not applied."""

    class Meta:
        model = Incident
        skip_postgeneration_save = True

    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=3))
    ended_at = factory.LazyAttribute(lambda incident: incident.started_at + timedelta(hours=2))
    all_calls = True
    description_en = "The site was down."
    description_fr = "Le site était hors service."
    source = IncidentSource.STAFF
    created_by = factory.SubFactory(UserFactory, role=Role.STAFF)

    @factory.post_generation
    def calls(self, create: bool, extracted: list[Call] | None, **kwargs: Any) -> None:
        """``calls=[...]`` limits the outage to those calls."""
        if create and extracted:
            self.all_calls = False
            self.save(update_fields=["all_calls"])
            self.calls.set(extracted)


class ExtensionRuleFactory(factory.django.DjangoModelFactory):
    """A rule for short outages that ended more than 8 days before the deadline, beside the seeded standard.

    Each new one takes the next ten minutes, so none overlaps another or the seeded rules.
    """

    class Meta:
        model = ExtensionRule

    outage_min_minutes = 1
    outage_max_minutes = 30
    before_min_minutes = factory.Sequence(lambda n: EIGHT_DAYS + 10 * n)
    before_max_minutes = factory.LazyAttribute(lambda rule: rule.before_min_minutes + 9)
    extension_hours = 0
    in_standard = False
