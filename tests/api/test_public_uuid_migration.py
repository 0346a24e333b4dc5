"""Upgrading a database gives every existing call, proposal and funded project its own public identifier."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from intake.models import Call, Proposal
from projects.models import Project
from tests.factories import ProjectFactory, ProposalFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("intake", "0026_partial_randomisation"), ("projects", "0005_claim_payments")]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def back_to_head() -> Iterator[None]:
    yield
    call_command("migrate", verbosity=0)


def test_upgrading_gives_each_existing_row_its_own_uuid(back_to_head: None) -> None:
    ProjectFactory()
    ProjectFactory()
    ProposalFactory()
    ProposalFactory()
    counts = (Call.objects.count(), Proposal.objects.count(), Project.objects.count())

    _migrate(BEFORE)
    call_command("migrate", verbosity=0)

    for model, count in zip((Call, Proposal, Project), counts, strict=True):
        uuids = list(model.objects.values_list("uuid", flat=True))
        assert len(uuids) == count
        assert None not in uuids
        assert len(set(uuids)) == count, model.__name__
