"""The letter of intent: its texts held to the call's word limit, its amounts parsed strictly, drafts saved any time."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.choices import Role
from accounts.models import Membership, Organization, User
from intake import services
from intake.eligibility import word_count as count_words
from intake.forms.consortium import MoneyField
from intake.models import Call, CoApplicant, Proposal, Stage
from tests.conftest import client_for
from tests.factories import CallFactory, MembershipFactory, OrganizationFactory, ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call() -> Call:
    return cast(Call, CallFactory(loi_word_limit=5))


@pytest.fixture
def organization(applicant: User) -> Organization:
    return cast(Membership, MembershipFactory(user=applicant, organization=OrganizationFactory())).organization


@pytest.fixture
def proposal(call: Call, applicant: User, organization: Organization) -> Proposal:
    return cast(
        Proposal,
        ProposalFactory(
            call=call,
            lead_applicant=applicant,
            lead_organization=organization,
            summary="Robots.",
            challenge="",
            technology="",
            expected_partners="",
            estimated_total_cost=None,
            estimated_funding_requested=None,
        ),
    )


def _data(proposal: Proposal, **fields: str) -> dict[str, Any]:
    return {
        "title": proposal.title,
        "lead_organization": proposal.lead_organization_id,
        "summary": proposal.summary,
        "challenge": "",
        "technology": "",
        "expected_partners": "",
        "estimated_total_cost": "",
        "estimated_funding_requested": "",
        "loaded_at": proposal.updated_at.isoformat(),
        **fields,
    }


def _edit(client: Client, proposal: Proposal, **fields: str) -> Any:
    return client.post(reverse("intake:proposal_update", args=[proposal.pk]), _data(proposal, **fields))


def test_loi_form_shows_the_word_limit_and_the_live_counter_script(
    applicant_client: Client, proposal: Proposal
) -> None:
    response = applicant_client.get(reverse("intake:proposal_update", args=[proposal.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('data-word-limit="5"') == 4
    assert "Up to 5 words." in content
    assert "js/word-count" in content


def test_loi_saves_every_field(applicant_client: Client, proposal: Proposal) -> None:
    response = _edit(
        applicant_client,
        proposal,
        challenge="Lines stop for tests.",
        technology="A digital twin.",
        expected_partners="Two SMEs.",
        estimated_total_cost="3,000,000.50",
        estimated_funding_requested="1000000",
    )

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert (proposal.challenge, proposal.technology, proposal.expected_partners) == (
        "Lines stop for tests.",
        "A digital twin.",
        "Two SMEs.",
    )
    assert proposal.estimated_total_cost == Decimal("3000000.50")
    assert proposal.estimated_funding_requested == Decimal("1000000.00")


def test_loi_incomplete_draft_is_saved(applicant_client: Client, proposal: Proposal) -> None:
    response = _edit(applicant_client, proposal, summary="", technology="Only this.")

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert (proposal.summary, proposal.technology) == ("", "Only this.")
    assert "the challenge" in proposal.missing_for_submission()


def test_loi_over_the_word_limit_is_refused_naming_count_and_limit_and_keeps_the_text(
    applicant_client: Client, proposal: Proposal
) -> None:
    response = _edit(applicant_client, proposal, challenge="one two three four five six seven", technology="Kept.")

    proposal.refresh_from_db()
    content = response.content.decode()
    assert response.status_code == 400
    assert "This text has 7 words; the limit is 5. Shorten it by 2 words." in content
    assert "one two three four five six seven" in content
    assert "Kept." in content
    assert proposal.challenge == ""


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "An amount cannot be negative."),
        ("12abc", "Enter an amount in dollars, such as 12500 or 12,500.00."),
        ("1e6", "Enter an amount in dollars, such as 12500 or 12,500.00."),
        ("1,00,000", "Enter an amount in dollars, such as 12500 or 12,500.00."),
        ("10.555", "Enter an amount in dollars, such as 12500 or 12,500.00."),
        ("NaN", "Enter an amount in dollars, such as 12500 or 12,500.00."),
    ],
)
def test_loi_malformed_amount_is_refused_beside_the_field(
    applicant_client: Client, proposal: Proposal, typed: str, message: str
) -> None:
    response = _edit(applicant_client, proposal, estimated_total_cost=typed, challenge="Still here.")

    proposal.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].errors["estimated_total_cost"] == [message]
    assert "Still here." in response.content.decode()
    assert proposal.estimated_total_cost is None


def test_loi_stale_save_is_refused_and_keeps_the_typed_text(
    applicant: User, applicant_client: Client, proposal: Proposal
) -> None:
    data = _data(proposal, challenge="My careful words.")
    services.proposal_update(
        proposal=proposal,
        by=applicant,
        title="Renamed",
        summary="Other tab.",
        lead_organization=proposal.lead_organization,
        expected_updated_at=proposal.updated_at,
    )

    response = applicant_client.post(reverse("intake:proposal_update", args=[proposal.pk]), data)

    proposal.refresh_from_db()
    assert response.status_code == 409
    assert "My careful words." in response.content.decode()
    assert proposal.challenge == ""


def test_loi_after_the_deadline_is_refused_and_keeps_the_draft(applicant_client: Client, proposal: Proposal) -> None:
    Stage.objects.filter(call_id=proposal.call_id, kind="loi").update(closes_at=timezone.now() - timedelta(minutes=1))

    response = _edit(applicant_client, proposal, challenge="Too late.")

    proposal.refresh_from_db()
    assert response.status_code == 400
    assert "Too late." in response.content.decode()
    assert proposal.challenge == ""


def test_loi_create_saves_the_letters_fields(applicant_client: Client, call: Call, organization: Organization) -> None:
    response = applicant_client.post(
        reverse("intake:proposal_create", args=[call.pk]),
        {
            "title": "Testbed",
            "lead_organization": organization.pk,
            "summary": "",
            "challenge": "Stops.",
            "technology": "",
            "expected_partners": "",
            "estimated_total_cost": "",
            "estimated_funding_requested": "250,000",
        },
    )

    proposal = Proposal.objects.get(title="Testbed")
    assert response.status_code == 302
    assert (proposal.challenge, proposal.estimated_funding_requested) == ("Stops.", Decimal("250000"))


def test_loi_co_applicant_cannot_change_the_letter(applicant: User, proposal: Proposal) -> None:
    co = cast(User, UserFactory(role=Role.APPLICANT))
    MembershipFactory(user=co, organization=proposal.lead_organization)
    CoApplicant.objects.create(proposal=proposal, user=co, invited_by=applicant)

    response = _edit(client_for(co), proposal, challenge="Mine now.")

    proposal.refresh_from_db()
    assert response.status_code == 403
    assert proposal.challenge == ""


def test_loi_other_applicant_gets_404(other_applicant_client: Client, proposal: Proposal) -> None:
    assert _edit(other_applicant_client, proposal, challenge="Hijack.").status_code == 404


def test_loi_service_refuses_a_negative_amount(applicant: User, proposal: Proposal) -> None:
    with pytest.raises(ValidationError) as error:
        services.proposal_update(
            proposal=proposal,
            by=applicant,
            title=proposal.title,
            summary="",
            lead_organization=proposal.lead_organization,
            expected_updated_at=proposal.updated_at,
            estimated_total_cost=Decimal("-1"),
        )

    assert error.value.message_dict == {"estimated_total_cost": ["An amount cannot be negative."]}


def test_loi_service_still_checks_what_was_typed_against_the_model(applicant: User, proposal: Proposal) -> None:
    with pytest.raises(ValidationError) as error:
        services.proposal_update(
            proposal=proposal,
            by=applicant,
            title="T" * 301,
            summary="",
            lead_organization=proposal.lead_organization,
            expected_updated_at=proposal.updated_at,
        )

    assert list(error.value.message_dict) == ["title"]
    proposal.refresh_from_db()
    assert proposal.title != "T" * 301


def test_loi_save_reads_no_row_it_already_holds_nor_checks_the_stored_constraints_again(
    applicant: User, proposal: Proposal
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services.proposal_update(
            proposal=proposal,
            by=applicant,
            title="A shared testbed",
            summary="Four partners.",
            lead_organization=proposal.lead_organization,
            expected_updated_at=proposal.updated_at,
            estimated_total_cost=Decimal("3000000"),
        )

    statements = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in statements if sql.startswith('SELECT 1 AS "a"') and "accounts_membership" not in sql]
    assert not [sql for sql in statements if '"_check"' in sql]
    proposal.refresh_from_db()
    assert (proposal.title, proposal.estimated_total_cost) == ("A shared testbed", Decimal("3000000"))


@pytest.mark.parametrize(("text", "count"), [("", 0), ("  one  ", 1), ("one\ntwo\tthree", 3), ("l'été — oui", 3)])
def test_count_words(text: str, count: int) -> None:
    assert count_words(text) == count


def test_money_field_accepts_a_dollar_sign_and_grouping() -> None:
    assert MoneyField().clean("$1,234,567.8") == Decimal("1234567.8")


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("12 500,50", "12500.50"),
        ("1\u202f234\u202f567,8 $", "1234567.8"),
        ("12500.50", "12500.50"),
        ("3000000", "3000000"),
    ],
)
def test_money_field_reads_amounts_as_written_in_french(typed: str, amount: str) -> None:
    with translation.override("fr"):
        assert MoneyField().clean(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["1,234", "12,500.50", "1.234,50"])
def test_money_field_refuses_in_french_what_a_comma_would_make_ambiguous(typed: str) -> None:
    with translation.override("fr"), pytest.raises(ValidationError):
        MoneyField().clean(typed)


# --- Sectors and keywords: what assessors are matched on ----------------------------------------


def test_loi_saves_sectors_and_keywords_trimmed_and_each_once(applicant_client: Client, proposal: Proposal) -> None:
    data = _data(proposal, keywords=" Robotics ,computer   vision; robotics,\nLidar ")
    data["sectors"] = ["advanced_manufacturing", "artificial_intelligence"]

    response = applicant_client.post(reverse("intake:proposal_update", args=[proposal.pk]), data)

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.sectors == ["advanced_manufacturing", "artificial_intelligence"]
    assert proposal.keywords == ["Robotics", "computer vision", "Lidar"]
    shown = applicant_client.get(reverse("intake:proposal_update", args=[proposal.pk])).content.decode()
    assert 'value="Robotics, computer vision, Lidar"' in shown


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"sectors": ["fishing"]}, "Select a valid choice"),
        ({"keywords": ", ".join(f"word{index}" for index in range(13))}, "at most 12 keywords"),
        ({"keywords": "x" * 61}, "under 60 characters"),
    ],
)
def test_loi_refuses_unknown_sectors_and_too_many_or_too_long_keywords_keeping_the_text(
    applicant_client: Client, proposal: Proposal, fields: dict[str, Any], message: str
) -> None:
    response = applicant_client.post(
        reverse("intake:proposal_update", args=[proposal.pk]), {**_data(proposal, challenge="Kept."), **fields}
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    assert "Kept." in content
    proposal.refresh_from_db()
    assert (proposal.sectors, proposal.keywords, proposal.challenge) == ([], [], "")


def test_loi_service_refuses_an_unknown_sector(applicant: User, proposal: Proposal) -> None:
    with pytest.raises(ValidationError, match="Unknown sector"):
        services.proposal_update(
            proposal=proposal,
            by=applicant,
            title=proposal.title,
            summary=proposal.summary,
            lead_organization=proposal.lead_organization,
            expected_updated_at=proposal.updated_at,
            sectors=["fishing"],
        )
