"""A call's consortium roles: named by its program's staff, taken by consortium members on the applicant's page."""

from __future__ import annotations

import re
from typing import cast

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.errors import DomainError, StaleAction
from accounts.models import User
from intake.models import Call, ConsortiumRole, Proposal
from intake.services import consortium as consortium_services
from intake.services.consortium_roles import (
    ROLE_ADD,
    ROLE_CHANGE,
    ROLE_REMOVE,
    consortium_role_add,
    consortium_role_change,
    consortium_role_remove,
)
from records.models import AuditRecord
from tests.conftest import client_for
from tests.factories import CallFactory, ProgramFactory, UserFactory
from tests.intake.test_consortium import invited_proposal, partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def call() -> Call:
    return cast(Call, CallFactory(program=ProgramFactory(name_en="Scale AI")))


@pytest.fixture
def other_call() -> Call:
    return cast(Call, CallFactory(program=ProgramFactory(name_en="Ocean")))


@pytest.fixture
def own_staff(call: Call, other_call: Call) -> User:
    return cast(User, UserFactory(role=Role.STAFF, programs=[call.program]))


@pytest.fixture
def own_client(own_staff: User) -> Client:
    return client_for(own_staff)


def _role(call: Call, slug: str, name: str, position: int = 0) -> ConsortiumRole:
    return ConsortiumRole.objects.create(call=call, slug=slug, name_en=name, name_fr=f"{name} (fr)", position=position)


# --- Staff name the roles --------------------------------------------------------------------------


def test_consortium_role_add_makes_the_slug_from_the_english_name_and_audits_on_the_call(
    own_staff: User, call: Call
) -> None:
    _role(call, "adopter", "Adopter", position=3)

    role = consortium_role_add(by=own_staff, call=call, name_en="AI provider", name_fr="Fournisseur d'IA")

    assert (role.slug, role.position) == ("ai-provider", 4)
    record = AuditRecord.objects.get(call=call)
    assert (record.action, record.actor, record.data["after"]["slug"]) == (ROLE_ADD, own_staff, "ai-provider")


def test_consortium_role_add_refuses_a_missing_french_name_and_a_taken_slug(own_staff: User, call: Call) -> None:
    _role(call, "adopter", "Adopter")

    with pytest.raises(ValidationError) as no_french:
        consortium_role_add(by=own_staff, call=call, name_en="AI provider", name_fr="  ")
    with pytest.raises(ValidationError) as taken:
        consortium_role_add(by=own_staff, call=call, name_en="Adopter", name_fr="Adoptant")

    assert list(no_french.value.message_dict) == ["name_fr"]
    assert taken.value.message_dict == {
        "slug": ["Another role of this call has this short name."],
        "name_en": ["Another role of this call has this name."],
    }
    assert ConsortiumRole.objects.count() == 1


def test_consortium_role_change_renames_and_keeps_the_slug(own_staff: User, call: Call) -> None:
    role = _role(call, "adopter", "Adopter")

    consortium_role_change(by=own_staff, role=role, name_en="Technology adopter", name_fr="Adoptant", position=2)

    role.refresh_from_db()
    assert (role.slug, role.name_en, role.name_fr, role.position) == ("adopter", "Technology adopter", "Adoptant", 2)
    record = AuditRecord.objects.get(call=call)
    assert (record.action, record.data["before"]["name_en"]) == (ROLE_CHANGE, "Adopter")


def test_consortium_role_remove_refuses_a_role_a_member_takes(own_staff: User, call: Call, applicant: User) -> None:
    role = _role(call, "adopter", "Adopter")
    proposal = invited_proposal(applicant, call=call)
    proposal.members.get().roles.add(role)

    with pytest.raises(DomainError) as refused:
        consortium_role_remove(by=own_staff, role=role)

    assert "taken by 1 member" in refused.value.message
    assert ConsortiumRole.objects.filter(pk=role.pk).exists()


def test_consortium_role_remove_removes_an_unused_role_and_audits_it(own_staff: User, call: Call) -> None:
    role = _role(call, "adopter", "Adopter")

    consortium_role_remove(by=own_staff, role=role)

    assert not ConsortiumRole.objects.exists()
    assert AuditRecord.objects.get(call=call).action == ROLE_REMOVE


def test_call_consortium_roles_page_adds_a_role_and_keeps_what_was_typed_when_refused(
    own_client: Client, call: Call
) -> None:
    url = reverse("intake:call_consortium_roles", args=[call.pk])

    refused = own_client.post(url, {"name_en": "Adopter", "name_fr": "", "slug": ""})
    added = own_client.post(url, {"name_en": "Adopter", "name_fr": "Adoptant", "slug": "user"})

    assert refused.status_code == 400
    assert refused.context["form"].errors == {"name_fr": ["This field is required."]}
    assert 'value="Adopter"' in refused.content.decode()
    assert added.status_code == 302
    assert list(ConsortiumRole.objects.values_list("slug", "name_en", "name_fr")) == [("user", "Adopter", "Adoptant")]


def test_call_consortium_roles_page_lists_the_roles_with_how_many_take_them(
    own_client: Client, call: Call, applicant: User, django_assert_max_num_queries: object
) -> None:
    used = _role(call, "adopter", "Adopter")
    _role(call, "provider", "AI provider", position=1)
    invited_proposal(applicant, call=call).members.get().roles.add(used)

    response = own_client.get(reverse("intake:call_consortium_roles", args=[call.pk]))

    assert [(role.slug, role.taken) for role in response.context["roles"]] == [("adopter", 1), ("provider", 0)]
    page = response.content.decode()
    assert page.count('btn btn-sm btn-outline-danger"') == 1  # only the unused role offers its removal


