"""Actions racing on one proposal on PostgreSQL: the row lock lets exactly one win, the rest are stale."""

from __future__ import annotations

import threading
from typing import Any, cast

import pytest
from django.db import connection, transaction

from accounts.choices import Role
from accounts.errors import StaleAction
from accounts.models import User
from intake.models import Proposal, ProposalVersion, Question
from intake.services.answers import answers_save
from intake.states import ProposalState as S
from records.models import AuditRecord
from tests.concurrency import race, require_row_locks
from tests.factories import QuestionFactory, UserFactory
from workflow import actions

pytestmark = pytest.mark.postgres

THREADS = 20


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    require_row_locks()


def test_submit_loi_by_twenty_threads_at_once_succeeds_exactly_once(
    transactional_db: None, make_proposal: Any, applicant: User
) -> None:
    proposal = make_proposal(S.DRAFT)

    outcomes = race(
        [lambda: actions.proposal_submit_loi(proposal=Proposal.objects.get(pk=proposal.pk), by=applicant)] * THREADS
    )

    won = [outcome for outcome in outcomes if isinstance(outcome, Proposal)]
    stale = [outcome for outcome in outcomes if isinstance(outcome, StaleAction)]
    assert (len(won), len(stale)) == (1, THREADS - 1), outcomes
    assert list(AuditRecord.objects.values_list("proposal_id", "action", "from_state", "to_state")) == [
        (proposal.pk, "submit_loi", S.DRAFT, S.LOI_SUBMITTED)
    ]
    proposal.refresh_from_db()
    assert proposal.state == S.LOI_SUBMITTED


def test_invite_and_decline_loi_by_two_staff_at_once_one_wins_the_other_is_stale(
    transactional_db: None, make_proposal: Any, staff: User
) -> None:
    proposal = make_proposal(S.LOI_SUBMITTED)
    colleague = cast(User, UserFactory(role=Role.STAFF))

    invited, declined = race(
        [
            lambda: actions.proposal_invite(proposal=Proposal.objects.get(pk=proposal.pk), by=staff),
            lambda: actions.proposal_decline_loi(
                proposal=Proposal.objects.get(pk=proposal.pk), by=colleague, reason="Out of scope."
            ),
        ]
    )

    assert sorted(type(outcome).__name__ for outcome in (invited, declined)) == ["Proposal", "StaleAction"]
    winner = "invite" if isinstance(invited, Proposal) else "decline_loi"
    expected_state = S.INVITED if winner == "invite" else S.LOI_DECLINED
    assert list(AuditRecord.objects.values_list("action", "to_state")) == [(winner, expected_state)]
    proposal.refresh_from_db()
    assert proposal.state == expected_state


def test_an_answer_saved_while_a_submission_waits_for_the_lock_is_checked_and_frozen(
    transactional_db: None, make_proposal: Any, applicant: User
) -> None:
    # The submission reads the questions and answers in the statement that locks the row
    # (``intake.selectors.submission_facts``), whose snapshot predates the save it waited for.
    proposal = make_proposal(S.DRAFT)
    asked = cast(
        Question, QuestionFactory(call=proposal.call, label_en="Why now?")
    )  # required: unanswered, the letter is incomplete
    saved, waiting = threading.Event(), threading.Event()
    outcome: list[Any] = []

    def submit() -> None:
        try:
            saved.wait(timeout=30)
            waiting.set()
            outcome.append(actions.proposal_submit_loi(proposal=Proposal(pk=proposal.pk), by=applicant))
        except Exception as error:  # asserted below
            outcome.append(error)
        finally:
            connection.close()

    submitter = threading.Thread(target=submit)
    submitter.start()
    with transaction.atomic():
        answers_save(
            proposal=proposal, by=applicant, expected_updated_at=proposal.updated_at, questions=[asked],
            values={asked.pk: "The line stops twice a week."},
        )  # fmt: skip
        saved.set()
        waiting.wait(timeout=30)
        # The submission is now blocked on the row: let its query reach the lock before this commits.
        submitter.join(timeout=0.5)
    submitter.join(timeout=30)

    assert [type(item) for item in outcome] == [Proposal], outcome
    version = ProposalVersion.objects.get(proposal=proposal)
    assert [(entry["label_en"], entry["value"]) for entry in version.data["answers"]] == [
        ("Why now?", "The line stops twice a week.")
    ]
