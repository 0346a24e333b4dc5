"""CommonGrants' application and award routes: what each reader may see, by the pages' access rules."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from common_grants_sdk.schemas.pydantic import AwardResponse, AwardsFilteredResponse, AwardsListResponse
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from board.models import AgendaItem
from intake.models import CoApplicant, ConsortiumMember, Proposal
from intake.states import ProposalState
from projects.models import Project
from tests.api.common_grants_models import ApplicationResponse, ApplicationsFilteredResponse, post_json, protocol_error
from tests.conftest import client_for
from tests.factories import (
    BoardMeetingFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    ProposalFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

APPLICATIONS = reverse("common_grants:application_search")
AWARDS = reverse("common_grants:awards")
AWARD_SEARCH = reverse("common_grants:award_search")


def application_url(proposal: Proposal) -> str:
    return reverse("common_grants:application", kwargs={"app_id": str(proposal.uuid)})


def award_url(project: Project) -> str:
    return reverse("common_grants:award", kwargs={"awd_id": str(project.uuid)})


def applications(client: Client, body: Any = None) -> ApplicationsFilteredResponse:
    response = post_json(client, APPLICATIONS, body or {})
    assert response.status_code == 200, response.content
    return ApplicationsFilteredResponse.model_validate(response.json())


def awards(client: Client, body: Any = None) -> AwardsFilteredResponse:
    response = post_json(client, AWARD_SEARCH, body or {})
    assert response.status_code == 200, response.content
    return AwardsFilteredResponse.model_validate(response.json())


def test_anonymous_readers_are_refused_applications_and_awards_with_the_protocols_401() -> None:
    project = ProjectFactory()
    client = Client()

    for response in (
        post_json(client, APPLICATIONS, {}),
        client.get(application_url(project.proposal)),
        client.get(AWARDS),
        post_json(client, AWARD_SEARCH, {}),
        client.get(award_url(project)),
    ):
        assert protocol_error(response, 401).message == "Sign in to read applications and awards."


def test_applicant_reads_their_own_proposals_as_applications(applicant: User, other_applicant: User) -> None:
    own = ProposalFactory(lead_applicant=applicant)
    ProposalFactory(lead_applicant=other_applicant)

    result = applications(client_for(applicant))

    assert [str(item.id) for item in result.items] == [str(own.uuid)]
    item = result.items[0]
    assert (str(item.opportunity_id), item.status.value, item.submitted_at) == (str(own.call.uuid), "inProgress", None)
    assert item.custom_fields is not None
    assert item.custom_fields["state"].value == "draft"


def test_co_applicant_reads_the_application_they_were_invited_to(applicant: User, other_applicant: User) -> None:
    proposal = ProposalFactory(lead_applicant=applicant)
    CoApplicant.objects.create(proposal=proposal, user=other_applicant, invited_by=applicant)

    response = client_for(other_applicant).get(application_url(proposal))

    assert response.status_code == 200
    assert ApplicationResponse.model_validate(response.json()).data.title == proposal.title


def test_another_applicants_application_is_the_protocols_404(applicant: User, other_applicant: User) -> None:
    proposal = ProposalFactory(lead_applicant=applicant)

    response = client_for(other_applicant).get(application_url(proposal))

    assert protocol_error(response, 404).message == "No application you may read has this id."


def test_staff_read_their_programs_applications(staff: User) -> None:
    proposal = ProposalFactory(state=ProposalState.SUBMITTED, submitted_at=timezone.now())

    result = applications(client_for(staff))

    assert [(str(item.id), item.status.value) for item in result.items] == [(str(proposal.uuid), "submitted")]
    assert result.items[0].submitted_at is not None


def test_a_withheld_decision_reads_as_before_the_board_and_filters_as_such(applicant: User, staff: User) -> None:
    proposal = ProposalFactory(
        lead_applicant=applicant, state=ProposalState.APPROVED, approved_amount=Decimal("400000.00")
    )
    meeting = BoardMeetingFactory(call=proposal.call)
    AgendaItem.objects.create(meeting=meeting, proposal=proposal)
    accepted = {"filters": {"status": {"operator": "in", "value": ["accepted"]}}}

    applicants_view = applications(client_for(applicant))
    applicants_accepted = applications(client_for(applicant), accepted)
    staffs_accepted = applications(client_for(staff), accepted)

    item = applicants_view.items[0]
    assert (item.status.value, item.status.description) == ("submitted", "Before the board")
    assert item.custom_fields is not None
    assert "approvedAmount" not in item.custom_fields
    assert applicants_accepted.items == []
    assert [str(item.id) for item in staffs_accepted.items] == [str(proposal.uuid)]
    assert staffs_accepted.items[0].custom_fields["approvedAmount"].value == {"amount": "400000.00", "currency": "CAD"}


def test_a_released_decision_reads_as_accepted_to_its_applicant(applicant: User) -> None:
    proposal = ProposalFactory(lead_applicant=applicant, state=ProposalState.APPROVED, approved_amount=Decimal("1.00"))
    meeting = BoardMeetingFactory(call=proposal.call, decisions_released_at=timezone.now())
    AgendaItem.objects.create(meeting=meeting, proposal=proposal)

    assert applications(client_for(applicant)).items[0].status.value == "accepted"


def test_applications_filter_by_opportunity_and_sort_by_creation(applicant: User) -> None:
    first = ProposalFactory(lead_applicant=applicant)
    second = ProposalFactory(lead_applicant=applicant, call=first.call)
    ProposalFactory(lead_applicant=applicant)
    body = {
        "filters": {"opportunityId": {"operator": "in", "value": [str(first.call.uuid)]}},
        "sorting": {"sortBy": "createdAt", "sortOrder": "asc"},
    }

    result = applications(client_for(applicant), body)

    assert [str(item.id) for item in result.items] == [str(first.uuid), str(second.uuid)]


def test_applications_filter_by_competition_the_stage_the_proposal_is_at(applicant: User) -> None:
    at_loi = ProposalFactory(lead_applicant=applicant)
    ProposalFactory(lead_applicant=applicant, call=at_loi.call, state=ProposalState.INVITED)
    competition = applications(client_for(applicant)).items
    loi_competition = next(str(item.competition_id) for item in competition if str(item.id) == str(at_loi.uuid))

    result = applications(
        client_for(applicant), {"filters": {"competitionId": {"operator": "in", "value": [loi_competition]}}}
    )

    assert [str(item.id) for item in result.items] == [str(at_loi.uuid)]


def test_applications_refuse_a_filter_value_that_is_not_an_id(applicant: User) -> None:
    response = post_json(
        client_for(applicant), APPLICATIONS, {"filters": {"opportunityId": {"operator": "in", "value": ["call-1"]}}}
    )

    assert protocol_error(response, 400).errors == [
        {"field": "filters.opportunityId.value", "message": "call-1 is not a UUID."}
    ]


def test_applications_search_reads_a_page_in_a_fixed_number_of_queries(applicant: User) -> None:
    client = client_for(applicant)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            applications(client)
        return len(context.captured_queries)

    ProposalFactory(lead_applicant=applicant)
    one = queries()
    for _ in range(4):
        ProposalFactory(lead_applicant=applicant)

    assert queries() == one


# --- Awards --------------------------------------------------------------------------------------


def _funded(applicant: User, **kwargs: Any) -> Project:
    return ProjectFactory(proposal__lead_applicant=applicant, **kwargs)


def test_the_projects_applicant_reads_it_as_an_award(applicant: User) -> None:
    project = _funded(applicant)

    response = client_for(applicant).get(award_url(project))

    assert response.status_code == 200, response.content
    data = AwardResponse.model_validate(response.json()).data
    assert (data.status.value, data.title) == ("awarded", project.proposal.title)
    assert data.funding is not None
    assert data.funding.awarded_amount is not None
    assert (data.funding.awarded_amount.amount, data.funding.awarded_amount.currency) == ("1000000.00", "CAD")
    assert data.opportunity is not None
    assert str(data.opportunity.id) == str(project.proposal.call.uuid)
    assert data.application is not None
    assert str(data.application.id) == str(project.proposal.uuid)


def test_a_partners_people_read_the_award_and_nobody_else(applicant: User, other_applicant: User) -> None:
    project = _funded(applicant)
    partner_organization = OrganizationFactory()
    ConsortiumMember.objects.create(proposal=project.proposal, organization=partner_organization)
    project.partners.create(organization=partner_organization)
    partner = UserFactory()
    MembershipFactory(user=partner, organization=partner_organization)

    assert client_for(partner).get(award_url(project)).status_code == 200
    assert protocol_error(client_for(other_applicant).get(award_url(project)), 404).message == (
        "No award you may read has this id."
    )
    assert AwardsListResponse.model_validate(client_for(other_applicant).get(AWARDS).json()).items == []


def test_award_status_follows_the_projects_state(applicant: User) -> None:
    closed = _funded(applicant, proposal__state=ProposalState.CLOSED)
    terminated = _funded(applicant, proposal__state=ProposalState.TERMINATED)
    active = _funded(applicant)

    statuses = {str(item.id): item.status.value for item in awards(client_for(applicant)).items}

    assert statuses == {str(closed.uuid): "completed", str(terminated.uuid): "cancelled", str(active.uuid): "awarded"}


def test_awards_filter_by_amount_in_cad_only(applicant: User) -> None:
    small = _funded(applicant, amount=Decimal("200000.00"))
    _funded(applicant)

    def search(currency: str) -> list[str]:
        bounds = {"min": {"amount": "100000", "currency": currency}, "max": {"amount": "300000", "currency": currency}}
        body = {"filters": {"awardedAmountRange": {"operator": "between", "value": bounds}}}
        return [str(item.id) for item in awards(client_for(applicant), body).items]

    assert search("CAD") == [str(small.uuid)]
    assert search("USD") == []


def test_awards_sort_by_amount_and_page(applicant: User) -> None:
    amounts = ("300000.00", "100000.00", "200000.00")
    projects = {amount: _funded(applicant, amount=Decimal(amount)) for amount in amounts}
    body = {"sorting": {"sortBy": "funding.awardedAmount", "sortOrder": "asc"}, "pagination": {"pageSize": 2}}

    result = awards(client_for(applicant), body)

    assert [str(item.id) for item in result.items] == [
        str(projects["100000.00"].uuid),
        str(projects["200000.00"].uuid),
    ]
    assert (result.pagination_info.total_items, result.pagination_info.total_pages) == (3, 2)


def test_unknown_award_id_is_the_protocols_404(applicant: User) -> None:
    response = client_for(applicant).get(reverse("common_grants:award", kwargs={"awd_id": str(uuid.uuid4())}))

    assert protocol_error(response, 404).status == 404


def test_awards_list_reads_a_page_in_a_fixed_number_of_queries(
    applicant: User, django_assert_max_num_queries: Any
) -> None:
    client = client_for(applicant)
    _funded(applicant)
    with CaptureQueriesContext(connection) as one:
        AwardsListResponse.model_validate(client.get(AWARDS).json())
    for _ in range(3):
        _funded(applicant)

    with django_assert_max_num_queries(len(one.captured_queries)):
        page = AwardsListResponse.model_validate(client.get(AWARDS).json())

    assert len(page.items) == 4
