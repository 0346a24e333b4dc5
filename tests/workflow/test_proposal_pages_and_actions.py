"""Staff and the board act on proposals: the list per call, the proposal's page, and the one action endpoint."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from board.models import AgendaItem
from intake.models import Call, Proposal
from intake.selectors import proposal_funding_requested
from intake.states import ProposalState
from intake.templatetags.money import money
from records.models import AuditRecord
from tests.assessment.reviewing import reviews_all_in
from tests.board.making import (
    agenda_put,
    board_members_make,
    decidable,
    meeting_make,
    meeting_open,
    votes_cast,
)
from tests.conftest import MakeProposal, client_for
from tests.factories import CallFactory, ProposalFactory
from workflow import actions

pytestmark = pytest.mark.django_db


def _call(**fields: Any) -> Call:
    return cast(Call, CallFactory(**fields))


S = ProposalState


def _act(client: Client, proposal: Proposal, action: str, expected_state: str | None = None, **fields: str) -> Any:
    data = {f"{action}-expected_state": expected_state or proposal.state}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(reverse("workflow:proposal_act", args=[proposal.pk, action]), data)


def _local(moment: datetime, call: Call) -> str:
    return timezone.localtime(moment, call.zone).strftime("%Y-%m-%dT%H:%M")


# --- The list per call ---------------------------------------------------------------------


def test_call_proposals_lists_the_calls_proposals_with_their_actions(
    staff_client: Client, call: Call, make_proposal: MakeProposal
) -> None:
    screened = make_proposal(S.LOI_SUBMITTED, title="To screen")
    make_proposal(S.DRAFT, title="Still a draft")
    ProposalFactory(title="Another call's")

    response = staff_client.get(reverse("workflow:call_proposals", args=[call.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "To screen" in content
    assert "Still a draft" in content
    assert "Another call&#x27;s" not in content
    rows = {proposal.pk: [form.action for form in forms] for proposal, forms in response.context["rows"]}
    assert rows[screened.pk] == ["invite", "decline_loi"]
    assert f"{reverse('workflow:proposal_detail', args=[screened.pk])}#action-invite" in content


def test_call_proposals_filters_by_state(staff_client: Client, call: Call, make_proposal: MakeProposal) -> None:
    make_proposal(S.LOI_SUBMITTED, title="To screen")
    make_proposal(S.DRAFT, title="Still a draft")

    response = staff_client.get(reverse("workflow:call_proposals", args=[call.pk]), {"state": S.LOI_SUBMITTED})

    assert [proposal.title for proposal, _forms in response.context["rows"]] == ["To screen"]
    assert ("loi_submitted", "Letter of intent submitted", 1) in response.context["states"]


def test_call_proposals_ignores_an_unknown_state(staff_client: Client, call: Call, make_proposal: MakeProposal) -> None:
    make_proposal(S.DRAFT)

    response = staff_client.get(reverse("workflow:call_proposals", args=[call.pk]), {"state": "nonsense"})

    assert response.context["state"] == ""
    assert len(response.context["rows"]) == 1


def test_call_proposals_pages_by_sixty(staff_client: Client, call: Call) -> None:
    ProposalFactory.create_batch(61, call=call)

    first = staff_client.get(reverse("workflow:call_proposals", args=[call.pk]))
    second = staff_client.get(reverse("workflow:call_proposals", args=[call.pk]), {"page": 2})

    assert (len(first.context["rows"]), len(second.context["rows"])) == (60, 1)


def _list_queries(client: Client, call: Call) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("workflow:call_proposals", args=[call.pk])).status_code == 200
    return len(queries)


def test_call_proposals_queries_do_not_grow_with_proposals(
    staff_client: Client, call: Call, make_proposal: MakeProposal
) -> None:
    make_proposal(S.LOI_SUBMITTED)
    one = _list_queries(staff_client, call)
    states = [S.DRAFT, S.INVITED, S.CHANGES_REQUESTED, S.SUBMITTED, S.ASSESSED, S.BOARD_REVIEW]
    for index in range(19):
        make_proposal(states[index % len(states)], lead_applicant=ProposalFactory().lead_applicant)

    twenty = _list_queries(staff_client, call)

    assert twenty == one


@pytest.mark.parametrize("persona", ["applicant_client", "assessor_client", "board_client"])
def test_call_proposals_is_for_staff_only(persona: str, call: Call, request: Any) -> None:
    response = request.getfixturevalue(persona).get(reverse("workflow:call_proposals", args=[call.pk]))

    assert response.status_code == 403


def test_staff_call_page_and_dashboard_link_to_the_list(staff_client: Client, call: Call) -> None:
    url = reverse("workflow:call_proposals", args=[call.pk])

    assert url in staff_client.get(reverse("intake:call_staff_detail", args=[call.pk])).content.decode()
    assert url in staff_client.get(reverse("workflow:staff_dashboard")).content.decode()


# --- The staff and board page ----------------------------------------------------------------


def test_proposal_detail_shows_staff_the_full_history(
    staff_client: Client, staff: User, applicant: User, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.DRAFT)
    actions.proposal_submit_loi(proposal=proposal, by=applicant)
    actions.proposal_invite(proposal=proposal, by=staff, reason="Strong consortium.")

    response = staff_client.get(reverse("workflow:proposal_detail", args=[proposal.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert [text for _record, text, _details in response.context["records"]] == [
        "The letter of intent was submitted.",
        "The consortium was invited to submit a full application.",
    ]
    assert "Ann Applicant" in content
    assert "Sam Staff" in content
    assert "Strong consortium." in content
    assert reverse("workflow:call_proposals", args=[proposal.call_id]) in content


def test_proposal_detail_shows_staff_only_their_actions_and_the_extension(
    staff_client: Client, make_proposal: MakeProposal
) -> None:
    invited = make_proposal(S.INVITED)

    response = staff_client.get(reverse("workflow:proposal_detail", args=[invited.pk]))

    assert [form.action for form, _unmet in response.context["action_forms"]] == ["extend_deadline"]


def test_proposal_detail_shows_the_data_of_each_record(
    staff_client: Client, staff: User, make_proposal: MakeProposal, call: Call
) -> None:
    proposal = make_proposal(S.SUBMITTED)
    due = timezone.now() + timedelta(days=7)
    actions.proposal_request_changes(proposal=proposal, by=staff, message="Fix the budget.", due_at=due)

    response = staff_client.get(reverse("workflow:proposal_detail", args=[proposal.pk]))

    content = response.content.decode()
    assert "Due " in content  # the due date, as a sentence in the call's timezone, never a raw key
    assert "due_at" not in content
    assert f"({call.timezone})" in content
    assert "Fix the budget." in content


def test_proposal_detail_before_the_board_offers_the_chair_the_decisions(
    board_client: Client, board_member: User, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    decidable(proposal, chair=board_member, quorum=2)

    response = board_client.get(reverse("workflow:proposal_detail", args=[proposal.pk]))

    assert response.status_code == 200
    assert [(form.action, unmet) for form, unmet in response.context["action_forms"]] == [
        ("approve", []),
        ("decline", []),
    ]


def test_proposal_detail_says_the_chair_what_the_quorum_lacks(
    board_client: Client, board_member: User, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    voters = board_members_make(3)
    agenda_put(proposal, meeting_open(meeting_make(proposal.call, chair=board_member, members=voters, quorum=3)))
    votes_cast(proposal, voters[:1])

    response = board_client.get(reverse("workflow:proposal_detail", args=[proposal.pk]))

    unmet = "A quorum of 3 board members who are not recused has not voted yet: 1 have."
    assert [(form.action, found) for form, found in response.context["action_forms"]] == [
        ("approve", [unmet]),
        ("decline", [unmet]),
    ]


def test_proposal_detail_offers_a_member_who_does_not_chair_no_decision(
    board_member: User, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    decidable(proposal, chair=board_members_make(1)[0], quorum=1)
    meeting = AgendaItem.objects.get(proposal=proposal).meeting
    meeting.members.add(board_member)

    response = client_for(board_member).get(reverse("workflow:proposal_detail", args=[proposal.pk]))

    assert response.status_code == 200
    assert response.context["action_forms"] == []


def test_proposal_detail_not_before_the_board_is_not_found_by_board_members(
    board_client: Client, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.SUBMITTED)

    assert board_client.get(reverse("workflow:proposal_detail", args=[proposal.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["applicant_client", "assessor_client"])
def test_proposal_detail_is_forbidden_to_applicants_and_assessors(
    persona: str, make_proposal: MakeProposal, request: Any
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)

    response = request.getfixturevalue(persona).get(reverse("workflow:proposal_detail", args=[proposal.pk]))

    assert response.status_code == 403


def test_board_dashboard_lists_proposals_before_the_board(
    board_client: Client, board_member: User, make_proposal: MakeProposal
) -> None:
    before = make_proposal(S.BOARD_REVIEW, title="Before the board")
    agenda_put(before, meeting_make(before.call, chair=board_member, members=[], quorum=1))
    make_proposal(S.SUBMITTED, title="Still in intake")

    response = board_client.get(reverse("board:dashboard"))

    assert response.context["proposals"] == [before]
    assert "Still in intake" not in response.content.decode()


# --- Staff's actions -------------------------------------------------------------------------


def test_invite_needs_no_reason(staff_client: Client, make_proposal: MakeProposal) -> None:
    proposal = make_proposal(S.LOI_SUBMITTED)

    response = _act(staff_client, proposal, "invite")

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("workflow:proposal_detail", args=[proposal.pk])
    assert proposal.state == S.INVITED


def test_success_is_said_on_the_next_page(staff_client: Client, make_proposal: MakeProposal) -> None:
    proposal = make_proposal(S.LOI_SUBMITTED)

    response = _act(staff_client, proposal, "invite")
    page = staff_client.get(response["Location"])

    assert "Done: Invite to submit a full application. The proposal is now “Invited to apply”." in page.content.decode()


@pytest.mark.parametrize(
    ("state", "action", "field"),
    [
        (S.LOI_SUBMITTED, "decline_loi", "reason"),
        (S.ASSESSED, "reopen_assessment", "reason"),
        (S.SUBMITTED, "mark_ineligible", "failed_checks"),
        (S.SUBMITTED, "request_changes", "message"),
    ],
)
def test_actions_that_need_a_reason_refuse_without_one_and_write_nothing(
    staff_client: Client, make_proposal: MakeProposal, state: str, action: str, field: str
) -> None:
    proposal = make_proposal(state)

    response = _act(staff_client, proposal, action, **{field: ""})

    proposal.refresh_from_db()
    bound = next(form for form, _unmet in response.context["action_forms"] if form.action == action)
    assert response.status_code == 400
    assert bound.errors[field] == ["This field is required."]
    assert proposal.state == state
    assert AuditRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("state", "action", "fields", "target"),
    [
        (S.LOI_SUBMITTED, "decline_loi", {"reason": "Out of scope."}, S.LOI_DECLINED),
        (S.SUBMITTED, "mark_ineligible", {"failed_checks": "Only two partners."}, S.INELIGIBLE),
        (S.SUBMITTED, "start_assessment", {}, S.IN_ASSESSMENT),
        (S.IN_ASSESSMENT, "complete_assessment", {}, S.ASSESSED),
        (S.ASSESSED, "reopen_assessment", {"reason": "An outlier score."}, S.IN_ASSESSMENT),
        (S.ASSESSED, "send_to_board", {"reason": "Ranked third."}, S.BOARD_REVIEW),
    ],
)
def test_staff_actions_with_their_reasons_move_the_proposal_and_audit_it(
    staff_client: Client,
    staff: User,
    board_member: User,
    make_proposal: MakeProposal,
    state: str,
    action: str,
    fields: dict,
    target: str,
) -> None:
    proposal = make_proposal(state)
    if action == "complete_assessment":
        reviews_all_in(proposal)
    if action == "send_to_board":
        meeting = meeting_make(proposal.call, chair=board_member, members=[], quorum=1)
        fields = {**fields, "meeting": str(meeting.pk)}

    response = _act(staff_client, proposal, action, **fields)

    proposal.refresh_from_db()
    record = AuditRecord.objects.get()
    assert response.status_code == 302
    assert proposal.state == target
    assert (record.action, record.actor, record.reason) == (action, staff, fields.get(next(iter(fields), ""), ""))


def test_request_changes_reads_the_due_date_in_the_calls_timezone(
    staff_client: Client, make_proposal: MakeProposal
) -> None:
    call = _call(timezone="America/Vancouver")
    proposal = make_proposal(S.SUBMITTED, call=call)
    due = (timezone.now() + timedelta(days=14)).replace(second=0, microsecond=0)

    response = _act(staff_client, proposal, "request_changes", message="Add a partner.", due_at=_local(due, call))

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert proposal.state == S.CHANGES_REQUESTED
    assert proposal.changes_due_at == due
    assert AuditRecord.objects.get().reason == "Add a partner."


def test_request_changes_refuses_a_past_due_date_keeping_the_message(
    staff_client: Client, make_proposal: MakeProposal, call: Call
) -> None:
    proposal = make_proposal(S.SUBMITTED)

    response = _act(
        staff_client,
        proposal,
        "request_changes",
        message="Add a partner.",
        due_at=_local(timezone.now() - timedelta(days=1), call),
    )

    proposal.refresh_from_db()
    assert response.status_code == 400
    assert "Choose a time in the future." in response.content.decode()
    assert "Add a partner." in response.content.decode()
    assert proposal.state == S.SUBMITTED


def test_extend_deadline_moves_the_deadline_with_a_reason(
    staff_client: Client, make_proposal: MakeProposal, call: Call
) -> None:
    proposal = make_proposal(S.INVITED)
    until = (call.application_closes_at + timedelta(days=3)).replace(second=0, microsecond=0)

    response = _act(staff_client, proposal, "extend_deadline", until=_local(until, call), reason="Partner's illness.")

    proposal.refresh_from_db()
    record = AuditRecord.objects.get()
    assert response.status_code == 302
    assert proposal.deadline == until
    assert (record.action, record.reason, proposal.state) == ("extend_deadline", "Partner's illness.", S.INVITED)


def test_extend_deadline_without_a_reason_is_refused(
    staff_client: Client, make_proposal: MakeProposal, call: Call
) -> None:
    proposal = make_proposal(S.INVITED)
    until = call.application_closes_at + timedelta(days=3)

    response = _act(staff_client, proposal, "extend_deadline", until=_local(until, call), reason="")

    proposal.refresh_from_db()
    assert response.status_code == 400
    assert proposal.deadline_extended_until is None
    assert AuditRecord.objects.count() == 0


def test_extend_deadline_earlier_than_the_current_one_says_so(
    staff_client: Client, make_proposal: MakeProposal, call: Call
) -> None:
    proposal = make_proposal(S.INVITED)

    response = _act(
        staff_client,
        proposal,
        "extend_deadline",
        until=_local(call.application_closes_at - timedelta(days=3), call),
        reason="Oops",
    )

    assert response.status_code == 400
    assert "The new deadline must be later than the current one." in response.content.decode()


def test_extend_deadline_forbidden_to_the_applicant(applicant_client: Client, make_proposal: MakeProposal) -> None:
    proposal = make_proposal(S.INVITED)

    response = _act(applicant_client, proposal, "extend_deadline", until="2099-01-01T00:00", reason="Please")

    assert response.status_code == 403
    assert AuditRecord.objects.count() == 0


# --- Sending to a meeting, and the chair's decision --------------------------------------------


def test_send_to_board_offers_the_calls_meetings_still_to_be_held(
    staff_client: Client, board_member: User, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.ASSESSED)
    soon = meeting_make(proposal.call, chair=board_member, members=[], quorum=1)
    later = meeting_make(
        proposal.call, chair=board_member, members=[], quorum=2, held_at=soon.held_at + timedelta(days=30)
    )
    meeting_make(proposal.call, chair=board_member, members=[], quorum=1, held_at=timezone.now() - timedelta(hours=1))
    meeting_make(CallFactory(), chair=board_member, members=[], quorum=1)

    response = staff_client.get(reverse("workflow:proposal_detail", args=[proposal.pk]))

    form = next(form for form, _unmet in response.context["action_forms"] if form.action == "send_to_board")
    assert list(form.fields["meeting"].queryset) == [soon, later]


def test_send_to_board_without_a_meeting_says_to_create_one(staff_client: Client, make_proposal: MakeProposal) -> None:
    proposal = make_proposal(S.ASSESSED, call=_call())

    page = staff_client.get(reverse("workflow:proposal_detail", args=[proposal.pk])).content.decode()
    response = _act(staff_client, proposal, "send_to_board", reason="Ranked first, note kept.")

    proposal.refresh_from_db()
    bound = next(form for form, _unmet in response.context["action_forms"] if form.action == "send_to_board")
    create = reverse("board:meeting_create", args=[proposal.call_id])
    assert f'<a href="{create}">Create a board meeting for this call</a> first: it has none still to be held.' in page
    assert response.status_code == 400
    assert bound.errors["meeting"] == ["Create a board meeting for this call first."]
    assert "Ranked first, note kept." in response.content.decode()
    assert proposal.state == S.ASSESSED
    assert AuditRecord.objects.count() == 0


def test_send_to_a_meeting_already_held_is_refused(
    staff_client: Client, board_member: User, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.ASSESSED)
    held = meeting_make(
        proposal.call, chair=board_member, members=[], quorum=1, held_at=timezone.now() - timedelta(hours=1)
    )

    response = _act(staff_client, proposal, "send_to_board", meeting=str(held.pk))

    bound = next(form for form, _unmet in response.context["action_forms"] if form.action == "send_to_board")
    assert response.status_code == 400
    assert bound.errors["meeting"] == ["Choose one of the call's board meetings still to be held."]
    assert AuditRecord.objects.count() == 0


def test_chair_approves_with_amount_and_rationale(
    board_client: Client, board_member: User, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    decidable(proposal, chair=board_member)

    response = _act(
        board_client, proposal, "approve", amount="750000.00", rationale="Top ranked.", conditions="Quarterly KPIs."
    )

    proposal.refresh_from_db()
    record = AuditRecord.objects.get()
    assert response.status_code == 302
    assert (proposal.state, proposal.approved_amount, proposal.decision_conditions) == (
        S.APPROVED,
        Decimal("750000.00"),
        "Quarterly KPIs.",
    )
    assert (record.actor, record.reason) == (board_member, "Top ranked.")
    assert record.data["votes"] == {"approve": 1, "decline": 0, "abstain": 0}


def test_approve_without_amount_or_rationale_is_refused(
    board_client: Client, board_member: User, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    decidable(proposal, chair=board_member)

    response = _act(board_client, proposal, "approve", amount="", rationale="")

    proposal.refresh_from_db()
    bound = next(form for form, _unmet in response.context["action_forms"] if form.action == "approve")
    assert response.status_code == 400
    assert set(bound.errors) == {"amount", "rationale"}
    assert proposal.state == S.BOARD_REVIEW


def test_chair_declines_with_a_rationale(board_client: Client, board_member: User, make_proposal: MakeProposal) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    decidable(proposal, chair=board_member)

    response = _act(board_client, proposal, "decline", rationale="Below the funding line.")

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert proposal.state == S.DECLINED


def test_approve_above_the_request_is_refused_with_the_numbers_keeping_what_was_typed(
    board_client: Client, board_member: User, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    decidable(proposal, chair=board_member)
    requested = proposal_funding_requested(proposal=proposal)

    response = _act(board_client, proposal, "approve", amount=str(requested + Decimal("0.01")), rationale="Kept.")

    proposal.refresh_from_db()
    content = response.content.decode()
    assert response.status_code == 400
    assert f"is above the {money(requested, 2)} the proposal requests." in content
    assert "Kept." in content
    assert proposal.state == S.BOARD_REVIEW


def test_board_member_who_does_not_chair_cannot_approve(board_member: User, make_proposal: MakeProposal) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    decidable(proposal, chair=board_members_make(1)[0])
    AgendaItem.objects.get(proposal=proposal).meeting.members.add(board_member)

    response = _act(client_for(board_member), proposal, "approve", amount="10", rationale="Why not")

    proposal.refresh_from_db()
    assert response.status_code == 403
    assert proposal.state == S.BOARD_REVIEW
    assert AuditRecord.objects.filter(action="approve").count() == 0


def test_staff_cannot_approve(staff_client: Client, board_member: User, make_proposal: MakeProposal) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    decidable(proposal, chair=board_member)

    response = _act(staff_client, proposal, "approve", amount="10", rationale="Why not")

    proposal.refresh_from_db()
    assert response.status_code == 403
    assert proposal.state == S.BOARD_REVIEW
    assert AuditRecord.objects.count() == 0


# --- Stale, forbidden, unmet, malformed -------------------------------------------------------


def test_stale_post_gives_409_with_the_current_state_and_writes_nothing(
    staff_client: Client, staff: User, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.LOI_SUBMITTED)
    actions.proposal_invite(proposal=proposal, by=staff)
    before = AuditRecord.objects.count()

    response = _act(staff_client, proposal, "decline_loi", expected_state=S.LOI_SUBMITTED, reason="Too late")

    proposal.refresh_from_db()
    content = response.content.decode()
    assert response.status_code == 409
    assert "This proposal is now “Invited to apply”, so this action is no longer possible." in content
    assert reverse("workflow:proposal_detail", args=[proposal.pk]) in content
    assert AuditRecord.objects.count() == before
    assert proposal.state == S.INVITED


def test_stale_post_with_an_invalid_form_is_still_409(
    staff_client: Client, staff: User, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.LOI_SUBMITTED)
    actions.proposal_invite(proposal=proposal, by=staff)

    response = _act(staff_client, proposal, "decline_loi", expected_state=S.LOI_SUBMITTED, reason="")

    assert response.status_code == 409


def test_action_on_a_state_without_it_is_409(staff_client: Client, make_proposal: MakeProposal) -> None:
    proposal = make_proposal(S.DRAFT)

    response = _act(staff_client, proposal, "invite")

    assert response.status_code == 409
    assert AuditRecord.objects.count() == 0


def test_applicant_cannot_perform_staff_actions_on_their_own_proposal(
    applicant_client: Client, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.LOI_SUBMITTED)

    response = _act(applicant_client, proposal, "invite")

    proposal.refresh_from_db()
    assert response.status_code == 403
    assert "You may not do this to this proposal." in response.content.decode()
    assert proposal.state == S.LOI_SUBMITTED
    assert AuditRecord.objects.count() == 0


def test_staff_cannot_withdraw_for_the_applicant(staff_client: Client, make_proposal: MakeProposal) -> None:
    proposal = make_proposal(S.SUBMITTED)

    response = _act(staff_client, proposal, "withdraw", reason="On their behalf")

    assert response.status_code == 403
    assert AuditRecord.objects.count() == 0


def test_unmet_condition_is_said_on_the_page_with_409_keeping_what_was_typed(
    board_client: Client, board_member: User, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.BOARD_REVIEW)
    voters = board_members_make(2)
    agenda_put(proposal, meeting_make(proposal.call, chair=board_member, members=voters, quorum=2))
    votes_cast(proposal, voters[:1])

    response = _act(board_client, proposal, "decline", rationale="Below the line, rationale kept.")

    proposal.refresh_from_db()
    content = response.content.decode()
    assert response.status_code == 409
    assert "A quorum of 2 board members who are not recused has not voted yet: 1 have." in content
    assert "Below the line, rationale kept." in content
    assert proposal.state == S.BOARD_REVIEW
    assert AuditRecord.objects.count() == 0


def test_unknown_action_is_not_found(staff_client: Client, make_proposal: MakeProposal) -> None:
    proposal = make_proposal(S.LOI_SUBMITTED)

    response = staff_client.post(reverse("workflow:proposal_act", args=[proposal.pk, "expire"]), {})

    assert response.status_code == 404


def test_act_accepts_only_post(staff_client: Client, make_proposal: MakeProposal) -> None:
    proposal = make_proposal(S.LOI_SUBMITTED)

    response = staff_client.get(reverse("workflow:proposal_act", args=[proposal.pk, "invite"]))

    assert response.status_code == 405


def test_act_on_an_invisible_proposal_is_not_found(board_client: Client, make_proposal: MakeProposal) -> None:
    proposal = make_proposal(S.LOI_SUBMITTED)

    response = _act(board_client, proposal, "invite")

    assert response.status_code == 404


# --- The applicant's submission, read once ------------------------------------------------------


def test_submit_request_stays_within_its_queries_however_many_staff(
    applicant_client: Client, make_proposal: MakeProposal, settings: Any
) -> None:
    """Session (unless Redis holds it), the user with roles, then the action's transaction:
    begin, the locked read (with the call's rule rows, the questions of the stage with the answers
    and the lead's memberships of the program, read once for the completeness check and the
    version), the update, the audit record, the notifications, the version, commit."""
    from tests.factories import UserFactory

    for _ in range(6):
        UserFactory(role="program_staff")
    proposal = make_proposal()
    applicant_client.get("/")  # the session is in the cache from here on, when there is one

    with CaptureQueriesContext(connection) as captured:
        response = _act(applicant_client, proposal, "submit_loi")

    session_reads = 0 if settings.SESSION_ENGINE == "accounts.sessions" else 1
    assert response.status_code == 302
    assert len(captured) == 8 + session_reads, "\n".join(query["sql"][:120] for query in captured)
    proposal.refresh_from_db()
    assert (proposal.state, proposal.version_count, proposal.notifications.count()) == (S.LOI_SUBMITTED, 1, 14)


def test_submit_post_for_a_proposal_one_cannot_see_is_404_and_says_nothing_of_it(
    other_applicant_client: Client, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.INVITED)

    stale = _act(other_applicant_client, proposal, "submit_loi", expected_state=S.DRAFT)
    forbidden = _act(other_applicant_client, proposal, "submit_application")
    invalid = _act(other_applicant_client, proposal, "withdraw", reason="")

    assert (stale.status_code, forbidden.status_code, invalid.status_code) == (404, 404, 404)
    assert "Invited" not in stale.content.decode()
    proposal.refresh_from_db()
    assert proposal.state == S.INVITED


def test_withdraw_without_a_reason_shows_the_form_again_with_the_proposal(
    applicant_client: Client, make_proposal: MakeProposal
) -> None:
    proposal = make_proposal(S.LOI_SUBMITTED, title="Kept as it was")

    response = _act(applicant_client, proposal, "withdraw", reason="  ")

    assert response.status_code == 400
    assert "Kept as it was" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.state == S.LOI_SUBMITTED
