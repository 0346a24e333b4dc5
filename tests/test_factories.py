"""Every factory of ``tests.factories`` builds a row that saves and passes its model's validation."""

from __future__ import annotations

from pathlib import Path

import factory
import pytest

import tests.factories
from workflow.outage_extensions import extension_rule_input_errors

FACTORIES = sorted(
    (
        value
        for value in (getattr(tests.factories, name) for name in tests.factories.__all__)
        if isinstance(value, type) and issubclass(value, factory.django.DjangoModelFactory)
    ),
    key=lambda cls: cls.__name__,
)


@pytest.mark.django_db
@pytest.mark.parametrize("model_factory", FACTORIES, ids=lambda cls: cls.__name__)
def test_factory_builds_two_valid_rows(
    model_factory: type[factory.django.DjangoModelFactory], media_root: Path
) -> None:
    first, second = model_factory(), model_factory()

    for row in (first, second):
        # A protected state field (django-fsm) refuses the assignment that validating it makes.
        row.full_clean(exclude=[field.name for field in row._meta.fields if getattr(field, "protected", False)])
        assert type(row).objects.filter(pk=row.pk).exists()
    assert first.pk != second.pk


def test_every_model_factory_is_exported() -> None:
    # A factory added to an app's module but not to the package's face would escape the test above.
    modules = ("accounts", "assessment", "board", "intake", "projects", "records", "workflow")
    defined = {
        name
        for module in modules
        for name, value in vars(getattr(tests.factories, module)).items()
        if isinstance(value, type)
        and issubclass(value, factory.django.DjangoModelFactory)
        and value.__module__ == f"tests.factories.{module}"
    }

    assert defined == {cls.__name__ for cls in FACTORIES}


@pytest.mark.django_db
def test_extension_rule_factory_overlaps_no_rule() -> None:
    rule = tests.factories.ExtensionRuleFactory()

    errors = extension_rule_input_errors(
        outage_min=rule.outage_min_minutes,
        outage_max=rule.outage_max_minutes,
        before_min=rule.before_min_minutes,
        before_max=rule.before_max_minutes,
        rule=rule,
    )

    assert errors == {}


@pytest.mark.django_db
def test_board_meeting_factory_invites_its_chair_and_the_members_given() -> None:
    guest = tests.factories.UserFactory()

    meeting = tests.factories.BoardMeetingFactory(members=[guest])

    assert set(meeting.members.all()) == {meeting.chair, guest}