def test_consortium_role_pages_answer_404_to_staff_of_another_program(own_client: Client, other_call: Call) -> None:
    role = _role(other_call, "adopter", "Adopter")

    outcomes = [
        own_client.get(reverse("intake:call_consortium_roles", args=[other_call.pk])).status_code,
        own_client.post(reverse("intake:call_consortium_roles", args=[other_call.pk]), {}).status_code,
        own_client.get(reverse("intake:consortium_role_update", args=[role.pk])).status_code,
        own_client.post(reverse("intake:consortium_role_remove", args=[role.pk])).status_code,
    ]

    assert outcomes == [404, 404, 404, 404]
    assert ConsortiumRole.objects.filter(pk=role.pk).exists()


def test_consortium_role_remove_page_says_why_a_taken_role_stays(
    own_client: Client, call: Call, applicant: User
) -> None:
    role = _role(call, "adopter", "Adopter")
    invited_proposal(applicant, call=call).members.get().roles.add(role)

    response = own_client.post(reverse("intake:consortium_role_remove", args=[role.pk]))

    assert response.status_code == 400
    assert "it cannot be removed" in response.content.decode()


# --- Applicants take them ------------------------------------------------------------------------------


def _consortium_url(proposal: Proposal) -> str:
    return reverse("intake:application_consortium", kwargs={"pk": proposal.pk})


def _post(proposal: Proposal, roles: dict[int, list[int]]) -> dict[str, object]:
    data: dict[str, object] = {"loaded_at": proposal.updated_at.isoformat()}
    for member in proposal.members.all():
        data[f"cash_{member.pk}"] = "0"
        data[f"in_kind_{member.pk}"] = "0"
        data[f"roles_{member.pk}"] = [str(pk) for pk in roles.get(member.pk, [])]
    return data


def test_consortium_page_asks_no_role_when_the_call_names_none(applicant: User, call: Call) -> None:
    proposal = invited_proposal(applicant, call=call)

    response = client_for(applicant).get(_consortium_url(proposal))

    assert "Roles in the consortium" not in response.content.decode()
    assert not [name for name in response.context["contributions_form"].fields if name.startswith("roles_")]


def test_consortium_page_saves_each_members_roles(applicant: User, call: Call) -> None:
    adopter, provider = _role(call, "adopter", "Adopter"), _role(call, "provider", "AI provider", position=1)
    proposal = invited_proposal(applicant, call=call)
    lead, other = proposal.members.get(is_lead=True), partner(proposal)
    client = client_for(applicant)

    page = client.get(_consortium_url(proposal)).content.decode()
    response = client.post(_consortium_url(proposal), _post(proposal, {lead.pk: [adopter.pk, provider.pk]}))

    assert f'name="roles_{lead.pk}" value="{adopter.pk}"' in page
    assert f'<legend class="visually-hidden">Roles of {lead.organization.legal_name} in the consortium</legend>' in page
    assert response.status_code == 302
    assert set(lead.roles.values_list("slug", flat=True)) == {"adopter", "provider"}
    assert list(other.roles.all()) == []


def test_consortium_page_takes_roles_off_when_unticked(applicant: User, call: Call) -> None:
    adopter = _role(call, "adopter", "Adopter")
    proposal = invited_proposal(applicant, call=call)
    lead = proposal.members.get()
    lead.roles.add(adopter)

    response = client_for(applicant).post(_consortium_url(proposal), _post(proposal, {}))

    assert response.status_code == 302
    assert list(lead.roles.all()) == []


def test_consortium_page_refuses_a_role_of_another_call(applicant: User, call: Call, other_call: Call) -> None:
    _role(call, "adopter", "Adopter")
    foreign = _role(other_call, "adopter", "Adopter")
    proposal = invited_proposal(applicant, call=call)
    lead = proposal.members.get()

    response = client_for(applicant).post(_consortium_url(proposal), _post(proposal, {lead.pk: [foreign.pk]}))

    assert response.status_code == 400
    assert list(lead.roles.all()) == []


def test_contributions_save_refuses_a_role_the_call_no_longer_names(applicant: User, call: Call) -> None:
    proposal = invited_proposal(applicant, call=call)
    lead = proposal.members.get()
    gone = _role(call, "adopter", "Adopter")
    gone_pk = gone.pk
    gone.delete()

    with pytest.raises(StaleAction):
        consortium_services.contributions_save(
            proposal=proposal,
            by=applicant,
            expected_updated_at=proposal.updated_at,
            contributions={lead.pk: (None, None)},
            roles={lead.pk: {gone_pk}},
        )


def test_consortium_page_shows_the_roles_read_only_once_submitted(applicant: User, call: Call) -> None:
    adopter = _role(call, "adopter", "Adopter")
    proposal = invited_proposal(applicant, call=call)
    proposal.members.get().roles.add(adopter)
    Proposal.objects.filter(pk=proposal.pk).update(state="submitted")

    page = client_for(applicant).get(_consortium_url(proposal)).content.decode()

    assert re.search(r"<td>\s*Adopter\s*</td>", page)
    assert 'type="checkbox"' not in page
