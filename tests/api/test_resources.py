"""The API's other resources, each read through the pages' access rules: programs and calls (public), decisions,
projects, claims, assignments and the registry's assets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from assessment.services.rubrics import rubric_for
from board.models import BoardMeeting
from intake.models import Call
from intake.states import ProposalState
from projects.models import Claim
from registry.choices import AssetState, Listing
from tests.api.conftest import TokenClient
from tests.factories import (
    AgendaItemFactory,
    AssignmentFactory,
    CallFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    ProposalFactory,
    UserFactory,
)
from tests.registry.conftest import make_asset

pytestmark = pytest.mark.django_db


def _ids(response: object) -> list[int]:
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    return [row["id" if "id" in row else "proposal"] for row in response.json()["results"]]  # type: ignore[attr-defined]


def test_programs_and_calls_are_public(anonymous_client: Client) -> None:
    open_call = CallFactory()
    upcoming = CallFactory(upcoming=True)

    programs = anonymous_client.get("/api/v1/programs/")
    calls = anonymous_client.get("/api/v1/calls/")
    open_only = anonymous_client.get("/api/v1/calls/", {"open": "true"})
    one = anonymous_client.get(f"/api/v1/calls/{open_call.pk}/")

    assert sorted(_ids(programs)) == sorted([open_call.program_id, upcoming.program_id])
    assert sorted(_ids(calls)) == sorted([open_call.pk, upcoming.pk])
    assert _ids(open_only) == [open_call.pk]
    assert (one.json()["phase"], [s["kind"] for s in one.json()["stages"]]) == ("loi_open", ["loi", "application"])


def test_calls_filter_by_program(anonymous_client: Client) -> None:
    call = CallFactory()
    CallFactory()

    assert _ids(anonymous_client.get("/api/v1/calls/", {"program": call.program_id})) == [call.pk]


def test_unknown_call_answers_404(anonymous_client: Client) -> None:
    assert anonymous_client.get("/api/v1/calls/999999/").status_code == 404


def _approved(applicant: User, call: Call) -> tuple[int, BoardMeeting]:
    proposal = ProposalFactory(
        call=call, lead_applicant=applicant, state=ProposalState.APPROVED, approved_amount=Decimal("250000.00")
    )
    item = AgendaItemFactory(meeting__call=call, proposal=proposal)
    return proposal.pk, item.meeting


def test_decisions_staff_and_the_deciding_board_read_before_release(
    applicant: User, staff: User, call: Call, token_client: TokenClient
) -> None:
    pk, meeting = _approved(applicant, call)

    staff_rows = token_client(staff).get("/api/v1/decisions/").json()["results"]
    board_rows = token_client(meeting.chair).get("/api/v1/decisions/").json()["results"]

    assert [(r["proposal"], r["outcome"], r["approved_amount"], r["released_at"]) for r in staff_rows] == [
        (pk, "approved", "250000.00", None)
    ]
    assert [(r["proposal"], r["meeting"]) for r in board_rows] == [(pk, meeting.pk)]


def test_decisions_applicant_reads_only_after_release(applicant: User, call: Call, token_client: TokenClient) -> None:
    pk, meeting = _approved(applicant, call)
    client = token_client(applicant)

    before = client.get("/api/v1/decisions/")
    hidden = client.get(f"/api/v1/decisions/{pk}/")
    BoardMeeting.objects.filter(pk=meeting.pk).update(decisions_released_at=timezone.now())
    after = client.get("/api/v1/decisions/")

    assert (_ids(before), hidden.status_code, _ids(after)) == ([], 404, [pk])


def test_projects_their_people_read_them_others_do_not(
    staff: User, other_applicant: User, token_client: TokenClient
) -> None:
    project = ProjectFactory()
    partner = UserFactory()
    organization = OrganizationFactory()
    MembershipFactory(user=partner, organization=organization)
    project.partners.create(organization=organization)

    lead = token_client(project.proposal.lead_applicant).get("/api/v1/projects/")
    as_partner = token_client(partner).get("/api/v1/projects/")
    as_staff = token_client(staff).get(f"/api/v1/projects/{project.pk}/")
    stranger = token_client(other_applicant).get(f"/api/v1/projects/{project.pk}/")

    assert (_ids(lead), _ids(as_partner)) == ([project.pk], [project.pk])
    assert (as_staff.json()["state"], stranger.status_code) == ("active", 404)


def test_claims_a_partner_reads_its_own_not_anothers(token_client: TokenClient) -> None:
    project = ProjectFactory()
    people = {}
    claims = {}
    for name in ("first", "second"):
        organization = OrganizationFactory()
        people[name] = UserFactory()
        MembershipFactory(user=people[name], organization=organization)
        partner = project.partners.create(organization=organization)
        claims[name] = Claim.objects.create(
            project=project, partner=partner, period=1, period_start=project.started_on,
            period_end=project.started_on, created_by=people[name],
        )  # fmt: skip

    first = token_client(people["first"]).get("/api/v1/claims/", {"project": project.pk})
    lead = token_client(project.proposal.lead_applicant).get("/api/v1/claims/")

    assert _ids(first) == [claims["first"].pk]
    assert sorted(_ids(lead)) == sorted(c.pk for c in claims.values())


def test_assignments_assessor_reads_own_staff_reads_all(
    assessor: User, staff: User, call: Call, token_client: TokenClient
) -> None:
    rubric = rubric_for(call=call, stage="application")
    own = AssignmentFactory(assessor=assessor, rubric=rubric, proposal__call=call)
    another = AssignmentFactory(rubric=rubric, proposal__call=call)

    mine = token_client(assessor).get("/api/v1/assignments/")
    everyone = token_client(staff).get("/api/v1/assignments/")

    assert _ids(mine) == [own.pk]
    assert sorted(_ids(everyone)) == sorted([own.pk, another.pk])


def test_assignments_refused_to_no_one_but_empty_for_a_board_member(
    board_member: User, call: Call, token_client: TokenClient
) -> None:
    AssignmentFactory(rubric=rubric_for(call=call, stage="application"), proposal__call=call)

    assert _ids(token_client(board_member).get("/api/v1/assignments/")) == []


def test_assets_anonymous_reads_the_public_ones_a_member_more(
    anonymous_client: Client, token_client: TokenClient
) -> None:
    call = CallFactory()
    owner = OrganizationFactory()
    public = make_asset(call.program, owner, listing=Listing.PUBLIC)
    members = make_asset(call.program, owner, listing=Listing.MEMBERS)
    make_asset(call.program, owner, listing=Listing.PUBLIC, state=AssetState.DRAFT)
    person = UserFactory()
    MembershipFactory(user=person, organization=owner)

    assert _ids(anonymous_client.get("/api/v1/assets/")) == [public.pk]
    assert members.pk in _ids(token_client(person).get("/api/v1/assets/"))


def test_funder_reads_no_proposal(token_client: TokenClient) -> None:
    ProposalFactory()
    funder = UserFactory(role=Role.FUNDER)

    assert _ids(token_client(funder).get("/api/v1/proposals/")) == []
