"""Conflicts by membership and by competition: a member (now or within three years) of a consortium
organization, or the lead of another proposal of the call, is conflicted everywhere the definition is asked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest
from django.db.models import OuterRef
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.errors import DomainError
from accounts.models import FormerMembership, Membership, Organization, User
from accounts.services import membership_create, membership_delete
from assessment.choices import AssignmentState
from assessment.models import AFFILIATION_CONFLICT_YEARS, AssessorProfile, Assignment, PlannedPair, Rubric
from assessment.selectors import competing_lead_exists, conflicted
from assessment.services.assignment import assignment_create
from assessment.services.assignment_overview import candidate_assessors
from assessment.services.conflicts import conflicts_for_call
from assessment.services.planning import assignment_plan_compute, conflicted_pairs
from intake.models import Attachment, Call, ConsortiumMember, Proposal
from intake.states import ProposalState
from tests.conftest import client_for
from tests.factories import (
    AttachmentFactory,
    CallFactory,
    OrganizationFactory,
    ProposalFactory,
    ProposalVersionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def call() -> Call:
    call = cast(Call, CallFactory())
    Rubric.objects.create(call=call, assessors_per_proposal=1)
    return call


@pytest.fixture
def proposal(call: Call) -> Proposal:
    return cast(Proposal, ProposalFactory(call=call, state=ProposalState.IN_ASSESSMENT, title="Tidal turbines"))


@pytest.fixture
def partner(proposal: Proposal) -> Organization:
    """A partner organization of the proposal's consortium, not its lead."""
    organization = cast(Organization, OrganizationFactory())
    ConsortiumMember.objects.create(proposal=proposal, organization=organization)
    return organization


def _assessor() -> User:
    user = cast(User, UserFactory(role=Role.ASSESSOR))
    AssessorProfile.objects.create(user=user, max_assignments_per_call=5)
    return user


def _is_conflicted(assessor: User, proposal: Proposal) -> bool:
    return (
        Proposal.objects.filter(pk=proposal.pk)
        .filter(conflicted(assessor=assessor.pk, proposal=OuterRef("pk")))
        .exists()
    )


def _assigned_by_hand(assessor: User, proposal: Proposal) -> Assignment:
    """An accepted, declared assignment written directly, as if made before the tie was known."""
    return Assignment.objects.create(
        proposal=proposal,
        assessor=assessor,
        rubric=Rubric.objects.get(call=proposal.call),
        state=AssignmentState.ACCEPTED,
        due_at=timezone.now() + timedelta(days=14),
        no_conflict_declared_at=timezone.now(),
    )


def _reads(assessor: User, proposal: Proposal, assignment: Assignment) -> dict[str, int]:
    version = ProposalVersionFactory(proposal=proposal)
    attachment = cast(Attachment, AttachmentFactory(proposal=proposal))
    client = client_for(assessor)
    return {
        "version": client.get(
            reverse("intake:version_detail", kwargs={"pk": proposal.pk, "number": version.number})
        ).status_code,
        "attachment": client.get(reverse("intake:attachment_download", kwargs={"pk": attachment.pk})).status_code,
        "review": client.get(reverse("assessment:review", kwargs={"pk": assignment.pk})).status_code,
    }


# --- A member of a consortium organization -------------------------------------------------------


def test_member_of_a_consortium_organization_is_conflicted(proposal: Proposal, partner: Organization) -> None:
    member, other = _assessor(), _assessor()
    membership_create(user=member, organization=partner)

    assert _is_conflicted(member, proposal)
    assert not _is_conflicted(other, proposal)


def test_member_of_a_consortium_organization_is_offered_nowhere(
    call: Call, proposal: Proposal, partner: Organization, staff: User
) -> None:
    member, other = _assessor(), _assessor()
    Membership.objects.create(user=member, organization=partner)

    outcome = assignment_plan_compute(call=call, by=staff)

    assert (proposal.pk, member.pk) in conflicted_pairs(proposals=Proposal.objects.filter(call=call))
    assert outcome.plan is not None
    assert set(PlannedPair.objects.filter(plan=outcome.plan).values_list("proposal_id", "assessor_id")) == {
        (proposal.pk, other.pk)
    }
    assert [user for user, *_rest in candidate_assessors(proposal=proposal)] == [other]
    with pytest.raises(DomainError, match="conflict of interest"):
        assignment_create(proposal=proposal, assessor=member, by=staff)
    assert not Assignment.objects.filter(assessor=member).exists()


