"""Fixtures of the lifecycle's tests: a fast password hasher, an open call, proposals in any state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

import pytest
from django.utils import timezone

from accounts.models import User
from intake.models import Call, Proposal
from tests.factories import CallFactory, ProposalFactory
from workflow.states import ProposalState

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # The suite makes many users; the production hasher would spend most of its time hashing.
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def call(db: None) -> Call:
    """Return a call whose letters of intent are open, closing in 30 days; applications in 90."""
    return cast(Call, CallFactory())


MakeProposal = Callable[..., Proposal]


@pytest.fixture
def make_proposal(call: Call, applicant: User) -> MakeProposal:
    """Return a maker of complete proposals led by ``applicant`` in ``call``, in any state.

    A proposal made in ``changes_requested`` has its changes due in 10 days unless told; all
    such proposals of one test share that moment, so their deadlines compare exactly.
    """
    changes_due_at = timezone.now() + timedelta(days=10)

    def make(state: str = ProposalState.DRAFT, **fields: Any) -> Proposal:
        fields.setdefault("call", call)
        fields.setdefault("lead_applicant", applicant)
        if state == ProposalState.CHANGES_REQUESTED:
            fields.setdefault("changes_due_at", changes_due_at)
        return cast(Proposal, ProposalFactory(state=state, **fields))

    return make
