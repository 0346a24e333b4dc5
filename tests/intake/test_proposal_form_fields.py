"""The letter of intent's fields, written by ``BootstrapBoundField.bootstrap`` as crispy-forms wrote them (ADR 0067)."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership, Organization, User
from intake.choices import VersionKind
from intake.forms import ProposalForm
from intake.models import Call, Proposal
from tests.factories import CallFactory, MembershipFactory, OrganizationFactory, ProposalFactory
from tests.written_html import elements

pytestmark = pytest.mark.django_db


CRISPY = engines["django"].from_string("{% load crispy_forms_tags %}{{ field|as_crispy_field }}")

#: Every field wrong: too long, not a choice, not an amount, negative, too many keywords, over the word limit.
WRONG: dict[str, Any] = {
    "title": "t" * 251,
    "lead_organization": "0",
    "summary": "word " * 12,
    "challenge": "word " * 12,
    "technology": "",
    "expected_partners": "word " * 12,
    "estimated_total_cost": "many",
    "estimated_funding_requested": "-5",
    "sectors": ["ocean", "nowhere"],
    "keywords": ", ".join(f"k{index}" for index in range(20)),
}
#: How each form is made: unbound for a draft, unbound for a new letter, posted empty, posted wrong.
MADE = ("draft", "new", "empty", "wrong")


@pytest.fixture
def organization(applicant: User) -> Organization:
    return cast(
        Membership, MembershipFactory(user=applicant, organization=OrganizationFactory(legal_name="Acme & Sons"))
    ).organization


def _call(limited: bool) -> Call:
    call = cast(Call, CallFactory(loi_word_limit=5) if limited else CallFactory(rules=[]))
    assert (call.word_limit(VersionKind.LOI) == 5) if limited else call.word_limit(VersionKind.LOI) is None
    return call


def _form(made: str, *, applicant: User, call: Call, proposal: Proposal) -> ProposalForm:
    if made == "draft":
        return ProposalForm(user=applicant, call=call, proposal=proposal)
    if made == "new":
        return ProposalForm(user=applicant, call=call)
    form = ProposalForm({} if made == "empty" else WRONG, user=applicant, call=call, proposal=proposal)
    assert not form.is_valid()
    return form


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("limited", [False, True], ids=["no-limit", "word-limit"])
@pytest.mark.parametrize("made", MADE)
def test_each_field_is_crispy_s_bootstrap_field(
    applicant: User, organization: Organization, made: str, limited: bool, language: str
) -> None:
    call = _call(limited)
    proposal = cast(
        Proposal,
        ProposalFactory(
            call=call,
            lead_applicant=applicant,
            lead_organization=organization,
            title="Robots <together>",
            sectors=["ocean"],
        ),
    )
    with translation.override(language):
        ours = _form(made, applicant=applicant, call=call, proposal=proposal)
        theirs = _form(made, applicant=applicant, call=call, proposal=proposal)
        for name in ours.fields:
            if name == "loaded_at":
                continue
            written = str(ours[name].bootstrap())
            expected = CRISPY.render({"field": theirs[name]})

            assert elements(written) == elements(expected), name


def test_a_field_with_errors_is_marked_and_described(applicant: User, organization: Organization) -> None:
    form = ProposalForm(WRONG, user=applicant, call=_call(True))
    form.is_valid()

    title, sectors = form["title"].bootstrap(), form["sectors"].bootstrap()

    assert 'class="textinput form-control is-invalid"' in title
    assert 'aria-invalid="true"' in title
    assert '<label for="id_title" class="form-label requiredField">' in title
    assert (
        '<fieldset aria-describedby="id_sectors_helptext id_sectors_error"><legend class="form-label fs-6">' in sectors
    )
    assert sectors.count('class="form-check-input is-invalid"') == 10
    assert 'id="id_sectors_error" class="invalid-feedback"' in sectors


def test_the_draft_page_writes_its_fields_without_crispy(
    applicant_client: Client, applicant: User, organization: Organization
) -> None:
    call = _call(True)
    proposal = cast(
        Proposal,
        ProposalFactory(call=call, lead_applicant=applicant, lead_organization=organization, summary="Robots."),
    )

    page = applicant_client.get(reverse("intake:proposal_update", args=[proposal.pk])).content.decode()

    assert '<div id="div_id_summary" class="mb-3">' in page
    assert 'class="textarea form-control"' in page
    assert 'data-word-limit="5"' in page
    assert '<select name="lead_organization" class="select form-select"' in page
    assert f'name="loaded_at" value="{proposal.updated_at.isoformat()}"' in page
    assert 'id="id_sectors_0"' in page
