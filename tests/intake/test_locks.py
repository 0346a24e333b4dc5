"""Locking a proposal whose stage another transaction moves while this one waits, on PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from intake.locks import proposal_locked
from intake.models import Proposal
from intake.states import ProposalState as S
from tests.concurrency import require_row_locks

pytestmark = pytest.mark.postgres


def test_a_proposal_moved_to_another_stage_while_waiting_for_its_lock_is_read_with_its_new_stage(
    transactional_db: None, make_proposal: Any
) -> None:
    require_row_locks()
    proposal = make_proposal(S.LOI_SUBMITTED)
    application = proposal.call.stages.exclude(pk=proposal.stage_id).get(kind="application")
    moved, waiting = threading.Event(), threading.Event()
    outcome: list[Any] = []

    def wait_for_the_lock() -> None:
        try:
            with transaction.atomic():
                moved.wait(timeout=30)
                waiting.set()
                outcome.append(
                    proposal_locked(
                        Proposal.objects.select_related("stage").select_for_update(of=("self",)), proposal.pk
                    ).stage
                )
        except Exception as error:  # asserted below
            outcome.append(error)
        finally:
            connection.close()

    reader = threading.Thread(target=wait_for_the_lock)
    reader.start()
    with transaction.atomic():
        Proposal.objects.select_for_update().filter(pk=proposal.pk).update(stage=application)
        moved.set()
        waiting.wait(timeout=30)
        # The reader is now blocked on the row: let its query reach the lock before this commits.
        reader.join(timeout=0.5)
    reader.join(timeout=30)

    assert outcome == [application]
