"""The eligibility checks on the proposal pages, and staff's page to override a failed one."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from typing import Any, cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from intake.models import Call, ConsortiumMember, EligibilityOverride, Proposal
from intake.selectors import proposal_eligibility
from intake.states import ProposalState
from records.models import AuditRecord
from tests.conftest import client_for
from tests.factories import OrganizationFactory, ProposalFactory
from tests.factories.intake import call_rules_change
from workflow.actions.screening import proposal_override_eligibility

pytestmark = pytest.mark.django_db

MATCHING_MESSAGE = (
    "Industry contributes $2,800,000.00 for $1,000,000.00 from the cluster: 2.80 to 1, below the 3.00 to 1 required"
)


@pytest.fixture
def failing(applicant: User) -> Proposal:
    """A submitted application that fails the matching ratio, and only it."""
    proposal = cast(Proposal, ProposalFactory(state=ProposalState.SUBMITTED, lead_applicant=applicant))
    call_rules_change(Call.objects.get(pk=proposal.call_id), min_matching_ratio=Decimal("3.00"))
    proposal.call.refresh_from_db()
    return proposal


def _url(proposal: Proposal) -> str:
    return reverse("intake:eligibility", kwargs={"pk": proposal.pk})


def test_eligibility_page_lists_every_check_with_a_form_for_the_failed_one(
    failing: Proposal, staff_client: Client
) -> None:
    response = staff_client.get(_url(failing))

    assert response.status_code == 200
    assert [result.check.code for result in response.context["checks"]] == [
        "min_partners",
        "min_smes",
        "funded_types",
        "cluster_share",
        "industry_types",
        "matching_ratio",
        "in_kind_cap",
        "partner_share",
        "project_size",
        "word_limits",
        "attachments",
    ]
    assert [result.check.code for result, _form in response.context["forms"]] == ["matching_ratio"]
    content = response.content.decode()
    assert MATCHING_MESSAGE in content
    assert 'name="check" value="matching_ratio"' in content
    assert 'name="matching_ratio-reason"' in content
    assert content.count(">✓</span> Passed") == 10
    assert "Failed</span>" in content


def test_eligibility_post_overrides_and_shows_the_override_beside_the_check(
    failing: Proposal, staff: User, staff_client: Client
) -> None:
    response = staff_client.post(
        _url(failing), {"check": "matching_ratio", "matching_ratio-reason": "Commitment letters cover the gap."}
    )

    assert response.status_code == 302
    assert response.url == _url(failing)
    override = EligibilityOverride.objects.get(proposal=failing)
    assert (override.check_code, override.reason, override.by) == (
        "matching_ratio",
        "Commitment letters cover the gap.",
        staff,
    )
    assert AuditRecord.objects.filter(proposal=failing, action="override_eligibility").count() == 1
    page = staff_client.get(_url(failing))
    content = page.content.decode()
    assert "Failed, overridden" in content
    assert "Overridden by Sam Staff" in content
    assert "Commitment letters cover the gap." in content
    assert page.context["forms"] == []


def test_eligibility_post_without_reason_keeps_the_form_with_the_error(failing: Proposal, staff_client: Client) -> None:
    response = staff_client.post(_url(failing), {"check": "matching_ratio", "matching_ratio-reason": "  "})

    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="id_matching_ratio-reason-error"' in content
    assert 'aria-invalid="true"' in content
    assert not EligibilityOverride.objects.exists()


def test_eligibility_post_for_a_passing_check_is_refused_as_stale(failing: Proposal, staff_client: Client) -> None:
    response = staff_client.post(_url(failing), {"check": "min_partners", "min_partners-reason": "Just in case"})

    assert response.status_code == 409
    assert "now passes, so there is nothing to override" in response.content.decode()
    assert not EligibilityOverride.objects.exists()


def test_eligibility_post_twice_is_refused_as_stale(failing: Proposal, staff_client: Client) -> None:
    data = {"check": "matching_ratio", "matching_ratio-reason": "Waived."}
    staff_client.post(_url(failing), data)

    response = staff_client.post(_url(failing), data)

    assert response.status_code == 409
    assert "already overridden by Sam Staff" in response.content.decode()
    assert EligibilityOverride.objects.count() == 1


@pytest.mark.parametrize("persona", ["applicant", "other_applicant", "assessor", "board_member"])
def test_eligibility_post_by_others_is_forbidden(
    failing: Proposal, persona: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))

    response = client.post(_url(failing), {"check": "matching_ratio", "matching_ratio-reason": "Mine"})

    assert response.status_code == 403
    assert not EligibilityOverride.objects.exists()


def test_eligibility_post_anonymous_goes_to_login(failing: Proposal) -> None:
    response = Client().post(_url(failing), {"check": "matching_ratio", "matching_ratio-reason": "Mine"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not EligibilityOverride.objects.exists()


def test_applicant_page_shows_the_checks_and_the_override_without_the_name(
    failing: Proposal, staff: User, applicant_client: Client
) -> None:
    proposal_override_eligibility(
        proposal=failing, check_code="matching_ratio", reason="Waived by the board.", by=staff
    )

    response = applicant_client.get(reverse("intake:proposal_detail", kwargs={"pk": failing.pk}))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="eligibility-heading"' in content
    assert MATCHING_MESSAGE in content
    assert "Overridden by program staff" in content
    assert "Waived by the board." in content
    assert "Sam Staff" not in content
    assert '<th scope="col">Override</th>' not in content  # the column is staff's


def test_staff_page_has_the_override_column(failing: Proposal, staff_client: Client) -> None:
    content = staff_client.get(reverse("workflow:proposal_detail", kwargs={"pk": failing.pk})).content.decode()

    assert '<th scope="col">Override</th>' in content


def test_applicant_page_of_a_draft_shows_only_the_word_limits(applicant: User, applicant_client: Client) -> None:
    draft = cast(Proposal, ProposalFactory(lead_applicant=applicant))

    response = applicant_client.get(reverse("intake:proposal_detail", kwargs={"pk": draft.pk}))

    assert [result.check.code for result in response.context["eligibility"]] == ["word_limits"]
    assert "Every text is within 500 words" in response.content.decode()


def test_staff_proposal_page_shows_the_checks_and_links_to_the_override_page(
    failing: Proposal, staff_client: Client
) -> None:
    response = staff_client.get(reverse("workflow:proposal_detail", kwargs={"pk": failing.pk}))

    content = response.content.decode()
    assert response.status_code == 200
    assert MATCHING_MESSAGE in content
    assert f'href="{_url(failing)}"' in content


def test_proposal_eligibility_queries_do_not_grow_with_the_consortium(failing: Proposal) -> None:
    # The call's rule rows are read once per call and kept as a prefetch: each measure reads them afresh.
    failing.call.rules_forget()
    with CaptureQueriesContext(connection) as few:
        proposal_eligibility(proposal=failing)
    for _ in range(5):
        ConsortiumMember.objects.create(
            proposal=failing, organization=OrganizationFactory(), cash_contribution=Decimal("1")
        )
    failing.call.rules_forget()
    with CaptureQueriesContext(connection) as many:
        results = proposal_eligibility(proposal=failing)

    assert len(many) == len(few)
    assert results[0].check.message.startswith("3 organizations required, 8 found: ")


# --- Bound overrides on the page: their figures, lapses and revocations ---------------------------


def _revoke_url(proposal: Proposal, override: EligibilityOverride) -> str:
    return reverse("intake:eligibility_override_revoke", kwargs={"pk": proposal.pk, "override_pk": override.pk})


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_eligibility_page_shows_each_override_with_its_figure_and_limit(
    failing: Proposal, staff: User, staff_client: Client
) -> None:
    proposal_override_eligibility(proposal=failing, check_code="matching_ratio", reason="Waived.", by=staff)

    text = _text(staff_client.get(_url(failing)))

    assert "At the figure 2.80 (limit 3.00)" in text
    assert "Industry matching ratio · Full application in force" in text
    assert "Figure set aside 2.80 (limit 3.00)" in text


def test_eligibility_page_of_a_proposal_the_applicant_can_edit_offers_no_override(
    applicant: User, staff_client: Client
) -> None:
    invited = cast(Proposal, ProposalFactory(state=ProposalState.INVITED, lead_applicant=applicant))
    call_rules_change(Call.objects.get(pk=invited.call_id), min_matching_ratio=Decimal("3.00"))

    page = staff_client.get(_url(invited))
    refused = staff_client.post(_url(invited), {"check": "matching_ratio", "matching_ratio-reason": "Early."})

    assert page.context["forms"] == []
    assert "the applicant can still change it, so its figures are not final" in _text(page)
    assert refused.status_code == 400
    assert "An eligibility check can be overridden only once the proposal is submitted." in _text(refused)
    assert not EligibilityOverride.objects.exists()


def test_eligibility_page_shows_a_lapsed_override_with_its_old_figure_and_audits_the_lapse_once(
    failing: Proposal, staff: User, staff_client: Client
) -> None:
    override = proposal_override_eligibility(proposal=failing, check_code="matching_ratio", reason="Waived.", by=staff)
    call_rules_change(Call.objects.get(pk=failing.call_id), min_matching_ratio=Decimal("3.50"))

    first = staff_client.get(_url(failing))
    second = staff_client.get(_url(failing))

    text = _text(second)
    assert (
        "An override by Sam Staff at the figure 2.80 (limit 3.00) lapsed: now 2.80 (limit 3.50). "
        "Staff must decide anew."
    ) in text
    assert "Industry matching ratio · Full application lapsed" in text
    assert "the figure became 2.80 (limit 3.50)" in text
    assert [result.check.code for result, _form in first.context["forms"]] == ["matching_ratio"]
    override.refresh_from_db()
    assert override.lapsed_at is not None
    assert AuditRecord.objects.filter(proposal=failing, action="override_lapsed").count() == 1


def test_revoke_post_revokes_with_the_reason_and_keeps_the_override(
    failing: Proposal, staff: User, staff_client: Client
) -> None:
    override = proposal_override_eligibility(proposal=failing, check_code="matching_ratio", reason="Waived.", by=staff)
    field = f"revoke-{override.pk}-reason"

    response = staff_client.post(_revoke_url(failing, override), {field: "The board withdrew the waiver."})

    assert response.status_code == 302
    assert response.url == _url(failing)
    override.refresh_from_db()
    assert (override.revoked_by, override.revoked_reason) == (staff, "The board withdrew the waiver.")
    assert AuditRecord.objects.filter(proposal=failing, action="revoke_override").count() == 1
    text = _text(staff_client.get(_url(failing)))
    assert "Industry matching ratio · Full application revoked" in text
    assert "Reason for the revocation The board withdrew the waiver." in text
    assert "✗ Failed" in text


def test_revoke_post_without_a_reason_keeps_the_form_with_the_error(
    failing: Proposal, staff: User, staff_client: Client
) -> None:
    override = proposal_override_eligibility(proposal=failing, check_code="matching_ratio", reason="Waived.", by=staff)

    response = staff_client.post(_revoke_url(failing, override), {f"revoke-{override.pk}-reason": "  "})

    assert response.status_code == 400
    assert f'id="id_revoke-{override.pk}-reason-error"' in response.content.decode()
    override.refresh_from_db()
    assert override.revoked_at is None


def test_revoke_post_of_another_proposals_override_is_404(
    failing: Proposal, staff: User, staff_client: Client, applicant: User
) -> None:
    other = cast(Proposal, ProposalFactory(state=ProposalState.SUBMITTED, lead_applicant=applicant, call=failing.call))
    override = proposal_override_eligibility(proposal=failing, check_code="matching_ratio", reason="Waived.", by=staff)

    response = staff_client.post(_revoke_url(other, override), {f"revoke-{override.pk}-reason": "Wrong page."})

    assert response.status_code == 404
    override.refresh_from_db()
    assert override.revoked_at is None
