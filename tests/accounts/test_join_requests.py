"""Joining an existing organization: asked by the person, answered by its members (or staff when it has none)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import JoinRequest, Membership, Organization, User
from accounts.services import join_request_decide
from records.events import Channel, Event
from records.models import Notification
from tests.conftest import client_for
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from workflow.organizations import organization_join_answer, organization_join_request

pytestmark = pytest.mark.django_db

ORGANIZATIONS = reverse("accounts:organizations")


def _answer_url(join_request: JoinRequest) -> str:
    return reverse("accounts:join_request_answer", args=[join_request.pk])


def _ask(client: Client, organization: Organization, title: str = "Engineer") -> None:
    client.post(ORGANIZATIONS, {"join": "1", "join-organization": str(organization.pk), "join-title": title})


def _told(event: Event) -> list[int]:
    return sorted(
        Notification.objects.filter(event=event, channel=Channel.INBOX).values_list("recipient_id", flat=True)
    )


def test_join_request_tells_the_members_not_the_requester_nor_staff(applicant: User, applicant_client: Client) -> None:
    member = MembershipFactory(organization__legal_name="Maple AI").user
    organization = member.memberships.get().organization
    UserFactory(role=Role.STAFF)

    _ask(applicant_client, organization)

    assert _told(Event.JOIN_REQUESTED) == [member.pk]
    assert Notification.objects.filter(event=Event.JOIN_REQUESTED, channel=Channel.EMAIL).count() == 1


def test_join_request_to_an_organization_without_members_goes_to_staff(
    applicant: User, applicant_client: Client, staff: User
) -> None:
    organization = OrganizationFactory()

    _ask(applicant_client, organization)

    assert _told(Event.JOIN_REQUESTED) == [staff.pk]
    assert client_for(staff).get(ORGANIZATIONS).context["to_decide"][0].user == applicant


def test_join_request_gives_no_access_before_approval(applicant: User, applicant_client: Client) -> None:
    organization = MembershipFactory().organization

    _ask(applicant_client, organization)

    assert not Membership.objects.filter(user=applicant, organization=organization).exists()
    # The organization is not offered as a lead organization yet, nor again to join.
    assert organization not in applicant_client.get(ORGANIZATIONS).context["join_form"].fields["organization"].queryset


def test_join_request_twice_refused(applicant: User) -> None:
    organization = MembershipFactory().organization
    organization_join_request(user=applicant, organization=organization)

    with pytest.raises(DomainError, match="You have already asked to join"):
        organization_join_request(user=applicant, organization=organization)

    assert JoinRequest.objects.count() == 1


def test_join_request_approved_by_a_member_adds_the_membership(applicant: User, applicant_client: Client) -> None:
    member = MembershipFactory(organization__legal_name="Maple AI").user
    organization = member.memberships.get().organization
    _ask(applicant_client, organization, title="Engineer")
    join_request = JoinRequest.objects.get()
    member_client = client_for(member)

    page = member_client.get(_answer_url(join_request))
    response = member_client.post(_answer_url(join_request), {"approve": "1"})

    assert page.status_code == 200
    assert applicant.email in page.content.decode()
    assert response.status_code == 302
    assert Membership.objects.get(user=applicant, organization=organization).title == "Engineer"
    join_request.refresh_from_db()
    assert (join_request.state, join_request.decided_by, join_request.reason) == ("approved", member, "")
    assert join_request.decided_at is not None
    assert _told(Event.JOIN_APPROVED) == [applicant.pk]


def test_join_request_refused_needs_a_reason_and_keeps_it(applicant: User, applicant_client: Client) -> None:
    member = MembershipFactory().user
    organization = member.memberships.get().organization
    _ask(applicant_client, organization)
    join_request = JoinRequest.objects.get()
    member_client = client_for(member)

    empty = member_client.post(_answer_url(join_request), {"refuse": "1", "reason": "   "})
    refused = member_client.post(_answer_url(join_request), {"refuse": "1", "reason": "Not one of our staff."})

    assert empty.status_code == 400
    assert "Give the reason for refusing" in empty.content.decode()
    assert refused.status_code == 302
    join_request.refresh_from_db()
    assert (join_request.state, join_request.reason) == ("refused", "Not one of our staff.")
    assert not Membership.objects.filter(user=applicant).exists()
    assert _told(Event.JOIN_REFUSED) == [applicant.pk]
    email = Notification.objects.get(event=Event.JOIN_REFUSED, channel=Channel.EMAIL)
    assert "Not one of our staff." in str(email.context)


def test_join_request_answered_only_by_its_deciders(applicant: User, other_applicant: User, staff: User) -> None:
    organization = MembershipFactory().organization
    join_request = organization_join_request(user=applicant, organization=organization)

    # Staff decide only for an organization without members; another applicant never.
    assert client_for(other_applicant).get(_answer_url(join_request)).status_code == 404
    assert client_for(staff).get(_answer_url(join_request)).status_code == 404
    assert client_for(applicant).post(_answer_url(join_request), {"approve": "1"}).status_code == 404
    with pytest.raises(ActionForbidden):
        join_request_decide(join_request=join_request, by=staff, approve=True)
    assert not Membership.objects.filter(user=applicant).exists()


def test_join_request_answered_twice_tells_the_second(applicant: User) -> None:
    organization = OrganizationFactory()
    first, second = MembershipFactory(organization=organization).user, MembershipFactory(organization=organization).user
    join_request = organization_join_request(user=applicant, organization=organization)
    organization_join_answer(join_request=join_request, by=first, approve=True)

    with pytest.raises(StaleAction, match="already answered"):
        organization_join_answer(join_request=join_request, by=second, approve=False, reason="No.")

    assert JoinRequest.objects.get().decided_by == first
    assert Membership.objects.filter(user=applicant).count() == 1


def test_join_request_withdrawn_by_its_author_only(
    applicant: User, applicant_client: Client, other_applicant: User
) -> None:
    organization = MembershipFactory().organization
    join_request = organization_join_request(user=applicant, organization=organization)
    url = reverse("accounts:join_request_withdraw", args=[join_request.pk])

    assert client_for(other_applicant).post(url).status_code == 404
    response = applicant_client.post(url)

    assert response.status_code == 302
    join_request.refresh_from_db()
    assert join_request.state == "withdrawn"
    # Withdrawn, it can be asked again.
    organization_join_request(user=applicant, organization=organization)
    assert JoinRequest.objects.filter(state="pending").count() == 1


def test_join_request_email_names_the_person_and_the_link(applicant: User) -> None:
    from records.notifications import notification_render

    member = MembershipFactory(organization__legal_name="Maple AI").user
    join_request = organization_join_request(
        user=applicant, organization=member.memberships.get().organization, title="CTO"
    )

    subject, text, html = notification_render(
        Notification.objects.get(event=Event.JOIN_REQUESTED, channel=Channel.EMAIL)
    )

    assert subject == f"{applicant.display_name} asks to join Maple AI"
    assert applicant.email in text
    assert f"/accounts/organizations/requests/{join_request.pk}/" in text
    assert "Job title given: CTO" in text
    assert f"/accounts/organizations/requests/{join_request.pk}/" in html


def test_staff_dashboard_counts_the_requests_waiting_for_staff(applicant: User, staff: User) -> None:
    organization_join_request(user=applicant, organization=OrganizationFactory())
    organization_join_request(user=applicant, organization=MembershipFactory().organization)  # its member answers

    page = client_for(staff).get(reverse("workflow:staff_dashboard")).content.decode()

    assert "1 request to join an organization without members waits for your answer" in page
