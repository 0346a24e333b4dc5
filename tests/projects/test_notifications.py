"""Who is told of an amendment, and the inbox's link to the project of an event stored without a proposal."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.choices import Role
from accounts.models import Membership, User
from projects.amendments import amendment_approve, amendment_refuse, amendment_request
from projects.models import Amendment, Project, ProjectMilestone, ProjectPartner
from projects.signing import signatory_name
from records.events import Channel, Event
from records.models import Notification
from tests.conftest import client_for
from tests.factories import ProgramFactory, UserFactory
from tests.projects.making import contracting

pytestmark = pytest.mark.django_db


def _recipients(event: str) -> set[int]:
    return set(Notification.objects.filter(event=event, channel=Channel.INBOX).values_list("recipient_id", flat=True))


def _partner_person(project: Project) -> User:
    """A member of a partner other than the lead: one of the partner's people, not the lead applicant."""
    partner = ProjectPartner.objects.filter(project=project, is_lead=False).order_by("pk").first()
    assert partner is not None
    person = UserFactory()
    Membership.objects.create(user=person, organization=partner.organization)
    return person


def _request(project: Project, by: User) -> Amendment:
    milestone = ProjectMilestone.objects.filter(project=project).first()
    assert milestone is not None
    return amendment_request(
        project=project, by=by, changes={"milestones": {str(milestone.pk): "2031-06-30"}}, reason="Supplier late."
    )


def test_a_request_tells_the_programs_staff_only(staff: User) -> None:
    project = contracting(staff)
    requester = _partner_person(project)
    inactive = UserFactory(role=Role.STAFF, is_active=False)
    elsewhere = UserFactory(role=Role.STAFF, programs=[ProgramFactory()])
    bystander = _partner_person(project)

    amendment = _request(project, requester)

    told = _recipients(Event.AMENDMENT_REQUESTED)
    program_id = project.proposal.call.program_id
    assert staff.pk in told
    assert all(user.acts_in(Role.STAFF, program_id) for user in User.objects.filter(pk__in=told))
    assert requester.pk not in told
    assert inactive.pk not in _recipients(Event.AMENDMENT_REQUESTED)
    assert elsewhere.pk not in _recipients(Event.AMENDMENT_REQUESTED)
    assert bystander.pk not in _recipients(Event.AMENDMENT_REQUESTED)
    email = Notification.objects.filter(event=Event.AMENDMENT_REQUESTED, channel=Channel.EMAIL).first()
    assert email is not None
    assert email.context["amendment"] == amendment.pk
    assert email.context["requester"] == requester.get_full_name()
    assert email.context["reason"] == "Supplier late."


@pytest.mark.parametrize("decision", ["approve", "refuse"])
def test_a_decision_tells_the_requester_and_the_lead_applicant(staff: User, decision: str) -> None:
    project = contracting(staff)
    requester = _partner_person(project)
    bystander = _partner_person(project)
    amendment = _request(project, requester)

    if decision == "approve":
        amendment_approve(amendment=amendment, by=staff, reason="Fine.")
    else:
        amendment_refuse(amendment=amendment, by=staff, reason="Too late in the program.")

    assert _recipients(Event.AMENDMENT_DECIDED) == {requester.pk, project.proposal.lead_applicant_id}
    assert bystander.pk not in _recipients(Event.AMENDMENT_DECIDED)
    assert staff.pk not in _recipients(Event.AMENDMENT_DECIDED)
    told = Notification.objects.get(event=Event.AMENDMENT_DECIDED, recipient=requester, channel=Channel.INBOX)
    assert told.context["approved"] is (decision == "approve")


def test_the_lead_applicant_requesting_is_told_of_the_decision_once(staff: User) -> None:
    project = contracting(staff)
    lead = project.proposal.lead_applicant
    amendment = _request(project, lead)

    amendment_refuse(amendment=amendment, by=staff, reason="No.")

    assert Notification.objects.filter(event=Event.AMENDMENT_DECIDED, recipient=lead).count() == 2  # inbox and email
    assert _recipients(Event.AMENDMENT_DECIDED) == {lead.pk}


def _inbox_links(user: User) -> list[str]:
    page = client_for(user).get(reverse("records:inbox"))
    assert page.status_code == 200
    return re.findall(r'<a href="(/projects/[^"]+)">([^<]+)</a>', page.content.decode())


def test_the_inbox_links_an_agreement_to_sign_to_its_project(staff: User) -> None:
    project = contracting(staff)
    person = _partner_person(project)
    partner = ProjectPartner.objects.get(project=project, organization__memberships__user=person)
    signatory_name(partner=partner, signatory=person, by=staff)
    stored = Notification.objects.get(event=Event.AGREEMENT_TO_SIGN, recipient=person, channel=Channel.INBOX)
    assert stored.proposal_id is None

    links = _inbox_links(person)

    url = reverse("projects:project_detail", args=[project.pk])
    assert links == [(url, f"Open the project “{project.proposal.title}”")]
    assert client_for(person).get(url).status_code == 200


def test_the_inbox_links_an_amendments_events_to_the_amendment(staff: User) -> None:
    project = contracting(staff)
    requester = _partner_person(project)
    amendment = _request(project, requester)
    amendment_refuse(amendment=amendment, by=staff, reason="No.")
    assert not Notification.objects.filter(proposal__isnull=False, event__startswith="amendment").exists()

    url = reverse("projects:amendment_detail", args=[project.pk, amendment.pk])
    label = f"Open the amendment of the project “{project.proposal.title}”"
    assert _inbox_links(requester) == [(url, label)]
    assert (url, label) in _inbox_links(staff)
    assert client_for(requester).get(url).status_code == 200
    assert client_for(staff).get(url).status_code == 200
