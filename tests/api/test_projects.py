"""Funded projects, their claims and reports, and the registry's assets over the API: filters, order, pages, queries.

Who reads which is the pages' rule (``workflow.access``, ``registry.access``), tested per role in
test_resources.py and tests/test_permission_matrix.py; here, what each list's parameters do.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from assessment.services.rubrics import rubric_for
from intake.states import ProposalState
from projects.models import Claim, ClaimState, Project, Report, ReportState
from registry.choices import AssetState, Listing
from tests.api.conftest import TokenClient
from tests.factories import AssignmentFactory, MembershipFactory, OrganizationFactory, ProjectFactory, UserFactory
from tests.registry.conftest import make_asset

pytestmark = pytest.mark.django_db


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _report(project: Project, period: int, *, state: str = ReportState.DRAFT, final: bool = False) -> Report:
    today = timezone.localdate()
    return Report.objects.create(
        project=project, period=period, starts_on=today, ends_on=today, state=state, final=final,
        submitted_at=None if state == ReportState.DRAFT else timezone.now(),
        created_by=project.proposal.lead_applicant,
    )  # fmt: skip


def _claim(project: Project, period: int, *, state: str = ClaimState.DRAFT) -> Claim:
    partner = project.partners.first()
    assert partner is not None
    return Claim.objects.create(
        project=project, partner=partner, period=period, period_start=project.started_on,
        period_end=project.started_on, state=state, created_by=project.proposal.lead_applicant,
    )  # fmt: skip


# --- Reports ------------------------------------------------------------------------------------------


def test_reports_the_projects_readers_read_them_others_do_not(
    staff: User, other_applicant: User, token_client: TokenClient
) -> None:
    project = ProjectFactory()
    report = _report(project, 1)
    _report(ProjectFactory(), 1)

    lead = token_client(project.proposal.lead_applicant).get("/api/v1/reports/")
    one = token_client(project.proposal.lead_applicant).get(f"/api/v1/reports/{report.pk}/")
    stranger = token_client(other_applicant).get(f"/api/v1/reports/{report.pk}/")

    assert _ids(lead) == [report.pk]
    assert (one.json()["period"], one.json()["state"], stranger.status_code) == (1, "draft", 404)
    assert len(_ids(token_client(staff).get("/api/v1/reports/"))) == 2


def test_reports_filter_by_project_state_and_final(staff: User, token_client: TokenClient) -> None:
    project = ProjectFactory()
    draft = _report(project, 1)
    submitted = _report(project, 2, state=ReportState.SUBMITTED, final=True)
    elsewhere = _report(ProjectFactory(), 1)
    client = token_client(staff)

    assert _ids(client.get("/api/v1/reports/", {"project": project.pk, "ordering": "period"})) == [
        draft.pk, submitted.pk,
    ]  # fmt: skip
    assert _ids(client.get("/api/v1/reports/", {"state": "submitted"})) == [submitted.pk]
    assert _ids(client.get("/api/v1/reports/", {"final": "false", "ordering": "id"})) == [draft.pk, elsewhere.pk]


def test_reports_bad_filter_answers_400_naming_it(staff: User, token_client: TokenClient) -> None:
    client = token_client(staff)

    answers = [
        client.get("/api/v1/reports/", {"state": "lost"}),
        client.get("/api/v1/reports/", {"final": "maybe"}),
        client.get("/api/v1/reports/", {"ordering": "risks"}),
    ]

    assert [(a.status_code, list(a.json()["errors"])) for a in answers] == [
        (400, ["state"]), (400, ["final"]), (400, ["ordering"]),
    ]  # fmt: skip


# --- Projects and claims ---------------------------------------------------------------------------


def test_projects_filter_by_state_and_call_and_order(staff: User, token_client: TokenClient) -> None:
    active = ProjectFactory()
    closing = ProjectFactory(
        proposal__state=ProposalState.CLOSING, started_on=timezone.localdate() - timedelta(days=400)
    )
    client = token_client(staff)

    assert _ids(client.get("/api/v1/projects/", {"state": "closing"})) == [closing.pk]
    assert _ids(client.get("/api/v1/projects/", {"call": active.proposal.call_id})) == [active.pk]
    assert _ids(client.get("/api/v1/projects/", {"ordering": "started_on"})) == [closing.pk, active.pk]
    since = (timezone.localdate() - timedelta(days=100)).isoformat()
    assert _ids(client.get("/api/v1/projects/", {"started_after": since})) == [active.pk]
    assert client.get("/api/v1/projects/", {"state": "draft"}).status_code == 400


def test_claims_filter_by_state_and_order(staff: User, token_client: TokenClient) -> None:
    project = ProjectFactory()
    first = _claim(project, 1, state=ClaimState.PAID)
    second = _claim(project, 2)
    client = token_client(staff)

    assert _ids(client.get("/api/v1/claims/", {"state": "paid"})) == [first.pk]
    assert _ids(client.get("/api/v1/claims/", {"ordering": "-period"})) == [second.pk, first.pk]
    assert _ids(client.get("/api/v1/claims/", {"call": project.proposal.call_id, "ordering": "period"})) == [
        first.pk, second.pk,
    ]  # fmt: skip


def test_assignments_filter_by_call_and_state_and_order(staff: User, token_client: TokenClient) -> None:
    project = ProjectFactory()
    call = project.proposal.call
    rubric = rubric_for(call=call, stage="application")
    soon = AssignmentFactory(proposal=project.proposal, rubric=rubric, due_at=timezone.now() + timedelta(days=2))
    later = AssignmentFactory(proposal=project.proposal, rubric=rubric, due_at=timezone.now() + timedelta(days=9))
    other = ProjectFactory().proposal
    AssignmentFactory(proposal=other, rubric=rubric_for(call=other.call, stage="application"))
    client = token_client(staff)

    assert _ids(client.get("/api/v1/assignments/", {"call": call.pk, "ordering": "-due_at"})) == [later.pk, soon.pk]
    assert _ids(client.get("/api/v1/assignments/", {"proposal": project.proposal_id})) == [soon.pk, later.pk]
    assert client.get("/api/v1/assignments/", {"state": "lost"}).status_code == 400


# --- The registry's assets ----------------------------------------------------------------------------


def test_assets_filter_within_what_the_listings_allow(anonymous_client: Client, token_client: TokenClient) -> None:
    project = ProjectFactory()
    program = project.proposal.call.program
    owner = OrganizationFactory()
    public = make_asset(program, owner, listing=Listing.PUBLIC)
    members = make_asset(program, owner, listing=Listing.MEMBERS)
    make_asset(program, owner, listing=Listing.PUBLIC, state=AssetState.DRAFT)
    person = UserFactory()
    MembershipFactory(user=person, organization=owner)

    anonymous_members = anonymous_client.get("/api/v1/assets/", {"listing": "members"})
    owner_members = token_client(person).get("/api/v1/assets/", {"listing": "members", "program": program.pk})

    assert (_ids(anonymous_members), _ids(owner_members)) == ([], [members.pk])
    assert _ids(anonymous_client.get("/api/v1/assets/", {"state": "published"})) == [public.pk]
    assert anonymous_client.get("/api/v1/assets/", {"asset_type": "secret"}).status_code == 400


# --- Queries -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 6])
def test_project_lists_read_in_constant_queries(
    rows: int, staff: User, token_client: TokenClient, django_assert_max_num_queries: Any
) -> None:
    owner = OrganizationFactory()
    for _index in range(rows):
        project = ProjectFactory()
        _report(project, 1)
        _claim(project, 1)
        make_asset(project.proposal.call.program, owner, listing=Listing.PUBLIC)
        AssignmentFactory(proposal=project.proposal, rubric=rubric_for(call=project.proposal.call, stage="application"))
    client = token_client(staff)

    # The token, its last use (once a minute), the person's roles and program roles, the count and
    # the page (the access rule's subqueries inside the last two).
    for route in ("projects", "claims", "reports", "assets", "assignments"):
        with django_assert_max_num_queries(6):
            response = client.get(f"/api/v1/{route}/")
        assert len(_ids(response)) == rows, route
