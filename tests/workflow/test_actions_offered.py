"""The actions offered on a list's rows, decided once per shape, against ``actions_for`` on each row.

``intake.lifecycle.ActionsOffered`` answers a row from the first row of its shape (its state and
what that state's permissions and structural conditions read of it). Here every state, every kind
of stage, two programs, two leads and three chairs meet every role, in two orders, and each row
must be offered exactly what ``actions_for`` offers it alone.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from accounts.services import user_grant_role
from intake import lifecycle
from intake.choices import VersionKind
from intake.lifecycle import ACTIONS, SYSTEM, ActionsOffered, actions_for
from intake.models import Call, Proposal, Stage
from intake.states import ProposalState
from tests.factories import CallFactory, ProgramFactory, ProposalFactory, UserFactory, state_put
from workflow.forms import ACTION_FORMS
from workflow.views import _available_forms

pytestmark = pytest.mark.django_db

#: Where a proposal may be in its path: each kind of stage, assessed or not.
STAGES = [(kind, assessed) for kind in VersionKind.values for assessed in (False, True)]


def _users(applicant: User, staff: User, assessor: User, board_member: User, program: Any) -> dict[str, Any]:
    """Every role the guards tell apart, and the users who hold two or none for the program."""
    inactive = UserFactory(role=Role.STAFF)
    inactive.is_active = False
    superuser = UserFactory(role=Role.STAFF, programs=[])
    superuser.is_superuser = True
    return {
        "lead": applicant,
        "other_applicant": UserFactory(role=Role.APPLICANT),
        "staff_everywhere": staff,
        "staff_of_one_program": UserFactory(role=Role.STAFF, programs=[program]),
        "staff_of_no_program": UserFactory(role=Role.STAFF, programs=[]),
        "superuser_staff": superuser,
        "inactive_staff": inactive,
        "assessor": assessor,
        "chair": board_member,
        "other_board_member": UserFactory(role=Role.BOARD_MEMBER),
        "lead_who_is_staff_and_chair": _lead_staff_and_chair(),
        "system": SYSTEM,
    }


def _lead_staff_and_chair() -> User:
    user = UserFactory(role=Role.STAFF)
    user_grant_role(user=user, role=Role.APPLICANT)
    user_grant_role(user=user, role=Role.BOARD_MEMBER)
    user = User.objects.get(pk=user.pk)
    assert {Role.STAFF, Role.APPLICANT, Role.BOARD_MEMBER} <= user.roles
    return user


def _rows(calls: list[Call], leads: list[User], chairs: list[int | None]) -> list[Proposal]:
    """One proposal (unsaved) for every state, stage, call, lead and chair of its board meeting."""
    rows = []
    for state, (kind, assessed), call, lead, chair in itertools.product(
        ProposalState.values, STAGES, calls, leads, chairs
    ):
        proposal = Proposal(state=state, call=call, lead_applicant=lead, stage=Stage(kind=kind, assessed=assessed))
        proposal.board_chair_id = chair  # type: ignore[attr-defined]
        rows.append(proposal)
    return rows


def test_every_row_is_offered_what_actions_for_offers_it_for_every_role(
    applicant: User, staff: User, assessor: User, board_member: User
) -> None:
    program = ProgramFactory()
    calls = [CallFactory(program=program), CallFactory()]
    users = _users(applicant, staff, assessor, board_member, program)
    both = users["lead_who_is_staff_and_chair"]
    rows = _rows(calls, leads=[applicant, both], chairs=[None, board_member.pk, both.pk])
    offered_anywhere: set[str] = set()

    for name, user in users.items():
        expected = [actions_for(proposal, user) for proposal in rows]
        offered = ActionsOffered(user)
        in_reverse = ActionsOffered(user)

        assert [offered(proposal) for proposal in rows] == expected, name
        assert [in_reverse(proposal) for proposal in reversed(rows)] == expected[::-1], name
        # Decided once a shape, not once a row.
        assert len(offered.decided) < len(rows) / 4, name
        offered_anywhere.update(itertools.chain.from_iterable(expected))

    # The rows and roles reach every action of the table: each guard had its say above.
    assert offered_anywhere == set(ACTIONS)


def test_a_permission_or_structural_condition_whose_facts_are_unknown_stops_the_table(monkeypatch: Any) -> None:
    facts = dict(lifecycle._PERMISSION_FACTS)
    del facts[lifecycle.program_staff]
    monkeypatch.setattr(lifecycle, "_PERMISSION_FACTS", facts)
    with pytest.raises(KeyError):
        lifecycle._facts_by_state()

    monkeypatch.undo()
    conditions = dict(lifecycle._CONDITION_FACTS)
    del conditions[lifecycle.assessed_stage]
    monkeypatch.setattr(lifecycle, "_CONDITION_FACTS", conditions)
    with pytest.raises(KeyError):
        lifecycle._facts_by_state()


def test_the_call_list_offers_each_row_the_forms_of_its_proposal_page(
    staff_client: Client, staff: User, call: Call
) -> None:
    states = [
        ProposalState.DRAFT, ProposalState.LOI_SUBMITTED, ProposalState.INVITED, ProposalState.SUBMITTED,
        ProposalState.CHANGES_REQUESTED, ProposalState.IN_ASSESSMENT, ProposalState.ASSESSED,
        ProposalState.BOARD_REVIEW, ProposalState.APPROVED, ProposalState.CONTRACTING, ProposalState.ACTIVE,
        ProposalState.CLOSING, ProposalState.DECLINED,
    ]  # fmt: skip
    for state in states:
        for _copy in range(2):
            proposal = ProposalFactory(call=call)
            state_put(proposal, state)

    response = staff_client.get(reverse("workflow:call_proposals", args=[call.pk]))

    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 2 * len(states)
    for proposal, forms in rows:
        alone = Proposal.objects.select_related("call", "stage").get(pk=proposal.pk)
        assert forms == _available_forms(alone, staff), proposal.state
    offered = {form.action for _proposal, forms in rows for form in forms}
    assert {"invite", "request_changes", "complete_assessment", "send_to_board", "start_contracting"} <= offered
    assert all(not ACTION_FORMS[action].by_applicant for action in offered)