def test_member_of_a_consortium_organization_assigned_anyway_reads_nothing(
    assessor_client: Client, proposal: Proposal, partner: Organization
) -> None:
    member = _assessor()
    assignment = _assigned_by_hand(member, proposal)
    assert _reads(member, proposal, assignment) == {"version": 200, "attachment": 200, "review": 200}

    Membership.objects.create(user=member, organization=partner)

    assert _reads(member, proposal, assignment) == {"version": 404, "attachment": 404, "review": 404}


def test_member_of_the_lead_organization_declaring_none_is_refused(proposal: Proposal) -> None:
    member = _assessor()
    Membership.objects.create(user=member, organization=proposal.lead_organization)
    assignment = Assignment.objects.create(
        proposal=proposal,
        assessor=member,
        rubric=Rubric.objects.get(call=proposal.call),
        due_at=timezone.now() + timedelta(days=14),
    )

    response = client_for(member).post(reverse("assessment:declare", kwargs={"pk": assignment.pk}), {"answer": "none"})

    assignment.refresh_from_db()
    assert assignment.no_conflict_declared_at is None
    assert "member of an organization of this proposal" in response.content.decode()
    assert proposal.title not in response.content.decode()


# --- A former member -----------------------------------------------------------------------------


def test_leaving_an_organization_keeps_the_membership_as_a_former_one(partner: Organization) -> None:
    member = _assessor()
    membership = membership_create(user=member, organization=partner, title="Engineer")

    membership_delete(user=member, membership=membership)

    former = FormerMembership.objects.get()
    assert not Membership.objects.exists()
    assert (former.user, former.organization, former.title, former.joined_at) == (
        member,
        partner,
        "Engineer",
        membership.created_at,
    )
    assert former.left_at >= former.joined_at


def test_former_member_within_three_years_is_conflicted(proposal: Proposal, partner: Organization) -> None:
    member = _assessor()
    membership_delete(user=member, membership=membership_create(user=member, organization=partner))

    assert _is_conflicted(member, proposal)


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [(365 * AFFILIATION_CONFLICT_YEARS - 10, True), (365 * AFFILIATION_CONFLICT_YEARS + 10, False)],
)
def test_former_member_is_conflicted_for_three_years_only(
    proposal: Proposal, partner: Organization, days_ago: int, expected: bool
) -> None:
    member = _assessor()
    left = timezone.now() - timedelta(days=days_ago)
    FormerMembership.objects.create(
        user=member, organization=partner, joined_at=left - timedelta(days=900), left_at=left
    )

    assert _is_conflicted(member, proposal) is expected
    assert ((proposal.pk, member.pk) in conflicted_pairs(proposals=Proposal.objects.filter(pk=proposal.pk))) is expected


def test_former_member_assigned_anyway_reads_nothing(proposal: Proposal, partner: Organization) -> None:
    member = _assessor()
    FormerMembership.objects.create(
        user=member,
        organization=partner,
        joined_at=timezone.now() - timedelta(days=800),
        left_at=timezone.now() - timedelta(days=400),
    )
    assignment = _assigned_by_hand(member, proposal)

    assert _reads(member, proposal, assignment) == {"version": 404, "attachment": 404, "review": 404}


# --- The lead of a competing proposal ------------------------------------------------------------


def test_lead_of_a_competing_proposal_in_the_same_call_is_conflicted(
    call: Call, proposal: Proposal, staff: User
) -> None:
    competitor, elsewhere, other = _assessor(), _assessor(), _assessor()
    ProposalFactory(call=call, lead_applicant=competitor, title="Wave farms")
    ProposalFactory(lead_applicant=elsewhere)

    outcome = assignment_plan_compute(call=call, by=staff)

    assert _is_conflicted(competitor, proposal)
    assert not _is_conflicted(elsewhere, proposal)
    assert (proposal.pk, competitor.pk) in conflicted_pairs(proposals=Proposal.objects.filter(call=call))
    assert outcome.plan is not None
    assert competitor.pk not in set(PlannedPair.objects.filter(plan=outcome.plan).values_list("assessor_id", flat=True))
    with pytest.raises(DomainError, match="conflict of interest"):
        assignment_create(proposal=proposal, assessor=competitor, by=staff)
    assert other in [user for user, *_rest in candidate_assessors(proposal=proposal)]


