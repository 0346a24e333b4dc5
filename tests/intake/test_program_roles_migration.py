"""Upgrading a database that holds the demo to roles per program loses nothing and hides nothing.

The demo is seeded at the head, the migrations are run back to before roles were held per
program (the grants' table goes, the groups stay, as they were then), and forward again:
everyone who held the staff, board or assessor group holds it in every program, and reads
what they read before.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.choices import Role
from accounts.models import User
from demo.seed import demo_seed
from intake.models import Program, ProgramRole, Proposal
from records.models import AuditRecord
from workflow.access import proposals_visible_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("intake", "0006_retention_and_legal_holds"), ("assessment", "0004_review_set_aside")]
HELD_EVERYWHERE_BEFORE = (Role.STAFF, Role.BOARD_MEMBER, Role.ASSESSOR)


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def demo() -> Iterator[None]:
    demo_seed()
    yield
    call_command("migrate", verbosity=0)


def test_upgrading_the_demo_gives_each_holder_their_role_in_every_program(demo: None) -> None:
    staff = User.objects.get(email="staff@demo.clusterflow.ca")
    read_before = set(proposals_visible_to(user=staff).values_list("pk", flat=True))
    proposals_before = Proposal.objects.count()
    # The demo's memberships are audited against their program, a subject audit records could not have
    # before: a database of that time held none, and going back cannot keep them.
    # (Audit records are append-only for the application: the test removes them beneath it.)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {AuditRecord._meta.db_table} WHERE program_id IS NOT NULL AND proposal_id IS NULL"  # noqa: S608
            " AND meeting_id IS NULL AND call_id IS NULL"
        )

    _migrate(BEFORE)
    call_command("migrate", verbosity=0)

    programs = set(Program.objects.values_list("pk", flat=True))
    assert len(programs) == 5
    for role in HELD_EVERYWHERE_BEFORE:
        holders = User.objects.filter(groups__name=role)
        assert holders.exists()
        for user in holders:
            held = set(ProgramRole.objects.filter(user=user, role=role).values_list("program_id", flat=True))
            assert held == programs, f"{user.email} as {role}"
    assert Proposal.objects.count() == proposals_before
    assert set(proposals_visible_to(user=User.objects.get(pk=staff.pk)).values_list("pk", flat=True)) == read_before
    # A cluster's own staff, seeded alone in their cluster, read every cluster after the upgrade, as before it.
    ocean = User.objects.get(email="staff-ocean@demo.clusterflow.ca")
    assert set(proposals_visible_to(user=ocean).values_list("pk", flat=True)) == read_before
