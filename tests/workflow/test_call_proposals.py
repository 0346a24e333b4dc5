"""Staff's list of a call's proposals: stage filter, sorting, pages of 60, the eligibility summary, its queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Organization, User
from intake.eligibility import Check
from intake.models import Call, ConsortiumMember, EligibilityOverride, Proposal
from intake.services.call_lists import EligibilitySummary
from intake.states import ProposalState as S
from tests.factories import OrganizationFactory, ProposalFactory, state_put
from tests.intake.test_versions import complete_application
from workflow.actions.screening import proposal_override_eligibility

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _in_state(call: Call, state: str, **fields: Any) -> Proposal:
    """A proposal of ``call`` moved to ``state`` (made as a draft, so no factory fills its application)."""
    proposal = ProposalFactory(call=call, **fields)
    state_put(proposal, state)
    proposal.refresh_from_db()
    return proposal


def _submitted(call: Call, **fields: Any) -> Proposal:
    proposal = complete_application(_in_state(call, S.INVITED, **fields))
    state_put(proposal, S.SUBMITTED)
    proposal.refresh_from_db()
    return proposal


def _get(client: Client, call: Call, **query: Any) -> Any:
    response = client.get(reverse("workflow:call_proposals", args=[call.pk]), query)
    assert response.status_code == 200
    return response


def _titles(response: Any) -> list[str]:
    return [proposal.title for proposal, _forms in response.context["rows"]]


# --- Filters ---------------------------------------------------------------------------------


def test_call_proposals_stage_filter_shows_what_to_do(staff_client: Client, call: Call) -> None:
    _in_state(call, S.LOI_SUBMITTED, title="LOI to screen")
    _submitted(call, title="Application to check")
    _in_state(call, S.DRAFT, title="A draft")

    lois = _get(staff_client, call, stage="loi")
    applications = _get(staff_client, call, stage="application")
    everything = _get(staff_client, call, stage="nonsense")

    assert _titles(lois) == ["LOI to screen"]
    assert _titles(applications) == ["Application to check"]
    assert sorted(_titles(everything)) == ["A draft", "Application to check", "LOI to screen"]
    assert lois.context["page"].paginator.count == 1


def test_call_proposals_stage_and_another_state_match_nothing(staff_client: Client, call: Call) -> None:
    _in_state(call, S.LOI_SUBMITTED, title="LOI to screen")

    response = _get(staff_client, call, stage="loi", state=S.DRAFT)

    assert _titles(response) == []
    assert "No proposal matches." in response.content.decode()


# --- Sorting ---------------------------------------------------------------------------------


def test_call_proposals_sorts_by_title_both_ways(staff_client: Client, call: Call) -> None:
    for title in ("beta", "Alpha", "gamma"):
        _in_state(call, S.DRAFT, title=title)

    ascending = _get(staff_client, call, sort="title")
    descending = _get(staff_client, call, sort="-title")

    assert _titles(ascending) == ["Alpha", "beta", "gamma"]
    assert _titles(descending) == ["gamma", "beta", "Alpha"]
    assert 'aria-sort="ascending"' in ascending.content.decode()
    assert "sort=-title" in ascending.content.decode()  # the heading's link reverses it


def test_call_proposals_sorts_by_lead_organization(staff_client: Client, call: Call) -> None:
    for name in ("Zeta Labs", "acme robotics", "Midway Inc."):
        _in_state(call, S.DRAFT, title=name, lead_organization=OrganizationFactory(legal_name=name))

    response = _get(staff_client, call, sort="lead")

    assert _titles(response) == ["acme robotics", "Midway Inc.", "Zeta Labs"]


def test_call_proposals_sorts_by_funding_requested(staff_client: Client, call: Call) -> None:
    _in_state(call, S.LOI_SUBMITTED, title="Estimate 2M", estimated_funding_requested=Decimal("2000000"))
    _submitted(call, title="Partners ask 1.2M")
    _in_state(call, S.LOI_SUBMITTED, title="Estimate 500k", estimated_funding_requested=Decimal("500000"))

    response = _get(staff_client, call, sort="-funding")

    assert _titles(response) == ["Estimate 2M", "Partners ask 1.2M", "Estimate 500k"]
    assert "$1,200,000" in response.content.decode()


def test_call_proposals_sorts_by_state_and_by_update(staff_client: Client, call: Call) -> None:
    first = _in_state(call, S.SUBMITTED, title="first")
    _in_state(call, S.DRAFT, title="second")
    Proposal.objects.filter(pk=first.pk).update(title="first")  # bumps nothing: update() skips auto_now
    first.save(update_fields=["updated_at"])

    by_state = _get(staff_client, call, sort="state")
    by_update = _get(staff_client, call, sort="-updated")

    assert _titles(by_state) == ["second", "first"]  # "draft" < "submitted"
    assert _titles(by_update)[0] == "first"


def test_call_proposals_ignores_an_unknown_sort(staff_client: Client, call: Call) -> None:
    _in_state(call, S.DRAFT)

    response = _get(staff_client, call, sort="lead_applicant__password")

    assert response.context["sort"] == "-updated"
    assert len(response.context["rows"]) == 1


# --- Pages -----------------------------------------------------------------------------------


def test_call_proposals_pages_keep_the_filters(staff_client: Client, call: Call) -> None:
    ProposalFactory.create_batch(61, call=call)

    first = _get(staff_client, call, sort="title", stage="")
    second = _get(staff_client, call, sort="title", page=2)

    assert (len(first.context["rows"]), len(second.context["rows"])) == (60, 1)
    assert "sort=title&amp;page=2" in first.content.decode()


# --- The eligibility summary -----------------------------------------------------------------


def test_call_proposals_summary_all_pass(staff_client: Client, call: Call) -> None:
    proposal = _submitted(call)

    response = _get(staff_client, call)

    [(row, _forms)] = response.context["rows"]
    assert row.pk == proposal.pk
    assert row.eligibility_summary == EligibilitySummary(failed=0, overridden=0, total=11)
    assert "all pass" in response.content.decode()


def test_call_proposals_summary_counts_failed_checks(staff_client: Client, call: Call) -> None:
    proposal = _submitted(call)
    # Break two rules: the matching ratio (no more industry money) and the SME minimum.
    ConsortiumMember.objects.filter(proposal=proposal).update(cash_contribution=0, in_kind_contribution=0)
    Organization.objects.filter(consortium_memberships__proposal=proposal).update(
        kind="large_company", employee_count=900
    )

    response = _get(staff_client, call)

    [(row, _forms)] = response.context["rows"]
    assert row.eligibility_summary.failed == 2
    assert "2 checks fail" in response.content.decode()


def test_call_proposals_summary_sets_overridden_checks_apart(staff: User, staff_client: Client, call: Call) -> None:
    proposal = _submitted(call)
    ConsortiumMember.objects.filter(proposal=proposal).update(cash_contribution=0, in_kind_contribution=0)
    proposal_override_eligibility(proposal=proposal, check_code=_failed_check(call).code, reason="OK", by=staff)

    response = _get(staff_client, call)

    [(row, _forms)] = response.context["rows"]
    assert row.eligibility_summary == EligibilitySummary(failed=0, overridden=1, total=11)


def test_call_proposals_summary_counts_an_override_of_another_figure_as_no_override(
    staff: User, staff_client: Client, call: Call
) -> None:
    proposal = _submitted(call)
    ConsortiumMember.objects.filter(proposal=proposal).update(cash_contribution=0, in_kind_contribution=0)
    failed = _failed_check(call)
    EligibilityOverride.objects.create(
        proposal=proposal,
        check_code=failed.code,
        stage=failed.stage,
        figure="0.50",  # granted when industry matched half the cluster's funding; it matches nothing now
        limit=failed.limit,
        reason="OK",
        by=staff,
    )

    response = _get(staff_client, call)

    [(row, _forms)] = response.context["rows"]
    assert row.eligibility_summary == EligibilitySummary(failed=1, overridden=0, total=11)


def _failed_check(call: Call) -> Check:
    from intake.eligibility import checks
    from intake.selectors import call_rules, proposal_application

    proposal = Proposal.objects.get(call=call)
    results = checks(
        proposal_application(proposal=proposal, stage="application"),
        call_rules(call=call, stage="application"),
        stage="application",
    )
    [failed] = [check for check in results if not check.passed]
    return failed


def test_call_proposals_summary_only_at_the_application_stage(staff_client: Client, call: Call) -> None:
    _in_state(call, S.LOI_SUBMITTED)

    response = _get(staff_client, call)

    [(row, _forms)] = response.context["rows"]
    assert row.eligibility_summary is None


# --- Queries ---------------------------------------------------------------------------------


def _queries(client: Client, call: Call) -> int:
    with CaptureQueriesContext(connection) as captured:
        _get(client, call)
    return len(captured)


def test_call_proposals_queries_constant_with_1_and_50_proposals(staff_client: Client, call: Call) -> None:
    _submitted(call)
    one = _queries(staff_client, call)
    states = [S.LOI_SUBMITTED, S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED, S.WITHDRAWN]
    for index in range(49):
        if index % 5 == 2:
            _submitted(call)
        else:
            _in_state(call, states[index % len(states)])

    fifty = _queries(staff_client, call)

    assert Proposal.objects.filter(call=call).count() == 50
    assert fifty == one
    # The call is read with its stages, review cut-offs and rule rows (the one query rules as rows added), the rows
    # with their frozen rules.
    assert one <= 12


def test_call_proposals_sorts_a_missing_estimate_last_both_ways(staff_client: Client, call: Call) -> None:
    _in_state(call, S.DRAFT, title="No estimate", estimated_funding_requested=None)
    _in_state(call, S.DRAFT, title="Small", estimated_funding_requested=Decimal("1"))
    _in_state(call, S.DRAFT, title="Large", estimated_funding_requested=Decimal("9"))

    ascending = _get(staff_client, call, sort="funding")
    descending = _get(staff_client, call, sort="-funding")

    assert _titles(ascending) == ["Small", "Large", "No estimate"]
    assert _titles(descending) == ["Large", "Small", "No estimate"]
