"""The proposals over the API: who reads which (the pages' rule), filters, pages, and writing through the actions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.choices import ApiScope, Role
from accounts.models import User
from api.v1.serializers import ProposalSerializer
from assessment.services.rubrics import rubric_for
from board.models import BoardMeeting
from intake.models import Call, Proposal
from intake.states import ProposalState
from tests.api.conftest import TokenClient
from tests.conftest import MakeProposal
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    AttachmentFactory,
    MembershipFactory,
    ProposalFactory,
    ProposalVersionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PROPOSALS = "/api/v1/proposals/"


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_proposals_applicant_reads_only_their_own(
    applicant: User, other_applicant: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    own = make_proposal()
    make_proposal(lead_applicant=other_applicant)

    assert _ids(token_client(applicant).get(PROPOSALS)) == [own.pk]


def test_proposals_staff_reads_their_programs_only(make_proposal: MakeProposal, token_client: TokenClient) -> None:
    ours = make_proposal()
    ProposalFactory()  # a new program's, made after the staff member below
    staff = UserFactory(role=Role.STAFF, programs=[ours.call.program])

    assert _ids(token_client(staff).get(PROPOSALS)) == [ours.pk]


def test_proposals_assessor_reads_only_assignments_declared_free_of_conflict(
    assessor: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    declared = make_proposal(ProposalState.IN_ASSESSMENT)
    undeclared = make_proposal(ProposalState.IN_ASSESSMENT)
    make_proposal(ProposalState.IN_ASSESSMENT)
    rubric = rubric_for(call=declared.call, stage="application")
    AssignmentFactory(proposal=declared, assessor=assessor, rubric=rubric)
    AssignmentFactory(proposal=undeclared, assessor=assessor, rubric=rubric, no_conflict_declared_at=None)

    assert _ids(token_client(assessor).get(PROPOSALS)) == [declared.pk]


def test_proposals_board_member_reads_those_on_their_meetings(
    board_member: User, call: Call, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    item = AgendaItemFactory(meeting__call=call, meeting__chair=board_member)
    make_proposal(ProposalState.BOARD_REVIEW)

    assert _ids(token_client(board_member).get(PROPOSALS)) == [item.proposal_id]


def test_proposals_applicant_never_reads_assessors(
    applicant: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    AssignmentFactory(proposal=make_proposal(ProposalState.IN_ASSESSMENT))

    response = token_client(applicant).get("/api/v1/assignments/")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def _decided(applicant: User, call: Call, *, released: bool) -> Proposal:
    proposal = ProposalFactory(
        call=call, lead_applicant=applicant, state=ProposalState.APPROVED, approved_amount=Decimal("400000.00")
    )
    item = AgendaItemFactory(meeting__call=call, proposal=proposal)
    if released:
        BoardMeeting.objects.filter(pk=item.meeting_id).update(decisions_released_at=timezone.now())
    return proposal


def test_proposals_withheld_decision_reads_as_before_the_board(
    applicant: User, call: Call, token_client: TokenClient
) -> None:
    proposal = _decided(applicant, call, released=False)
    client = token_client(applicant)

    row = client.get(f"{PROPOSALS}{proposal.pk}/").json()
    approved = client.get(PROPOSALS, {"state": "approved"})
    before_board = client.get(PROPOSALS, {"state": "board_review"})

    assert (row["state"], row["approved_amount"]) == ("board_review", None)
    assert (_ids(approved), _ids(before_board)) == ([], [proposal.pk])


def test_proposals_released_decision_reads_as_decided(applicant: User, call: Call, token_client: TokenClient) -> None:
    proposal = _decided(applicant, call, released=True)

    row = token_client(applicant).get(f"{PROPOSALS}{proposal.pk}/").json()

    assert (row["state"], row["approved_amount"]) == ("approved", "400000.00")


def test_proposal_detail_holds_consortium_versions_and_attachments(
    applicant: User, make_proposal: MakeProposal, token_client: TokenClient, media_root: Any
) -> None:
    proposal = make_proposal(ProposalState.SUBMITTED)
    attachment = AttachmentFactory(proposal=proposal)
    version = ProposalVersionFactory(proposal=proposal)

    body = token_client(applicant).get(f"{PROPOSALS}{proposal.pk}/").json()

    lead = next(member for member in body["consortium"] if member["is_lead"])
    organization = proposal.lead_organization
    assert lead["organization"] == {"id": organization.pk, "legal_name": organization.legal_name}
    assert lead["budget_lines"], "a submitted application has its budget"
    assert [v["number"] for v in body["versions"]] == [version.number]
    assert sorted(a["id"] for a in body["attachments"]) == sorted(proposal.attachments.values_list("pk", flat=True))
    shown = next(a for a in body["attachments"] if a["id"] == attachment.pk)
    assert (shown["original_name"], shown["size"]) == (attachment.original_name, attachment.size)
    assert "file" not in shown


def test_proposal_detail_of_another_answers_404(
    other_applicant: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    proposal = make_proposal()

    assert token_client(other_applicant).get(f"{PROPOSALS}{proposal.pk}/").status_code == 404


def test_proposals_filter_by_state_call_stage_and_submission(
    staff: User, call: Call, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    now = timezone.now()
    draft = make_proposal()
    early = make_proposal(ProposalState.SUBMITTED, submitted_at=now - timedelta(days=10))
    late = make_proposal(ProposalState.SUBMITTED, submitted_at=now - timedelta(days=1))
    elsewhere = ProposalFactory(state=ProposalState.SUBMITTED, submitted_at=now)
    client = token_client(staff)

    assert set(_ids(client.get(PROPOSALS, {"state": "submitted"}))) == {early.pk, late.pk, elsewhere.pk}
    assert set(_ids(client.get(PROPOSALS, {"call": call.pk}))) == {draft.pk, early.pk, late.pk}
    assert _ids(client.get(PROPOSALS, {"call": call.pk, "stage": "loi"})) == [draft.pk]
    after = (now - timedelta(days=5)).isoformat()
    assert set(_ids(client.get(PROPOSALS, {"submitted_after": after}))) == {late.pk, elsewhere.pk}
    assert _ids(client.get(PROPOSALS, {"submitted_before": after})) == [early.pk]
    assert _ids(client.get(PROPOSALS, {"call": call.pk, "state": "submitted", "ordering": "submitted_at"})) == [
        early.pk,
        late.pk,
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"state": "dreaming"}, "state"), ({"ordering": "approved_amount"}, "ordering"), ({"call": "x"}, "call"),
     ({"call": "²"}, "call"), ({"submitted_after": "yesterday"}, "submitted_after")],
)  # fmt: skip
def test_proposals_bad_filter_answers_400_naming_it(
    staff: User, token_client: TokenClient, params: dict[str, str], field: str
) -> None:
    response = token_client(staff).get(PROPOSALS, params)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_proposals_pages_with_count(staff: User, make_proposal: MakeProposal, token_client: TokenClient) -> None:
    made = [make_proposal() for _ in range(3)]

    body = token_client(staff).get(PROPOSALS, {"page_size": 2, "page": 2, "ordering": "id"}).json()

    assert (body["count"], [row["id"] for row in body["results"]]) == (3, [made[2].pk])
    assert body["next"] is None
    assert body["previous"] is not None


@pytest.mark.parametrize("rows", [5, 50])
def test_proposals_list_queries_do_not_grow(
    rows: int, staff: User, call: Call, token_client: TokenClient, django_assert_max_num_queries: Any
) -> None:
    for _ in range(rows):
        ProposalFactory(call=call, state=ProposalState.SUBMITTED)
    client = token_client(staff)
    client.get(PROPOSALS)  # the token's first use is recorded; the next within a minute costs nothing

    with django_assert_max_num_queries(6):
        response = client.get(PROPOSALS, {"page_size": 50})

    assert response.json()["count"] == rows


@pytest.mark.parametrize("rows", [1, 5])
def test_proposal_detail_queries_do_not_grow_with_the_consortium(
    rows: int, staff: User, call: Call, token_client: TokenClient, django_assert_max_num_queries: Any
) -> None:
    proposal = ProposalFactory(call=call, state=ProposalState.SUBMITTED)
    for _ in range(rows):
        ProposalVersionFactory(proposal=proposal)
    client = token_client(staff)
    client.get(PROPOSALS)

    with django_assert_max_num_queries(12):
        response = client.get(f"{PROPOSALS}{proposal.pk}/")

    assert len(response.json()["versions"]) == rows


# --- Writes: through the same use case and actions as the pages -----------------------------------


def _new(client: Client, **fields: Any) -> Any:
    return client.post(PROPOSALS, fields, content_type="application/json")


def test_proposal_create_starts_a_letter_of_intent(applicant: User, call: Call, token_client: TokenClient) -> None:
    organization = MembershipFactory(user=applicant).organization

    response = _new(token_client(applicant), call=call.pk, title="A testbed", lead_organization=organization.pk)

    assert response.status_code == 201
    proposal = Proposal.objects.get(pk=response.json()["id"])
    assert (proposal.lead_applicant, proposal.state, proposal.title) == (applicant, "draft", "A testbed")
    assert response.json()["consortium"][0]["organization"]["id"] == organization.pk


def test_proposal_create_without_a_title_answers_400_beside_the_field(
    applicant: User, call: Call, token_client: TokenClient
) -> None:
    organization = MembershipFactory(user=applicant).organization

    response = _new(token_client(applicant), call=call.pk, lead_organization=organization.pk)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["title"]


def test_proposal_create_for_an_organization_not_theirs_answers_400(
    applicant: User, call: Call, token_client: TokenClient
) -> None:
    stranger = MembershipFactory().organization

    response = _new(token_client(applicant), call=call.pk, title="Mine", lead_organization=stranger.pk)

    assert response.status_code == 400
    assert "join" in response.json()["detail"]
    assert not Proposal.objects.exists()


def test_proposal_create_by_staff_answers_403_with_the_reason(
    staff: User, call: Call, token_client: TokenClient
) -> None:
    organization = MembershipFactory(user=staff).organization

    response = _new(token_client(staff), call=call.pk, title="Mine", lead_organization=organization.pk)

    assert response.status_code == 403
    assert response.json() == {"detail": "Only applicants can start a letter of intent.", "code": "ActionForbidden"}


def test_proposal_submit_submits_the_letter_of_intent(
    applicant: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    proposal = make_proposal()

    response = token_client(applicant).post(
        f"{PROPOSALS}{proposal.pk}/submit/", {"expected_state": "draft"}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "loi_submitted"
    assert [v["kind"] for v in response.json()["versions"]] == ["loi"]


def test_proposal_submit_of_a_moved_proposal_answers_409(
    applicant: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    proposal = make_proposal(ProposalState.LOI_SUBMITTED)

    response = token_client(applicant).post(
        f"{PROPOSALS}{proposal.pk}/submit/", {"expected_state": "draft"}, content_type="application/json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "StaleAction"


def test_proposal_submit_incomplete_answers_409_naming_the_condition(
    applicant: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    proposal = make_proposal(title="Incomplete", summary="", challenge="")

    response = token_client(applicant).post(f"{PROPOSALS}{proposal.pk}/submit/")

    assert response.status_code == 409
    assert response.json()["code"] == "ConditionsNotMet"
    assert Proposal.objects.get(pk=proposal.pk).state == "draft"


def test_proposal_submit_by_staff_answers_403(
    staff: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    proposal = make_proposal()

    response = token_client(staff).post(f"{PROPOSALS}{proposal.pk}/submit/")

    assert response.status_code == 403


def test_proposal_submit_by_another_applicant_answers_404(
    other_applicant: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    proposal = make_proposal()

    response = token_client(other_applicant).post(f"{PROPOSALS}{proposal.pk}/submit/")

    assert response.status_code == 404


def test_proposal_submit_with_a_read_token_answers_403(
    applicant: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    proposal = make_proposal()

    response = token_client(applicant, scope=ApiScope.READ).post(f"{PROPOSALS}{proposal.pk}/submit/")

    assert response.status_code == 403
    assert Proposal.objects.get(pk=proposal.pk).state == "draft"


def test_proposals_list_row_reads_as_the_serializer_would(
    staff: User, make_proposal: MakeProposal, token_client: TokenClient
) -> None:
    """The list writes its rows directly, for speed: each reads exactly as ``ProposalSerializer`` writes it."""
    proposal = make_proposal(ProposalState.SUBMITTED, submitted_at=timezone.now(), approved_amount=Decimal("12.50"))

    row = token_client(staff).get(PROPOSALS).json()["results"][0]

    assert row == ProposalSerializer(Proposal.objects.get(pk=proposal.pk)).data


def test_proposals_found_by_a_word_of_their_work_plan_among_those_the_person_reads(
    call: Call, token_client: TokenClient
) -> None:
    from intake.services.search import proposal_search_refresh

    hydrophones = ProposalFactory(call=call, application=False, work_plan="We calibrate the hydrophones on the pier.")
    ProposalFactory(call=call, application=False, work_plan="We survey the bay.")
    elsewhere = ProposalFactory(application=False, work_plan="Our hydrophones listen to whales.")
    for proposal in (hydrophones, elsewhere):
        proposal_search_refresh(proposal_id=proposal.pk)
    # Staff of the call's program only: another program's proposal holding the word is never found.
    client = token_client(UserFactory(role=Role.STAFF, programs=[call.program]))

    assert _ids(client.get(PROPOSALS, {"q": "HYDROPHONE"})) == [hydrophones.pk]
    assert _ids(client.get(PROPOSALS, {"q": "hydrophones whales"})) == []


def test_proposals_search_without_a_word_answers_400_naming_it(staff: User, token_client: TokenClient) -> None:
    response = token_client(staff).get(PROPOSALS, {"q": " ?! "})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["q"]
