"""The consortium section: partners, inline organizations, contributions and co-applicants."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.choices import OrganizationType, Role
from accounts.errors import ActionForbidden, DomainError, StaleAction
from accounts.models import Membership, Organization, User
from intake.completeness import missing_by_section
from intake.models import BudgetLine, CoApplicant, ConsortiumMember, Proposal
from intake.services import consortium as services
from intake.states import ProposalState
from records.events import Channel, Event
from records.models import Notification
from tests.conftest import client_for
from tests.factories import MembershipFactory, OrganizationFactory, ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db


def invited_proposal(lead: User, **fields: object) -> Proposal:
    """An invited proposal led by ``lead`` whose consortium is only its lead, with nothing entered."""
    membership = MembershipFactory(user=lead, organization=OrganizationFactory(legal_name="Lead Robotics Inc."))
    proposal = ProposalFactory(
        lead_applicant=lead, lead_organization=membership.organization, state=ProposalState.INVITED, **fields
    )
    ConsortiumMember.objects.filter(proposal=proposal, is_lead=False).delete()
    BudgetLine.objects.filter(member__proposal=proposal).delete()
    ConsortiumMember.objects.filter(proposal=proposal).update(
        cash_contribution=0, in_kind_contribution=0, funding_requested=0
    )
    return Proposal.objects.get(pk=proposal.pk)


def partner(proposal: Proposal, **fields: object) -> ConsortiumMember:
    return ConsortiumMember.objects.create(proposal=proposal, organization=OrganizationFactory(**fields))


def fresh(proposal: Proposal) -> Proposal:
    return Proposal.objects.get(pk=proposal.pk)


# --- Partners ----------------------------------------------------------------------------------


def test_member_add_adds_the_organization_as_a_partner_and_bumps_the_proposal(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    organization = OrganizationFactory(legal_name="Acme Sensors")

    member = services.member_add(
        proposal=proposal, by=applicant, organization=organization, expected_updated_at=proposal.updated_at
    )

    assert (member.organization, member.is_lead) == (organization, False)
    assert list(proposal.members.values_list("organization__legal_name", flat=True)) == [
        "Lead Robotics Inc.",
        "Acme Sensors",
    ]
    assert fresh(proposal).updated_at > proposal.updated_at


def test_member_add_twice_is_refused_with_a_message(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    existing = partner(proposal, legal_name="Acme Sensors")

    with pytest.raises(DomainError, match="Acme Sensors is already in the consortium"):
        services.member_add(
            proposal=proposal,
            by=applicant,
            organization=existing.organization,
            expected_updated_at=proposal.updated_at,
        )

    assert proposal.members.count() == 2


def test_member_add_new_organization_creates_it_without_making_the_applicant_a_member(applicant: User) -> None:
    proposal = invited_proposal(applicant)

    member = services.member_add_new_organization(
        proposal=proposal,
        by=applicant,
        expected_updated_at=proposal.updated_at,
        legal_name="  Polytechnique Nord ",
        kind=OrganizationType.POST_SECONDARY,
        employee_count=3000,
        country="CA",
        province="QC",
    )

    organization = Organization.objects.get(legal_name="Polytechnique Nord")
    assert member.organization == organization
    assert (organization.kind, organization.employee_count, organization.province) == ("post_secondary", 3000, "QC")
    assert not Membership.objects.filter(organization=organization).exists()


def test_member_add_new_organization_refuses_an_existing_name_in_the_same_country(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    OrganizationFactory(legal_name="Acme Sensors", country="CA", province="ON")

    with pytest.raises(ValidationError) as refused:
        services.member_add_new_organization(
            proposal=proposal,
            by=applicant,
            expected_updated_at=proposal.updated_at,
            legal_name="ACME sensors",
            kind=OrganizationType.SME,
            employee_count=10,
            country="CA",
            province="BC",
        )

    assert "choose it in the list" in refused.value.message_dict["legal_name"][0]
    assert Organization.objects.filter(legal_name__iexact="acme sensors").count() == 1
    assert proposal.members.count() == 1


def test_member_add_new_organization_in_canada_needs_a_province(applicant: User) -> None:
    proposal = invited_proposal(applicant)

    with pytest.raises(ValidationError) as refused:
        services.member_add_new_organization(
            proposal=proposal,
            by=applicant,
            expected_updated_at=proposal.updated_at,
            legal_name="Nowhere Ltd",
            kind=OrganizationType.SME,
            employee_count=10,
            country="CA",
            province="",
        )

    assert "province" in refused.value.message_dict
    assert not Organization.objects.filter(legal_name="Nowhere Ltd").exists()


def test_member_remove_removes_a_partner_with_its_budget_lines(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    member = partner(proposal)
    BudgetLine.objects.create(member=member, category="labour", amount=Decimal("100"))

    services.member_remove(
        proposal=proposal, by=applicant, member_id=member.pk, expected_updated_at=proposal.updated_at
    )

    assert list(proposal.members.values_list("is_lead", flat=True)) == [True]
    assert not BudgetLine.objects.filter(member_id=member.pk).exists()


def test_member_remove_refuses_the_lead(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead = proposal.members.get(is_lead=True)

    with pytest.raises(DomainError, match="lead organization cannot be removed"):
        services.member_remove(
            proposal=proposal, by=applicant, member_id=lead.pk, expected_updated_at=proposal.updated_at
        )

    assert proposal.members.filter(pk=lead.pk).exists()


def test_member_remove_of_another_proposals_member_is_refused(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    elsewhere = partner(ProposalFactory())

    with pytest.raises(StaleAction):
        services.member_remove(
            proposal=proposal, by=applicant, member_id=elsewhere.pk, expected_updated_at=proposal.updated_at
        )

    assert ConsortiumMember.objects.filter(pk=elsewhere.pk).exists()


# --- Contributions -----------------------------------------------------------------------------


def test_contributions_save_stores_each_members_amounts(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead = proposal.members.get(is_lead=True)
    member = partner(proposal)

    services.contributions_save(
        proposal=proposal,
        by=applicant,
        expected_updated_at=proposal.updated_at,
        contributions={lead.pk: (Decimal("1000.50"), Decimal("0")), member.pk: (Decimal("0"), Decimal("250"))},
    )

    amounts = dict(
        proposal.members.values_list("pk", "cash_contribution").order_by("pk"),
    )
    assert amounts == {lead.pk: Decimal("1000.50"), member.pk: Decimal("0")}
    assert ConsortiumMember.objects.get(pk=member.pk).in_kind_contribution == Decimal("250")


def test_contributions_save_refuses_a_negative_amount_and_saves_nothing(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead = proposal.members.get(is_lead=True)
    member = partner(proposal)

    with pytest.raises(ValidationError):
        services.contributions_save(
            proposal=proposal,
            by=applicant,
            expected_updated_at=proposal.updated_at,
            contributions={lead.pk: (Decimal("500"), Decimal("0")), member.pk: (Decimal("-1"), Decimal("0"))},
        )

    assert ConsortiumMember.objects.get(pk=lead.pk).cash_contribution == Decimal("0")


def test_contributions_save_over_a_newer_version_is_stale(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead = proposal.members.get(is_lead=True)
    loaded = proposal.updated_at
    proposal.save(update_fields=["updated_at"])  # somebody saved meanwhile

    with pytest.raises(StaleAction):
        services.contributions_save(
            proposal=proposal,
            by=applicant,
            expected_updated_at=loaded,
            contributions={lead.pk: (Decimal("5"), Decimal("0"))},
        )

    assert ConsortiumMember.objects.get(pk=lead.pk).cash_contribution == Decimal("0")


def test_contributions_save_after_the_deadline_is_refused(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead = proposal.members.get(is_lead=True)

    with (
        time_machine.travel(proposal.call.application_closes_at + timedelta(seconds=1), tick=False),
        pytest.raises(DomainError, match="deadline has passed"),
    ):
        services.contributions_save(
            proposal=proposal,
            by=applicant,
            expected_updated_at=proposal.updated_at,
            contributions={lead.pk: (Decimal("5"), Decimal("0"))},
        )

    assert ConsortiumMember.objects.get(pk=lead.pk).cash_contribution == Decimal("0")


def test_contributions_save_at_the_letter_of_intent_stage_is_refused(applicant: User) -> None:
    membership = MembershipFactory(user=applicant)
    proposal = ProposalFactory(lead_applicant=applicant, lead_organization=membership.organization)
    lead = proposal.members.get(is_lead=True)

    with pytest.raises(DomainError, match="opens once your letter of intent is invited"):
        services.contributions_save(
            proposal=proposal,
            by=applicant,
            expected_updated_at=proposal.updated_at,
            contributions={lead.pk: (Decimal("5"), Decimal("0"))},
        )


def test_contributions_save_by_a_co_applicant_is_allowed(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead = proposal.members.get(is_lead=True)
    co_applicant = UserFactory(role=Role.APPLICANT)
    CoApplicant.objects.create(proposal=proposal, user=co_applicant, invited_by=applicant)

    services.contributions_save(
        proposal=proposal,
        by=co_applicant,
        expected_updated_at=proposal.updated_at,
        contributions={lead.pk: (Decimal("7"), Decimal("0"))},
    )

    assert ConsortiumMember.objects.get(pk=lead.pk).cash_contribution == Decimal("7")


def test_contributions_save_by_another_applicant_is_forbidden(applicant: User, other_applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead = proposal.members.get(is_lead=True)

    with pytest.raises(ActionForbidden):
        services.contributions_save(
            proposal=proposal,
            by=other_applicant,
            expected_updated_at=proposal.updated_at,
            contributions={lead.pk: (Decimal("7"), Decimal("0"))},
        )


# --- Co-applicants -----------------------------------------------------------------------------


def _member_applicant(member: ConsortiumMember, email: str) -> User:
    user = UserFactory(role=Role.APPLICANT, email=email)
    MembershipFactory(user=user, organization=member.organization)
    return user


def test_coapplicant_invite_lets_an_applicant_of_a_partner_edit(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    invited = _member_applicant(partner(proposal), "pat@partner.example")

    coapplicant = services.coapplicant_invite(
        proposal=proposal, by=applicant, email="PAT@partner.example ", expected_updated_at=proposal.updated_at
    )

    assert (coapplicant.user, coapplicant.invited_by) == (invited, applicant)
    assert list(fresh(proposal).co_applicants.all()) == [invited]


def test_coapplicant_invite_tells_the_invited_user(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    invited = _member_applicant(partner(proposal), "pat@partner.example")

    services.coapplicant_invite(
        proposal=proposal, by=applicant, email="pat@partner.example", expected_updated_at=proposal.updated_at
    )

    sent = Notification.objects.filter(event=Event.COAPPLICANT_INVITED)
    assert sorted(sent.values_list("recipient_id", "channel")) == [
        (invited.pk, Channel.EMAIL),
        (invited.pk, Channel.INBOX),
    ]
    assert {n.context["lead"] for n in sent} == {str(applicant)}


@pytest.mark.parametrize("case", ["unknown", "not_a_member", "not_an_applicant"])
def test_coapplicant_invite_refuses_anyone_but_an_applicant_of_the_consortium(applicant: User, case: str) -> None:
    proposal = invited_proposal(applicant)
    member = partner(proposal)
    if case == "not_a_member":
        UserFactory(role=Role.APPLICANT, email="x@example.com")
    elif case == "not_an_applicant":
        user = UserFactory(role=Role.ASSESSOR, email="x@example.com")
        MembershipFactory(user=user, organization=member.organization)

    with pytest.raises(ValidationError) as refused:
        services.coapplicant_invite(
            proposal=proposal, by=applicant, email="x@example.com", expected_updated_at=proposal.updated_at
        )

    assert refused.value.message_dict["email"] == ["No applicant of the consortium's organizations has this email."]
    assert not CoApplicant.objects.filter(proposal=proposal).exists()


def test_coapplicant_invite_twice_is_refused(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    invited = _member_applicant(partner(proposal), "pat@partner.example")
    CoApplicant.objects.create(proposal=proposal, user=invited, invited_by=applicant)

    with pytest.raises(ValidationError, match="already a co-applicant"):
        services.coapplicant_invite(
            proposal=proposal, by=applicant, email="pat@partner.example", expected_updated_at=proposal.updated_at
        )


def test_coapplicant_invite_by_a_co_applicant_is_forbidden(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    member = partner(proposal)
    co_applicant = _member_applicant(member, "co@partner.example")
    CoApplicant.objects.create(proposal=proposal, user=co_applicant, invited_by=applicant)
    _member_applicant(member, "pat@partner.example")

    with pytest.raises(ActionForbidden, match="Only the lead applicant"):
        services.coapplicant_invite(
            proposal=proposal, by=co_applicant, email="pat@partner.example", expected_updated_at=proposal.updated_at
        )

    assert CoApplicant.objects.filter(proposal=proposal).count() == 1


def test_coapplicant_remove_by_the_lead_takes_the_right_back(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    co_applicant = _member_applicant(partner(proposal), "co@partner.example")
    row = CoApplicant.objects.create(proposal=proposal, user=co_applicant, invited_by=applicant)

    services.coapplicant_remove(
        proposal=proposal, by=applicant, coapplicant_id=row.pk, expected_updated_at=proposal.updated_at
    )

    assert not CoApplicant.objects.filter(proposal=proposal).exists()


def test_coapplicant_remove_by_a_co_applicant_is_forbidden(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    co_applicant = _member_applicant(partner(proposal), "co@partner.example")
    row = CoApplicant.objects.create(proposal=proposal, user=co_applicant, invited_by=applicant)

    with pytest.raises(ActionForbidden):
        services.coapplicant_remove(
            proposal=proposal, by=co_applicant, coapplicant_id=row.pk, expected_updated_at=proposal.updated_at
        )

    assert CoApplicant.objects.filter(pk=row.pk).exists()


# --- The page ----------------------------------------------------------------------------------


def test_consortium_page_shows_each_organization_and_its_contributions(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    ConsortiumMember.objects.create(
        proposal=proposal,
        organization=OrganizationFactory(
            legal_name="Maple Foundry", kind=OrganizationType.LARGE_COMPANY, employee_count=1200, province="BC"
        ),
        cash_contribution=Decimal("250000"),
        in_kind_contribution=Decimal("12500.50"),
    )

    response = client_for(applicant).get(reverse("intake:application_consortium", kwargs={"pk": proposal.pk}))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Maple Foundry" in html
    assert "Large company" in html
    assert "1200" in html
    assert "British Columbia" in html
    assert 'value="250000.00"' in html
    assert 'value="12500.50"' in html


def test_consortium_page_is_read_only_before_the_invitation(applicant: User) -> None:
    membership = MembershipFactory(user=applicant)
    proposal = ProposalFactory(lead_applicant=applicant, lead_organization=membership.organization)

    response = client_for(applicant).get(reverse("intake:application_consortium", kwargs={"pk": proposal.pk}))

    html = response.content.decode()
    assert response.status_code == 200
    assert "shown read-only" in html
    assert 'name="cash_' not in html
    assert "Add a partner" not in html


@pytest.mark.parametrize(("persona", "expected"), [("co_applicant", 200), ("other_applicant", 404), ("staff", 403)])
def test_consortium_page_permissions(
    applicant: User, other_applicant: User, staff: User, persona: str, expected: int
) -> None:
    proposal = invited_proposal(applicant)
    co_applicant = UserFactory(role=Role.APPLICANT)
    CoApplicant.objects.create(proposal=proposal, user=co_applicant, invited_by=applicant)
    user = {"co_applicant": co_applicant, "other_applicant": other_applicant, "staff": staff}[persona]

    response = client_for(user).get(reverse("intake:application_consortium", kwargs={"pk": proposal.pk}))

    assert response.status_code == expected


def _contributions_post(proposal: Proposal, **amounts: str) -> dict[str, str]:
    data = {"loaded_at": proposal.updated_at.isoformat()}
    for member in proposal.members.all():
        data[f"cash_{member.pk}"] = ""
        data[f"in_kind_{member.pk}"] = ""
    data.update(amounts)
    return data


def test_consortium_post_saves_contributions(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead = proposal.members.get(is_lead=True)
    url = reverse("intake:application_consortium", kwargs={"pk": proposal.pk})

    response = client_for(applicant).post(
        url, _contributions_post(proposal, **{f"cash_{lead.pk}": "1,250,000.00", f"in_kind_{lead.pk}": "300 000"})
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.cash_contribution, lead.in_kind_contribution) == (Decimal("1250000.00"), Decimal("300000"))


@pytest.mark.parametrize(
    ("typed", "message"),
    [("-5", "cannot be negative"), ("12abc", "Enter an amount in dollars"), ("1e3", "Enter an amount in dollars")],
)
def test_consortium_post_refuses_a_bad_amount_beside_it_keeping_what_was_typed(
    applicant: User, typed: str, message: str
) -> None:
    proposal = invited_proposal(applicant)
    lead = proposal.members.get(is_lead=True)
    member = partner(proposal)
    url = reverse("intake:application_consortium", kwargs={"pk": proposal.pk})

    response = client_for(applicant).post(
        url, _contributions_post(proposal, **{f"cash_{lead.pk}": "777", f"in_kind_{member.pk}": typed})
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'id="id_in_kind_{member.pk}-error"' in html
    assert f'aria-describedby="id_in_kind_{member.pk}-error"' in html
    assert 'value="777"' in html
    assert f'value="{typed}"' in html
    assert ConsortiumMember.objects.get(pk=lead.pk).cash_contribution == Decimal("0")


def test_consortium_post_over_a_newer_version_is_409_and_keeps_what_was_typed(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead = proposal.members.get(is_lead=True)
    data = _contributions_post(proposal, **{f"cash_{lead.pk}": "4321"})
    proposal.save(update_fields=["updated_at"])  # somebody saved meanwhile

    response = client_for(applicant).post(reverse("intake:application_consortium", kwargs={"pk": proposal.pk}), data)

    assert response.status_code == 409
    assert 'value="4321"' in response.content.decode()
    assert ConsortiumMember.objects.get(pk=lead.pk).cash_contribution == Decimal("0")


def test_consortium_post_after_the_deadline_is_refused_keeping_what_was_typed(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead = proposal.members.get(is_lead=True)
    data = _contributions_post(proposal, **{f"cash_{lead.pk}": "4321"})

    with time_machine.travel(proposal.call.application_closes_at + timedelta(minutes=1), tick=False):
        response = client_for(applicant).post(
            reverse("intake:application_consortium", kwargs={"pk": proposal.pk}), data
        )

    assert response.status_code == 400
    html = response.content.decode()
    assert "deadline has passed" in html
    assert 'value="4321"' in html
    assert ConsortiumMember.objects.get(pk=lead.pk).cash_contribution == Decimal("0")


def test_member_create_view_adds_a_new_organization(applicant: User) -> None:
    proposal = invited_proposal(applicant)

    response = client_for(applicant).post(
        reverse("intake:member_create", kwargs={"pk": proposal.pk}),
        {
            "new-loaded_at": proposal.updated_at.isoformat(),
            "new-legal_name": "Ocean Data GmbH",
            "new-kind": OrganizationType.FOREIGN,
            "new-employee_count": "80",
            "new-country": "DE",
            "new-province": "",
        },
    )

    assert response.status_code == 302
    assert proposal.members.filter(organization__legal_name="Ocean Data GmbH", organization__country="DE").exists()


def test_member_create_view_refuses_a_duplicate_beside_the_name(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    OrganizationFactory(legal_name="Acme Sensors")

    response = client_for(applicant).post(
        reverse("intake:member_create", kwargs={"pk": proposal.pk}),
        {
            "new-loaded_at": proposal.updated_at.isoformat(),
            "new-legal_name": "Acme Sensors",
            "new-kind": OrganizationType.SME,
            "new-employee_count": "8",
            "new-country": "CA",
            "new-province": "ON",
        },
    )

    assert response.status_code == 400
    assert "already exists in this country" in response.content.decode()
    assert proposal.members.count() == 1


def test_member_add_and_remove_views(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    organization = OrganizationFactory(legal_name="Acme Sensors")
    client = client_for(applicant)

    added = client.post(
        reverse("intake:member_add", kwargs={"pk": proposal.pk}),
        {"add-organization": organization.pk, "add-loaded_at": proposal.updated_at.isoformat()},
    )
    member = proposal.members.get(organization=organization)
    removed = client.post(
        reverse("intake:member_remove", kwargs={"pk": proposal.pk, "member_pk": member.pk}),
        {"loaded_at": fresh(proposal).updated_at.isoformat()},
    )

    assert (added.status_code, removed.status_code) == (302, 302)
    assert proposal.members.count() == 1


def test_coapplicant_invite_view_says_when_nobody_matches(applicant: User) -> None:
    proposal = invited_proposal(applicant)

    response = client_for(applicant).post(
        reverse("intake:coapplicant_invite", kwargs={"pk": proposal.pk}),
        {"invite-email": "nobody@example.com", "invite-loaded_at": proposal.updated_at.isoformat()},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "No applicant of the consortium&#x27;s organizations has this email." in html
    assert 'value="nobody@example.com"' in html


def test_coapplicant_invite_view_by_a_co_applicant_is_403(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    co_applicant = UserFactory(role=Role.APPLICANT)
    CoApplicant.objects.create(proposal=proposal, user=co_applicant, invited_by=applicant)

    response = client_for(co_applicant).post(
        reverse("intake:coapplicant_invite", kwargs={"pk": proposal.pk}),
        {"invite-email": "x@example.com", "invite-loaded_at": proposal.updated_at.isoformat()},
    )

    assert response.status_code == 403


def test_member_add_view_by_another_applicant_is_404(applicant: User, other_applicant: User) -> None:
    proposal = invited_proposal(applicant)
    organization = OrganizationFactory()

    response = client_for(other_applicant).post(
        reverse("intake:member_add", kwargs={"pk": proposal.pk}),
        {"add-organization": organization.pk, "add-loaded_at": proposal.updated_at.isoformat()},
    )

    assert response.status_code == 404
    assert proposal.members.count() == 1


# --- Zero is a contribution --------------------------------------------------------------------


def _contributions_post(proposal: Proposal, **typed: str) -> dict[str, str]:
    data = {"loaded_at": fresh(proposal).updated_at.isoformat()}
    for member in proposal.members.all():
        data[f"cash_{member.pk}"] = ""
        data[f"in_kind_{member.pk}"] = ""
    data.update(typed)
    return data


def test_contributions_typed_as_zero_come_back_as_zero_and_complete_the_section(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead = proposal.members.get(is_lead=True)
    university = partner(proposal, legal_name="Polytechnique", kind=OrganizationType.POST_SECONDARY)
    client = client_for(applicant)
    url = reverse("intake:application_consortium", kwargs={"pk": proposal.pk})

    response = client.post(
        url,
        _contributions_post(
            proposal,
            **{f"cash_{lead.pk}": "500000", f"in_kind_{lead.pk}": "0", f"cash_{university.pk}": "0"},
            **{f"in_kind_{university.pk}": "0"},
        ),
    )

    assert response.status_code == 302
    university.refresh_from_db()
    assert (university.cash_contribution, university.in_kind_contribution) == (Decimal("0"), Decimal("0"))
    html = client.get(url).content.decode()
    assert f'name="cash_{university.pk}" value="0.00"' in html
    assert f'name="in_kind_{university.pk}" value="0.00"' in html
    assert missing_by_section(fresh(proposal))["consortium"] == []


def test_a_contribution_left_empty_is_not_given_and_the_section_says_so(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    lead = proposal.members.get(is_lead=True)
    university = partner(proposal, legal_name="Polytechnique", kind=OrganizationType.POST_SECONDARY)

    response = client_for(applicant).post(
        reverse("intake:application_consortium", kwargs={"pk": proposal.pk}),
        _contributions_post(proposal, **{f"cash_{lead.pk}": "0", f"in_kind_{lead.pk}": "0"}),
    )

    assert response.status_code == 302
    university.refresh_from_db()
    assert (university.cash_contribution, university.in_kind_contribution) == (None, None)
    assert missing_by_section(fresh(proposal))["consortium"] == ["the contributions of Polytechnique"]


def test_consortium_page_shows_the_consortium_rules_live(applicant: User) -> None:
    proposal = invited_proposal(applicant)
    partner(proposal, legal_name="Maple Foundry", kind=OrganizationType.LARGE_COMPANY, employee_count=1200)

    html = client_for(applicant).get(reverse("intake:application_consortium", kwargs={"pk": proposal.pk})).content
    section = html.decode().split('id="section-rules"')[1].split("</section>")[0]
    rules = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))

    # Two organizations where the call asks for three, and no SME among them.
    assert "✗ breaks the rule Partners : 3 organizations required, 2 found: Lead Robotics Inc., Maple Foundry" in rules
