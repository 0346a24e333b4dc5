"""Organizations: create, join, leave."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import JoinRequest, Membership, Organization, User
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

ORGANIZATIONS = reverse("accounts:organizations")


def _create(**overrides: str) -> dict[str, str]:
    return {
        "create": "1",
        "new-legal_name": "Northern Robotics Inc.",
        "new-kind": "sme",
        "new-employee_count": "42",
        "new-country": "CA",
        "new-province": "ON",
        "new-title": "CTO",
        **overrides,
    }


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_organization_create_makes_user_member(applicant: User, applicant_client: Client) -> None:
    response = applicant_client.post(ORGANIZATIONS, _create())

    membership = Membership.objects.select_related("organization").get()
    assert response.status_code == 302
    assert response.url == ORGANIZATIONS
    assert (membership.user, membership.title) == (applicant, "CTO")
    assert (membership.organization.legal_name, membership.organization.province) == ("Northern Robotics Inc.", "ON")


def test_organization_create_duplicate_name_in_country_refused(applicant_client: Client) -> None:
    OrganizationFactory(legal_name="Northern Robotics Inc.", country="CA", province="QC")

    response = applicant_client.post(ORGANIZATIONS, _create(**{"new-legal_name": "NORTHERN robotics inc."}))

    content = response.content.decode()
    assert response.status_code == 400
    assert "An organization with this legal name already exists in this country: join it instead." in content
    assert 'value="NORTHERN robotics inc."' in content
    assert Organization.objects.count() == 1
    assert Membership.objects.count() == 0


def test_organization_create_same_name_in_other_country_accepted(applicant_client: Client) -> None:
    OrganizationFactory(legal_name="Northern Robotics Inc.", country="CA", province="QC")

    response = applicant_client.post(ORGANIZATIONS, _create(**{"new-country": "US", "new-province": ""}))

    assert response.status_code == 302
    assert Organization.objects.filter(legal_name="Northern Robotics Inc.").count() == 2


def test_organization_create_canada_without_province_refused(applicant_client: Client) -> None:
    response = applicant_client.post(ORGANIZATIONS, _create(**{"new-province": ""}))

    assert response.status_code == 400
    assert response.context["create_form"].errors == {
        "province": ["Choose the province or territory of an organization in Canada."]
    }
    assert Organization.objects.count() == 0


def test_organization_create_province_outside_canada_refused(applicant_client: Client) -> None:
    response = applicant_client.post(ORGANIZATIONS, _create(**{"new-country": "FR", "new-province": "QC"}))

    assert response.status_code == 400
    assert response.context["create_form"].errors == {
        "province": ["A province applies only to organizations in Canada."]
    }
    assert Organization.objects.count() == 0


def test_organization_join_asks_rather_than_adds(applicant: User, applicant_client: Client) -> None:
    organization = OrganizationFactory(legal_name="Maple AI")
    MembershipFactory(organization=organization)

    response = applicant_client.post(
        ORGANIZATIONS, {"join": "1", "join-organization": str(organization.pk), "join-title": "Engineer"}
    )

    assert response.status_code == 302
    assert _messages(applicant_client.get(ORGANIZATIONS)) == [
        "Your request to join Maple AI is sent to its members for approval; you will be told of the answer."
    ]
    assert not Membership.objects.filter(user=applicant).exists()
    assert list(JoinRequest.objects.values_list("user", "organization", "title", "state")) == [
        (applicant.pk, organization.pk, "Engineer", "pending")
    ]


def test_organization_join_twice_refused(applicant: User, applicant_client: Client) -> None:
    membership = MembershipFactory(user=applicant)

    response = applicant_client.post(ORGANIZATIONS, {"join": "1", "join-organization": str(membership.organization_id)})

    assert response.status_code == 400
    assert response.context["join_form"].errors == {
        "organization": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert Membership.objects.count() == 1


def test_membership_leave_own_deletes_it(applicant: User, applicant_client: Client) -> None:
    membership = MembershipFactory(user=applicant, organization__legal_name="Maple AI")

    response = applicant_client.post(reverse("accounts:membership_leave", args=[membership.pk]))

    assert response.status_code == 302
    assert response.url == ORGANIZATIONS
    assert Membership.objects.count() == 0
    assert _messages(applicant_client.get(ORGANIZATIONS)) == ["You left Maple AI."]


def test_membership_leave_another_users_is_404(applicant: User, other_applicant_client: Client) -> None:
    membership = MembershipFactory(user=applicant)

    response = other_applicant_client.post(reverse("accounts:membership_leave", args=[membership.pk]))

    assert response.status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists() is True
