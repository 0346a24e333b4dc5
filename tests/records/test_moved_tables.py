"""The board's models and the records left ``workflow`` with their tables: a database that holds them keeps every row.

The migration is run backwards to where the models still lived in ``workflow``, rows are
written through that state's models, and the migration forwards must leave them readable
through the models' new apps, with their content types (and so their permissions) moved.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from records.models import AuditRecord, Notification
from tests.factories import ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("workflow", "0013_notification_events"), ("board", None), ("records", None)]
AFTER = [("workflow", "0014_board_and_records_move_out"), ("records", "0003_program_audit")]


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.fixture
def rolled_back() -> Iterator[None]:
    _migrate(BEFORE)
    yield
    call_command("migrate", verbosity=0)


def test_rows_written_before_the_move_are_read_after_it(rolled_back: None) -> None:
    state = _migrate(BEFORE).loader.project_state(("workflow", "0013_notification_events")).apps
    proposal = ProposalFactory()
    staff = UserFactory()
    meeting = state.get_model("workflow", "BoardMeeting").objects.create(
        call_id=proposal.call_id, held_at=timezone.now(), chair_id=staff.pk, created_by_id=staff.pk
    )
    meeting.members.add(staff.pk)
    state.get_model("workflow", "AgendaItem").objects.create(meeting_id=meeting.pk, proposal_id=proposal.pk)
    state.get_model("workflow", "AuditRecord").objects.create(
        proposal_id=proposal.pk, action="submit_loi", from_state="draft", to_state="loi_submitted"
    )
    state.get_model("workflow", "Notification").objects.create(
        key="k", event="loi_submitted", channel="inbox", recipient_id=staff.pk, proposal_id=proposal.pk
    )
    ContentType.objects.get_or_create(app_label="workflow", model="boardmeeting")
    ContentType.objects.filter(app_label="board", model="boardmeeting").delete()

    # Read as the board's models were right after the move: later migrations add fields the table lacks yet.
    after = _migrate(AFTER).loader.project_state(AFTER).apps

    moved = after.get_model("board", "BoardMeeting").objects.get()
    assert list(moved.members.values_list("pk", flat=True)) == [staff.pk]
    assert after.get_model("board", "AgendaItem").objects.get().proposal_id == proposal.pk
    assert AuditRecord.objects.get().action == "submit_loi"
    assert Notification.objects.get().key == "k"
    assert ContentType.objects.filter(app_label="board", model="boardmeeting").exists()
    assert not ContentType.objects.filter(app_label="workflow", model="boardmeeting").exists()