def test_lead_is_not_conflicted_by_their_own_proposal(call: Call, proposal: Proposal) -> None:
    assert not _is_conflicted(proposal.lead_applicant, proposal)
    assert not Proposal.objects.filter(call=call).exclude(pk=proposal.pk).exists()


def test_lead_of_two_proposals_of_the_call_competes_with_each_but_not_with_another_call_s(
    call: Call, proposal: Proposal
) -> None:
    lead = proposal.lead_applicant
    second = cast(Proposal, ProposalFactory(call=call, lead_applicant=lead, state=ProposalState.WITHDRAWN))
    elsewhere = cast(Proposal, ProposalFactory(lead_applicant=lead))

    assert _is_conflicted(lead, proposal)
    assert _is_conflicted(lead, second)
    assert not _is_conflicted(lead, elsewhere)


def test_competing_lead_is_asked_per_row_in_one_query(call: Call, proposal: Proposal) -> None:
    """The rule read for every proposal of the call at once gives each row its own answer: not the lead's own."""
    competitor, bystander = _assessor(), _assessor()
    ProposalFactory(call=call, lead_applicant=competitor)

    def conflicted_in_call(person: User) -> set[int]:
        return set(
            Proposal.objects.filter(call=call)
            .filter(conflicted(assessor=person.pk, proposal=OuterRef("pk")))
            .values_list("pk", flat=True)
        )

    assert conflicted_in_call(competitor) == {proposal.pk}
    assert conflicted_in_call(bystander) == set()


def test_competing_lead_of_one_person_reads_the_proposal_asked_about_in_one_equality() -> None:
    """Only an equality with the outer row lets PostgreSQL compute the test once for a whole query (ADR 0069)."""
    sql = str(Assignment.objects.filter(competing_lead_exists(person=1, proposal=OuterRef("proposal_id"))).query)
    asked = sql.split("EXISTS", 1)[1]

    assert asked.count('"assessment_assignment"."proposal_id"') == 1
    assert '= ("assessment_assignment"."proposal_id")' in asked


def test_competing_lead_of_the_outer_row_s_person_is_asked_per_row() -> None:
    """A person of the outer row too: as one set, the test would hold every (lead, other proposal) pair of a call."""
    sql = str(
        Assignment.objects.filter(
            competing_lead_exists(person=OuterRef("assessor_id"), proposal=OuterRef("proposal_id"))
        ).query
    )

    assert '"intake_call"' not in sql
    assert '"assessment_assignment"."assessor_id"' in sql.split("EXISTS", 1)[1]


def test_lead_of_a_competing_proposal_assigned_anyway_reads_nothing(call: Call, proposal: Proposal) -> None:
    competitor = _assessor()
    assignment = _assigned_by_hand(competitor, proposal)
    ProposalFactory(call=call, lead_applicant=competitor)

    assert _reads(competitor, proposal, assignment) == {"version": 404, "attachment": 404, "review": 404}


# --- Staff's list ----------------------------------------------------------------------------------


def test_staff_list_names_memberships_and_competing_proposals(
    call: Call, proposal: Proposal, partner: Organization
) -> None:
    member, former, competitor = _assessor(), _assessor(), _assessor()
    Membership.objects.create(user=member, organization=partner)
    FormerMembership.objects.create(
        user=former,
        organization=proposal.lead_organization,
        joined_at=timezone.now() - timedelta(days=800),
        left_at=timezone.now() - timedelta(days=30),
    )
    ProposalFactory(call=call, lead_applicant=competitor, title="Wave farms")

    rows = {(row.assessor_email, row.proposal_id): row for row in conflicts_for_call(call=call)}

    assert rows[(member.email, proposal.pk)].memberships == [partner.legal_name]
    assert rows[(former.email, proposal.pk)].memberships == [proposal.lead_organization.legal_name]
    assert rows[(competitor.email, proposal.pk)].competing == ["Wave farms"]
